import axios, { type AxiosResponse } from "axios"
import {
  DEFAULT_FISERV_MERCHANT_ID,
  DEFAULT_FISERV_TERMINAL_ID,
  FISERV_WINDOW_MS,
  FiservEmulator,
  fiservHeaders,
  parseExactJson,
  JsonNumber,
} from "../fiserv"
import { loadSpec } from "../../../test/contract/openapi"
import { useEmulator } from "../../../test/support/emulator"

const merchantDetails = { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID }

const emu = useEmulator(new FiservEmulator())

// Every answer the emulator gives matches the spec of the endpoint style (requests here are hand-written).
const URI_PATH = /^\/payments\/v1\/charges\/(?:orders\/)?[^/]+\/(capture|cancel|refund)$/
afterEach(() => {
  const journal = emu.requests().filter((r) => r.status !== 401 && r.status !== 415 && !/malformed|nowhere/.test(r.path + r.rawBody))
  const legacy = journal.filter((r) => URI_PATH.test(r.path)).map((r) => ({ ...r, path: r.path.replace(/\/charges\/orders\/([^/]+)\/refund$/, "/charges/$1/refund") }))
  const current = journal.filter((r) => !URI_PATH.test(r.path))
  const problems = [
    ...loadSpec("fiserv-commerce-hub-1.24.11.openapi.yaml").check(current),
    ...loadSpec("fiserv-commerce-hub-api-1.0.0-legacy.openapi.yaml").check(legacy),
  ].filter((p) => !/request\/amount\/total must be number/.test(p)) // the string-total test sends one on purpose
  expect(problems).toEqual([])
})

/** POSTs raw JSON text with a correct signature (or the given header overrides). */
async function post(path: string, body: string | object, headers: Record<string, string | undefined> = {}): Promise<AxiosResponse> {
  const text = typeof body === "string" ? body : JSON.stringify(body)
  const signed: Record<string, string | undefined> = { ...fiservHeaders({ body: text }), ...headers }
  for (const k of Object.keys(signed)) if (signed[k] === undefined) delete signed[k]
  return axios.post(`${emu.url}${path}`, text, {
    headers: signed as Record<string, string>,
    validateStatus: () => true,
    transformResponse: [(d) => d],
    responseType: "text",
  })
}
const json = (res: AxiosResponse) => JSON.parse(res.data)
const code = (res: AxiosResponse) => {
  const b = json(res)
  return (b.errorResponse ?? b).error?.[0]?.code
}

async function charge(total: string, opts: { currency?: string; capture?: boolean; token?: string; merchantOrderId?: string } = {}) {
  const text = `{"amount":{"total":${total},"currency":"${opts.currency ?? "USD"}"},"source":{"sourceType":"PaymentToken","tokenData":"${opts.token ?? "tok_ok"}"},"transactionDetails":{"captureFlag":${opts.capture ?? true}${opts.merchantOrderId ? `,"merchantOrderId":"${opts.merchantOrderId}"` : ""}},"merchantDetails":${JSON.stringify(merchantDetails)}}`
  const res = await post("/payments/v1/charges", text)
  const body = json(res)
  const details = (body.errorResponse ?? body).gatewayResponse?.transactionProcessingDetails ?? {}
  return { res, orderId: details.orderId as string, transactionId: details.transactionId as string }
}
const ref = (r: Record<string, string>, extra: object = {}) => ({ referenceTransactionDetails: r, merchantDetails, ...extra })

describe("exact JSON", () => {
  it("keeps every digit of number tokens", () => {
    const v = parseExactJson('{"a":[1234567890123456.78,-0.10,"12.5",1e3],"b":{"c":10.50}}') as any
    expect(v.a[0]).toEqual(new JsonNumber("1234567890123456.78"))
    expect(v.a[1].text).toBe("-0.10")
    expect(v.a[2]).toBe("12.5")
    expect(v.a[3].text).toBe("1e3")
    expect(v.b.c.text).toBe("10.50")
    expect(() => parseExactJson('{"a":01}')).toThrow(SyntaxError)
  })
})

