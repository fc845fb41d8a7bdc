import crypto from "node:crypto"
import { expectMedusaError as expectMedusaErrorWithout } from "../../../../test/support/medusa-error"
import axios from "axios"
import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import { DEFAULT_FISERV_MERCHANT_ID, DEFAULT_FISERV_TERMINAL_ID, FiservEmulator, fiservHeaders } from "../../../emulators/fiserv"
import type { RecordedRequest } from "../../../emulators/core"
import { FiservProviderService } from "../service"
import { clientRequestIdFor } from "../transformers"
import { loadSpec } from "../../../../test/contract/openapi"
import { useEmulator } from "../../../../test/support/emulator"

const API_KEY = "emulator_fiserv_api_key"
const API_SECRET = "emulator_fiserv_api_secret"
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

let seq = 0
let tokens = 0
const token = (kind = "ok") => `fiserv_tok_${kind}_${Date.now()}_${++tokens}`

const emulator = useEmulator(new FiservEmulator())

/**
 * Every request the provider sent, and every answer the emulator gave, matches Fiserv's published spec for the
 * endpoint style used: the URI-style capture/cancel/refund against the 1.0.0 spec (which has them), everything
 * else (charges, /cancels, /refunds, transaction-inquiry) against 1.24.11. The 1.0.0 spec lacks the order form
 * /payments/v1/charges/orders/{orderId}/refund of Fiserv's 2021 refund guide; its body is the same RefundRequest,
 * so it is checked as the transaction form.
 */
const CURRENT = "fiserv-commerce-hub-1.24.11.openapi.yaml"
const LEGACY = "fiserv-commerce-hub-api-1.0.0-legacy.openapi.yaml"
const URI_PATH = /^\/payments\/v1\/charges\/(?:orders\/)?[^/]+\/(capture|cancel|refund)$/
afterEach(() => {
  const journal = emulator.requests()
  const legacy = journal
    .filter((r) => URI_PATH.test(r.path))
    .map((r) => ({ ...r, path: r.path.replace(/\/charges\/orders\/([^/]+)\/refund$/, "/charges/$1/refund") }))
  const current = journal.filter((r) => !URI_PATH.test(r.path))
  expect([...loadSpec(CURRENT).check(current), ...loadSpec(LEGACY).check(legacy)]).toEqual([])
})

function provider(options: Record<string, unknown> = {}, cradle: Record<string, unknown> = {}) {
  return new FiservProviderService(
    { logger: quiet, ...cradle },
    {
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      merchantId: DEFAULT_FISERV_MERCHANT_ID,
      terminalId: DEFAULT_FISERV_TERMINAL_ID,
      environment: emulator.url,
      captureMode: "manual",
      maxRetries: 0,
      ...options,
    }
  )
}

const expectMedusaError = (promise: Promise<unknown>, type: string, text: RegExp | string) =>
  expectMedusaErrorWithout(promise, type, text, [API_SECRET])

/**
 * initiate + authorize (+ capture) like Medusa does, returning the payment data. A captured payment's batch is
 * settled (Fiserv refunds only settled charges, seed 002 line 10) unless `settle: false`.
 */
async function paid(amount: string, opts: { capture?: boolean; settle?: boolean; service?: FiservProviderService; currency?: string } = {}) {
  const service = opts.service ?? provider()
  const n = ++seq
  const session = await service.initiatePayment({
    amount,
    currency_code: opts.currency ?? "usd",
    data: { session_id: `payses_01TEST${String(n).padStart(20, "0")}`, payment_token: token() },
    context: { idempotency_key: `payses_${n}` },
  })
  const auth = await service.authorizePayment({ data: session.data, context: { idempotency_key: `payses_${n}` } })
  if (opts.capture === false) return auth.data!
  const captured = await service.capturePayment({ data: auth.data, context: { idempotency_key: `capt_${n}` } })
  if (opts.settle !== false) emulator.settleBatch()
  return captured.data!
}

