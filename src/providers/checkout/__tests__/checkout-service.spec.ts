import crypto from "node:crypto"
import { expectMedusaError as expectMedusaErrorWithout } from "../../../../test/support/medusa-error"
import axios from "axios"
import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import {
  CheckoutEmulator,
  DEFAULT_CHECKOUT_ABC_SECRET_KEY,
  DEFAULT_CHECKOUT_SECRET_KEY,
} from "../../../emulators/checkout"
import { CheckoutProviderService } from "../service"
import { paymentsBaseUrl } from "../api-payments"
import { classicBaseUrl } from "../api-classic"
import { checkoutCurrencies } from "../currencies"
import { toProcessorAmount } from "../../../core/money/convert"
import { loadSpec } from "../../../../test/contract/openapi"

const KEY = DEFAULT_CHECKOUT_SECRET_KEY
const ABC_KEY = DEFAULT_CHECKOUT_ABC_SECRET_KEY
const SIGNATURE_KEY = "whsec_checkout_signature_key_1"
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

let emulator: CheckoutEmulator
let seq = 0
const token = (kind = "ok") => `tok_${kind}_${Date.now()}_${++seq}`

beforeAll(async () => {
  emulator = new CheckoutEmulator({ refundDelayMs: null })
  await emulator.start()
})
afterAll(() => emulator.stop())
beforeEach(() => {
  emulator.reset()
  emulator.refundDelayMs = null
})

/**
 * Every Payments API request the provider sent, and every emulator answer, matches Checkout.com's
 * published spec (current accounts, nas_spec; the classic API has no published spec).
 */
const CHECKOUT_SPEC_DEVIATIONS = [
  {
    problem: /balances must have required property 'id'$/,
    reason: "PaymentResponseBalances.yaml (2021) lists `id` as required, but balances are amounts with no id; a copy-paste error of the spec",
  },
]
/**
 * The copied subset lacks PayoutRequest, PaymentDetails and PayoutDetails. A oneOf whose alternative is
 * missing (and so becomes "anything") inverts the check: a valid payment request would match both
 * alternatives and fail, an invalid one would pass. Both oneOfs are pointed at the alternative a card
 * payment uses: PaymentRequest, and Payment (the subset's payment details schema).
 */
function checkoutSpec() {
  const spec = loadSpec("checkout-fragments/nas_spec")
  const post = spec.find("POST", "/payments")!.operation
  post.requestBody.content["application/json"].schema = { $ref: "#/components/schemas/PaymentRequest" }
  const get = spec.find("GET", "/payments/pay_x")!.operation
  get.responses["200"].content["application/json"].schema = { $ref: "#/components/schemas/Payment" }
  return spec
}

afterEach(() => {
  const spec = checkoutSpec()
  expect(spec.check(emulator.requests(), { ignorePaths: /^\/v2\//, deviations: CHECKOUT_SPEC_DEVIATIONS })).toEqual([])
})

function provider(options: Record<string, unknown> = {}, cradle: Record<string, unknown> = {}) {
  return new CheckoutProviderService(
    { logger: quiet, ...cradle },
    { secretKey: KEY, environment: emulator.url, captureMode: "manual", maxRetries: 0, webhookSignatureKey: SIGNATURE_KEY, ...options }
  )
}

const expectMedusaError = (promise: Promise<unknown>, type: string, text: RegExp | string) =>
  expectMedusaErrorWithout(promise, type, text, [KEY, ABC_KEY])

/** initiate + authorize (+ capture) like Medusa does, returning the payment data. */
async function paid(amount: string, opts: { currency?: string; capture?: boolean; service?: CheckoutProviderService; tokenKind?: string } = {}) {
  const service = opts.service ?? provider()
  const session = `payses_${++seq}`
  const started = await service.initiatePayment({
    amount,
    currency_code: opts.currency ?? "usd",
    data: { session_id: session, token: token(opts.tokenKind) },
    context: { idempotency_key: session },
  })
  const auth = await service.authorizePayment({ data: started.data, context: { idempotency_key: session } })
  if (opts.capture === false) return auth.data!
  const captured = await service.capturePayment({ data: auth.data, context: { idempotency_key: `capt_${seq}` } })
  return captured.data!
}

function signed(body: unknown, key = SIGNATURE_KEY) {
  const raw = JSON.stringify(body)
  return { data: body as Record<string, unknown>, rawData: Buffer.from(raw), headers: { "cko-signature": crypto.createHmac("sha256", key).update(raw).digest("hex") } }
}

describe("currencies: Checkout.com's own exponent table", () => {
  it.each([
    ["usd", "19.99", "1999"],
    ["jpy", "1234", "1234"],
    ["krw", "15000", "15000"],
    ["kwd", "12.340", "12340"],
    ["kwd", "12.345", "12350"], // 3-decimal currencies move in tens: half-up to the nearest 0.010
    ["kwd", "12.344", "12340"],
    ["bhd", "0.005", "10"],
    ["clp", "1500", "150000"], // CLP is /100 at Checkout.com (not ISO's 0), whole pesos only
    ["uyi", "10", "1000"],
    ["clf", "2.5", "250"],
  ])("%s %s → %s minor units", (currency, amount, minor) => {
    expect(toProcessorAmount(amount, currency, checkoutCurrencies).minor).toBe(minor)
  })

  it("refuses more than 9 digits and amounts below a step", () => {
    expect(() => toProcessorAmount("10000000", "usd", checkoutCurrencies)).toThrow(/at most 9999999.99 USD/)
    expect(toProcessorAmount("9999999.99", "usd", checkoutCurrencies).minor).toBe("999999999")
    expect(() => toProcessorAmount("0.004", "kwd", checkoutCurrencies)).toThrow(/below the smallest amount Checkout.com can carry \(0.010 KWD\)/)
  })
})

describe("initiatePayment", () => {
  it("keeps the amount in Checkout.com units and no secret in session data", async () => {
    const out = await provider().initiatePayment({
      amount: { value: "12.345", precision: 20 },
      currency_code: "kwd",
      data: { session_id: "payses_1" },
      context: { idempotency_key: "payses_1", customer: { id: "cus_1", email: "ada@example.com" } as any },
    })
    expect(out.id).toBe("payses_1")
    expect(out.data).toMatchObject({ processor: "checkout", api: "payments", currency: "kwd", amount_minor: "12350", captured_minor: "0", email: "ada@example.com", refunds: [] })
    expect(JSON.stringify(out.data)).not.toContain(KEY)
    expect(JSON.stringify(out.data)).not.toContain(SIGNATURE_KEY)
    expect(emulator.requests()).toHaveLength(0)
  })

  it("refuses an unknown currency and a zero amount before any request", async () => {
    await expectMedusaError(provider().initiatePayment({ amount: 10, currency_code: "zzz", data: {} }), "invalid_data", /currency "zzz"/)
    await expectMedusaError(provider().initiatePayment({ amount: 0, currency_code: "usd", data: {} }), "invalid_data", /greater than zero/)
    expect(emulator.requests()).toHaveLength(0)
  })
})

describe("authorizePayment (Payments API)", () => {
  it("requests an uncaptured card payment with Bearer auth, the session id as idempotency key, reference and metadata", async () => {
    const data = await paid("49.99", { capture: false })
    const [req] = emulator.requests({ method: "POST", path: "/payments" })
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(req.headers["cko-idempotency-key"]).toMatch(/^payses_/)
    expect(req.body).toEqual({
      source: { type: "token", token: expect.stringMatching(/^tok_/) },
      amount: 4999,
      currency: "USD",
      payment_type: "Regular",
      capture: false,
      reference: req.headers["cko-idempotency-key"],
      metadata: { session_id: req.headers["cko-idempotency-key"] },
    })
    expect(req.rawBody).toContain('"amount":4999,')
    expect(data).toMatchObject({ payment_id: expect.stringMatching(/^pay_/), payment_status: "Authorized", amount_minor: "4999", captured_minor: "0" })
    expect(data.token).toBeNull() // single-use token cleared (null: Medusa merges data, a key left out would stay)
  })

  it("sends 0-decimal and 3-decimal amounts in Checkout.com's units", async () => {
    await paid("1234", { currency: "jpy", capture: false })
    await paid("7.125", { currency: "kwd", capture: false })
    expect(emulator.requests({ method: "POST", path: "/payments" }).map((r) => [r.body as any].map((b) => `${b.amount} ${b.currency}`)[0])).toEqual(["1234 JPY", "7130 KWD"])
  })

  it("captures at authorization in automatic capture mode", async () => {
    const service = provider({ captureMode: "automatic" })
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { session_id: `payses_${++seq}`, token: token() } })
    const out = await service.authorizePayment({ data: session.data, context: { idempotency_key: "payses_auto" } })
    expect(out.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(out.data).toMatchObject({ captured_minor: "1000", payment_status: "Captured" })
    expect(emulator.requests({ method: "POST", path: "/payments" })[0].body).toMatchObject({ capture: true })
  })

  it("reports a declined card (201, approved: false) as a payment authorization error", async () => {
    const service = provider()
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { session_id: `payses_${++seq}`, token: token("decline") } })
    await expectMedusaError(service.authorizePayment({ data: session.data }), "payment_authorization_error", /20005.*Do Not Honour.*another card/s)
  })

  it("asks for more when the card needs 3D Secure (202 with a redirect link)", async () => {
    const service = provider()
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { session_id: `payses_${++seq}`, token: token("3ds") } })
    const out = await service.authorizePayment({ data: session.data, context: { idempotency_key: "payses_3ds" } })
    expect(out.status).toBe(PaymentSessionStatus.REQUIRES_MORE)
    expect(out.data!.redirect_url).toMatch(/\/3ds\/pay_/)
    emulator.approvePending(out.data!.payment_id as string)
    const again = await service.authorizePayment({ data: out.data, context: { idempotency_key: "payses_3ds" } })
    expect(again.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(emulator.requests({ method: "POST", path: "/payments" })).toHaveLength(1)
  })

  it("refuses to authorize without a card token, before any request", async () => {
    const service = provider()
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { session_id: "payses_notoken" } })
    await expectMedusaError(service.authorizePayment({ data: session.data }), "invalid_data", /Frames.*`token`/)
    expect(emulator.requests()).toHaveLength(0)
  })

  it("does not charge twice when Medusa authorizes the same session again", async () => {
    const data = await paid("10", { capture: false })
    const again = await provider().authorizePayment({ data, context: { idempotency_key: "payses_x" } })
    expect(again.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(emulator.listPayments()).toHaveLength(1)
  })

  it("sends the raw key for previous-structure keys and reads captures from the actions (no balances)", async () => {
    const service = provider({ secretKey: ABC_KEY })
    const data = await paid("25", { service })
    const [req] = emulator.requests({ method: "POST", path: "/payments" })
    expect(req.headers.authorization).toBe(ABC_KEY)
    const status = await service.getPaymentStatus({ data })
    expect(status.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(status.data).toMatchObject({ captured_minor: "2500" })
    expect(emulator.requests({ method: "GET", path: /\/actions$/ })).toHaveLength(1)
  })

  it("answers 401 with advice about the key and scheme when the scheme is wrong", async () => {
    const service = provider({ authScheme: "raw" })
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { session_id: `payses_${++seq}`, token: token() } })
    const error = await expectMedusaError(service.authorizePayment({ data: session.data }), "unexpected_state", /HTTP 401.*rejected the secret key.*authScheme/s)
    expect(error.message).not.toContain(KEY)
  })
})