describe("authentication", () => {
  it("accepts a correctly signed request and answers 201 with the exact total", async () => {
    const { res, orderId } = await charge("1234567890123456.78")
    expect(res.status).toBe(201)
    expect(res.data).toContain('"approvedAmount":{"total":1234567890123456.78,"currency":"USD"}')
    expect(emu.getOrder(orderId)).toMatchObject({ authorized: "1234567890123456.78", captured: "1234567890123456.78", status: "CAPTURED" })
  })

  it.each([
    ["a wrong signature", { Authorization: "AAAA" }],
    ["a body changed after signing (the signature covers the exact bytes)", "tamper"],
    ["an unknown Api-Key", { "Api-Key": "someone_else" }],
    ["no Auth-Token-Type", { "Auth-Token-Type": undefined }],
    ["a Timestamp 6 minutes old", { Timestamp: String(Date.now() - 6 * 60 * 1000) }],
    ["a Timestamp 6 minutes ahead", { Timestamp: String(Date.now() + 6 * 60 * 1000) }],
    ["a Timestamp in seconds", { Timestamp: String(Math.floor(Date.now() / 1000)) }],
  ])("answers 401 for %s, and applies nothing", async (_name, change) => {
    const text = JSON.stringify(ref({ referenceOrderId: "x" }))
    const headers = fiservHeaders({ body: text })
    const res =
      change === "tamper"
        ? await axios.post(`${emu.url}/payments/v1/transaction-inquiry`, text.replace("x", "y"), { headers, validateStatus: () => true })
        : await post("/payments/v1/transaction-inquiry", text, change as Record<string, string | undefined>)
    expect(res.status).toBe(401)
    expect(typeof res.data === "string" ? res.data : JSON.stringify(res.data)).toMatch(/"type":"APIM"/)
  })

  it("answers 415 to a body that is not JSON", async () => {
    const res = await post("/payments/v1/charges", "amount=10", { "Content-Type": "application/x-www-form-urlencoded" })
    expect(res.status).toBe(415)
  })
})

describe("Client-Request-Id", () => {
  it("replays the first answer to a repeat within 5 minutes, and processes it again after", async () => {
    const { orderId } = await charge("50.00")
    emu.settleBatch()
    const body = JSON.stringify(ref({ referenceOrderId: orderId }, { amount: { total: 10, currency: "USD" } }))
    const headers = fiservHeaders({ body, clientRequestId: "same-id-1" })
    const first = await post("/payments/v1/refunds", body, headers)
    const again = await post("/payments/v1/refunds", body, { ...fiservHeaders({ body, clientRequestId: "same-id-1" }) })
    expect(first.status).toBe(201)
    expect(again.data).toBe(first.data)
    expect(emu.listRefunds(orderId)).toHaveLength(1)
    emu.advanceClock(FISERV_WINDOW_MS + 1000)
    const later = await post("/payments/v1/refunds", body, fiservHeaders({ body, clientRequestId: "same-id-1", timestamp: Date.now() + FISERV_WINDOW_MS + 1000 }))
    expect(later.status).toBe(201)
    expect(emu.listRefunds(orderId)).toHaveLength(2)
  })
})

describe("amounts", () => {
  it.each([
    ["10.505", "USD", "105"],
    ["10.5", "JPY", "105"],
    ["12.3456", "KWD", "105"],
    ["0", "USD", "836"],
    ["-5", "USD", "836"],
    ["10", "XCG", "247"],
  ])("refuses total %s %s with %s", async (total, currency, expected) => {
    const { res } = await charge(total, { currency })
    expect(res.status).toBe(400)
    expect(code(res)).toBe(expected)
    expect(emu.listOrders()).toHaveLength(0)
  })

  it("takes Fiserv's decimals: BIF and XAF with 2, JPY with 0, KWD with 3; trailing zeros are fine", async () => {
    for (const [total, currency, kept] of [["10.50", "BIF", "10.50"], ["0.01", "XAF", "0.01"], ["3000", "JPY", "3000"], ["1.234", "KWD", "1.234"], ["7.5", "USD", "7.50"]]) {
      const { res, orderId } = await charge(total, { currency })
      expect(res.status).toBe(201)
      expect(emu.getOrder(orderId)!.authorized).toBe(kept)
    }
  })

  it("takes a total sent as a string with the same rules (the seed's own example sends one), and no other type", async () => {
    const res = await post("/payments/v1/charges", { amount: { total: "10.00", currency: "USD" }, source: { sourceType: "PaymentToken", tokenData: "t" }, merchantDetails })
    expect(res.status).toBe(201)
    expect(emu.getOrder(json(res).gatewayResponse.transactionProcessingDetails.orderId)).toMatchObject({ authorized: "10.00" })
    for (const total of ["10.005", "1e1", " 10", true]) {
      const bad = await post("/payments/v1/charges", { amount: { total, currency: "USD" }, source: { sourceType: "PaymentToken", tokenData: "t" }, merchantDetails })
      expect([total, bad.status, code(bad)]).toEqual([total, 400, "105"])
    }
  })
})