function expectSigned(req: RecordedRequest) {
  const h = req.headers
  expect(h["api-key"]).toBe(API_KEY)
  expect(h["auth-token-type"]).toBe("HMAC")
  expect(h["timestamp"]).toMatch(/^\d{13}$/)
  expect(Math.abs(Date.now() - Number(h["timestamp"]))).toBeLessThan(60_000)
  expect(h["client-request-id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  const expected = crypto
    .createHmac("sha256", API_SECRET)
    .update(API_KEY + h["client-request-id"] + h["timestamp"] + req.rawBody)
    .digest("base64")
  expect(h["authorization"]).toBe(expected)
}

const refundRequests = () => emulator.requests({ method: "POST", path: /refund/ })
const json = (r: RecordedRequest) => r.response as any

describe("initiatePayment", () => {
  it("keeps the amount in Fiserv's minor units and no secret in session data", async () => {
    const out = await provider().initiatePayment({
      amount: { value: "19.99", precision: 20 },
      currency_code: "usd",
      data: { session_id: "payses_1" },
      context: { idempotency_key: "payses_1" },
    })
    expect(out.id).toBe("payses_1")
    expect(out.data).toMatchObject({ processor: "fiserv", currency: "usd", amount_minor: "1999", captured_minor: "0", refunds: [] })
    expect(JSON.stringify(out.data)).not.toContain(API_SECRET)
    expect(JSON.stringify(out.data)).not.toContain(API_KEY)
    expect(emulator.requests()).toHaveLength(0)
  })

  it("uses Fiserv's exponents, not ISO's: BIF and XAF have 2 decimals, JPY 0, KWD 3", async () => {
    const s = provider()
    const minor = async (amount: string, currency: string) =>
      (await s.initiatePayment({ amount, currency_code: currency, data: {} })).data!.amount_minor
    expect(await minor("1000", "bif")).toBe("100000")
    expect(await minor("12.5", "xaf")).toBe("1250")
    expect(await minor("3000", "jpy")).toBe("3000")
    expect(await minor("12.345", "kwd")).toBe("12345")
  })

  it("refuses a currency outside Fiserv's table and a zero amount before any request", async () => {
    await expectMedusaError(provider().initiatePayment({ amount: 10, currency_code: "xcg", data: {} }), "invalid_data", /currency "xcg"/)
    await expectMedusaError(provider().initiatePayment({ amount: 0, currency_code: "usd", data: {} }), "invalid_data", /greater than zero/)
    expect(emulator.requests()).toHaveLength(0)
  })
})

describe("authorizePayment", () => {
  it("sends a signed pre-auth with the exact major-unit total, merchant details and a stable Client-Request-Id", async () => {
    const data = await paid("49.90", { capture: false })
    const [req] = emulator.requests({ method: "POST", path: "/payments/v1/charges" })
    expectSigned(req)
    expect(req.rawBody).toContain('"amount":{"total":49.90,"currency":"USD"}')
    expect(req.body).toMatchObject({
      source: { sourceType: "PaymentToken", tokenSource: "TRANSARMOR" },
      transactionDetails: { captureFlag: false, merchantOrderId: expect.stringMatching(/^01TEST/) },
      transactionInteraction: { origin: "ECOM" },
      merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID },
    })
    expect(req.headers["client-request-id"]).toBe(clientRequestIdFor(`charge:payses_${seq}`, req.rawBody))
    expect(data).toMatchObject({ amount_minor: "4990", captured_minor: "0", transaction_state: "AUTHORIZED", approval_status: "APPROVED" })
    expect(data.payment_token).toBeNull() // single-use token cleared (null: Medusa merges data, a key left out would stay)
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ status: "AUTHORIZED", authorized: "49.90", captured: "0.00" })
  })

  it("sells at once in automatic capture mode", async () => {
    const service = provider({ captureMode: "automatic" })
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { payment_token: token() } })
    const out = await service.authorizePayment({ data: session.data, context: { idempotency_key: "payses_auto" } })
    expect(out.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(out.data).toMatchObject({ captured_minor: "1000" })
    expect(emulator.requests({ path: "/payments/v1/charges" })[0].body).toMatchObject({ transactionDetails: { captureFlag: true } })
  })

  it.each([
    ["the error-response envelope (HTTP 400, errorResponse.error[] HOST)", "decline"],
    ["a 201 answer with approvalStatus DECLINED", "decline_receipt"],
  ])("reports a decline in %s as a payment authorization error", async (_name, kind) => {
    const service = provider()
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { payment_token: token(kind) } })
    await expectMedusaError(service.authorizePayment({ data: session.data }), "payment_authorization_error", /declined/i)
  })

  it("takes a Checkout session or a source object, and refuses a session without a payment source", async () => {
    const service = provider()
    const s1 = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { payment_session_id: "sess_1" } })
    await service.authorizePayment({ data: s1.data })
    const s2 = await service.initiatePayment({
      amount: "10",
      currency_code: "usd",
      data: { source: { sourceType: "PaymentToken", tokenData: token(), card: { expirationMonth: "12", expirationYear: "2031" } } },
    })
    await service.authorizePayment({ data: s2.data })
    expect(emulator.requests({ path: "/payments/v1/charges" }).map((r) => (r.body as any).source)).toEqual([
      { sourceType: "PaymentSession", sessionId: "sess_1" },
      { sourceType: "PaymentToken", tokenData: expect.any(String), card: { expirationMonth: "12", expirationYear: "2031" } },
    ])
    const before = emulator.requests().length
    const empty = await service.initiatePayment({ amount: "10", currency_code: "usd", data: {} })
    await expectMedusaError(service.authorizePayment({ data: empty.data }), "invalid_data", /No Fiserv payment source/)
    await expectMedusaError(service.authorizePayment({ data: { ...empty.data, source: { sourceType: "PaymentCard" } } }), "invalid_data", /not a Fiserv payment source/)
    expect(emulator.requests()).toHaveLength(before)
  })

  it("does not charge twice when the answer was lost and Medusa retries after Fiserv's 5-minute window (757)", async () => {
    const service = provider()
    const session = await service.initiatePayment({
      amount: "20",
      currency_code: "usd",
      data: { session_id: "payses_01LOSTANSWER000000000000000", payment_token: token() },
    })
    emulator.injectFault({ path: "/payments/v1/charges", fault: { kind: "reset_after_apply" } })
    await expectMedusaError(service.authorizePayment({ data: session.data, context: { idempotency_key: "payses_lost" } }), "unexpected_state", /could not be reached/)
    const now = Date.now()
    const clock = jest.spyOn(Date, "now").mockReturnValue(now + 6 * 60 * 1000)
    try {
      const out = await service.authorizePayment({ data: session.data, context: { idempotency_key: "payses_lost" } })
      expect(out.status).toBe(PaymentSessionStatus.AUTHORIZED)
      expect(out.data).toMatchObject({ transaction_id: emulator.listOrders()[0].chargeTransactionId })
    } finally {
      clock.mockRestore()
    }
    expect(emulator.listOrders()).toHaveLength(1)
    expect(emulator.requests({ path: "/payments/v1/charges" }).map((r) => r.status)).toEqual([201, 400])
  })

  it("does not charge twice when Medusa authorizes the same session again", async () => {
    const data = await paid("10", { capture: false })
    const again = await provider().authorizePayment({ data, context: { idempotency_key: "payses_x" } })
    expect(again.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(emulator.listOrders()).toHaveLength(1)
  })
})

describe("capturePayment", () => {
  it("captures the whole pre-auth by reference without an amount", async () => {
    const data = await paid("25.50")
    const req = emulator.requests({ path: "/payments/v1/charges" })[1]
    expectSigned(req)
    expect(req.body).toEqual({
      transactionDetails: { captureFlag: true },
      referenceTransactionDetails: { referenceTransactionId: data.transaction_id },
      merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID },
    })
    expect(data).toMatchObject({ captured_minor: "2550", capture_transaction_id: expect.any(String) })
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ status: "CAPTURED", captured: "25.50" })
  })

  it("captures part of the pre-auth when Medusa records a partial capture", async () => {
    const captureService = { retrieve: async (id: string) => ({ id, raw_amount: { value: "10.25", precision: 20 } }) }
    const service = provider({}, { captureService })
    const data = await paid("25.50", { capture: false, service })
    const out = await service.capturePayment({ data, context: { idempotency_key: "capt_partial" } })
    expect(emulator.requests({ path: "/payments/v1/charges" })[1].rawBody).toContain('"amount":{"total":10.25,"currency":"USD"}')
    expect(out.data).toMatchObject({ captured_minor: "1025", amount_minor: "2550" })
  })

  it("refuses a second capture", async () => {
    const data = await paid("25.50")
    await expectMedusaError(provider().capturePayment({ data, context: { idempotency_key: "capt_other" } }), "not_allowed", /captures an authorization once/)
  })
})

