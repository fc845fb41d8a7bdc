/**
 * Hostile input to every public method of every provider, against its emulator: random and
 * malformed amounts, currencies, payment data (wrong types in known fields, garbage ledger
 * entries), contexts and webhook payloads; and processor answers that are malformed too
 * (scripted faults: unreadable JSON, wrong content type, resets, error statuses, real answers
 * with wrong types in fields). Every call resolves or rejects with a MedusaError naming no secret;
 * a forged webhook is never acted on. Seeded: see harness.ts.
 */
import fc from "fast-check"
import { PaymentActions } from "@medusajs/framework/utils"
import {
  PROCESSORS,
  amount,
  context,
  currency,
  expectContract,
  authorizedPayment,
  fault,
  garbage,
  observed,
  params,
  paymentData,
  startedSession,
  trackUnhandledRejections,
  webhookPayload,
  type FuzzProcessor,
} from "./harness"

const METHODS = [
  "initiatePayment",
  "updatePayment",
  "authorizePayment",
  "capturePayment",
  "cancelPayment",
  "deletePayment",
  "retrievePayment",
  "getPaymentStatus",
  "refundPayment",
] as const

const RUNS = { methods: 300, webhooks: 200, faults: 200, sync: 100 }
const TIMEOUT = 120_000

describe.each(PROCESSORS.map((p) => [p.name, p] as const))("%s under hostile input", (_name, processor: FuzzProcessor) => {
  let emulator: any
  let url: string
  let provider: any
  /** A captured payment with two earlier refunds, as Medusa holds it. */
  let base: Record<string, unknown>
  let shapes: ReturnType<typeof observed>
  const rejections = trackUnhandledRejections()

  beforeAll(async () => {
    emulator = processor.emulator()
    url = await emulator.start()
    provider = processor.create(url)
    base = (await processor.bench.createPayment(url)).data
    shapes = observed(emulator.requests())
  }, TIMEOUT)
  afterAll(async () => {
    rejections.stop()
    await emulator?.stop()
  })
  afterEach(() => expect(rejections.seen).toEqual([]))

  const input = () =>
    fc.oneof(
      { weight: 12, arbitrary: fc.record({ amount, currency_code: currency, data: paymentData(() => base), context }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: garbage }
    )

  it("every Medusa method: random amounts, currencies, payment data and contexts give a result or a MedusaError", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), input(), async (method, args) => {
        await expectContract(() => provider[method](args), processor.secrets)
      }),
      params(RUNS.methods)
    )
  }, TIMEOUT)

  it("webhooks: forged and malformed payloads are never acted on (not_supported, no refund outcomes) or give a MedusaError", async () => {
    await fc.assert(
      fc.asyncProperty(webhookPayload, async (payload) => {
        await expectContract(async () => {
          const action = await provider.getWebhookActionAndData(payload)
          if (action?.action !== PaymentActions.NOT_SUPPORTED) throw new Error(`acted on a forged webhook: ${JSON.stringify(action)}`)
        }, processor.secrets)
        await expectContract(async () => {
          const outcomes = await provider.refundOutcomes(payload)
          if (!Array.isArray(outcomes) || outcomes.length > 0) throw new Error(`refund outcomes from a forged webhook: ${JSON.stringify(outcomes)}`)
        }, processor.secrets)
      }),
      params(RUNS.webhooks)
    )
  }, TIMEOUT)

  it("syncRefundLedger with random data and payment ids gives data or a MedusaError", async () => {
    await fc.assert(
      fc.asyncProperty(paymentData(() => base), fc.oneof(fc.string({ maxLength: 12 }), garbage), async (data, paymentId) => {
        await expectContract(() => provider.syncRefundLedger(data, paymentId), processor.secrets)
      }),
      params(RUNS.sync)
    )
  }, TIMEOUT)

  it("malformed processor answers (faults on any route) give a result or a MedusaError; testConnection always answers", async () => {
    // Each run makes a new session and an authorized payment without faults, then scripts the
    // faults and makes one call, so every call reaches the processor with a state it can act on.
    type Subjects = { session: Record<string, unknown>; authorized: Record<string, unknown>; key: string }
    const calls: Array<[string, (s: Subjects) => Promise<unknown>]> = [
      ["initiatePayment", (s) => provider.initiatePayment({ amount: "10.00", currency_code: "usd", data: { session_id: `payses_${s.key}` }, context: { idempotency_key: s.key } })],
      ["updatePayment", (s) => provider.updatePayment({ amount: "11.00", currency_code: "usd", data: s.session, context: { idempotency_key: s.key } })],
      ["authorizePayment (new)", (s) => provider.authorizePayment({ data: s.session, context: { idempotency_key: s.key } })],
      ["authorizePayment (again)", (s) => provider.authorizePayment({ data: s.authorized })],
      ["capturePayment", (s) => provider.capturePayment({ data: s.authorized, context: { idempotency_key: `capt_${s.key}` } })],
      ["cancelPayment", (s) => provider.cancelPayment({ data: s.authorized, context: { idempotency_key: s.key } })],
      ["deletePayment", (s) => provider.deletePayment({ data: s.authorized, context: { idempotency_key: s.key } })],
      ["retrievePayment", () => provider.retrievePayment({ data: { ...base } })],
      ["getPaymentStatus", (s) => provider.getPaymentStatus({ data: s.authorized })],
      ["refundPayment", (s) => provider.refundPayment({ amount: { value: "0.01", precision: 20 }, data: { ...base }, context: { idempotency_key: `ref_${s.key}` } })],
      ["syncRefundLedger", () => provider.syncRefundLedger({ ...base })],
      [
        "testConnection",
        async () => {
          const answer = await provider.testConnection()
          if (typeof answer?.ok !== "boolean" || typeof answer?.message !== "string") throw new Error(`testConnection answered ${JSON.stringify(answer)}`)
          if (processor.secrets.some((s) => answer.message.includes(s))) throw new Error(`testConnection names a secret: ${answer.message}`)
          return answer
        },
      ],
    ]
    const rule = fc.record({
      route: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...shapes.routes) }),
      skip: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 2 }) }),
      times: fc.integer({ min: 1, max: 3 }),
      fault: fault(shapes.answers),
    })
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...calls), fc.array(rule, { minLength: 1, maxLength: 2 }), async ([, call], rules) => {
        emulator.clearFaults()
        const subjects: Subjects = {
          session: await startedSession(processor, provider),
          authorized: await authorizedPayment(processor, provider, emulator),
          key: `FUZZ${++run}`,
        }
        for (const r of rules) emulator.injectFault({ method: r.route?.method, path: r.route?.path, skip: r.skip, times: r.times, fault: r.fault })
        try {
          await expectContract(() => call(subjects), processor.secrets)
        } finally {
          emulator.clearFaults()
        }
      }),
      params(RUNS.faults)
    )
  }, TIMEOUT)
})