describe("lifecycle rules", () => {
  it("pre-auth, partial capture (the rest is released), refunds up to the capture, then 816", async () => {
    const { orderId, transactionId } = await charge("100.00", { capture: false })
    expect(code(await post("/payments/v1/refunds", ref({ referenceTransactionId: transactionId })))).toBe("837")
    const cap = await post("/payments/v1/charges", ref({ referenceTransactionId: transactionId }, { amount: { total: 60, currency: "USD" }, transactionDetails: { captureFlag: true } }))
    expect(cap.status).toBe(201)
    expect(json(cap).gatewayResponse).toMatchObject({ transactionType: "CAPTURE", transactionState: "CAPTURED" })
    expect(code(await post("/payments/v1/charges", ref({ referenceTransactionId: transactionId }, { transactionDetails: { captureFlag: true } })))).toBe("820")
    emu.settleBatch()
    expect(code(await post("/payments/v1/refunds", ref({ referenceOrderId: orderId }, { amount: { total: 61, currency: "USD" } })))).toBe("807")
    expect(code(await post("/payments/v1/refunds", ref({ referenceOrderId: orderId }, { amount: { total: 10, currency: "EUR" } })))).toBe("804")
    const r1 = await post("/payments/v1/refunds", ref({ referenceTransactionId: transactionId }, { amount: { total: 45.5, currency: "USD" } }))
    expect(json(r1).gatewayResponse).toMatchObject({ transactionType: "REFUND", transactionState: "CAPTURED" })
    expect(code(await post("/payments/v1/refunds", ref({ referenceOrderId: orderId }, { amount: { total: 14.51, currency: "USD" } })))).toBe("810")
    const rest = await post("/payments/v1/refunds", ref({ referenceOrderId: orderId }))
    expect(json(rest).paymentReceipt.approvedAmount).toEqual({ total: 14.5, currency: "USD" })
    expect(json(rest).gatewayResponse.transactionState).toBe("CAPTURED")
    expect(code(await post("/payments/v1/refunds", ref({ referenceOrderId: orderId })))).toBe("816")
    expect(emu.getOrder(orderId)).toMatchObject({ authorized: "100.00", captured: "60.00", refunded: "60.00", refundable: "0.00" })
    expect(code(await post("/payments/v1/cancels", ref({ referenceTransactionId: transactionId })))).toBe("829")
  })

  it("voids a pre-auth (no capture after), refuses a cancel once settled (829), and one reference at a time (131)", async () => {
    const a = await charge("20.00", { capture: false })
    const cancel = await post("/payments/v1/cancels", ref({ referenceTransactionId: a.transactionId }, { transactionDetails: { reversalReasonCode: "VOID" } }))
    expect(cancel.status).toBe(200)
    expect(json(cancel).gatewayResponse).toMatchObject({ transactionType: "CANCEL", transactionState: "AUTHORIZED" })
    expect(emu.getTransaction(a.transactionId)).toMatchObject({ type: "CHARGE", state: "VOIDED" })
    expect(code(await post("/payments/v1/charges", ref({ referenceTransactionId: a.transactionId }, { transactionDetails: { captureFlag: true } })))).toBe("821")
    expect(code(await post("/payments/v1/cancels", ref({ referenceTransactionId: a.transactionId })))).toBe("833")
    const b = await charge("20.00")
    emu.settle(b.orderId)
    expect(code(await post("/payments/v1/cancels", ref({ referenceOrderId: b.orderId })))).toBe("829")
    expect(code(await post("/payments/v1/refunds", ref({ referenceOrderId: b.orderId, referenceTransactionId: b.transactionId })))).toBe("131")
    expect(code(await post("/payments/v1/refunds", ref({ referenceTransactionId: "nope" })))).toBe("764")
  })

  it("answers declines in both documented shapes", async () => {
    const wrapped = await charge("10.00", { token: "tok_decline" })
    expect(wrapped.res.status).toBe(400)
    expect(json(wrapped.res).errorResponse).toMatchObject({ gatewayResponse: { transactionState: "DECLINED" }, error: [{ type: "HOST" }] })
    const receipt = await charge("10.00", { token: "tok_decline_receipt" })
    expect(receipt.res.status).toBe(201)
    expect(json(receipt.res).paymentReceipt.processorResponseDetails.approvalStatus).toBe("DECLINED")
  })

  it("checks merchant details", async () => {
    const res = await post("/payments/v1/transaction-inquiry", { referenceTransactionDetails: { referenceOrderId: "x" }, merchantDetails: { ...merchantDetails, terminalId: "other" } })
    expect(code(res)).toBe("202")
    expect(code(await post("/payments/v1/transaction-inquiry", { referenceTransactionDetails: { referenceOrderId: "x" } }))).toBe("107")
  })
})