describe("refundPayment", () => {
  it("sends a partial refund with the exact total, the Medusa refund id, and a derived Client-Request-Id", async () => {
    const data = await paid("50.00")
    const out = await provider().refundPayment({ amount: { value: "12.345", precision: 20 }, data, context: { idempotency_key: "ref_01PARTIAL" } })
    const [req] = refundRequests()
    expectSigned(req)
    expect(req.path).toBe("/payments/v1/refunds")
    expect(req.rawBody).toContain('"amount":{"total":12.35,"currency":"USD"}')
    expect(req.body).toEqual({
      amount: { total: 12.35, currency: "USD" },
      referenceTransactionDetails: { referenceTransactionId: data.capture_transaction_id },
      transactionDetails: { captureFlag: true, merchantTransactionId: "ref_01PARTIAL" },
      merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID },
    })
    expect(req.headers["client-request-id"]).toBe(clientRequestIdFor("refund:ref_01PARTIAL", req.rawBody))
    expect(out.data).toMatchObject({ transaction_id: data.transaction_id, refunded_minor: "1235" })
    expect((out.data!.refunds as any[])[0]).toMatchObject({
      medusa_refund_id: "ref_01PARTIAL",
      amount_minor: "1235",
      requested_amount: "12.345",
      status: "succeeded",
      origin: "medusa",
    })
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ refunded: "12.35", refundable: "37.65" })
  })

  it("leaves the amount out for a full refund of an untouched capture", async () => {
    const data = await paid("50.00")
    await provider().refundPayment({ amount: 50, data, context: { idempotency_key: "ref_full" } })
    const [req] = refundRequests()
    expect(req.body).not.toHaveProperty("amount")
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ refunded: "50.00", refundable: "0.00" })
  })

  it("refunds the rest after a partial refund, then refuses more without sending Fiserv a refund", async () => {
    const service = provider()
    let data = await paid("50.00")
    data = (await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_a" } })).data!
    data = (await service.refundPayment({ amount: "30", data, context: { idempotency_key: "ref_b" } })).data!
    expect(refundRequests().map((r) => (r.body as any).amount)).toEqual([
      { total: 20, currency: "USD" },
      { total: 30, currency: "USD" },
    ])
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ refunded: "50.00", refundable: "0.00" })
    await expectMedusaError(service.refundPayment({ amount: "1", data, context: { idempotency_key: "ref_c" } }), "not_allowed", /already fully refunded at Fiserv/)
    expect(refundRequests()).toHaveLength(2) // without Medusa's records the ledger is read first (inquiry); no refund is sent
    expect(data.refunded_minor).toBe("5000")
  })

  it.each([
    ["jpy", "3000", "1000", '"amount":{"total":1000,"currency":"JPY"}', "1000"],
    ["kwd", "50.000", "12.345", '"amount":{"total":12.345,"currency":"KWD"}', "12.345"],
    ["bif", "5000", "1234.5", '"amount":{"total":1234.50,"currency":"BIF"}', "1234.50"],
    ["xaf", "5000", "0.01", '"amount":{"total":0.01,"currency":"XAF"}', "0.01"],
  ])("%s: refunds at Fiserv's precision", async (currency, total, refund, wire, refunded) => {
    const data = await paid(total, { currency })
    await provider().refundPayment({ amount: refund, data, context: { idempotency_key: `ref_${currency}` } })
    expect(refundRequests()[0].rawBody).toContain(wire)
    expect(emulator.getOrder(data.order_id as string)!.refunded).toBe(refunded)
  })

  it("carries totals past double precision exactly, and the signature covers those bytes", async () => {
    const data = await paid("12345678901234567.89")
    expect(emulator.requests({ path: "/payments/v1/charges" })[0].rawBody).toContain('"total":12345678901234567.89,')
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ authorized: "12345678901234567.89", captured: "12345678901234567.89" })
    await provider().refundPayment({ amount: "1234567890123.45", data, context: { idempotency_key: "ref_big" } })
    expect(refundRequests()[0].rawBody).toContain('"total":1234567890123.45,')
    expect(emulator.getOrder(data.order_id as string)!.refundable).toBe("12344444333344444.44")
  })

  it("tells the admin to cancel when the payment is not captured (Fiserv refunds only captured transactions, 837)", async () => {
    const data = await paid("30", { capture: false })
    await expectMedusaError(provider().refundPayment({ amount: 5, data, context: { idempotency_key: "ref_uncaptured" } }), "not_allowed", /Cancel the payment instead/)
    // Payment data that claims a capture Fiserv never made: Fiserv's 837, with the documents' rule and what to do.
    await expectMedusaError(
      provider().refundPayment({ amount: 5, data: { ...data, captured_minor: "3000" }, context: { idempotency_key: "ref_837" } }),
      "not_allowed",
      /837.*only once it is captured and its batch has settled.*if the payment is only authorized, cancel it/s
    )
    expect(emulator.listRefunds()).toHaveLength(0)
  })

  it("refuses an amount over what remains at Fiserv with Fiserv's code (810) when a refund bypassed the ledger", async () => {
    const data = await paid("50.00")
    // Made behind the provider's back, and the ledger read before sending fails to see it (no refund service).
    const body = JSON.stringify({
      referenceTransactionDetails: { referenceOrderId: data.order_id },
      amount: { total: 40, currency: "USD" },
      merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID },
    })
    await axios.post(`${emulator.url}/payments/v1/refunds`, body, { headers: fiservHeaders({ body }) })
    const service = provider()
    ;(service as any).reconcileBeforeRefund = false
    await expectMedusaError(service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_stale" } }), "invalid_data", /810.*more than remains refundable/s)
    expect(emulator.listRefunds(data.order_id as string)).toHaveLength(1)
  })

  it("reads Fiserv's refunds first and records a full refund made outside Medusa instead of sending one", async () => {
    const data = await paid("50.00")
    const body = JSON.stringify({
      referenceTransactionDetails: { referenceTransactionId: data.capture_transaction_id },
      merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID },
    })
    await axios.post(`${emulator.url}/payments/v1/refunds`, body, { headers: fiservHeaders({ body }) })
    const out = await provider().refundPayment({ amount: "50", data, context: { idempotency_key: "ref_dash" } })
    const ledger = out.data!.refunds as any[]
    expect(ledger).toHaveLength(1)
    expect(ledger[0]).toMatchObject({ origin: "processor", medusa_refund_id: "ref_dash", amount_minor: "5000" })
    expect(emulator.listRefunds(data.order_id as string)).toHaveLength(1)
  })

  it("refunds once when the answer is lost: the retry reuses the Client-Request-Id and Fiserv replays", async () => {
    const data = await paid("50.00")
    emulator.injectFault({ path: "/payments/v1/refunds", fault: { kind: "reset_after_apply" } })
    const out = await provider({ maxRetries: 2 }).refundPayment({ amount: "10", data, context: { idempotency_key: "ref_lost" } })
    const attempts = emulator.requests({ path: "/payments/v1/refunds" })
    expect(attempts).toHaveLength(2)
    expect(attempts[0].headers["client-request-id"]).toBe(attempts[1].headers["client-request-id"])
    expect(attempts[0].headers["timestamp"] <= attempts[1].headers["timestamp"]).toBe(true)
    expect(emulator.listRefunds(data.order_id as string)).toHaveLength(1)
    expect(out.data).toMatchObject({ refunded_minor: "1000" })
  })

  it("refunds once when every attempt's answer is lost: it finds the refund by its merchantTransactionId", async () => {
    const data = await paid("50.00")
    emulator.injectFault({ path: "/payments/v1/refunds", times: 2, fault: { kind: "reset_after_apply" } })
    const out = await provider({ maxRetries: 1 }).refundPayment({ amount: "10", data, context: { idempotency_key: "ref_lost2" } })
    expect(emulator.listRefunds(data.order_id as string)).toHaveLength(1)
    expect((out.data!.refunds as any[])[0]).toMatchObject({ medusa_refund_id: "ref_lost2", amount_minor: "1000", status: "succeeded" })
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
    ])("%s amount", async (_name, amount, text) => {
      await expectMedusaError(provider().refundPayment({ amount, data, context: { idempotency_key: "ref_bad" } }), "invalid_data", text)
      expect(refundRequests()).toHaveLength(0) // refused before any request
    })
    it("payment data without the transaction id", async () => {
      const { transaction_id, capture_transaction_id, ...rest } = data
      await expectMedusaError(provider().refundPayment({ amount: 5, data: rest, context: { idempotency_key: "ref_bad" } }), "invalid_data", /has no transaction_id/)
    })
    it("wrong API secret (Fiserv answers 401)", async () => {
      const error = await expectMedusaError(
        provider({ apiSecret: "wrong_secret_123456" }).refundPayment({ amount: 5, data, context: { idempotency_key: "ref_bad" } }),
        "unexpected_state",
        /Fiserv could not refund the payment \(HTTP 401.*HMAC.*\)\. Fiserv rejected the request's authentication/
      )
      expect(error.message).not.toContain("wrong_secret_123456")
    })
    it("a clock outside Fiserv's 5-minute window (401)", async () => {
      emulator.injectFault({ path: /\/payments\/v1\//, fault: { kind: "custom", name: "stale_timestamp" } })
      await expectMedusaError(provider().refundPayment({ amount: 5, data, context: { idempotency_key: "ref_bad" } }), "unexpected_state", /5-minute.*server clock/s)
    })
    it("another transaction on the order in progress (136)", async () => {
      emulator.injectFault({ path: "/payments/v1/refunds", fault: { kind: "custom", name: "order_busy" } })
      await expectMedusaError(provider().refundPayment({ amount: 5, data, context: { idempotency_key: "ref_bad" } }), "not_allowed", /136.*Try again in a moment/s)
    })
  })
})