describe("capturePayment", () => {
  it("captures the whole authorization with an explicit amount and the capture id as idempotency key", async () => {
    const data = await paid("25.50")
    const [req] = emulator.requests({ method: "POST", path: /\/captures$/ })
    expect(req.body).toEqual({ amount: 2550, capture_type: "Final", reference: expect.stringMatching(/^capt_/) })
    expect(req.headers["cko-idempotency-key"]).toBe(req.body && (req.body as any).reference)
    expect(data).toMatchObject({ captured_minor: "2550", capture_action_ids: [expect.stringMatching(/^act_/)] })
    expect(emulator.balances(data.payment_id as string)).toMatchObject({ total_captured: 2550, available_to_capture: 0 })
  })

  it("captures in parts when Medusa records partial captures, and refuses more than remains", async () => {
    let amount = "10.25"
    const captureService = { retrieve: async (id: string) => ({ id, raw_amount: { value: amount, precision: 20 } }) }
    const service = provider({}, { captureService })
    let data = await paid("25.50", { capture: false, service })
    data = (await service.capturePayment({ data, context: { idempotency_key: "capt_a" } })).data!
    amount = "15.25"
    data = (await service.capturePayment({ data, context: { idempotency_key: "capt_b" } })).data!
    // An omitted capture_type is Final (voids the rest): NonFinal while more is to come, Final for the last.
    expect(emulator.requests({ method: "POST", path: /\/captures$/ }).map((r) => [(r.body as any).amount, (r.body as any).capture_type])).toEqual([
      [1025, "NonFinal"],
      [1525, "Final"],
    ])
    expect(emulator.balances(data.payment_id as string)).toMatchObject({ total_captured: 2550, total_voided: 0 })
    expect(data).toMatchObject({ captured_minor: "2550", amount_minor: "2550" })
    // The same capture again is answered from the data.
    expect((await service.capturePayment({ data, context: { idempotency_key: "capt_b" } })).data).toEqual(data)
    await expectMedusaError(service.capturePayment({ data, context: { idempotency_key: "capt_c" } }), "not_allowed", /already fully captured/)
    expect(emulator.requests({ method: "POST", path: /\/captures$/ })).toHaveLength(2)
  })
})

