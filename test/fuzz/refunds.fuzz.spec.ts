/**
 * Refunds under random inputs, for every processor: random sequences of refunds of a captured
 * payment (valid, rounding, over-remainder and hostile amounts; new and reused Medusa refund
 * ids; the latest or a stale copy of the payment data, as when Medusa loses a write; faults on
 * the processor's answers, including "applied but the answer was lost"). Read from the
 * emulator's journal, no refund request ever asks the processor for more than remains of what
 * it captured, and every call resolves or rejects with a MedusaError. Seeded: see harness.ts.
 */
import fc from "fast-check"
import { PROCESSORS, amount as hostileAmount, expectContract, params, trackUnhandledRejections, type FuzzProcessor } from "./harness"
import type { RecordedRequest } from "../../src/emulators/core/server"

const RUNS = 40
const TIMEOUT = 120_000
const IDEMPOTENCY_HEADERS = ["idempotency-key", "cko-idempotency-key", "client-request-id"]

const twoDecimals = fc.integer({ min: 1, max: 60_000 }).map((m) => `${Math.floor(m / 100)}.${String(m % 100).padStart(2, "0")}`)
const threeDecimals = fc.integer({ min: 1, max: 600_000 }).map((m) => `${Math.floor(m / 1000)}.${String(m % 1000).padStart(3, "0")}`)

type RefundAmount = { kind: "value"; value: unknown } | { kind: "remainder" } | { kind: "remainder+1" }

const refundAmount: fc.Arbitrary<RefundAmount> = fc.oneof(
  { weight: 4, arbitrary: twoDecimals.map((v) => ({ kind: "value" as const, value: { value: v, precision: 20 } })) },
  { weight: 2, arbitrary: threeDecimals.map((v) => ({ kind: "value" as const, value: v })) },
  { weight: 2, arbitrary: fc.constant({ kind: "remainder" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "remainder+1" as const }) },
  { weight: 1, arbitrary: hostileAmount.map((value) => ({ kind: "value" as const, value })) }
)

const refundFault = fc.oneof(
  fc.constantFrom({ kind: "reset_after_apply" }, { kind: "malformed_json" }, { kind: "wrong_content_type" }, { kind: "reset" }),
  fc.record({ kind: fc.constant("status"), status: fc.constantFrom(409, 429, 500, 502, 503) })
)

const step = fc.record({
  amount: refundAmount,
  /** Reuse an earlier Medusa refund id (Medusa retrying), by index; else a new id. */
  reuseKey: fc.option(fc.nat(), { nil: undefined, freq: 3 }),
  /** Use an earlier version of the payment data (a lost write), by index; else the latest. */
  staleData: fc.option(fc.nat(), { nil: undefined, freq: 3 }),
  fault: fc.option(
    fc.record({ method: fc.constantFrom("POST", undefined), skip: fc.nat({ max: 1 }), fault: refundFault }),
    { nil: undefined, freq: 2 }
  ),
})

/**
 * The first refund request that asked for more than remained of the captured amount, or undefined.
 * A request counts against the remainder when the processor applied it (an answer 2xx, or a fault
 * after applying); a repeat of an applied request's idempotency key is the processor's replay.
 */
function overRefund(processor: FuzzProcessor, journal: RecordedRequest[], captured: bigint, refundedBefore: bigint): string | undefined {
  let applied = refundedBefore
  const appliedKeys = new Set<string>()
  for (const r of journal) {
    const wire = processor.wireRefund(r)
    if (wire === undefined) continue
    const key = IDEMPOTENCY_HEADERS.map((h) => r.headers[h]).find(Boolean)
    if (key && appliedKeys.has(key)) continue
    // The no-amount form refunds the whole charge: only right when nothing was refunded.
    const asked = wire === "full" ? captured : wire
    if (asked <= 0n || asked > captured - applied) {
      return `${r.method} ${r.path} asked ${wire === "full" ? "the full charge" : asked} when ${captured - applied} of ${captured} remained (body ${r.rawBody})`
    }
    if (r.status >= 200 && r.status < 300 && r.applied !== false) {
      applied += asked
      if (key) appliedKeys.add(key)
    }
  }
  return undefined
}

describe.each(PROCESSORS.map((p) => [p.name, p] as const))("%s refunds under random inputs", (_name, processor) => {
  let emulator: any
  let url: string
  let provider: any
  const rejections = trackUnhandledRejections()

  beforeAll(async () => {
    emulator = processor.emulator()
    url = await emulator.start()
    provider = processor.create(url)
  }, TIMEOUT)
  afterAll(async () => {
    rejections.stop()
    await emulator?.stop()
  })
  afterEach(() => expect(rejections.seen).toEqual([]))

  it("never asks the processor for more than remains of what it captured", async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        emulator.clearFaults()
        const payment = await processor.bench.createPayment(url)
        const captured = BigInt(payment.data.captured_minor)
        const refundedBefore = BigInt(payment.data.refunded_minor)
        const marker = emulator.requests().length
        const versions: Array<Record<string, unknown>> = [payment.data]
        const keys: string[] = []
        run++
        for (const [i, s] of steps.entries()) {
          const data = s.staleData === undefined ? versions.at(-1)! : versions[s.staleData % versions.length]
          const key = s.reuseKey !== undefined && keys.length > 0 ? keys[s.reuseKey % keys.length] : `ref_FUZZ${run}X${i}`
          keys.push(key)
          const remainder = captured - BigInt(String(data.refunded_minor ?? "0"))
          const value =
            s.amount.kind === "value"
              ? s.amount.value
              : { value: ((s.amount.kind === "remainder" ? remainder : remainder + 1n).toString().padStart(3, "0")).replace(/(\d\d)$/, ".$1"), precision: 20 }
          if (s.fault) emulator.injectFault({ method: s.fault.method, skip: s.fault.skip, fault: s.fault.fault })
          try {
            await expectContract(async () => {
              const out = await provider.refundPayment({ amount: value, currency_code: "usd", data, context: { idempotency_key: key } })
              versions.push(out.data)
            }, processor.secrets)
          } finally {
            emulator.clearFaults()
          }
        }
        const problem = overRefund(processor, emulator.requests().slice(marker), captured, refundedBefore)
        if (problem) throw new Error(problem)
      }),
      params(RUNS)
    )
  }, TIMEOUT)
})