describe("refunds before and after settlement (seed 002 line 10: refund once captured and settled, otherwise cancel)", () => {
  const cancels = () => emulator.requests({ method: "POST", path: "/payments/v1/cancels" })

  it("returns a whole unsettled capture with a full cancel carrying the refund's tag, recorded as the refund", async () => {
    const data = await paid("50.00", { settle: false })
    const out = await provider().refundPayment({ amount: "50", data, context: { idempotency_key: "ref_01VOIDNOW" } })
    const [cancel] = cancels()
    expect(cancel.body).toEqual({
      referenceTransactionDetails: { referenceTransactionId: data.capture_transaction_id },
      transactionDetails: { reversalReasonCode: "VOID", merchantTransactionId: "ref_01VOIDNOW" },
      merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID },
    })
    expect(refundRequests().map((r) => [r.status, (r.response as any).error?.[0]?.code])).toEqual([[400, "812"]]) // sent first, refused
    expect((out.data!.refunds as any[])[0]).toMatchObject({ processor_refund_id: json(cancel).gatewayResponse.transactionProcessingDetails.transactionId, amount_minor: "5000", status: "succeeded" })
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ status: "VOIDED", refunded: "0.00" })
    // The ledger sync sees the cancel as this refund (its tag), not as another one.
    expect((await provider().syncRefundLedger(out.data!)).refunds).toEqual(out.data!.refunds)
  })

  it("refuses a partial refund before settlement, saying when it becomes possible; after the batch settles it is a refund", async () => {
    const data = await paid("50.00", { settle: false })
    const error = await expectMedusaError(
      provider().refundPayment({ amount: "20", data, context: { idempotency_key: "ref_early" } }),
      "not_allowed",
      /only once its batch has settled.*\(batch 000001 of day \d{3}\).*812.*The refund of 20\.00 USD becomes possible once the batch settles.*whole remaining 50\.00 USD now as a cancel\. Nothing was refunded/s
    )
    expect(error.message).toMatch(/partialCancels/)
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ status: "CAPTURED", captured: "50.00", refunded: "0.00" })
    expect(cancels()).toHaveLength(0)
    expect(emulator.settleBatch()).toEqual([data.order_id])
    const out = await provider().refundPayment({ amount: "20", data, context: { idempotency_key: "ref_later" } })
    expect(refundRequests().map((r) => r.status)).toEqual([400, 201])
    expect(out.data).toMatchObject({ refunded_minor: "2000" })
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ refunded: "20.00" })
  })

  it("refunds a charge settled at Fiserv at once, though nothing in the order says it is settled: no cancel is tried", async () => {
    const data = await paid("50.00") // settled at Fiserv; nothing in the order says so yet
    await provider().refundPayment({ amount: "50", data, context: { idempotency_key: "ref_settled" } })
    expect(cancels()).toEqual([])
    expect(refundRequests().map((r) => r.status)).toEqual([201])
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ status: "CAPTURED", refunded: "50.00" })
  })

  it("with partialCancels, a partial refund before settlement is a partial cancel; the rest is refunded after it", async () => {
    const partial = new FiservEmulator({ partialCancels: true })
    const url = await partial.start()
    try {
      const service = provider({ environment: url, partialCancels: true })
      let data = await paid("50.00", { service, settle: false })
      data = (await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_pc1" } })).data!
      const [cancel] = partial.requests({ path: "/payments/v1/cancels" })
      expect(cancel.rawBody).toContain('"amount":{"total":20.00,"currency":"USD"}')
      expect(cancel.body).toMatchObject({ transactionDetails: { reversalReasonCode: "PARTIAL", merchantTransactionId: "ref_pc1" } })
      expect(partial.getOrder(data.order_id as string)).toMatchObject({ status: "CAPTURED", captured: "30.00", refunded: "0.00" })
      expect((await service.getPaymentStatus({ data })).status).toBe(PaymentSessionStatus.CAPTURED) // a partial cancel is not a cancel
      partial.settleBatch()
      data = (await service.refundPayment({ amount: "30", data, context: { idempotency_key: "ref_pc2" } })).data!
      expect(partial.requests({ path: "/payments/v1/refunds" }).map((r) => r.status)).toEqual([400, 201]) // ref_pc1 sent first, refused
      expect(data).toMatchObject({ refunded_minor: "5000" })
      expect(partial.getOrder(data.order_id as string)).toMatchObject({ captured: "30.00", refunded: "30.00", refundable: "0.00" })
      // Fiserv refusing partial cancels (740) for a store configured with them: the same "when" message.
      const refusing = provider({ partialCancels: true })
      const other = await paid("40.00", { settle: false, service: refusing })
      await expectMedusaError(refusing.refundPayment({ amount: "10", data: other, context: { idempotency_key: "ref_740" } }), "not_allowed", /740.*becomes possible once the batch settles/s)
    } finally {
      await partial.stop()
    }
  })
})

