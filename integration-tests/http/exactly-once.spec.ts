/**
 * Exactly-once refunds, for every processor and every fault, through one real Medusa app with all
 * five providers registered (and the example processor of test/fixtures, integration-tests/helpers/kits-under-test.ts,
 * which runs on the harness's defaults): the admin refunds (POST /admin/payments/:id/refund) while the
 * processor's emulator misbehaves as scripted (its control API, POST /__emulator/faults), then
 * retries as an admin would when the first attempt failed. Every scenario ends with exactly one
 * refund at the processor and the same in Medusa (same count, same exact total, every Medusa
 * refund once in the payment's ledger), and any failure the admin saw says what happened.
 * Also: the answer lost for good and the admin's retry under a new refund id (medusajs/medusa#16681),
 * a restart between the processor's answer and Medusa's write, a failed write leaving an orphan,
 * bad amounts, and 20 concurrent partial refunds of one payment.
 *
 * The processors run side by side (one lane each, its own payment and emulator); within a lane the
 * scenarios run one after another on one captured payment, each refunding its own amount, so a
 * scenario's refunds are told apart from the others'. Each outcome goes to
 * .cache/exactly-once/tally.json and a table printed at the end (docs/exactly-once.md, "Faults and bad input tried").
 */
import path from "node:path"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import type { Fault } from "../../src/emulators/core/faults"
import type { CheckoutEmulator } from "../../src/emulators/checkout"
import { seedStore, type SeededStore } from "../helpers"
import {
  adminRefund,
  armAfter,
  clearFaults,
  injectFaults,
  madeBetween,
  MAX_RETRIES,
  observe,
  processorsUnderTest,
  refundSends,
  settled,
  startProcessors,
  Tally,
  until,
  type AdminAttempt,
  type Ctx,
  type FaultRuleBody,
  type Observed,
  type PaidPayment,
  type ProcessorName,
  type ProcessorUnderTest,
  type Refunds,
} from "../helpers/exactly-once"
import { KITS_UNDER_TEST } from "../helpers/kits-under-test"

jest.setTimeout(300_000)

const processors = processorsUnderTest(KITS_UNDER_TEST)
const tally = new Tally()
const TALLY_FILE = path.resolve(__dirname, "../../.cache/exactly-once/tally.json")
const COMMAND = "DB_HOST=localhost node scripts/test.js --selectProjects integration --testPathPattern exactly-once"
const started = Date.now()
let stopProcessors: (() => Promise<void>) | undefined

// Top-level hooks run before the runner's own beforeAll, which loads medusa-config.ts.
beforeAll(async () => {
  stopProcessors = await startProcessors(processors)
})
afterAll(async () => {
  await stopProcessors?.()
  tally.write(TALLY_FILE, { command: COMMAND, seconds: Math.round((Date.now() - started) / 1000) })
  process.stdout.write(`\nExactly-once tally (${TALLY_FILE}):\n${tally.summary(processors.map((p) => p.name))}\n\n`)
})

/** Every payment is a 47.34 order (30 + 12.34 + 5 shipping), captured. */
const CAPTURED_MINOR = 4734n
const EVERY_ATTEMPT = MAX_RETRIES + 1

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
const name = (p: ProcessorUnderTest) => escape(p.profile.processor)
const timedOut = (p: ProcessorUnderTest) => new RegExp(`${name(p)} did not answer in time\\. The operation may have been applied: check the payment`)
const outage = (p: ProcessorUnderTest, status: number) => new RegExp(`\\(HTTP ${status}\\b.*\\)\\. ${name(p)} is having an outage`)
const rateLimited = (p: ProcessorUnderTest) => new RegExp(`\\(HTTP 429\\b.*\\)\\. ${name(p)} is rate-limiting the store`)
const unreachable = (p: ProcessorUnderTest) => new RegExp(`${name(p)} could not be reached`)

type Expected =
  /** The admin's first attempt refunds, once. */
  | { first: "refunded" }
  /** The first attempt fails with this message; `applied`: the processor made the refund anyway (the ambiguous case). */
  | { first: "failed"; message: RegExp; applied: boolean }

