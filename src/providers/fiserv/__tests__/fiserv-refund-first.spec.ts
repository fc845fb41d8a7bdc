/**
 * A refund is sent first; the order is read only when Fiserv refuses it (README "Refunds and settlement"). These
 * tests count the requests one refundPayment makes inside Medusa, where Medusa's records prove the payment's ledger
 * current, so the exactly-once coordinator reads nothing before sending (core/refunds/coordinator.ts).
 */
import { DEFAULT_FISERV_MERCHANT_ID, DEFAULT_FISERV_TERMINAL_ID, FiservEmulator } from "../../../emulators/fiserv"
import { FiservProviderService } from "../service"
import { useEmulator } from "../../../../test/support/emulator"

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const emulator = useEmulator(new FiservEmulator())
let seq = 0

/** The provider as Medusa's payment module builds it, with Medusa's records of one payment and its one refund. */
function inMedusa() {
  let stored: Record<string, unknown> | undefined
  return new FiservProviderService(
    {
      logger: quiet,
      refundService: {
        retrieve: async (id: string) => ({ id, note: null, refund_reason: null, metadata: null, payment_id: "pay_1", payment: { id: "pay_1", refunds: [{ id }], data: stored } }),
        list: async () => [],
      },
      paymentService: {
        update: async ({ data }: { data: Record<string, unknown> }) => {
          stored = data
        },
        retrieve: async () => ({ data: stored }),
      },
    },
    {
      apiKey: "emulator_fiserv_api_key",
      apiSecret: "emulator_fiserv_api_secret",
      merchantId: DEFAULT_FISERV_MERCHANT_ID,
      terminalId: DEFAULT_FISERV_TERMINAL_ID,
      environment: emulator.url,
      maxRetries: 0,
    }
  )
}

/** A captured payment of `amount` USD; its batch settled unless `settle: false`. */
async function paid(service: FiservProviderService, amount: string, settle = true) {
  const n = ++seq
  const session = await service.initiatePayment({
    amount,
    currency_code: "usd",
    data: { session_id: `payses_01FIRST${String(n).padStart(19, "0")}`, payment_token: `fiserv_tok_ok_${Date.now()}_${n}` },
  })
  const auth = await service.authorizePayment({ data: session.data, context: { idempotency_key: `payses_first_${n}` } })
  const captured = await service.capturePayment({ data: auth.data, context: { idempotency_key: `capt_first_${n}` } })
  if (settle) emulator.settleBatch()
  return captured.data!
}

/** The requests made by `run`, as [path, status, Fiserv's error code]. */
async function requestsOf(run: () => Promise<unknown>) {
  const before = emulator.requests().length
  await run()
  return emulator.requests().slice(before).map((r) => [r.path, r.status, (r.response as any)?.error?.[0]?.code] as const)
}

describe("a refund is sent first; the order is read only when Fiserv refuses it", () => {
  it.each([
    ["a partial refund", "20"],
    ["a whole refund", "50"],
  ])("%s of a settled charge is one POST, with no inquiry before it", async (_name, amount) => {
    const service = inMedusa()
    const data = await paid(service, "50.00")
    let out: Awaited<ReturnType<FiservProviderService["refundPayment"]>> | undefined
    const sent = await requestsOf(async () => {
      out = await service.refundPayment({ amount, data, context: { idempotency_key: `ref_01SETTLED${amount}` } })
    })
    expect(sent).toEqual([["/payments/v1/refunds", 201, undefined]])
    expect((out!.data!.refunds as any[])[0]).toMatchObject({ medusa_refund_id: `ref_01SETTLED${amount}`, amount_minor: `${amount}00`, status: "succeeded" })
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ refunded: `${amount}.00` })
  })

  it("returns a whole unsettled capture as a cancel: refund refused, then the order read, then the cancel", async () => {
    const service = inMedusa()
    const data = await paid(service, "50.00", false)
    let out: Awaited<ReturnType<FiservProviderService["refundPayment"]>> | undefined
    const sent = await requestsOf(async () => {
      out = await service.refundPayment({ amount: "50", data, context: { idempotency_key: "ref_01UNSETTLED" } })
    })
    expect(sent).toEqual([
      ["/payments/v1/refunds", 400, "812"],
      ["/payments/v1/transaction-inquiry", 201, undefined],
      ["/payments/v1/cancels", 200, undefined],
    ])
    expect((out!.data!.refunds as any[])[0]).toMatchObject({ medusa_refund_id: "ref_01UNSETTLED", amount_minor: "5000", status: "succeeded" })
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ status: "VOIDED", refunded: "0.00" })
  })

  it("refunds again, under a new Client-Request-Id, when the batch settles between the refusal and the cancel (829)", async () => {
    const service = inMedusa()
    const data = await paid(service, "50.00", false)
    const api = (service as any).api
    const inquiry = api.inquiry.bind(api)
    jest.spyOn(api, "inquiry").mockImplementation(async (reference: unknown) => {
      emulator.settleBatch() // the merchant's batch closes while the order is read
      return inquiry(reference)
    })
    const sent = await requestsOf(() => service.refundPayment({ amount: "50", data, context: { idempotency_key: "ref_01RACE" } }))
    expect(sent).toEqual([
      ["/payments/v1/refunds", 400, "812"],
      ["/payments/v1/transaction-inquiry", 201, undefined],
      ["/payments/v1/cancels", 400, "829"],
      ["/payments/v1/refunds", 201, undefined],
    ])
    const [first, second] = emulator.requests({ path: "/payments/v1/refunds" })
    expect(second.rawBody).toBe(first.rawBody)
    expect(second.headers["client-request-id"]).not.toBe(first.headers["client-request-id"]) // the first one would replay the 812
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ status: "CAPTURED", refunded: "50.00" })
  })

  it("keeps Fiserv's refusal when the order read shows the charge settled, and cancels nothing", async () => {
    const service = inMedusa()
    let data = await paid(service, "50.00")
    data = (await service.refundPayment({ amount: "10", data, context: { idempotency_key: "ref_01BEFORE" } })).data!
    // 45 where 40 remains: a refusal (810) on a charge whose approved refund shows it settled.
    const later = inMedusa() // Medusa's records of the next refund, with the earlier one recorded
    const sent = await requestsOf(() =>
      expect(later.refundPayment({ amount: "45", data: { ...data, refunded_minor: "0", refunds: [] }, context: { idempotency_key: "ref_01OVER" } })).rejects.toThrow(
        /810/
      )
    )
    expect(sent).toEqual([
      ["/payments/v1/refunds", 400, "810"],
      ["/payments/v1/transaction-inquiry", 201, undefined],
    ])
  })
})