describe("authorized refunds (captureRefunds: false; Refund-Auth-Capture.md)", () => {
  it("records a refund Fiserv only authorized as pending, and as succeeded once Fiserv captured it", async () => {
    const service = provider({ captureRefunds: false })
    const data = await paid("50.00", { service })
    const out = await service.refundPayment({ amount: "10", data, context: { idempotency_key: "ref_auth" } })
    const [sent] = refundRequests()
    expect(sent.body).toMatchObject({ transactionDetails: { captureFlag: false } })
    expect((out.data!.refunds as any[])[0]).toMatchObject({ status: "pending", amount_minor: "1000" })
    expect((await service.syncRefundLedger(out.data!)).refunds).toMatchObject([{ status: "pending" }])
    // The merchant's Refunds API capture, outside this plugin.
    const body = JSON.stringify({
      referenceTransactionDetails: { referenceTransactionId: (out.data!.refunds as any[])[0].processor_refund_id },
      transactionDetails: { captureFlag: true },
      merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID },
    })
    await axios.post(`${emulator.url}/payments/v1/refunds`, body, { headers: fiservHeaders({ body }) })
    const synced = await service.syncRefundLedger(out.data!)
    expect(synced.refunds).toMatchObject([{ status: "succeeded", amount_minor: "1000" }])
    expect(synced.refunded_minor).toBe("1000")
  })
})

describe("reading refunds from inquiry answers", () => {
  it("counts a refund whose answer names no referenced transaction, once", async () => {
    const data = await paid("50.00")
    const service = provider()
    const out = await service.refundPayment({ amount: "10", data, context: { idempotency_key: "ref_bare" } })
    const inquire = (service as any).api.inquiry.bind((service as any).api)
    jest.spyOn((service as any).api, "inquiry").mockImplementation(async (ref: any) => {
      const list = await inquire(ref)
      for (const t of list) delete t.referenceTransactionDetails
      return list
    })
    expect((await service.syncRefundLedger(out.data!)).refunds).toMatchObject([{ medusa_refund_id: "ref_bare", amount_minor: "1000", status: "succeeded" }])
  })
})

describe("what Fiserv says it moved: amount and currency of every answer", () => {
  /** The provider with its HTTP answers changed after Fiserv (the emulator) applied the request. */
  function altered(change: (path: string, txn: any) => void, options: Record<string, unknown> = {}) {
    const service = provider(options)
    const post = (service as any).api.post.bind((service as any).api)
    jest.spyOn((service as any).api, "post").mockImplementation(async (...args: any[]) => {
      const txn = await post(...args)
      change(args[0], txn)
      return txn
    })
    return service
  }

  it("records a refund answered in another currency with Fiserv's figures, marked, without throwing", async () => {
    const data = await paid("50.00")
    const service = altered((path, t) => path.endsWith("/refunds") && (t.paymentReceipt.approvedAmount.currency = "EUR"))
    const out = await service.refundPayment({ amount: "10", data, context: { idempotency_key: "ref_eur" } })
    expect((out.data!.refunds as any[])[0]).toMatchObject({
      amount_minor: "1000",
      status: "succeeded",
      discrepancy: { planned_minor: "1000", planned_currency: "usd", processor_minor: "1000", processor_currency: "eur" },
    })
  })

  it("records a refund of another amount with Fiserv's amount, marked, without throwing", async () => {
    const data = await paid("50.00")
    const service = altered((path, t) => path.endsWith("/refunds") && (t.paymentReceipt.approvedAmount.total = 9.99))
    const out = await service.refundPayment({ amount: "10", data, context: { idempotency_key: "ref_999" } })
    expect((out.data!.refunds as any[])[0]).toMatchObject({ amount_minor: "999", discrepancy: { planned_minor: "1000", processor_minor: "999" } })
  })

  it("reads the refund back when the answer carries no amount, and compares what Fiserv holds", async () => {
    const data = await paid("50.00")
    const service = altered((path, t) => path.endsWith("/refunds") && delete t.paymentReceipt.approvedAmount)
    const inquire = (service as any).api.inquiry.bind((service as any).api)
    jest.spyOn((service as any).api, "inquiry").mockImplementation(async (ref: any) => {
      const list = await inquire(ref)
      if (ref.referenceTransactionId) for (const t of list) t.paymentReceipt.approvedAmount.currency = "EUR"
      return list
    })
    const out = await service.refundPayment({ amount: "10", data, context: { idempotency_key: "ref_noecho" } })
    const id = (out.data!.refunds as any[])[0].processor_refund_id
    expect(emulator.requests({ path: "/payments/v1/transaction-inquiry" }).at(-1)!.body).toMatchObject({ referenceTransactionDetails: { referenceTransactionId: id } })
    expect((out.data!.refunds as any[])[0]).toMatchObject({ amount_minor: "1000", discrepancy: { processor_currency: "eur" } })
  })

  it("keeps the capture Fiserv answered in another currency marked in the data, without throwing", async () => {
    const service = altered((path, t) => path === "/payments/v1/charges" && t.gatewayResponse.transactionType === "CAPTURE" && (t.paymentReceipt.approvedAmount.currency = "EUR"))
    const data = await paid("20.00", { service })
    expect(data).toMatchObject({ captured_minor: "2000", capture_discrepancy: { planned_minor: "2000", processor_minor: "2000", processor_currency: "eur" } })
  })

  it("voids an authorization approved for other figures and asks for another payment", async () => {
    const service = altered((path, t) => path === "/payments/v1/charges" && t.gatewayResponse.transactionType === "CHARGE" && (t.paymentReceipt.approvedAmount.total = 1))
    const session = await service.initiatePayment({ amount: "20", currency_code: "usd", data: { payment_token: token() } })
    await expectMedusaError(service.authorizePayment({ data: session.data, context: { idempotency_key: "payses_other" } }), "payment_authorization_error", /approved 100 USD.*where 2000 USD was asked.*canceled/)
    expect(emulator.listOrders()[0]).toMatchObject({ status: "VOIDED" })
  })

  it("refuses to record a refund Fiserv lists in another currency, and sends nothing", async () => {
    const data = await paid("50.00")
    const body = JSON.stringify({ referenceTransactionDetails: { referenceOrderId: data.order_id }, amount: { total: 5, currency: "USD" }, merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID } })
    await axios.post(`${emulator.url}/payments/v1/refunds`, body, { headers: fiservHeaders({ body }) })
    const service = provider()
    const inquire = (service as any).api.inquiry.bind((service as any).api)
    jest.spyOn((service as any).api, "inquiry").mockImplementation(async (ref: any) => {
      const list = await inquire(ref)
      for (const t of list) if (t.gatewayResponse.transactionType === "REFUND") t.paymentReceipt.approvedAmount.currency = "EUR"
      return list
    })
    await expectMedusaError(service.refundPayment({ amount: "10", data, context: { idempotency_key: "ref_listed" } }), "unexpected_state", /refund .* in EUR on this USD payment; nothing was recorded/)
    expect(emulator.listRefunds(data.order_id as string)).toHaveLength(1)
  })

  it("ends a refund Fiserv declines in its answer as failed: a MedusaError with Fiserv's reason", async () => {
    const data = await paid("50.00")
    const service = altered((path, t) => {
      if (!path.endsWith("/refunds")) return
      t.paymentReceipt.processorResponseDetails = { approvalStatus: "DECLINED", responseCode: "005", responseMessage: "DO NOT HONOR" }
    })
    await expectMedusaError(service.refundPayment({ amount: "10", data, context: { idempotency_key: "ref_declined" } }), "not_allowed", /declined the refund of 10\.00 USD \(005: DO NOT HONOR\)/)
  })
})