describe("refundPayment (Payments API: asynchronous refunds)", () => {
  it("sends a partial refund in exact units, records it pending, and learns the outcome from the actions", async () => {
    const service = provider()
    const data = await paid("50.00")
    const out = await service.refundPayment({ amount: { value: "12.345", precision: 20 }, data, context: { idempotency_key: "ref_01PARTIAL" } })
    const [req] = emulator.requests({ method: "POST", path: /\/refunds$/ })
    expect(req.status).toBe(202)
    expect(req.body).toEqual({ amount: 1235, reference: "ref_01PARTIAL", metadata: { medusa_refund_id: "ref_01PARTIAL" } })
    expect(req.headers["cko-idempotency-key"]).toBe("ref_01PARTIAL")
    const [entry] = out.data!.refunds as any[]
    expect(entry).toMatchObject({ processor_refund_id: (req.response as any).action_id, medusa_refund_id: "ref_01PARTIAL", amount_minor: "1235", requested_amount: "12.345", status: "pending" })
    expect(out.data!.refunded_minor).toBe("1235")

    // Still pending at Checkout.com: retrieve changes nothing.
    const before = await service.retrievePayment({ data: out.data })
    expect((before.data!.refunds as any[])[0].status).toBe("pending")

    emulator.settleRefunds()
    const after = await service.retrievePayment({ data: out.data })
    expect(after.data!.refunds as any[]).toEqual([expect.objectContaining({ medusa_refund_id: "ref_01PARTIAL", status: "succeeded", origin: "medusa" })])
    expect(after.data).toMatchObject({ refunded_minor: "1235", processor_refunded_minor: "1235", payment_status: "Partially Refunded" })
  })

  it("records a declined refund as failed with Checkout.com's reason, and does not count it", async () => {
    const service = provider()
    const data = await paid("50.00")
    // Emulator test rule: an amount ending in 05 (in the currency's steps) is declined.
    const out = await service.refundPayment({ amount: "12.05", data, context: { idempotency_key: "ref_decline" } })
    emulator.settleRefunds()
    const after = await service.retrievePayment({ data: out.data })
    expect((after.data!.refunds as any[])[0]).toMatchObject({ status: "failed", failure_reason: "20005 Declined - Do Not Honour" })
    expect(after.data!.refunded_minor).toBe("0")
  })

  it("refunds 0-decimal and 3-decimal currencies in Checkout.com's units", async () => {
    const service = provider()
    const jpy = await paid("5000", { currency: "jpy", service })
    await service.refundPayment({ amount: "1234", data: jpy, context: { idempotency_key: "ref_jpy" } })
    const kwd = await paid("10.000", { currency: "kwd", service })
    const out = await service.refundPayment({ amount: "3.335", data: kwd, context: { idempotency_key: "ref_kwd" } })
    expect(emulator.requests({ method: "POST", path: /\/refunds$/ }).map((r) => (r.body as any).amount)).toEqual([1234, 3340])
    expect((out.data!.refunds as any[])[0]).toMatchObject({ amount_minor: "3340", requested_amount: "3.335" })
  })

  it("sends three refunds of 3.335 KWD on 10.000 KWD as 3.340, 3.340 and the exact remainder 3.320", async () => {
    const service = provider()
    let data = await paid("10.000", { currency: "kwd", service })
    for (const id of ["ref_t1", "ref_t2", "ref_t3"]) {
      data = (await service.refundPayment({ amount: { value: "3.335", precision: 20 }, data, context: { idempotency_key: id } })).data!
    }
    expect(emulator.requests({ method: "POST", path: /\/refunds$/ }).map((r) => (r.body as any).amount)).toEqual([3340, 3340, 3320])
    expect(emulator.balances(data.payment_id as string)).toMatchObject({ available_to_refund: 0 })
    expect(data.refunded_minor).toBe("10000")
  })

  it("refunds the rest after a partial refund, then refuses more without sending Checkout.com a refund", async () => {
    const service = provider()
    let data = await paid("50.00")
    data = (await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_a" } })).data!
    data = (await service.refundPayment({ amount: "30", data, context: { idempotency_key: "ref_b" } })).data!
    expect(emulator.requests({ method: "POST", path: /\/refunds$/ }).map((r) => (r.body as any).amount)).toEqual([2000, 3000])
    const before = emulator.requests({ method: "POST" }).length
    await expectMedusaError(service.refundPayment({ amount: "1", data, context: { idempotency_key: "ref_c" } }), "not_allowed", /already fully refunded at Checkout.com/)
    expect(emulator.requests({ method: "POST" })).toHaveLength(before) // without Medusa's records the ledger is read first; nothing is sent
  })

  it("does not send again a refund the ledger already holds", async () => {
    const service = provider()
    const paidData = await paid("50.00")
    const { data } = await service.refundPayment({ amount: "20", data: paidData, context: { idempotency_key: "ref_once" } })
    const again = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_once" } })
    expect(again.data).toEqual(data)
    expect(emulator.listRefunds(paidData.payment_id as string)).toHaveLength(1)
  })

  it("a lost answer is retried with the same Cko-Idempotency-Key and Checkout.com replays it: one refund", async () => {
    const service = provider({ maxRetries: 1 })
    const data = await paid("50.00")
    emulator.injectFault({ method: "POST", path: "/payments/:id/refunds", fault: { kind: "reset_after_apply" }, times: 1 })
    const out = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_lost" } })
    const sent = emulator.requests({ method: "POST", path: /\/refunds$/ })
    expect(sent.map((r) => r.headers["cko-idempotency-key"])).toEqual(["ref_lost", "ref_lost"])
    expect(emulator.listRefunds(data.payment_id as string)).toHaveLength(1)
    expect((out.data!.refunds as any[])[0].processor_refund_id).toBe(emulator.listRefunds()[0].id)
  })

  it("medusa#16681: after a lost answer Medusa retries under a new refund id; refused while pending, adopted once settled", async () => {
    // Medusa deleted ref_gone after the failure; ref_retry is the only live refund of the payment.
    const refundService = {
      retrieve: async (id: string) => ({ id, payment_id: "pay_medusa", note: null }),
      list: async () => [{ id: "ref_retry" }],
    }
    const service = provider({}, { refundService })
    const data = await paid("50.00")
    emulator.injectFault({ method: "POST", path: "/payments/:id/refunds", fault: { kind: "reset_after_apply" }, times: 1 })
    await expectMedusaError(service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_gone" } }), "unexpected_state", /could not be reached/)
    await expectMedusaError(service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_retry" } }), "not_allowed", /still being processed.*Sync/s)
    expect(emulator.listRefunds(data.payment_id as string)).toHaveLength(1)
    emulator.settleRefunds()
    const out = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_retry" } })
    expect(emulator.listRefunds(data.payment_id as string)).toHaveLength(1)
    expect(out.data!.refunds as any[]).toEqual([expect.objectContaining({ medusa_refund_id: "ref_retry", amount_minor: "2000", status: "succeeded" })])
  })

  it("adopts its own earlier attempt found among the actions instead of refunding twice", async () => {
    const service = provider()
    const data = await paid("50.00")
    await axios.post(`${emulator.url}/payments/${data.payment_id}/refunds`, { amount: 2000, reference: "ref_mine" }, { headers: { authorization: `Bearer ${KEY}` } })
    emulator.settleRefunds()
    const out = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_mine" } })
    expect(emulator.listRefunds(data.payment_id as string)).toHaveLength(1)
    expect((out.data!.refunds as any[])[0]).toMatchObject({ medusa_refund_id: "ref_mine", amount_minor: "2000", status: "succeeded" })
  })

  it("records a full refund made in the dashboard instead of failing (403 Refund not allowed)", async () => {
    const data = await paid("50.00")
    await axios.post(`${emulator.url}/payments/${data.payment_id}/refunds`, {}, { headers: { authorization: `Bearer ${KEY}` } })
    emulator.settleRefunds()
    const out = await provider().refundPayment({ amount: "50", data, context: { idempotency_key: "ref_dash" } })
    const ledger = out.data!.refunds as any[]
    expect(ledger).toHaveLength(1)
    expect(ledger[0]).toMatchObject({ origin: "processor", medusa_refund_id: "ref_dash", amount_minor: "5000" })
    expect(emulator.listRefunds(data.payment_id as string)).toHaveLength(1)
  })

  it("names the Medusa return in metadata (return_id) on a refund of a return; invalid metadata names none", async () => {
    const metadata = { return_id: "ret_01", return_items: [{ item_id: "ordli_1", title: "Mug", quantity: "1", unit_total: "5", total: "5" }] }
    const service = provider({}, { refundService: { retrieve: async (id: string) => ({ id, note: null, metadata }) } })
    await service.refundPayment({ amount: 5, data: await paid("20", { service }), context: { idempotency_key: "ref_ret_pay" } })
    const bad = provider({}, { refundService: { retrieve: async (id: string) => ({ id, note: null, metadata: { return_id: "../x" } }) } })
    await bad.refundPayment({ amount: 5, data: await paid("20", { service: bad }), context: { idempotency_key: "ref_ret_bad" } })
    const [first, second] = emulator.requests({ method: "POST", path: /\/refunds$/ })
    expect(first.body).toEqual({ amount: 500, reference: "ref_ret_pay", metadata: { medusa_refund_id: "ref_ret_pay", return_id: "ret_01" } })
    expect(second.body).toEqual({ amount: 500, reference: "ref_ret_bad", metadata: { medusa_refund_id: "ref_ret_bad" } })
  })

  it("sends Medusa's note and reason code in metadata, the note cut visibly at 255 characters", async () => {
    const refundService = { retrieve: async () => ({ note: "x".repeat(300), refund_reason: { code: "return", label: "Return" } }) }
    const service = provider({}, { refundService })
    await service.refundPayment({ amount: 5, data: await paid("20", { service }), context: { idempotency_key: "ref_note" } })
    const [req] = emulator.requests({ method: "POST", path: /\/refunds$/ })
    expect(req.body).toEqual({ amount: 500, reference: "ref_note", metadata: { medusa_refund_id: "ref_note", reason_code: "return", note: `${"x".repeat(254)}…` } })
  })

  it("lists each refund action with Checkout.com's settled amount, for the ledger sync to compare with the ledger", async () => {
    const service = provider()
    const data = await paid("50.00")
    // Checkout.com settled 9.00 for a refund the ledger holds as 10.00.
    const res = await axios.post(`${emulator.url}/payments/${data.payment_id}/refunds`, { amount: 900, reference: "ref_900" }, { headers: { authorization: `Bearer ${KEY}` } })
    emulator.settleRefunds()
    const ledger = { ...data, refunds: [{ processor_refund_id: res.data.action_id, medusa_refund_id: "ref_900", amount_minor: "1000", requested_amount: "10", status: "pending", origin: "medusa", created_at: new Date().toISOString() }] }
    expect(await (service as any).listProcessorRefunds(ledger)).toEqual([expect.objectContaining({ id: res.data.action_id, amount_minor: "900", status: "succeeded", tag: "ref_900" })])
  })

  it("maps amount_exceeds_balance (422) to advice to read the payment again", async () => {
    const service = provider({}, { refundService: { retrieve: async () => ({ id: "x", payment_id: "pay_medusa" }), list: async () => [] } })
    const data = await paid("50.00")
    // Checkout.com holds less than Medusa thinks: a stale ledger of a refund the actions do not show yet.
    const stale = { ...data, captured_minor: "6000", amount_minor: "6000" }
    await expectMedusaError(service.refundPayment({ amount: "55", data: stale, context: { idempotency_key: "ref_big" } }), "invalid_data", /amount_exceeds_balance.*Sync/s)
  })

  it("maps 403 on an uncaptured payment to not_allowed", async () => {
    const data = await paid("50.00", { capture: false })
    const forged = { ...data, captured_minor: "5000" }
    await expectMedusaError(provider().refundPayment({ amount: "5", data: forged, context: { idempotency_key: "ref_403" } }), "not_allowed", /HTTP 403.*not captured yet/s)
  })

  describe("bad input: a MedusaError, and nothing refunded", () => {
    let data: Record<string, unknown>
    beforeEach(async () => {
      data = await paid("50.00")
    })
    afterEach(() => {
      expect(emulator.listRefunds()).toHaveLength(0)
    })
    it.each([
      ["negative", -5, /greater than zero/],
      ["zero", 0, /greater than zero/],
      ["NaN", Number.NaN, /not a finite number/],
      ["text", "ten", /not a decimal number/],
      ["sub-cent", "0.004", /below the smallest amount/],
      ["over the remainder", "50.01", /Refund at most 50.00 USD/],
    ])("%s amount", async (_name, amount, text) => {
      await expectMedusaError(provider().refundPayment({ amount, data, context: { idempotency_key: "ref_bad" } }), "invalid_data", text)
      expect(emulator.requests({ method: "POST", path: /\/refunds$/ })).toHaveLength(0)
    })
    it("payment data without the payment id", async () => {
      const { payment_id, ...rest } = data
      await expectMedusaError(provider().refundPayment({ amount: 5, data: rest, context: { idempotency_key: "ref_bad" } }), "invalid_data", /has no payment_id/)
    })
    it("wrong credentials (Checkout.com answers 401)", async () => {
      const error = await expectMedusaError(
        provider({ secretKey: "sk_sbox_wrongkeywrongkeywrongkeywrongk" }).refundPayment({ amount: 5, data, context: { idempotency_key: "ref_bad" } }),
        "unexpected_state",
        /Checkout.com could not refund the payment \(HTTP 401.*rejected the secret key/s
      )
      expect(error.message).not.toContain("sk_sbox_wrongkeywrongkey")
    })
  })
})

describe("cancel, retrieve, status", () => {
  it("voids an uncaptured authorization and reports it canceled; again changes nothing", async () => {
    const service = provider()
    const data = await paid("30", { capture: false })
    const out = await service.cancelPayment({ data, context: { idempotency_key: "pay_medusa_1" } })
    const [req] = emulator.requests({ method: "POST", path: /\/voids$/ })
    expect(req.body).toEqual({ reference: "pay_medusa_1" })
    expect(req.headers["cko-idempotency-key"]).toBe("pay_medusa_1")
    expect(out.data).toMatchObject({ void_action_id: expect.stringMatching(/^act_/) })
    expect((await service.getPaymentStatus({ data: out.data })).status).toBe(PaymentSessionStatus.CANCELED)
    await service.cancelPayment({ data: out.data, context: { idempotency_key: "pay_medusa_1" } })
    expect(emulator.requests({ method: "POST", path: /\/voids$/ })).toHaveLength(1)
  })

  it("refuses to cancel a captured payment", async () => {
    const data = await paid("30")
    await expectMedusaError(provider().cancelPayment({ data }), "not_allowed", /Refund it instead/)
  })

  it("adds refunds made in the dashboard to the ledger on retrieve", async () => {
    const service = provider()
    const data = await paid("30")
    await axios.post(`${emulator.url}/payments/${data.payment_id}/refunds`, { amount: 500 }, { headers: { authorization: `Bearer ${KEY}` } })
    emulator.settleRefunds()
    const retrieved = await service.retrievePayment({ data })
    expect(retrieved.data).toMatchObject({ refunded_minor: "500", processor_refunded_minor: "500" })
    expect((retrieved.data!.refunds as any[])[0]).toMatchObject({ origin: "processor", amount_minor: "500", status: "succeeded" })
  })

  it("deletes a session without a payment locally, and voids an authorized one", async () => {
    const service = provider()
    expect((await service.deletePayment({ data: { currency: "usd" } })).data).toEqual({ currency: "usd" })
    expect(emulator.requests()).toHaveLength(0)
    const data = await paid("30", { capture: false })
    await service.deletePayment({ data })
    expect(emulator.balances(data.payment_id as string)).toMatchObject({ total_voided: 3000 })
  })
})

describe("webhooks (Cko-Signature)", () => {
  it("maps verified payment events to Medusa actions with the session id and the exact amount", async () => {
    const service = provider()
    const data = await paid("30.10", { currency: "kwd", capture: false })
    const approved = emulator.webhookEvent("payment_approved", data.payment_id as string)
    expect(await service.getWebhookActionAndData(signed(approved))).toEqual({
      action: PaymentActions.AUTHORIZED,
      data: { session_id: data.session_id, amount: "30.1" },
    })
    const captured = await service.capturePayment({ data, context: { idempotency_key: "capt_w" } })
    const event = emulator.webhookEvent("payment_captured", data.payment_id as string, (captured.data!.capture_action_ids as string[])[0])
    expect(await service.getWebhookActionAndData(signed(event))).toEqual({ action: PaymentActions.SUCCESSFUL, data: { session_id: data.session_id, amount: "30.1" } })
  })

  it("answers not_supported to a wrong or missing signature, a re-serialized body, other events, and without a key", async () => {
    const service = provider()
    const data = await paid("30")
    const event = emulator.webhookEvent("payment_approved", data.payment_id as string)
    expect((await service.getWebhookActionAndData(signed(event, "not_the_key_123"))).action).toBe(PaymentActions.NOT_SUPPORTED)
    expect((await service.getWebhookActionAndData({ ...signed(event), headers: {} })).action).toBe(PaymentActions.NOT_SUPPORTED)
    const tampered = { ...signed(event), rawData: JSON.stringify({ ...event, data: { ...event.data, amount: 1 } }) }
    expect((await service.getWebhookActionAndData(tampered)).action).toBe(PaymentActions.NOT_SUPPORTED)
    const other = emulator.webhookEvent("payment_voided", data.payment_id as string)
    expect((await service.getWebhookActionAndData(signed(other))).action).toBe(PaymentActions.NOT_SUPPORTED)
    expect((await provider({ webhookSignatureKey: undefined }).getWebhookActionAndData(signed(event))).action).toBe(PaymentActions.NOT_SUPPORTED)
    // The emulator's own signing matches ours, header case aside.
    const fromEmulator = emulator.signWebhook(event, SIGNATURE_KEY)
    expect((await service.getWebhookActionAndData({ data: event as any, rawData: fromEmulator.rawBody, headers: { "Cko-Signature": fromEmulator.signature } })).action).toBe(PaymentActions.AUTHORIZED)
  })

  it("reads refund outcomes from verified payment_refunded / payment_refund_declined events", async () => {
    const service = provider()
    let data = await paid("50.00")
    data = (await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_w1" } })).data!
    data = (await service.refundPayment({ amount: "12.05", data, context: { idempotency_key: "ref_w2" } })).data!
    const [ok, declined] = emulator.settleRefunds()
    const outcomes = [
      ...(await service.refundOutcomes(signed(emulator.webhookEvent("payment_refunded", data.payment_id as string, ok.id)))),
      ...(await service.refundOutcomes(signed(emulator.webhookEvent("payment_refund_declined", data.payment_id as string, declined.id)))),
    ]
    expect(outcomes).toEqual([
      { processor_refund_id: ok.id, status: "succeeded", medusa_refund_id: "ref_w1", processor_payment_id: data.payment_id, session_id: data.session_id },
      { processor_refund_id: declined.id, status: "failed", failure_reason: "20005 Declined - Do Not Honour", medusa_refund_id: "ref_w2", processor_payment_id: data.payment_id, session_id: data.session_id },
    ])
    expect(await service.refundOutcomes(signed(emulator.webhookEvent("payment_refunded", data.payment_id as string, ok.id), "wrong_key_1234"))).toEqual([])
    // Refund events are not payment actions for Medusa.
    expect((await service.getWebhookActionAndData(signed(emulator.webhookEvent("payment_refunded", data.payment_id as string, ok.id)))).action).toBe(PaymentActions.NOT_SUPPORTED)
  })
})

describe("classic v2 Charges API (api: classic)", () => {
  const classic = (options: Record<string, unknown> = {}, cradle: Record<string, unknown> = {}) =>
    provider({ api: "classic", secretKey: ABC_KEY, udf1: "store-eu", ...options }, cradle)

  async function classicPaid(amount: string, opts: { currency?: string; capture?: boolean; service?: CheckoutProviderService } = {}) {
    return paid(amount, { ...opts, service: opts.service ?? classic() })
  }

  it("charges with the raw key, autoCapture N, trackId and udf passthrough", async () => {
    const data = await classicPaid("49.99", { capture: false })
    const [req] = emulator.requests({ method: "POST", path: "/v2/charges/token" })
    expect(req.headers.authorization).toBe(ABC_KEY)
    expect(req.headers["cko-idempotency-key"]).toBeUndefined()
    expect(req.body).toEqual({
      cardToken: expect.stringMatching(/^tok_/),
      value: 4999,
      currency: "USD",
      autoCapture: "N",
      trackId: expect.stringMatching(/^payses_/),
      metadata: { session_id: expect.stringMatching(/^payses_/) },
      udf1: "store-eu",
    })
    expect(data).toMatchObject({ api: "classic", charge_id: expect.stringMatching(/^charge_test_/), charge_status: "Authorised", amount_minor: "4999", captured_minor: "0" })
  })

  it("keeps the charge-id chain: the capture makes a new charge id and refunds go against it", async () => {
    const service = classic()
    let data = await classicPaid("50.00", { service })
    expect(data.capture_charge_id).not.toBe(data.charge_id)
    expect(emulator.getCharge(data.capture_charge_id as string)).toMatchObject({ originalId: data.charge_id, status: "Captured", value: 5000 })
    data = (await service.refundPayment({ amount: "12.345", data, context: { idempotency_key: "ref_c1" } })).data!
    data = (await service.refundPayment({ amount: { value: "37.655", precision: 20 }, data, context: { idempotency_key: "ref_c2" } })).data!
    const refunds = emulator.requests({ method: "POST", path: /\/refund$/ })
    expect(refunds.map((r) => r.path)).toEqual([`/v2/charges/${data.capture_charge_id}/refund`, `/v2/charges/${data.capture_charge_id}/refund`])
    expect(refunds.map((r) => r.body)).toEqual([
      { value: 1235, trackId: "ref_c1", metadata: { medusa_refund_id: "ref_c1" }, udf1: "store-eu" },
      { value: 3765, trackId: "ref_c2", metadata: { medusa_refund_id: "ref_c2" }, udf1: "store-eu" },
    ])
    expect(data.refunds as any[]).toEqual([
      expect.objectContaining({ status: "succeeded", amount_minor: "1235", processor_refund_id: expect.stringMatching(/^charge_test_/) }),
      expect.objectContaining({ status: "succeeded", amount_minor: "3765" }),
    ])
    expect(emulator.getCharge(data.charge_id as string)!.status).toBe("Refunded")
    expect(emulator.chargeChain(data.charge_id as string)).toHaveLength(4) // charge, capture, two refunds
  })

  it("leaves value out for a full refund of an untouched charge, with the note as description", async () => {
    const refundService = { retrieve: async () => ({ note: "damaged in transit", refund_reason: { code: "return", label: "Return" } }) }
    const service = classic({}, { refundService })
    const data = await classicPaid("20", { service })
    await service.refundPayment({ amount: 20, data, context: { idempotency_key: "ref_full" } })
    expect(emulator.requests({ method: "POST", path: /\/refund$/ })[0].body).toEqual({
      trackId: "ref_full",
      description: "damaged in transit",
      metadata: { medusa_refund_id: "ref_full", reason_code: "return", note: "damaged in transit" },
      udf1: "store-eu",
    })
  })

  it("automatic capture: refunds the capture charge found in the charge history, never the authorization id", async () => {
    const service = classic({ captureMode: "automatic" })
    const session = await service.initiatePayment({ amount: "1500", currency_code: "jpy", data: { session_id: `payses_${++seq}`, token: token() } })
    const auth = await service.authorizePayment({ data: session.data, context: { idempotency_key: "payses_cl_auto" } })
    expect(auth.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(auth.data).toMatchObject({ captured_minor: "1500" })
    const capture = emulator.chargeChain(auth.data!.charge_id as string).find((c) => c.originalId === auth.data!.charge_id && c.status === "Captured")!
    const first = await service.refundPayment({ amount: "500", data: auth.data, context: { idempotency_key: "ref_auto" } })
    expect(first.data).toMatchObject({ capture_charge_id: capture.id }) // found once, kept
    await service.refundPayment({ amount: "400", data: first.data, context: { idempotency_key: "ref_auto2" } })
    const refunds = emulator.requests({ method: "POST", path: /\/refund$/ })
    expect(refunds.map((r) => [r.path, r.status, (r.body as any).value])).toEqual([
      [`/v2/charges/${capture.id}/refund`, 200, 500],
      [`/v2/charges/${capture.id}/refund`, 200, 400],
    ])
    // Data stored before the lookup existed held the authorization id as capture_charge_id: found the same way.
    const old = await classicPaid("15", { service: classic({ captureMode: "automatic" }), capture: false })
    const legacy = { ...old, capture_charge_id: old.charge_id }
    await classic().refundPayment({ amount: "5", data: legacy, context: { idempotency_key: "ref_legacy" } })
    const oldCapture = emulator.chargeChain(old.charge_id as string).find((c) => c.originalId === old.charge_id && c.status === "Captured")!
    expect(emulator.requests({ method: "POST", path: /\/refund$/ }).at(-1)!.path).toBe(`/v2/charges/${oldCapture.id}/refund`)
  })

  it("finds a refund whose answer was lost in the charge history instead of refunding twice (no idempotency header)", async () => {
    const service = classic()
    const data = await classicPaid("50.00", { service })
    await axios.post(`${emulator.url}/v2/charges/${data.capture_charge_id}/refund`, { value: 2000, trackId: "ref_lostc" }, { headers: { authorization: ABC_KEY } })
    const out = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_lostc" } })
    expect(emulator.requests({ method: "POST", path: /\/refund$/ })).toHaveLength(1)
    expect((out.data!.refunds as any[])[0]).toMatchObject({ medusa_refund_id: "ref_lostc", amount_minor: "2000", status: "succeeded" })
  })

  /** Medusa's payment module as the core reads and writes it: one payment, its data, no other refunds. */
  function medusaModules(data: Record<string, unknown>) {
    const stored = { data: structuredClone(data) }
    const paymentService = {
      update: async (p: { data: Record<string, unknown> }) => void (stored.data = structuredClone(p.data)),
      retrieve: async () => ({ data: structuredClone(stored.data) }),
    }
    const refundService = { retrieve: async (id: string) => ({ id, note: null, payment: { id: "pay_medusa", refunds: [], data: stored.data } }), list: async () => [] }
    return { stored, cradle: { paymentService, refundService } }
  }

  it("a refund declined in the answer (responseCode 20005) ends in a MedusaError with the reason, kept in the ledger as failed", async () => {
    const data = await classicPaid("50.00")
    const medusa = medusaModules(data)
    const service = classic({}, medusa.cradle)
    await expectMedusaError(service.refundPayment({ amount: "12.05", data, context: { idempotency_key: "ref_cdecl" } }), "not_allowed", /declined the refund of 12.05 USD \(20005 Declined - Do Not Honour\)/)
    expect(medusa.stored.data.refunds).toEqual([
      expect.objectContaining({ medusa_refund_id: "ref_cdecl", amount_minor: "1205", status: "failed", failure_reason: "20005 Declined - Do Not Honour", processor_refund_id: expect.stringMatching(/^charge_test_/) }),
    ])
    expect(medusa.stored.data.refunded_minor).toBe("0")
  })

  it.each([
    ["another currency", { currency: "EUR" }, "2000", { processor_minor: "2000", processor_currency: "eur" }],
    ["another amount", { value: 1900 }, "1900", { processor_minor: "1900", processor_currency: "usd" }],
  ])("a refund answer with %s is recorded with Checkout.com's figures, marked, and never thrown after the money moved", async (_name, change, minor, figures) => {
    const service = classic()
    const data = await classicPaid("50.00", { service })
    const answer = { id: "charge_test_8C5A496E242M73BD0AE1", originalId: data.capture_charge_id, value: 2000, currency: "USD", status: "Refunded", responseCode: "10000", trackId: "ref_cfig", ...change }
    emulator.injectFault({ method: "POST", path: "/v2/charges/:id/refund", fault: { kind: "status", status: 200, body: answer } })
    const out = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_cfig" } })
    expect(out.data!.refunds).toEqual([
      expect.objectContaining({
        processor_refund_id: answer.id,
        status: "succeeded",
        amount_minor: minor,
        discrepancy: expect.objectContaining({ planned_minor: "2000", planned_currency: "usd", ...figures }),
      }),
    ])
  })

  describe("a refund of a Medusa return sends the returned items as products (seed 001 l.75-86, l.149-154)", () => {
    const returnItem = (over: Record<string, unknown> = {}) => ({
      item_id: "ordli_01",
      variant_id: "variant_01",
      sku: "TEE-M",
      title: "T-Shirt / M",
      quantity: "2",
      unit_total: "12.345",
      total: "24.69",
      reason_code: "damaged",
      damaged: true,
      ...over,
    })
    const withMetadata = (metadata: unknown, logger: Record<string, unknown> = quiet) =>
      classic({}, { logger, refundService: { retrieve: async (id: string) => ({ id, note: null, metadata }) } })

    it("name, quantity and the unit price in minor units, exactly (half-up), reach the emulator's journal", async () => {
      const service = withMetadata({
        return_id: "ret_01",
        return_items: [returnItem(), returnItem({ item_id: "ordli_02", sku: null, title: "Gift wrap", quantity: "1", unit_total: "0", total: "0" })],
      })
      await service.refundPayment({ amount: "24.69", data: await classicPaid("50", { service }), context: { idempotency_key: "ref_ret" } })
      const [req] = emulator.requests({ method: "POST", path: /\/refund$/ })
      expect(req.status).toBe(200)
      expect((req.body as any).products).toEqual([
        { name: "T-Shirt / M", quantity: 2, price: 1235, sku: "TEE-M" },
        { name: "Gift wrap", quantity: 1, price: 0 },
      ])
      expect((req.body as any).metadata).toMatchObject({ medusa_refund_id: "ref_ret", return_id: "ret_01" })
    })

    it("cuts long names to 100 characters and leaves out lines with a fractional quantity, with a warning", async () => {
      const warnings: string[] = []
      const service = withMetadata(
        { return_items: [returnItem({ title: "t".repeat(150) }), returnItem({ item_id: "ordli_03", quantity: "0.5" })] },
        { ...quiet, warn: (m: string) => warnings.push(m) }
      )
      await service.refundPayment({ amount: 10, data: await classicPaid("50", { service }), context: { idempotency_key: "ref_cut" } })
      const [req] = emulator.requests({ method: "POST", path: /\/refund$/ })
      expect((req.body as any).products).toEqual([{ name: `${"t".repeat(99)}…`, quantity: 2, price: 1235, sku: "TEE-M" }])
      expect(warnings.join("\n")).toMatch(/1 returned line\(s\) not sent as products/)
    })

    it("sends no products, and still refunds, when return_items is invalid (untrusted metadata)", async () => {
      const warnings: string[] = []
      const service = withMetadata({ return_items: [returnItem({ unit_total: 12.345 })] }, { ...quiet, warn: (m: string) => warnings.push(m) })
      await service.refundPayment({ amount: 10, data: await classicPaid("50", { service }), context: { idempotency_key: "ref_bad" } })
      const [req] = emulator.requests({ method: "POST", path: /\/refund$/ })
      expect(req.status).toBe(200)
      expect((req.body as any).products).toBeUndefined()
      expect(warnings.join("\n")).toMatch(/return_items ignored/)
    })
  })

  it("sends Medusa's note and reason within the classic limits (100 characters), cut visibly", async () => {
    const note = "n".repeat(150)
    const refundService = { retrieve: async () => ({ note, refund_reason: { code: "r".repeat(120), label: "Return" } }) }
    const service = classic({}, { refundService })
    await service.refundPayment({ amount: 5, data: await classicPaid("20", { service }), context: { idempotency_key: "ref_long" } })
    const [req] = emulator.requests({ method: "POST", path: /\/refund$/ })
    expect(req.status).toBe(200)
    const cut = `${"n".repeat(99)}…`
    expect(req.body).toMatchObject({ description: cut, metadata: { medusa_refund_id: "ref_long", note: cut, reason_code: `${"r".repeat(99)}…` } })
    // Without a note the reason's label is the description.
    const labelOnly = classic({}, { refundService: { retrieve: async () => ({ note: null, refund_reason: { code: "return", label: "Return" } }) } })
    await labelOnly.refundPayment({ amount: 5, data: await classicPaid("20", { service: labelOnly }), context: { idempotency_key: "ref_label" } })
    expect(emulator.requests({ method: "POST", path: /\/refund$/ })[1].body).toMatchObject({ description: "Return", metadata: { reason_code: "return" } })
  })

  it("refuses udf options longer than Checkout.com's 100 characters at boot", () => {
    expect(() => CheckoutProviderService.validateOptions({ secretKey: ABC_KEY, api: "classic", udf2: "u".repeat(101) })).toThrow(/`udf2` must be at most 100 characters/)
    expect(() => CheckoutProviderService.validateOptions({ secretKey: ABC_KEY, api: "classic", udf2: "u".repeat(100) })).not.toThrow()
  })

  it("lists the history's refunds with Checkout.com's amount and currency, for the ledger sync", async () => {
    const service = classic()
    const data = await classicPaid("50.00", { service })
    const out = await service.refundPayment({ amount: "12.34", data, context: { idempotency_key: "ref_view" } })
    const views = await (service as any).listProcessorRefunds(out.data)
    expect(views).toEqual([expect.objectContaining({ amount_minor: "1234", currency: "usd", status: "succeeded", tag: "ref_view" })])
  })

  it("maps the classic error body (errorCode 70000) to invalid_data", async () => {
    const service = classic()
    const data = await classicPaid("50.00", { service })
    await expectMedusaError(service.refundPayment({ amount: "55", data: { ...data, captured_minor: "6000" }, context: { idempotency_key: "ref_cbig" } }), "invalid_data", /HTTP 400 70000.*exceeds the remaining/s)
  })

  it("captures once, voids an authorization, and declines a declined card", async () => {
    const service = classic()
    const data = await classicPaid("30", { service })
    await expectMedusaError(service.capturePayment({ data, context: { idempotency_key: "capt_again" } }), "not_allowed", /captures an authorization once/)
    const auth = await classicPaid("30", { service, capture: false })
    const voided = await service.cancelPayment({ data: auth, context: { idempotency_key: "pay_v" } })
    expect(voided.data).toMatchObject({ void_charge_id: expect.stringMatching(/^charge_test_/), charge_status: "Voided" })
    expect((await service.getPaymentStatus({ data: voided.data })).status).toBe(PaymentSessionStatus.CANCELED)
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { session_id: `payses_${++seq}`, token: token("decline") } })
    await expectMedusaError(service.authorizePayment({ data: session.data }), "payment_authorization_error", /20005/)
  })

  it("answers not_supported to webhooks", async () => {
    const data = await paid("10")
    const event = emulator.webhookEvent("payment_approved", data.payment_id as string)
    expect((await classic().getWebhookActionAndData(signed(event))).action).toBe(PaymentActions.NOT_SUPPORTED)
  })
})

describe("options", () => {
  it("names the bad option and never echoes a secret", () => {
    expect(() => CheckoutProviderService.validateOptions({})).toThrow(/`secretKey` is required/)
    const error = (() => {
      try {
        CheckoutProviderService.validateOptions({ secretKey: "sk_secret_value_1", environment: "staging", api: "v3", authScheme: "basic" })
      } catch (e) {
        return e as Error
      }
    })()!
    expect(error).toBeInstanceOf(MedusaError)
    expect(error.message).toMatch(/`environment`/)
    expect(error.message).toMatch(/`api`/)
    expect(error.message).toMatch(/`authScheme`/)
    expect(error.message).not.toContain("sk_secret_value_1")
    expect(() => CheckoutProviderService.validateOptions({ secretKey: ABC_KEY, api: "classic", authScheme: "bearer" })).toThrow(/classic Charges API takes the raw secret key/)
    expect(() => CheckoutProviderService.validateOptions({ secretKey: KEY, accountPrefix: "CLI_ABC" })).toThrow(/`accountPrefix`/)
  })

  it("tests the connection with an authenticated read, for both APIs, and names the processor's payment id", async () => {
    expect(await provider().testConnection()).toEqual({ ok: true, message: expect.stringMatching(/accepted the credentials \(emulator or custom URL\)/) })
    expect(await provider({ api: "classic", secretKey: ABC_KEY }).testConnection()).toMatchObject({ ok: true })
    const wrong = await provider({ secretKey: "sk_sbox_wrongkeywrongkeywrongkeywrongk" }).testConnection()
    expect(wrong).toEqual({ ok: false, message: expect.stringMatching(/HTTP 401.*rejected the secret key/s) })
    expect(wrong.message).not.toContain("sk_sbox_wrongkey")
    expect(provider().processorPaymentId({ payment_id: "pay_1" })).toBe("pay_1")
    expect(provider({ api: "classic", secretKey: ABC_KEY }).processorPaymentId({ charge_id: "charge_test_1" })).toBe("charge_test_1")
  })

  it("resolves sandbox, live, account-prefixed and classic hosts", () => {
    expect(paymentsBaseUrl({ environment: "sandbox" })).toBe("https://api.sandbox.checkout.com")
    expect(paymentsBaseUrl({ environment: "production" })).toBe("https://api.checkout.com")
    expect(paymentsBaseUrl({ environment: "sandbox", accountPrefix: "1a2b3c4d" })).toBe("https://1a2b3c4d.api.sandbox.checkout.com")
    expect(paymentsBaseUrl({ environment: "production", accountPrefix: "1a2b3c4d" })).toBe("https://1a2b3c4d.api.checkout.com")
    expect(paymentsBaseUrl({ environment: "http://127.0.0.1:4520/", accountPrefix: "1a2b3c4d" })).toBe("http://127.0.0.1:4520")
    expect(classicBaseUrl({ environment: "sandbox" })).toBe("https://sandbox.checkout.com/api2")
    expect(classicBaseUrl({ environment: "production" })).toBe("https://api2.checkout.com")
  })
})

describe("zero trust: session data, stored ids and webhooks (docs/security.md)", () => {
  const classicProvider = (options: Record<string, unknown> = {}, cradle: Record<string, unknown> = {}) =>
    provider({ api: "classic", secretKey: ABC_KEY, ...options }, cradle)
  const apis = [
    ["payments", "payment_id", () => provider()],
    ["classic", "charge_id", () => classicProvider()],
  ] as const
  const posts = () => emulator.requests().filter((r) => r.method === "POST")

  describe.each(apis)("%s API", (_api, idField, make) => {
    it(`drops a shopper's ${idField} of another, smaller payment at initiate: the session cannot complete with it`, async () => {
      const service = make()
      const a = await paid("55.50", { service })
      const shopper = { session_id: "payses_cartB", [idField]: a[idField], capture_charge_id: a.capture_charge_id, captured_minor: "46500", payment_status: "Captured", token: token() }
      const started = await service.initiatePayment({ amount: "465.00", currency_code: "usd", data: shopper, context: { idempotency_key: "payses_cartB" } })
      expect(started.data).toMatchObject({ [idField]: null, capture_charge_id: null, payment_status: null, captured_minor: "0", amount_minor: "46500", session_id: "payses_cartB" })
      // Medusa stores the shopper's data merged with the provider's answer.
      const stored = { ...shopper, ...started.data }
      const out = await service.authorizePayment({ data: stored, context: { idempotency_key: "payses_cartB" } })
      expect(out.data![idField]).not.toBe(a[idField])
      const created = posts().filter((r) => r.path === "/payments" || r.path === "/v2/charges/token").map((r) => (r.body as any).amount ?? (r.body as any).value)
      expect(created).toEqual([5550, 46500]) // B paid in full with its own payment
    })

    it.each([
      ["another session's reference", { session_id: "payses_other" }, /does not name this session/],
      ["another amount", { amount_minor: "46500" }, /its amount 5550 is not the session's 46500/],
      ["another currency", { currency: "eur" }, /its currency USD is not the session's eur/],
    ])(`refuses a stored ${idField} whose payment has %s (authorize, status, retrieve, cancel), nothing captured`, async (_name, change, why) => {
      const service = make()
      const a = await paid("55.50", { service, capture: false })
      const before = posts().length
      const data = { ...a, ...change }
      for (const call of [
        () => service.authorizePayment({ data, context: { idempotency_key: "payses_x" } }),
        () => service.getPaymentStatus({ data }),
        () => service.retrievePayment({ data }),
        () => service.cancelPayment({ data, context: { idempotency_key: "pay_x" } }),
      ]) {
        await expectMedusaError(call(), "not_allowed", why)
      }
      expect(posts()).toHaveLength(before)
      if (idField === "payment_id") expect(emulator.balances(a.payment_id as string)).toMatchObject({ total_captured: 0, total_voided: 0 })
      else expect(emulator.getCharge(a.charge_id as string)!.status).toBe("Authorised")
    })

    it("takes the email from Medusa's customer only, never from the shopper's data", async () => {
      const service = make()
      const shopper = { session_id: "payses_mail", token: token(), email: "attacker@evil.test" }
      const withCustomer = await service.initiatePayment({
        amount: "10",
        currency_code: "usd",
        data: shopper,
        context: { idempotency_key: "payses_mail", customer: { id: "cus_1", email: "ada@example.com" } as any },
      })
      expect(withCustomer.data!.email).toBe("ada@example.com")
      await service.authorizePayment({ data: { ...shopper, ...withCustomer.data }, context: { idempotency_key: "payses_mail" } })
      const guest = { ...shopper, session_id: "payses_guest", token: token() }
      const withoutCustomer = await service.initiatePayment({ amount: "10", currency_code: "usd", data: guest })
      expect(withoutCustomer.data!.email).toBeNull()
      await service.authorizePayment({ data: { ...guest, ...withoutCustomer.data }, context: { idempotency_key: "payses_guest" } })
      const emails = posts().map((r) => (r.body as any).customer?.email ?? (r.body as any).email)
      expect(emails).toEqual(["ada@example.com", undefined])
    })
  })

  describe("ids that go into URL paths are checked before any request", () => {
    const bad = ["pay_x/../../v2/charges/charge_test_AAAAAAAAAAAAAAAAAAAA", "../payments", "pay_abcdefghijklmnopqrstuvwxyz?x=1", "pay_abc"]
    const base = { session_id: "payses_p", currency: "usd", amount_minor: "1000", captured_minor: "1000", refunded_minor: "0", refunds: [] }

    it.each(bad)("Payments API payment_id %p", async (id) => {
      const service = provider()
      const data = { ...base, payment_id: id }
      for (const call of [
        () => service.authorizePayment({ data }),
        () => service.getPaymentStatus({ data }),
        () => service.retrievePayment({ data }),
        () => service.cancelPayment({ data }),
        () => service.capturePayment({ data: { ...data, captured_minor: "0" }, context: { idempotency_key: "capt_p" } }),
        () => service.refundPayment({ amount: 5, data, context: { idempotency_key: "ref_p" } }),
      ]) {
        await expectMedusaError(call(), "invalid_data", /payment id \(payment_id\) in this payment's data is not a Checkout.com id.*nothing was sent/)
      }
      expect(emulator.requests()).toHaveLength(0)
    })

    it.each(["charge_test_AAAAAAAAAAAAAAAAAAAA/../../x", "charge_test_AAAAAAAAAAAAAAAAAAAA%2F..", "../payments/pay_x", "charge_test_"])("classic charge_id and capture_charge_id %p", async (id) => {
      const service = classicProvider()
      const data = { ...base, charge_id: id, capture_charge_id: id }
      for (const call of [
        () => service.getPaymentStatus({ data }),
        () => service.retrievePayment({ data }),
        () => service.cancelPayment({ data }),
        () => service.capturePayment({ data: { ...data, captured_minor: "0" }, context: { idempotency_key: "capt_p" } }),
        () => service.refundPayment({ amount: 5, data, context: { idempotency_key: "ref_p" } }),
      ]) {
        await expectMedusaError(call(), "invalid_data", /charge id \(charge_id\) in this payment's data is not a Checkout.com id/)
      }
      // The refund goes against the capture's charge: a good charge_id with a bad capture_charge_id.
      const good = await paid("10", { service })
      const before = emulator.requests().length
      await expectMedusaError(
        service.refundPayment({ amount: 5, data: { ...good, capture_charge_id: id }, context: { idempotency_key: "ref_q" } }),
        "invalid_data",
        /charge id \(capture_charge_id\)/
      )
      // Only the core's read of the (good) charge's history before a refund; nothing reaches the bad id.
      expect(emulator.requests().slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /v2/charges/${good.charge_id}/history`])
      expect(emulator.chargeChain(good.charge_id as string)).toHaveLength(2) // charge and capture, no refund
    })

    it("a signed webhook naming a malformed payment id is not_supported, with no request", async () => {
      const event = { id: "evt_1", type: "payment_captured", data: { id: "pay_x/../../v2/charges", amount: 100, currency: "USD", metadata: { session_id: "payses_1" } } }
      expect((await provider().getWebhookActionAndData(signed(event))).action).toBe(PaymentActions.NOT_SUPPORTED)
      expect(emulator.requests()).toHaveLength(0)
    })
  })

  describe("webhooks: what Medusa acts on is Checkout.com's record of the payment", () => {
    let captureAmount = "0"
    const captureService = { retrieve: async (id: string) => ({ id, raw_amount: { value: captureAmount, precision: 20 } }) }

    /**
     * What Medusa 2.21's processPaymentWorkflow does with a webhook's SUCCESSFUL: unless its payment is
     * fully captured, it records a capture of `data.amount` and asks the provider to capture it.
     */
    async function medusaProcesses(service: CheckoutProviderService, result: Awaited<ReturnType<CheckoutProviderService["getWebhookActionAndData"]>>, payment: { data: Record<string, unknown>; amount: number; captured: number }) {
      if (result.action !== PaymentActions.SUCCESSFUL || payment.captured >= payment.amount) return payment
      const amount = Number(result.data!.amount)
      if (payment.captured + amount > payment.amount) throw new Error("Medusa: You cannot capture more than the authorized amount")
      captureAmount = String(amount)
      const out = await service.capturePayment({ data: payment.data, context: { idempotency_key: `capt_webhook_${++seq}` } })
      return { data: out.data!, amount: payment.amount, captured: payment.captured + amount }
    }
    const captures = (paymentId: string) => emulator.getPayment(paymentId)!.actions.filter((a) => a.type === "Capture").map((a) => a.amount)

    it("payment_captured after a partial capture does not make Medusa capture again", async () => {
      const service = provider({}, { captureService })
      const authorized = await paid("100", { service, capture: false })
      const id = authorized.payment_id as string
      captureAmount = "40"
      const first = await service.capturePayment({ data: authorized, context: { idempotency_key: "capt_admin_1" } })
      const event = emulator.webhookEvent("payment_captured", id, (first.data!.capture_action_ids as string[])[0])
      const result = await service.getWebhookActionAndData(signed(event))
      let medusa = await medusaProcesses(service, result, { data: first.data!, amount: 100, captured: 40 })
      expect(captures(id)).toEqual([4000]) // before the fix: [4000, 4000]
      expect(result.action).toBe(PaymentActions.NOT_SUPPORTED)

      // The rest, captured from the admin: its webhook is not a capture to record either.
      captureAmount = "60"
      const second = await service.capturePayment({ data: medusa.data, context: { idempotency_key: "capt_admin_2" } })
      medusa = { data: second.data!, amount: 100, captured: 100 }
      const last = emulator.webhookEvent("payment_captured", id, (second.data!.capture_action_ids as string[])[1])
      expect((await service.getWebhookActionAndData(signed(last))).action).toBe(PaymentActions.NOT_SUPPORTED)
      expect(captures(id)).toEqual([4000, 6000])
    })

    it("a single capture of the whole payment is reported captured, and Medusa recording it sends nothing more", async () => {
      // Medusa's own full capture: Medusa marked the payment captured, the webhook changes nothing.
      const service = provider({}, { captureService })
      captureAmount = "30"
      const own = await paid("30", { service })
      const ownEvent = emulator.webhookEvent("payment_captured", own.payment_id as string, (own.capture_action_ids as string[])[0])
      const ownResult = await service.getWebhookActionAndData(signed(ownEvent))
      expect(ownResult).toEqual({ action: PaymentActions.SUCCESSFUL, data: { session_id: own.session_id, amount: "30" } })
      await medusaProcesses(service, ownResult, { data: own, amount: 30, captured: 30 })
      expect(captures(own.payment_id as string)).toEqual([3000])

      // Captured in the dashboard: Medusa records it, Checkout.com refuses a second capture (403), the provider adopts it.
      const outside = await paid("25", { service, capture: false })
      const id = outside.payment_id as string
      const res = await axios.post(`${emulator.url}/payments/${id}/captures`, { amount: 2500 }, { headers: { authorization: `Bearer ${KEY}` } })
      const result = await service.getWebhookActionAndData(signed(emulator.webhookEvent("payment_captured", id, res.data.action_id)))
      expect(result).toEqual({ action: PaymentActions.SUCCESSFUL, data: { session_id: outside.session_id, amount: "25" } })
      const recorded = await medusaProcesses(service, result, { data: outside, amount: 25, captured: 0 })
      expect(recorded.data).toMatchObject({ captured_minor: "2500", payment_status: "Captured" })
      expect(captures(id)).toEqual([2500])
    })

    it("takes the session id and amount from Checkout.com's payment, not from the event body", async () => {
      const service = provider()
      const a = await paid("30", { service, capture: false })
      const event = emulator.webhookEvent("payment_approved", a.payment_id as string)
      const lying = { ...event, data: { ...event.data, amount: 1, metadata: { session_id: "payses_victim" }, reference: "payses_victim" } }
      expect(await service.getWebhookActionAndData(signed(lying))).toEqual({ action: PaymentActions.AUTHORIZED, data: { session_id: a.session_id, amount: "30" } })
      // A payment made outside Medusa names no session: not_supported.
      const res = await axios.post(
        `${emulator.url}/payments`,
        { source: { type: "token", token: token() }, amount: 500, currency: "USD", capture: true },
        { headers: { authorization: `Bearer ${KEY}` } }
      )
      const foreign = emulator.webhookEvent("payment_captured", res.data.id)
      expect((await service.getWebhookActionAndData(signed({ ...foreign, data: { ...foreign.data, metadata: { session_id: a.session_id } } }))).action).toBe(PaymentActions.NOT_SUPPORTED)
    })
  })

  it("sends reason codes named like Object.prototype members as plain text", async () => {
    for (const code of ["constructor", "toString", "__proto__"]) {
      const refundService = { retrieve: async () => ({ note: null, refund_reason: { code, label: code } }) }
      const service = provider({}, { refundService })
      const data = await paid("20", { service })
      await service.refundPayment({ amount: 5, data, context: { idempotency_key: `ref_${code}` } })
      const classic = classicProvider({}, { refundService })
      await classic.refundPayment({ amount: 5, data: await paid("20", { service: classic }), context: { idempotency_key: `ref_c${code}` } })
    }
    const sent = emulator.requests({ method: "POST" }).filter((r) => /\/refunds?$/.test(r.path)).map((r) => (r.body as any).metadata.reason_code)
    expect(sent).toEqual(["constructor", "constructor", "toString", "toString", "__proto__", "__proto__"])
  })
})