describe("URI endpoints and inquiry", () => {
  it("captures, refunds by transaction and by order on the URI paths; inquiry lists the order", async () => {
    const { orderId, transactionId } = await charge("30.00", { capture: false, merchantOrderId: "M-1" })
    const cap = await post(`/payments/v1/charges/${transactionId}/capture`, { merchantDetails })
    expect(cap.status).toBe(201)
    emu.settleBatch()
    const r1 = await post(`/payments/v1/charges/${transactionId}/refund`, { amount: { total: 10, currency: "USD" }, merchantDetails })
    expect(r1.status).toBe(201)
    const r2 = await post(`/payments/v1/charges/orders/${orderId}/refund`, { amount: { total: 5.25, currency: "USD" }, merchantDetails })
    expect(r2.status).toBe(201)
    expect(code(await post(`/payments/v1/charges/unknown/refund`, { merchantDetails }))).toBe("801")
    const byOrder = json(await post("/payments/v1/transaction-inquiry", ref({ referenceMerchantOrderId: "M-1" })))
    expect(byOrder.map((t: any) => t.gatewayResponse.transactionType)).toEqual(["CHARGE", "CAPTURE", "REFUND", "REFUND"])
    expect(byOrder.map((t: any) => t.paymentReceipt.approvedAmount.total)).toEqual([30, 30, 10, 5.25])
    const one = json(await post("/payments/v1/transaction-inquiry", ref({ referenceTransactionId: transactionId })))
    expect(one).toHaveLength(1)
    expect(one[0].gatewayResponse).toMatchObject({ transactionType: "CHARGE", transactionState: "CAPTURED" })
    const voidAuth = await charge("9.99", { capture: false })
    expect((await post(`/payments/v1/charges/${voidAuth.transactionId}/cancel`, { merchantDetails })).status).toBe(200)
    expect(emu.getOrder(voidAuth.orderId)!.status).toBe("VOIDED")
  })

  it("answers unknown routes 404 in Fiserv's error shape", async () => {
    const res = await post("/payments/v1/nowhere", { merchantDetails })
    expect(res.status).toBe(404)
  })
})