describe("Medusa's refund reason and note reach Fiserv (transactionDetails.paymentDescription, at most 1024)", () => {
  const withRefund = (note: string | null, reason?: { code: string; label: string }) =>
    provider({}, { refundService: { retrieve: async (id: string) => ({ id, note, refund_reason: reason ?? null, payment: { id: "pay_1", refunds: [] } }) } })

  it("sends the reason's label and the note, and echoes them in Fiserv's answer", async () => {
    const data = await paid("50.00")
    await withRefund("small item returned", { code: "return", label: "Return" }).refundPayment({ amount: "10", data, context: { idempotency_key: "ref_note" } })
    const [sent] = refundRequests()
    expect(sent.body).toMatchObject({ transactionDetails: { paymentDescription: "Return: small item returned" } })
    expect((sent.response as any).transactionDetails.paymentDescription).toBe("Return: small item returned")
  })

  it("cuts a longer note to 1024 characters with a visible ellipsis, on a cancel too", async () => {
    const data = await paid("50.00", { settle: false })
    await withRefund(`${"é".repeat(1030)}\n\tend`).refundPayment({ amount: "50", data, context: { idempotency_key: "ref_long" } })
    const text = (emulator.requests({ path: "/payments/v1/cancels" })[0].body as any).transactionDetails.paymentDescription as string
    expect([...text]).toHaveLength(1024)
    expect(text.endsWith("é…")).toBe(true)
  })
})

describe("the older URI endpoints and refunds by order", () => {
  it("captures, refunds by transaction and cancels on /payments/v1/charges/{transactionId}/…", async () => {
    const service = provider({ endpointStyle: "uri" })
    const data = await paid("40.00", { service })
    const capture = emulator.requests({ path: /\/capture$/ })[0]
    expect(capture.path).toBe(`/payments/v1/charges/${data.transaction_id}/capture`)
    expectSigned(capture)
    expect(capture.body).toEqual({ transactionDetails: { captureFlag: true }, merchantDetails: expect.any(Object) })
    await service.refundPayment({ amount: "15.5", data, context: { idempotency_key: "ref_uri" } })
    const [refund] = refundRequests()
    expect(refund.path).toBe(`/payments/v1/charges/${data.capture_transaction_id}/refund`)
    expect(refund.rawBody).toContain('"amount":{"total":15.50,"currency":"USD"}')
    expect(refund.body).not.toHaveProperty("referenceTransactionDetails")
    expect(emulator.getOrder(data.order_id as string)!.refunded).toBe("15.50")

    const auth = await paid("12.00", { service, capture: false })
    const out = await service.cancelPayment({ data: auth, context: { idempotency_key: "pay_uri" } })
    expect(emulator.requests({ path: /\/cancel$/ })[0].path).toBe(`/payments/v1/charges/${auth.transaction_id}/cancel`)
    expect(out.data).toMatchObject({ transaction_state: "VOIDED" })
    expect(emulator.getOrder(auth.order_id as string)!.status).toBe("VOIDED")
  })

  it("refunds by order in the URI style: /payments/v1/charges/orders/{orderId}/refund", async () => {
    const service = provider({ endpointStyle: "uri", refundReference: "order" })
    const data = await paid("40.00", { service })
    await service.refundPayment({ amount: "40", data, context: { idempotency_key: "ref_uri_order" } })
    const [refund] = refundRequests()
    expect(refund.path).toBe(`/payments/v1/charges/orders/${data.order_id}/refund`)
    expect(refund.body).not.toHaveProperty("amount")
    expect(emulator.getOrder(data.order_id as string)!.refunded).toBe("40.00")
  })

  it("refunds by the store's merchantOrderId in the reference style", async () => {
    const service = provider({ refundReference: "order" })
    const data = await paid("40.00", { service })
    await service.refundPayment({ amount: "10", data, context: { idempotency_key: "ref_ref_order" } })
    const [refund] = refundRequests()
    expect(refund.path).toBe("/payments/v1/refunds")
    expect(refund.body).toMatchObject({ referenceTransactionDetails: { referenceMerchantOrderId: data.merchant_order_id } })
    expect(emulator.getOrder(data.order_id as string)!.refunded).toBe("10.00")
  })
})

describe("cancel, retrieve, status", () => {
  it("voids an uncaptured pre-auth and reports it canceled", async () => {
    const service = provider()
    const data = await paid("30", { capture: false })
    const out = await service.cancelPayment({ data, context: { idempotency_key: "pay_1" } })
    const [req] = emulator.requests({ path: "/payments/v1/cancels" })
    expectSigned(req)
    expect(req.body).toMatchObject({ referenceTransactionDetails: { referenceTransactionId: data.transaction_id }, transactionDetails: { reversalReasonCode: "VOID" } })
    expect(out.data).toMatchObject({ transaction_state: "VOIDED" })
    expect((await service.getPaymentStatus({ data: out.data })).status).toBe(PaymentSessionStatus.CANCELED)
    await service.cancelPayment({ data: out.data, context: { idempotency_key: "pay_1" } })
    expect(emulator.requests({ path: "/payments/v1/cancels" })).toHaveLength(1)
  })

  it("voids a captured payment whose batch has not settled (Cancel.md), and refuses a settled one with Fiserv's 829", async () => {
    const open = await paid("30", { settle: false })
    const out = await provider().cancelPayment({ data: open, context: { idempotency_key: "pay_open" } })
    expect(out.data).toMatchObject({ transaction_state: "VOIDED" })
    expect(emulator.getOrder(open.order_id as string)).toMatchObject({ status: "VOIDED" })
    const settled = await paid("30")
    await expectMedusaError(provider().cancelPayment({ data: settled }), "not_allowed", /829.*settled.*refund it instead/is)
  })

  it("maps transaction states to Medusa statuses and reconciles refunds on retrieve", async () => {
    const service = provider()
    const authorized = await paid("30", { capture: false })
    expect((await service.getPaymentStatus({ data: authorized })).status).toBe(PaymentSessionStatus.AUTHORIZED)
    const captured = (await service.capturePayment({ data: authorized, context: { idempotency_key: "capt_s" } })).data!
    expect((await service.getPaymentStatus({ data: captured })).status).toBe(PaymentSessionStatus.CAPTURED)
    emulator.settleBatch()
    const body = JSON.stringify({
      referenceTransactionDetails: { referenceTransactionId: captured.capture_transaction_id },
      amount: { total: 5, currency: "USD" },
      merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID },
    })
    await axios.post(`${emulator.url}/payments/v1/refunds`, body, { headers: fiservHeaders({ body }) })
    const retrieved = await service.retrievePayment({ data: captured })
    expect(retrieved.data).toMatchObject({ refunded_minor: "500", order_status: "captured" })
    expect((retrieved.data!.refunds as any[])[0]).toMatchObject({ origin: "processor", amount_minor: "500" })
    const [inquiry] = emulator.requests({ path: "/payments/v1/transaction-inquiry" })
    expectSigned(inquiry)
    expect(inquiry.body).toMatchObject({ referenceTransactionDetails: { referenceOrderId: captured.order_id } })
  })

  it("deletes a session without a charge locally, and voids an authorized one", async () => {
    const service = provider()
    expect((await service.deletePayment({ data: { currency: "usd" } })).data).toEqual({ currency: "usd" })
    expect(emulator.requests()).toHaveLength(0)
    const data = await paid("30", { capture: false })
    await service.deletePayment({ data })
    expect(emulator.getOrder(data.order_id as string)!.status).toBe("VOIDED")
  })
})