const refunded: Expected = { first: "refunded" }
const failed = (message: RegExp, applied: boolean): Expected => ({ first: "failed", message, applied })

interface FaultScenario {
  title: string
  only?: ProcessorName[]
  /** Rules for POST /__emulator/faults, set before the admin's refund. */
  faults(p: ProcessorUnderTest): FaultRuleBody[]
  /** Once the refund has been sent, the reads that would find it fail too: the answer is lost for good. */
  loseAnswer?: boolean
  /** The faulted request is applied after the client gave up: wait for it before looking. */
  appliedLate?: boolean
  /** The processor answered the faulted request (429, 5xx) without making the refund. */
  answered?: boolean
  expected(p: ProcessorUnderTest): Expected
}

const onRefund = (p: ProcessorUnderTest, fault: Fault, times?: number): FaultRuleBody[] => [{ ...p.refundRoute, fault, ...(times ? { times } : {}) }]

const FAULTS: FaultScenario[] = [
  {
    title: "added latency (300 ms, under the 1 s timeout)",
    faults: (p) => onRefund(p, { kind: "latency", ms: 300 }),
    expected: () => refunded,
  },
  {
    title: "latency past the timeout (applied after the client gave up)",
    faults: (p) => onRefund(p, { kind: "latency", ms: 2500 }),
    appliedLate: true,
    expected: (p) => (p.resendsRefunds ? refunded : failed(timedOut(p), true)),
  },
  {
    title: "HTTP 500",
    faults: (p) => onRefund(p, { kind: "status", status: 500 }),
    answered: true,
    expected: (p) => (p.resendsRefunds || p.resendsAfterReconciling ? refunded : failed(outage(p, 500), false)),
  },
  {
    title: "HTTP 503",
    faults: (p) => onRefund(p, { kind: "status", status: 503 }),
    answered: true,
    expected: (p) => (p.resendsRefunds || p.resendsAfterReconciling ? refunded : failed(outage(p, 503), false)),
  },
  {
    title: "HTTP 429 with Retry-After: 1",
    faults: (p) => onRefund(p, { kind: "status", status: 429, retryAfter: "1" }),
    answered: true,
    expected: (p) => (p.resendsRefunds || p.resendsAfterReconciling ? refunded : failed(rateLimited(p), false)),
  },
  {
    title: "connection reset before any response",
    faults: (p) => onRefund(p, { kind: "reset" }),
    expected: (p) => (p.resendsRefunds ? refunded : failed(unreachable(p), false)),
  },
  {
    title: "connection reset after the processor applied it",
    faults: (p) => onRefund(p, { kind: "reset_after_apply" }),
    expected: () => refunded,
  },
  {
    title: "timeout after the processor applied it (ambiguous)",
    faults: (p) => onRefund(p, { kind: "timeout_after_apply", holdMs: 3000 }),
    expected: () => refunded,
  },
  {
    title: "timeout after apply, on every attempt",
    faults: (p) => onRefund(p, { kind: "timeout_after_apply", holdMs: 3000 }, EVERY_ATTEMPT),
    // Fiserv and Dodo read the processor after a failed send and find the refund.
    expected: (p) => (p.readsAfterFailedSend.length ? refunded : failed(timedOut(p), true)),
  },
  {
    title: "answer lost for good, admin retries under a new refund id (medusa#16681)",
    faults: (p) => onRefund(p, { kind: "timeout_after_apply", holdMs: 3000 }, EVERY_ATTEMPT),
    loseAnswer: true,
    expected: (p) => failed(timedOut(p), true),
  },
  {
    title: "malformed JSON answer (after applying)",
    faults: (p) => onRefund(p, { kind: "malformed_json" }),
    expected: () => refunded,
  },
  {
    title: "wrong content type, text/html (after applying)",
    faults: (p) => onRefund(p, { kind: "wrong_content_type" }),
    expected: () => refunded,
  },
  {
    title: "stale HMAC timestamp window (401)",
    only: ["fiserv"],
    faults: (p) => onRefund(p, { kind: "custom", name: "stale_timestamp" }),
    expected: () => failed(/\(HTTP 401\b.*Timestamp is outside the 5-minute time limit\)/, false),
  },
]