describe("batches, settlement and partial cancels (our choices: README 'Fiserv', choices)", () => {
  it("settleBatch settles the captured orders of the open batch only, and the next batch starts", async () => {
    const sale = await charge("10.00")
    const auth = await charge("10.00", { capture: false })
    expect(json(sale.res).transactionBatch).toMatchObject({ batchNumber: "000001", transactionClass: "1", sequenceNumber: "000001", julianDay: expect.stringMatching(/^\d{3}$/) })
    expect(json(auth.res)).not.toHaveProperty("transactionBatch") // an authorization is not captured: no batch
    expect(emu.settleBatch()).toEqual([sale.orderId])
    expect(emu.getOrder(auth.orderId)!.settled).toBe(false)
    const cap = await post("/payments/v1/charges", ref({ referenceTransactionId: auth.transactionId }, { transactionDetails: { captureFlag: true } }))
    expect(json(cap).transactionBatch).toMatchObject({ batchNumber: "000002", sequenceNumber: "000001" })
    // The control route's handler (served once the core hands unknown control routes to customControl).
    expect((emu as any).customControl("POST", "/__emulator/settle")).toEqual({ status: 200, body: { settled: [auth.orderId] } })
    expect((emu as any).customControl("POST", "/__emulator/other")).toBeUndefined()
  })

  it("with partialCancels, a partial cancel lowers what is captured (or authorized), and a full one voids the rest", async () => {
    const other = new FiservEmulator({ partialCancels: true })
    await other.start()
    try {
      const send = async (path: string, body: object) => {
        const text = JSON.stringify(body)
        return axios.post(`${other.url}${path}`, text, { headers: fiservHeaders({ body: text }), validateStatus: () => true })
      }
      const sale = (await send("/payments/v1/charges", { amount: { total: 50, currency: "USD" }, source: { sourceType: "PaymentToken", tokenData: "t" }, merchantDetails })).data
      const id = sale.gatewayResponse.transactionProcessingDetails.transactionId
      const orderId = sale.gatewayResponse.transactionProcessingDetails.orderId
      const part = await send("/payments/v1/cancels", ref({ referenceTransactionId: id }, { amount: { total: 20, currency: "USD" } }))
      expect(part.status).toBe(200)
      expect(part.data.transactionDetails).toMatchObject({ reversalReasonCode: "PARTIAL" })
      expect(other.getOrder(orderId)).toMatchObject({ status: "CAPTURED", captured: "30.00" })
      expect((await send("/payments/v1/cancels", ref({ referenceTransactionId: id }, { amount: { total: 30.01, currency: "USD" } }))).data.error[0].code).toBe("810")
      expect((await send("/payments/v1/cancels", ref({ referenceTransactionId: id }))).data.paymentReceipt.approvedAmount.total).toBe(30)
      expect(other.getOrder(orderId)).toMatchObject({ status: "VOIDED" })
      const auth = (await send("/payments/v1/charges", { amount: { total: 40, currency: "USD" }, source: { sourceType: "PaymentToken", tokenData: "t" }, transactionDetails: { captureFlag: false }, merchantDetails })).data
      const authId = auth.gatewayResponse.transactionProcessingDetails.transactionId
      await send("/payments/v1/cancels", ref({ referenceTransactionId: authId }, { amount: { total: 15, currency: "USD" } }))
      await send("/payments/v1/charges", ref({ referenceTransactionId: authId }, { transactionDetails: { captureFlag: true } }))
      expect(other.getOrder(auth.gatewayResponse.transactionProcessingDetails.orderId)).toMatchObject({ authorized: "25.00", captured: "25.00" })
    } finally {
      await other.stop()
    }
  })

  it("captures an authorized refund whole (another amount: 806; a captured one: 812), and lists it once", async () => {
    const { orderId, transactionId } = await charge("50.00")
    emu.settleBatch()
    const authorized = json(await post("/payments/v1/refunds", ref({ referenceTransactionId: transactionId }, { amount: { total: 10, currency: "USD" }, transactionDetails: { captureFlag: false } })))
    const refundId = authorized.gatewayResponse.transactionProcessingDetails.transactionId
    expect(code(await post("/payments/v1/refunds", ref({ referenceTransactionId: refundId }, { amount: { total: 5, currency: "USD" } })))).toBe("806")
    expect(code(await post("/payments/v1/refunds", ref({ referenceTransactionId: refundId }, { transactionDetails: { captureFlag: false } })))).toBe("812")
    expect((await post("/payments/v1/refunds", ref({ referenceTransactionId: refundId }))).status).toBe(201)
    expect(code(await post("/payments/v1/refunds", ref({ referenceTransactionId: refundId })))).toBe("812")
    expect(emu.getTransaction(refundId)).toMatchObject({ state: "CAPTURED" })
    expect(emu.listRefunds(orderId).map((r) => r.total)).toEqual(["10.00"])
    expect(emu.getOrder(orderId)).toMatchObject({ refunded: "10.00" })
  })

  it("checks merchantDetails on the URI routes when it is sent", async () => {
    const { transactionId } = await charge("10.00", { capture: false })
    expect(code(await post(`/payments/v1/charges/${transactionId}/cancel`, { merchantDetails: { ...merchantDetails, merchantId: "999" } }))).toBe("201")
    expect((await post(`/payments/v1/charges/${transactionId}/cancel`, {})).status).toBe(200)
  })
})