describe("getWebhookActionAndData", () => {
  it("is not supported: Fiserv Commerce Hub sends no payment webhooks", async () => {
    const out = await provider().getWebhookActionAndData({ data: { any: 1 }, rawData: "{}", headers: {} })
    expect(out).toEqual({ action: PaymentActions.NOT_SUPPORTED })
  })
})

describe("payment session data from the storefront and payments of other sessions (docs/security.md)", () => {
  /** What Medusa stores at initiate: the shopper's data merged with the provider's answer, session_id Medusa's own. */
  async function session(service: FiservProviderService, amount: string, shopper: Record<string, unknown>, currency = "usd") {
    const session_id = `payses_01ATTACK${String(++seq).padStart(18, "0")}`
    const out = await service.initiatePayment({ amount, currency_code: currency, data: { ...shopper, session_id }, context: { idempotency_key: session_id } })
    return { ...shopper, ...out.data, session_id } as Record<string, unknown>
  }

  /** A charge made at Fiserv outside this provider, carrying the merchantOrderId of the given session. */
  async function chargeAtFiserv(sessionId: string, total: number, currency: string) {
    const ref = sessionId.replace(/^payses_/, "")
    const body = JSON.stringify({
      amount: { total, currency },
      source: { sourceType: "PaymentToken", tokenData: token() },
      transactionDetails: { captureFlag: false, merchantOrderId: ref, merchantTransactionId: ref },
      transactionInteraction: { origin: "ECOM", eciIndicator: "CHANNEL_ENCRYPTED", posConditionCode: "CARD_NOT_PRESENT_ECOM" },
      merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID },
    })
    const res = await axios.post(`${emulator.url}/payments/v1/charges`, body, { headers: fiservHeaders({ body }) })
    return { transaction_id: res.data.gatewayResponse.transactionProcessingDetails.transactionId, order_id: res.data.gatewayResponse.transactionProcessingDetails.orderId }
  }

  /** Requests that move money: charges, captures (POST /charges with a reference), cancels, refunds. */
  const moneyRequests = () => emulator.requests().filter((r) => r.method === "POST" && !r.path.endsWith("/transaction-inquiry"))

  it("keeps only the storefront's keys at initiate: another payment's ids are dropped and cannot complete authorization", async () => {
    const a = await paid("55.50", { capture: false }) // cart A, smaller, paid by the same shopper
    const service = provider()
    const stolen = { transaction_id: a.transaction_id, order_id: a.order_id, merchant_order_id: a.merchant_order_id, capture_transaction_id: "c0ffee", amount_minor: "5550" }
    const before = emulator.requests().length
    const data = await session(service, "465.00", stolen)
    expect(data).toMatchObject({ transaction_id: null, order_id: null, merchant_order_id: null, capture_transaction_id: null, amount_minor: "46500" })
    await expectMedusaError(service.authorizePayment({ data, context: { idempotency_key: String(data.session_id) } }), "invalid_data", /No Fiserv payment source/)
    expect(emulator.requests()).toHaveLength(before)

    // With a card the shopper gets a new charge of the whole 465.00; A's order is untouched.
    const withCard = await session(service, "465.00", { ...stolen, payment_token: token(), email: "x@example.com" })
    expect(withCard).toMatchObject({ transaction_id: null, order_id: null, email: null, payment_token: expect.any(String) })
    const out = await service.authorizePayment({ data: withCard, context: { idempotency_key: String(withCard.session_id) } })
    expect(out.data!.transaction_id).not.toBe(a.transaction_id)
    expect(emulator.getOrder(out.data!.order_id as string)).toMatchObject({ authorized: "465.00" })
    expect(emulator.getOrder(a.order_id as string)).toMatchObject({ status: "AUTHORIZED", authorized: "55.50", captured: "0.00" })
    expect(emulator.listOrders()).toHaveLength(2)
  })

  const branches: Array<[string, (s: FiservProviderService, data: Record<string, unknown>) => Promise<unknown>]> = [
    ["authorizePayment", (s, data) => s.authorizePayment({ data, context: { idempotency_key: String(data.session_id) } })],
    ["getPaymentStatus", (s, data) => s.getPaymentStatus({ data })],
    ["retrievePayment", (s, data) => s.retrievePayment({ data })],
    ["deletePayment", (s, data) => s.deletePayment({ data: { ...data, transaction_state: "AUTHORIZED" } })],
  ]
  const foreign: Array<[string, (sessionId: string) => Promise<Record<string, unknown>>, RegExp]> = [
    ["another session's payment of the same amount", async () => paid("465.00", { capture: false }), /it does not name this session in its reference/],
    ["this session's reference with a smaller amount", (id) => chargeAtFiserv(id, 1, "USD"), /its amount 100 is not the session.s 46500/],
    ["this session's reference in another currency", (id) => chargeAtFiserv(id, 465, "EUR"), /its currency EUR is not the session's usd/],
  ]
  describe.each(branches)("%s", (_name, call) => {
    it.each(foreign)("refuses %s and captures nothing", async (_case, make, why) => {
      const service = provider()
      const own = await session(service, "465.00", { payment_token: token() })
      const other = await make(String(own.session_id))
      const moved = moneyRequests().length
      // Stored data naming the other payment (written before this fix, or by a shopper).
      const data = { ...own, transaction_id: other.transaction_id, order_id: other.order_id }
      await expectMedusaError(call(service, data), "not_allowed", new RegExp(`does not belong to this payment session: ${why.source}.*Nothing was captured`))
      expect(moneyRequests()).toHaveLength(moved)
      expect(emulator.getOrder(other.order_id as string)).toMatchObject({ status: "AUTHORIZED", captured: "0.00", refunded: "0.00" })
    })
  })

  it("does not take a lost earlier charge of this session as its authorization once the cart's amount changed (757)", async () => {
    const service = provider()
    const data = await session(service, "20.00", { payment_token: token() })
    emulator.injectFault({ path: "/payments/v1/charges", fault: { kind: "reset_after_apply" } })
    await expectMedusaError(service.authorizePayment({ data, context: { idempotency_key: "payses_changed" } }), "unexpected_state", /could not be reached/)
    const updated = await service.updatePayment({ amount: "30.00", currency_code: "usd", data })
    const clock = jest.spyOn(Date, "now").mockReturnValue(Date.now() + 6 * 60 * 1000)
    try {
      await expectMedusaError(
        service.authorizePayment({ data: { ...data, ...updated.data }, context: { idempotency_key: "payses_changed" } }),
        "not_allowed",
        /its amount 2000 is not the session's 3000/
      )
    } finally {
      clock.mockRestore()
    }
    expect(emulator.listOrders()).toHaveLength(1)
    expect(emulator.listOrders()[0]).toMatchObject({ authorized: "20.00", captured: "0.00" })
  })

  it("never refunds to a capture_transaction_id the shopper sent", async () => {
    const a = await paid("55.50") // captured
    const service = provider({ captureMode: "automatic" })
    const data = await session(service, "465.00", { payment_token: token(), capture_transaction_id: a.capture_transaction_id })
    expect(data.capture_transaction_id).toBeNull()
    const sale = (await service.authorizePayment({ data, context: { idempotency_key: String(data.session_id) } })).data!
    emulator.settleBatch()
    await service.refundPayment({ amount: "5", data: sale, context: { idempotency_key: "ref_01SHOPPERCAPTURE" } })
    expect((refundRequests()[0].body as any).referenceTransactionDetails).toEqual({ referenceTransactionId: sale.transaction_id })
    expect(emulator.getOrder(a.order_id as string)).toMatchObject({ refunded: "0.00" })
    expect(emulator.getOrder(sale.order_id as string)).toMatchObject({ refunded: "5.00" })
  })

  const injections: Array<[string, Record<string, unknown>, string, boolean, (s: FiservProviderService, d: Record<string, unknown>) => Promise<unknown>]> = [
    ["capture", {}, "transaction_id", false, (s, d) => s.capturePayment({ data: d, context: { idempotency_key: "capt_inject" } })],
    ["cancel", {}, "transaction_id", false, (s, d) => s.cancelPayment({ data: d, context: { idempotency_key: "pay_inject" } })],
    ["refund by transaction", {}, "capture_transaction_id", true, (s, d) => s.refundPayment({ amount: 5, data: d, context: { idempotency_key: "ref_inject" } })],
    ["refund by order", { refundReference: "order" }, "order_id", true, (s, d) => s.refundPayment({ amount: 5, data: d, context: { idempotency_key: "ref_inject" } })],
  ]
  it.each(injections)("refuses a %s whose path id is not a Fiserv id, before any request", async (_name, options, key, captured, call) => {
    const service = provider({ endpointStyle: "uri", ...options })
    const data = await paid("40.00", { service, capture: captured })
    const before = emulator.requests().length
    for (const bad of [`${data[key]}/../../../orders/${data.order_id}`, "..", `${data[key]}?x=1`, `${data[key]}%2F..`]) {
      await expectMedusaError(call(service, { ...data, [key]: bad }), "invalid_data", new RegExp(`The ${key} in this payment's data is not a Fiserv id.*nothing was sent to Fiserv`))
    }
    expect(emulator.requests()).toHaveLength(before)
    expect(emulator.getOrder(data.order_id as string)).toMatchObject({ status: captured ? "CAPTURED" : "AUTHORIZED", refunded: "0.00" })
  })
})