/** "Clover is having an outage." from "Clover could not refund the payment (HTTP 503: …). Clover is having an outage. Try again later." */
function gist(message: string | undefined): string {
  if (!message) return ""
  const advice = message.includes("). ") ? message.slice(message.lastIndexOf("). ") + 3) : message
  const sentence = advice.split(/(?<=\.)\s/)[0]!
  return sentence.length > 90 ? `${sentence.slice(0, 87)}…` : sentence
}

const minors = (xs: Array<{ minor: string }>) => xs.map((x) => x.minor).sort()
const counting = (seen: Observed) => seen.ledger.filter((e) => e.status !== "failed")
const messagesOf = (...attempts: Array<AdminAttempt | undefined>) => attempts.flatMap((a) => (a?.message ? [a.message] : []))

/** The scenario made exactly these refunds at the processor and in Medusa. */
function expectMade(made: Refunds, expectedMinors: string[]) {
  expect(minors(made.atProcessor)).toEqual([...expectedMinors].sort())
  expect(minors(made.inMedusa)).toEqual([...expectedMinors].sort())
}

/** The payment as a whole: the same total at the processor, in Medusa and in the ledger, every Medusa refund once in the ledger. */
function expectConsistent(seen: Observed) {
  expect(seen.atProcessor).toHaveLength(seen.inMedusa.length)
  expect(seen.processorMinor).toBe(seen.medusaMinor)
  expect(seen.processorMinor).toBeLessThanOrEqual(CAPTURED_MINOR)
  expect(counting(seen).map((e) => e.medusa_refund_id).sort()).toEqual(seen.inMedusa.map((r) => r.id).sort())
  expect(seen.ledgerMinor).toBe(seen.processorMinor)
}

interface Lane {
  c: Ctx
  p: ProcessorUnderTest
  paid: PaidPayment
  /** What the last step left (its `before` for the next step); undefined: look again. */
  last?: Observed
}