describe("testConnection", () => {
  it("proves the credentials with a signed inquiry that Fiserv answers 'not found', and creates nothing", async () => {
    expect(await provider().testConnection()).toEqual({ ok: true, message: "Fiserv accepted the credentials (emulator or custom URL)." })
    const [sent] = emulator.requests({ method: "POST", path: "/payments/v1/transaction-inquiry" })
    expect(JSON.parse(sent!.rawBody)).toEqual({
      referenceTransactionDetails: { referenceMerchantTransactionId: "medusa-connection-check" },
      merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID },
    })
    expect(sent!.headers["auth-token-type"]).toBe("HMAC")
    expect(emulator.listOrders()).toEqual([])
  })

  it("fails with Fiserv's 401 and what to check when the HMAC secret is wrong, without the secret", async () => {
    const wrong = await provider({ apiSecret: "wrong_secret_987654" }).testConnection()
    expect(wrong).toEqual({ ok: false, message: expect.stringMatching(/HTTP 401.*HMAC validation failed.*Check the provider's `apiKey` and `apiSecret`/s) })
    expect(wrong.message).not.toContain("wrong_secret_987654")
  })

  it("fails for a merchant Fiserv does not accept, and for a URL that is not Commerce Hub's (its gateway's 404)", async () => {
    const merchant = await provider({ merchantId: "999999999999999" }).testConnection()
    expect(merchant).toEqual({ ok: false, message: expect.stringMatching(/201.*Invalid Merchant ID.*FISERV_MERCHANT_ID/s) })
    // A second server, so the spec check of this suite's journal sees only Commerce Hub's paths.
    const elsewhere = new FiservEmulator()
    await elsewhere.start()
    try {
      const url = await provider({ environment: `${elsewhere.url}/not-commerce-hub` }).testConnection()
      expect(url).toEqual({ ok: false, message: expect.stringMatching(/HTTP 404.*Resource not found/s) })
    } finally {
      await elsewhere.stop()
    }
  })
})

describe("validateOptions", () => {
  it("names the bad option and never echoes a secret", () => {
    expect(() => FiservProviderService.validateOptions({})).toThrow(/`apiKey` is required.*`apiSecret` is required.*`merchantId` is required/)
    const error = (() => {
      try {
        FiservProviderService.validateOptions({ apiKey: "key_value_12345", apiSecret: "secret_value_123", merchantId: "m", terminalId: "t", endpointStyle: "soap" })
      } catch (e) {
        return e as Error
      }
    })()!
    expect(error).toBeInstanceOf(MedusaError)
    expect(error.message).toMatch(/`endpointStyle`/)
    expect(error.message).not.toContain("secret_value_123")
    expect(() =>
      FiservProviderService.validateOptions({ apiKey: "key_value_12345", apiSecret: "secret_value_123", merchantId: "m", terminalId: "t", captureRefunds: "false" })
    ).not.toThrow()
  })
})