interface Step {
  title: string
  run(lane: Lane): Promise<void>
}

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore
    const ctx = (): Ctx => ({ api, container: getContainer(), store })

    beforeAll(async () => {
      // One store for every processor; the runner snapshots the database after this and restores it before each test.
      store = await seedStore(api, getContainer(), {
        providerIds: processors.map((p) => p.providerId),
        variants: [
          { title: "Large", sku: "ONCE-LARGE", amount: 30, stock: 1000 },
          { title: "Small", sku: "ONCE-SMALL", amount: 12.34, stock: 1000 },
        ],
        shippingAmount: 5,
      })
    })
    beforeEach(async () => {
      await Promise.all(processors.map((p) => p.reset()))
    })

    /**
     * One lane per processor, side by side: a captured payment, then the steps one after another
     * (a failing step does not stop the lane, so every outcome is tallied). Fails naming every
     * processor and step that failed.
     */
    async function lanes(targets: ProcessorUnderTest[], steps: (p: ProcessorUnderTest) => Step[]) {
      const results = await Promise.allSettled(
        targets.map(async (p) => {
          const c = ctx()
          const lane: Lane = { c, p, paid: await p.pay(c) }
          const failures: string[] = []
          for (const step of steps(p)) {
            try {
              await step.run(lane)
            } catch (error) {
              failures.push(`[${step.title}] ${(error as Error)?.message ?? String(error)}`)
            }
            await clearFaults(p.emulator) // nothing of one step leaks into the next
          }
          if (failures.length) throw new Error(failures.join("\n"))
        })
      )
      const failures = results.flatMap((r, i) => (r.status === "rejected" ? [`--- ${targets[i]!.label}:\n${(r.reason as Error)?.message ?? String(r.reason)}`] : []))
      if (failures.length) throw new Error(failures.join("\n\n"))
    }

    /** The fault scripted, the admin's refund of `amount`, their retry when it failed; then what each side holds. */
    async function faultStep(lane: Lane, s: FaultScenario, amount: number, amountMinor: string) {
      const { c, p, paid } = lane
      const before = lane.last ?? (await observe(c, p, paid))
      lane.last = undefined
      const sendsBefore = refundSends(p).length
      const expected = s.expected(p)
      await injectFaults(p.emulator, s.faults(p))
      if (s.loseAnswer) {
        armAfter(p.emulator, p.refundRoute, p.readsAfterFailedSend.map((r) => ({ ...r, times: EVERY_ATTEMPT, fault: { kind: "status", status: 503 } })))
      }

      const first = await adminRefund(c, paid.payment.id, amount)
      if (s.appliedLate) {
        await until(`the delayed refund to reach ${p.label}`, () => (refundSends(p).slice(sendsBefore).some((r) => r.fault === "latency") ? true : undefined), 15_000)
      }
      const afterFirst = first.ok ? undefined : madeBetween(before, await observe(c, p, paid))
      const sendsAfterFirst = refundSends(p).length - sendsBefore
      let retry: AdminAttempt | undefined
      if (!first.ok) {
        // The outage is over by the time the admin tries again.
        await clearFaults(p.emulator)
        retry = await adminRefund(c, paid.payment.id, amount)
      }
      const seen = await settled(c, p, paid)
      const made = madeBetween(before, seen)
      const sends = refundSends(p).slice(sendsBefore)
      const lostAnswers = sends.filter((r) => r.fault && r.applied !== false && r.fault !== "latency").length

      let outcome: string
      if (first.ok) {
        outcome =
          sends.length > 1
            ? `1 refund (${sends.length} sends, one key)`
            : lostAnswers > 0
              ? "1 refund (answer lost; found by reading the processor)"
              : "1 refund"
      } else {
        const retried = retry?.ok
          ? sends.length === sendsAfterFirst
            ? "retry adopts it, sends nothing"
            : "retry sends it"
          : `retry fails too: ${gist(retry?.message)}`
        outcome = `refused ${first.status} "${gist(first.message)}", ${afterFirst!.atProcessor.length} at processor / ${afterFirst!.inMedusa.length} in Medusa; ${retried} → ${made.atProcessor.length} refund`
      }

      let passed = false
      try {
        if (expected.first === "refunded") {
          expect({ ok: first.ok, message: first.message }).toEqual({ ok: true, message: undefined })
          if (p.keyHeader) expect(new Set(sends.map((r) => r.headers[p.keyHeader!])).size).toBe(1) // every resend under one key
        } else {
          expect(first.ok).toBe(false)
          expect(first.message).toMatch(expected.message)
          expect(afterFirst!.inMedusa).toHaveLength(0) // Medusa dropped its refund
          expect(afterFirst!.atProcessor).toHaveLength(expected.applied ? 1 : 0)
          expect({ ok: retry?.ok, message: retry?.message }).toEqual({ ok: true, message: undefined })
          // After an attempt that reached the processor, the retry (a new Medusa refund id) adopts it.
          if (expected.applied) expect(sends).toHaveLength(sendsAfterFirst)
        }
        // Without an idempotency key a refund is resent only after an answer that ended the request
        // (429, 5xx) and a read that shows it was not made: one send per admin attempt otherwise.
        if (!p.resendsRefunds) {
          const resentAfterAnswer = s.answered && p.resendsAfterReconciling
          expect(sends).toHaveLength((expected.first === "failed" && !expected.applied) || resentAfterAnswer ? 2 : 1)
        }
        expectMade(made, [amountMinor])
        expectConsistent(seen)
        lane.last = seen
        passed = true
      } finally {
        tally.record({ processor: p.name, scenario: s.title, made, sends: sends.length, outcome, messages: messagesOf(first, retry), passed })
      }
    }

    /** Checkout.com refunds asynchronously: an attempt whose answer was lost stays pending, out of the payment's actions. */
    function pendingAtCheckout(p: ProcessorUnderTest, amount: number, amountMinor: string): Step {
      const title = "answer lost while the refund is still pending at the processor"
      return {
        title,
        run: async (lane) => {
          const { c, paid } = lane
          const emu = p.emulator as CheckoutEmulator
          const before = lane.last ?? (await observe(c, p, paid))
          const sendsAtStart = refundSends(p).length
          lane.last = undefined
          emu.refundDelayMs = null // refunds stay pending (not among the payment's actions) until settled
          let first: AdminAttempt | undefined, refused: AdminAttempt | undefined, third: AdminAttempt | undefined
          let afterRefused: Refunds | undefined, seen: Observed | undefined
          let passed = false
          try {
            await injectFaults(emu, onRefund(p, { kind: "timeout_after_apply", holdMs: 3000 }, EVERY_ATTEMPT))
            first = await adminRefund(c, paid.payment.id, amount)
            await clearFaults(emu)
            refused = await adminRefund(c, paid.payment.id, amount)
            afterRefused = madeBetween(before, await observe(c, p, paid))
            const sendsBefore = refundSends(p).length
            emu.settleRefunds()
            third = await adminRefund(c, paid.payment.id, amount)
            seen = await settled(c, p, paid)
            expect(first.message).toMatch(timedOut(p))
            // Refused before sending, and the admin reads why (a CONFLICT would reach the admin as Medusa's
            // generic "The request conflicted with another request" instead).
            expect(refused.status).toBe(400)
            expect(refused.message).toMatch(/a refund Medusa does not know is still being processed.*Sync/s)
            expect(minors(afterRefused.atProcessor)).toEqual([amountMinor])
            expect(afterRefused.inMedusa).toHaveLength(0)
            expect({ ok: third.ok, message: third.message }).toEqual({ ok: true, message: undefined })
            expect(refundSends(p)).toHaveLength(sendsBefore) // adopted, nothing more sent
            expectMade(madeBetween(before, seen), [amountMinor])
            expectConsistent(seen)
            lane.last = seen
            passed = true
          } finally {
            emu.refundDelayMs = 0
            const made = seen ? madeBetween(before, seen) : { atProcessor: [], inMedusa: [] }
            tally.record({
              processor: p.name,
              scenario: title,
              made,
              sends: refundSends(p).length - sendsAtStart,
              outcome: `refused ${first?.status} "${gist(first?.message)}"; retry refused ${refused?.status} "${gist(refused?.message)}"; once settled the retry adopts it → ${made.atProcessor.length} refund`,
              messages: messagesOf(first, refused, third),
              passed,
            })
          }
        },
      }
    }

    it("every fault at every processor: exactly one refund there and the same in Medusa, or a message and the admin's retry makes it exactly one", async () => {
      await lanes(processors, (p) =>
        FAULTS.filter((s) => !s.only || s.only.includes(p.name)).map((s, i) => {
          // A distinct amount per scenario (1.11, 1.12, …; none ends in 05, which Checkout.com's
          // sandbox declines): 14 of them fit in the 47.34 captured.
          const minor = 111 + i
          return { title: s.title, run: (lane: Lane) => faultStep(lane, s, minor / 100, String(minor)) }
        }).concat(p.name === "checkout" ? [pendingAtCheckout(p, 1.31, "131")] : [])
      )
    })

    it("bad amounts are refused before reaching any processor; a restart between the processor's answer and Medusa's data write refunds nothing twice; a full refund, then nothing more", async () => {
      const refused = (title: string, amount: number): Step => ({
        title,
        run: async ({ c, p, paid }) => {
          const before = await observe(c, p, paid)
          const sendsBefore = refundSends(p).length
          const attempt = await adminRefund(c, paid.payment.id, amount)
          const seen = await observe(c, p, paid)
          const made = madeBetween(before, seen)
          const sends = refundSends(p).length - sendsBefore
          let passed = false
          try {
            expect(attempt.ok).toBe(false)
            expect(attempt.status).toBe(400)
            expect(sends).toBe(0)
            expectMade(made, [])
            passed = true
          } finally {
            tally.record({ processor: p.name, scenario: title, made, sends, outcome: `refused ${attempt.status} "${gist(attempt.message)}", 0 refunds`, messages: messagesOf(attempt), passed })
          }
        },
      })
      const restart: Step = {
        title: "restart after the processor's answer, before Medusa's data write",
        run: async ({ c, p, paid }) => {
          const paymentModule = c.container.resolve(Modules.PAYMENT)
          const before = await observe(c, p, paid)
          const sendsBefore = refundSends(p).length
          const dataBefore = (await paymentModule.retrievePayment(paid.payment.id, { select: ["id", "data"] })).data ?? {}
          const first = await adminRefund(c, paid.payment.id, 12.34)
          expect(first.ok).toBe(true)
          await settled(c, p, paid)
          // Medusa 2.21 commits its refund before calling the provider; a process that dies after the
          // processor's answer never writes the payment's data: the refund is in Medusa, not in the ledger.
          // (UpdatePaymentDTO does not declare `data`; the module writes it, as the plugin's ledger store does.)
          await (paymentModule as unknown as { updatePayment(input: { id: string; data: Record<string, unknown> }): Promise<unknown> }).updatePayment({
            id: paid.payment.id,
            data: dataBefore,
          })
          const next = await adminRefund(c, paid.payment.id, 5)
          const seen = await settled(c, p, paid)
          const made = madeBetween(before, seen)
          let passed = false
          try {
            expect({ ok: next.ok, message: next.message }).toEqual({ ok: true, message: undefined })
            expectMade(made, ["1234", "500"])
            expectConsistent(seen)
            passed = true
          } finally {
            tally.record({
              processor: p.name,
              scenario: "restart after the processor's answer, before Medusa's data write (then a 5.00 refund)",
              made,
              sends: refundSends(p).length - sendsBefore,
              outcome: next.ok ? `the next refund reads the processor and records the first: ${made.atProcessor.length} refunds` : `the next refund fails: ${gist(next.message)}`,
              messages: messagesOf(next),
              passed,
            })
          }
        },
      }
      const fullThenMore: Step = {
        title: "everything left, then 0.01 more",
        run: async ({ c, p, paid }) => {
          const before = await observe(c, p, paid)
          const sendsBefore = refundSends(p).length
          const rest = Number(CAPTURED_MINOR - before.medusaMinor) / 100
          const full = await adminRefund(c, paid.payment.id, rest)
          const more = await adminRefund(c, paid.payment.id, 0.01)
          const seen = await settled(c, p, paid)
          const made = madeBetween(before, seen)
          let passed = false
          try {
            expect({ ok: full.ok, message: full.message }).toEqual({ ok: true, message: undefined })
            expect(more.ok).toBe(false)
            expect(more.status).toBe(400)
            expectMade(made, [String(CAPTURED_MINOR - before.medusaMinor)])
            expect(seen.processorMinor).toBe(CAPTURED_MINOR)
            expectConsistent(seen)
            passed = true
          } finally {
            tally.record({
              processor: p.name,
              scenario: "everything left refunded, then 0.01 more",
              made: madeBetween(before, seen),
              sends: refundSends(p).length - sendsBefore,
              outcome: `the rest: 1 refund; 0.01 more refused ${more.status} "${gist(more.message)}"`,
              messages: messagesOf(full, more),
              passed,
            })
          }
        },
      }
      await lanes(processors, () => [
        refused("zero amount", 0),
        refused("negative amount", -5),
        refused("over-refund (47.35 of 47.34 captured)", 47.35),
        restart,
        fullThenMore,
      ])
    })

    it("Medusa's write fails after the processor's answer (its refund rolled back, an orphan at the processor): the admin's retry adopts it, nothing twice", async () => {
      // The payment module's write of the provider's answer fails once, as a lost database connection
      // would. Medusa then deletes its refund; the processor keeps the refund, tagged with a Medusa
      // refund id that no longer exists, and the provider saw nothing go wrong.
      const paymentService = (getContainer().resolve(Modules.PAYMENT) as any).paymentService_
      const originalUpdate = paymentService.update.bind(paymentService)
      const failing = new Set<string>()
      const spy = jest.spyOn(paymentService, "update").mockImplementation(async (...args: any[]) => {
        const [input] = args
        const ledger = input && !Array.isArray(input) ? input.data?.refunds : undefined
        if (failing.has(input?.id) && Array.isArray(ledger) && ledger.length > 0) {
          failing.delete(input.id)
          throw new Error("Connection terminated unexpectedly (simulated: the database went away after the processor's answer)")
        }
        return originalUpdate(...args)
      })
      try {
        await lanes(processors, () => [
          {
            title: "orphan",
            run: async ({ c, p, paid }) => {
              const before = await observe(c, p, paid)
              failing.add(paid.payment.id)
              const first = await adminRefund(c, paid.payment.id, 12.34)
              const afterFirst = madeBetween(before, await observe(c, p, paid))
              const sendsAfterFirst = refundSends(p).length
              const retry = await adminRefund(c, paid.payment.id, 12.34)
              const seen = await settled(c, p, paid)
              const made = madeBetween(before, seen)
              const sends = refundSends(p).length
              let passed = false
              try {
                expect(first.ok).toBe(false)
                expect(afterFirst.inMedusa).toHaveLength(0)
                expect(minors(afterFirst.atProcessor)).toEqual(["1234"])
                expect({ ok: retry.ok, message: retry.message }).toEqual({ ok: true, message: undefined })
                expect(sends).toBe(sendsAfterFirst) // the retry adopts the orphan: nothing sent
                expectMade(made, ["1234"])
                expectConsistent(seen)
                passed = true
              } finally {
                tally.record({
                  processor: p.name,
                  scenario: "Medusa's write fails after the processor's answer (orphan), admin retries",
                  made,
                  sends,
                  outcome: retry.ok
                    ? sends === sendsAfterFirst
                      ? `refused ${first.status}; the retry adopts the orphan, sends nothing → ${made.atProcessor.length} refund`
                      : `refused ${first.status}; the retry SENDS AGAIN → ${made.atProcessor.length} refunds at the processor, ${made.inMedusa.length} in Medusa`
                    : `refused ${first.status}; the retry fails: ${gist(retry.message)}`,
                  messages: messagesOf(first, retry),
                  passed,
                })
              }
            },
          },
        ])
      } finally {
        spy.mockRestore()
      }
    })

    it("20 concurrent partial refunds of one payment, at every processor: the same total there and in Medusa, never over the capture, none lost from the ledger", async () => {
      await lanes(processors, (p) => [
        {
          title: "20 concurrent",
          run: async ({ c, paid }) => {
            const results = await Promise.all(Array.from({ length: 20 }, () => adminRefund(c, paid.payment.id, 3)))
            const refusals = results.filter((r) => !r.ok)
            const seen = await settled(c, p, paid, 30_000)
            let passed = false
            try {
              // A refund Medusa could not take (over the capture, its 3 s row lock, an order change in
              // progress, a pending refund the ledger does not know yet) is refused with a message.
              for (const r of refusals) expect(r.message).toEqual(expect.any(String))
              // Medusa lets most through (15 × 3.00 fit in 47.34); Checkout.com's provider refuses while
              // a refund the ledger does not know yet is pending there.
              expect(seen.inMedusa.length).toBeGreaterThanOrEqual(p.name === "checkout" ? 1 : 15)
              expect(minors(seen.inMedusa).every((m) => m === "300")).toBe(true)
              expectConsistent(seen)
              passed = true
            } finally {
              const why = [...new Set(refusals.map((r) => gist(r.message).replace(/order_[0-9A-Z]+/, "order_…")))].join(" / ")
              tally.record({
                processor: p.name,
                scenario: "20 concurrent 3.00 refunds of one 47.34 payment",
                made: { atProcessor: seen.atProcessor, inMedusa: seen.inMedusa },
                sends: refundSends(p).length,
                outcome:
                  `${seen.inMedusa.length} refunds both sides; ${refusals.length} requests answered with an error` +
                  `${seen.inMedusa.length > results.length - refusals.length ? `, ${seen.inMedusa.length - (results.length - refusals.length)} of them refunded all the same (Medusa failed after its refund step)` : ""}` +
                  `${why ? ` (${why})` : ""}`,
                messages: [...new Set(refusals.map((r) => r.message ?? ""))],
                passed,
              })
            }
          },
        },
      ])
    })
  },
})
