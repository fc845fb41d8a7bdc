/**
 * The Fiserv Commerce Hub emulator against Fiserv's documents alone (excerpts in ./documents.ts, each with its public
 * source): the seed's own example request and answer, each documented limit, error and state rule. No provider code:
 * requests are written from the documents and signed as Authentication-Header.md describes.
 */
import crypto from "node:crypto"
import axios, { type AxiosResponse } from "axios"
import { DEFAULT_FISERV_API_KEY, DEFAULT_FISERV_API_SECRET, FiservEmulator } from "../../../src/emulators/fiserv"
import { AUTHENTICATION_MD, CANCEL_MD, CURRENCY_CODE_MD, ERROR_CODES, IDEMPOTENCY_MD, REFUND_AUTH_CAPTURE_MD, REFUND_TAGGED_MD, SEED, SPEC } from "./documents"
import { useEmulator } from "../../support/emulator"

const emu = useEmulator(new FiservEmulator())

/** AUTHENTICATION_MD.rawSignature: base64(HMAC-SHA256(secret, apiKey + clientRequestId + timestamp + body)). */
function signed(body: string, clientRequestId: string = crypto.randomUUID()): Record<string, string> {
  const timestamp = String(Date.now())
  return {
    "Content-Type": "application/json",
    "Api-Key": DEFAULT_FISERV_API_KEY,
    "Client-Request-Id": clientRequestId,
    Timestamp: timestamp,
    "Auth-Token-Type": "HMAC",
    Authorization: crypto.createHmac("sha256", DEFAULT_FISERV_API_SECRET).update(DEFAULT_FISERV_API_KEY + clientRequestId + timestamp + body).digest("base64"),
  }
}

async function send(path: string, body: string | object, headers?: Record<string, string>): Promise<AxiosResponse> {
  const text = typeof body === "string" ? body : JSON.stringify(body)
  return axios.post(`${emu.url}${path}`, text, { headers: headers ?? signed(text), validateStatus: () => true, transformResponse: [(d) => d] })
}
const json = (res: AxiosResponse) => JSON.parse(res.data)
const errorCode = (res: AxiosResponse) => json(res).error?.[0]?.code as string | undefined
const idOf = (res: AxiosResponse) => json(res).gatewayResponse.transactionProcessingDetails.transactionId as string
const orderOf = (res: AxiosResponse) => json(res).gatewayResponse.transactionProcessingDetails.orderId as string

/** The spec examples' merchant (components/examples), which the emulator is set up with by default. */
const merchantDetails = SPEC.secondaryRequest.merchantDetails
/** A charge written from the spec's ChargesRequest: a sale unless `captureFlag` says otherwise. */
const charge = (total: string, extra: { currency?: string; captureFlag?: boolean; merchantOrderId?: string } = {}) =>
  send(
    "/payments/v1/charges",
    `{"amount":{"total":${total},"currency":"${extra.currency ?? "USD"}"},"source":{"sourceType":"PaymentToken","tokenData":"1234","tokenSource":"TRANSARMOR"},` +
      `"transactionDetails":{${[extra.captureFlag === undefined ? "" : `"captureFlag":${extra.captureFlag}`, extra.merchantOrderId ? `"merchantOrderId":"${extra.merchantOrderId}"` : ""].filter(Boolean).join(",")}},` +
      `"merchantDetails":${JSON.stringify(merchantDetails)}}`
  )
const byTransaction = (transactionId: string, extra: object = {}) => ({ ...extra, referenceTransactionDetails: { referenceTransactionId: transactionId }, merchantDetails })

describe(`the seed: ${SEED.source}`, () => {
  it("answers its example partial refund request, sent byte for byte, the way its example answer does", async () => {
    const sale = await charge("10.00")
    emu.settleBatch()
    const res = await send(SEED.endpoints[0]!.replace("{transactionId}", idOf(sale)), SEED.exampleRequest)
    // The seed's heading says "200: Success"; both specs answer refunds 201 (SPEC.statuses.refunds).
    expect(res.status).toBe(SPEC.statuses.refunds)
    const seed = JSON.parse(SEED.exampleResponse)
    const answer = json(res)
    expect(answer.gatewayResponse.transactionType.toLowerCase()).toBe(seed.gatewayResponse.transactionType)
    expect(answer.gatewayResponse.transactionOrigin.toLowerCase()).toBe(seed.gatewayResponse.transactionOrigin)
    expect(answer.gatewayResponse.transactionProcessingDetails.transactionId).toEqual(expect.any(String))
    // Amounts compared as decimals: the seed writes "1.50" as a string, the spec as a number.
    expect(res.data).toMatch(/"approvedAmount":\{"total":"?1\.50"?,"currency":"USD"\}/)
    expect(answer.paymentReceipt.processorResponseDetails).toMatchObject({
      approvalStatus: seed.paymentReceipt.processorResponseDetails.approvalStatus,
      responseMessage: seed.paymentReceipt.processorResponseDetails.responseMessage,
    })
    expect(String(answer.transactionDetails.captureFlag).toUpperCase()).toBe(seed.transactionDetails.captureFlag)
    expect(answer.source.sourceType).toBe(seed.source.sourceType)
    expect(emu.getOrder(orderOf(sale))).toMatchObject({ refunded: "1.50", refundable: "8.50" })
  })

  it(`line 10: "${SEED.settledRule.slice(0, 60)}…": refused before settlement, a cancel instead; after it the reverse`, async () => {
    const auth = await charge("20.00", { captureFlag: false })
    const notCaptured = await send("/payments/v1/refunds", byTransaction(idOf(auth)))
    expect([errorCode(notCaptured), json(notCaptured).error[0].message]).toEqual(["837", ERROR_CODES.codes["837"]])
    expect((await send("/payments/v1/cancels", byTransaction(idOf(auth)))).status).toBe(SPEC.statuses.cancels)
    const sale = await charge("20.00")
    const early = await send("/payments/v1/refunds", byTransaction(idOf(sale), { amount: { total: 5, currency: "USD" } }))
    expect(early.status).toBe(400)
    expect(emu.getOrder(orderOf(sale))).toMatchObject({ refunded: "0.00", status: "CAPTURED" })
    const sale2 = await charge("20.00")
    emu.settleBatch()
    const cancelSettled = await send("/payments/v1/cancels", byTransaction(idOf(sale2)))
    expect([errorCode(cancelSettled), json(cancelSettled).error[0].message]).toEqual(["829", ERROR_CODES.codes["829"]])
    expect((await send("/payments/v1/refunds", byTransaction(idOf(sale2)))).status).toBe(201)
    // The first sale was in the batch that settled too.
    expect((await send("/payments/v1/refunds", byTransaction(idOf(sale), { amount: { total: 5, currency: "USD" } }))).status).toBe(201)
  })

  it(`lines 23-24: partial with \`amount\`; full without it, or with the full total`, async () => {
    const a = await charge("30.00")
    const b = await charge("30.00")
    emu.settleBatch()
    await send("/payments/v1/refunds", byTransaction(idOf(a), { amount: { total: 12.5, currency: "USD" } }))
    expect(emu.getOrder(orderOf(a))).toMatchObject({ refunded: "12.50" })
    const full = await send(SEED.endpoints[1]!.replace("{orderId}", orderOf(b)), {})
    expect(json(full).paymentReceipt.approvedAmount).toEqual({ total: 30, currency: "USD" })
    const c = await charge("7.25")
    emu.settleBatch()
    await send(SEED.endpoints[0]!.replace("{transactionId}", idOf(c)), { amount: { total: 7.25, currency: "USD" } })
    expect(emu.getOrder(orderOf(c))).toMatchObject({ refunded: "7.25", refundable: "0.00" })
  })

  it(`lines 33-34: currency is at most ${SEED.amountTable.currency.maxLength} characters (ISO alpha), total a number`, async () => {
    const sale = await charge("10.00")
    emu.settleBatch()
    for (const amount of [{ total: 1, currency: "USDX" }, { total: 1, currency: "US" }, { total: true, currency: "USD" }]) {
      expect(errorCode(await send("/payments/v1/refunds", byTransaction(idOf(sale), { amount })))).toBe("105")
    }
  })
})

describe(`the spec: ${SPEC.source}`, () => {
  it(`TransactionDetails.captureFlag: "${SPEC.captureFlagDefault.slice(-70)}"`, async () => {
    const sale = await charge("15.00")
    expect(sale.status).toBe(SPEC.statuses.charges)
    expect(json(sale).gatewayResponse).toMatchObject({ transactionType: "CHARGE", transactionState: "CAPTURED" })
    emu.settleBatch()
    const refund = await send("/payments/v1/refunds", byTransaction(idOf(sale), { amount: { total: 5, currency: "USD" } }))
    expect(json(refund).gatewayResponse).toMatchObject({ transactionType: "REFUND", transactionState: "CAPTURED" })
    expect(json(await charge("15.00", { captureFlag: false })).gatewayResponse.transactionState).toBe("AUTHORIZED")
  })

  it("takes its own example secondary request for a refund (201) and for a cancel (200), answering its example's gateway fields", async () => {
    const settled = await charge("12.04")
    emu.settleBatch()
    const refund = await send("/payments/v1/refunds", { ...SPEC.secondaryRequest, referenceTransactionDetails: { referenceTransactionId: idOf(settled) } })
    expect(refund.status).toBe(SPEC.statuses.refunds)
    expect(json(refund).gatewayResponse).toMatchObject({ transactionType: SPEC.refundResponseGateway.transactionType, transactionOrigin: SPEC.refundResponseGateway.transactionOrigin })
    const open = await charge("12.04")
    const cancel = await send("/payments/v1/cancels", { ...SPEC.secondaryRequest, referenceTransactionDetails: { referenceTransactionId: idOf(open) } })
    expect(cancel.status).toBe(SPEC.statuses.cancels)
    expect(json(cancel).gatewayResponse).toMatchObject(SPEC.cancelResponseGateway)
    expect(json(cancel).paymentReceipt.approvedAmount).toEqual({ total: 12.04, currency: "USD" })
  })

  it("inquiry by merchantOrderId (its example request, merchantId only) answers 201 with every transaction of the order", async () => {
    const sale = await charge("9.00", { merchantOrderId: SPEC.inquiryByMerchantOrderId.referenceTransactionDetails.referenceMerchantOrderId })
    emu.settleBatch()
    await send("/payments/v1/refunds", byTransaction(idOf(sale), { amount: { total: 4, currency: "USD" } }))
    const res = await send("/payments/v1/transaction-inquiry", SPEC.inquiryByMerchantOrderId)
    expect(res.status).toBe(SPEC.statuses.inquiry)
    expect(json(res).map((t: any) => t.gatewayResponse.transactionType)).toEqual(["CHARGE", "REFUND"])
  })

  it("refuses fields over their maxLength and a total over its maximum", async () => {
    const sale = await charge("10.00")
    const long = (n: number) => "x".repeat(n + 1)
    const limits = SPEC.maxLength
    for (const body of [
      { referenceTransactionDetails: { referenceTransactionId: long(limits.referenceTransactionId) }, merchantDetails },
      { referenceTransactionDetails: { referenceMerchantTransactionId: long(limits.referenceMerchantTransactionId) }, merchantDetails },
      byTransaction(idOf(sale), { transactionDetails: { reversalReasonCode: long(limits.reversalReasonCode) } }),
      byTransaction(idOf(sale), { transactionDetails: { merchantTransactionId: long(limits.merchantTransactionId) } }),
      byTransaction(idOf(sale), { transactionDetails: { paymentDescription: long(limits.paymentDescription) } }),
    ]) {
      expect(errorCode(await send("/payments/v1/cancels", body))).toBe("100")
    }
    expect(emu.getOrder(orderOf(sale))!.status).toBe("CAPTURED")
    const fits = await send("/payments/v1/cancels", byTransaction(idOf(sale), { transactionDetails: { paymentDescription: "é".repeat(limits.paymentDescription) } }))
    expect(fits.status).toBe(200)
    expect(errorCode(await charge("1000000000000000000.01"))).toBe("105")
    expect((await charge(SPEC.totalMaximum.replace(/\.\d+$/, ".99"))).status).toBe(201)
  })

  it("answers errors in its BadRequest shape", async () => {
    const res = await send("/payments/v1/refunds", { referenceTransactionDetails: { referenceTransactionId: "nope" }, merchantDetails })
    const body = json(res)
    expect(Object.keys(body.gatewayResponse.transactionProcessingDetails)).toEqual(expect.arrayContaining(SPEC.errorShape.gatewayResponse.transactionProcessingDetails))
    expect(Object.keys(body.error[0])).toEqual(expect.arrayContaining(SPEC.errorShape.error))
    expect([res.status, body.error[0].code, body.error[0].message]).toEqual([404, "764", ERROR_CODES.codes["764"]])
  })
})

describe(`Cancel.md: ${CANCEL_MD.source}`, () => {
  it("voids an authorization not captured and a sale not settled, with its minimum request", async () => {
    for (const captureFlag of [false, true]) {
      const txn = await charge("5.00", { captureFlag })
      const res = await send("/payments/v1/cancels", { ...CANCEL_MD.exampleRequest, referenceTransactionDetails: { referenceTransactionId: idOf(txn) } })
      expect(res.status).toBe(SPEC.statuses.cancels)
      expect(json(res).transactionDetails.reversalReasonCode).toBe("VOID")
      expect(emu.getOrder(orderOf(txn))!.status).toBe("VOIDED")
    }
  })

  it(`"${CANCEL_MD.partialOnly.slice(0, 58)}…": a partial cancel is refused (740) where the merchant is not set up for it`, async () => {
    const sale = await charge("50.00")
    const partial = await send("/payments/v1/cancels", byTransaction(idOf(sale), { amount: { total: 20, currency: "USD" }, transactionDetails: { reversalReasonCode: "PARTIAL" } }))
    expect([errorCode(partial), json(partial).error[0].message]).toEqual(["740", ERROR_CODES.codes["740"]])
    expect(errorCode(await send("/payments/v1/cancels", byTransaction(idOf(sale), { amount: { total: 50.01, currency: "USD" } })))).toBe("810")
    // "Full: ... submitted with the amount object for the full total."
    expect((await send("/payments/v1/cancels", byTransaction(idOf(sale), { amount: { total: 50, currency: "USD" } }))).status).toBe(200)
  })

  it("takes a partial cancel for a merchant set up for it, with reason PARTIAL", async () => {
    const other = new FiservEmulator({ partialCancels: true })
    const url = await other.start()
    try {
      const post = (path: string, body: object) => {
        const text = JSON.stringify(body)
        return axios.post(`${url}${path}`, text, { headers: signed(text), validateStatus: () => true })
      }
      const sale = (await post("/payments/v1/charges", { amount: { total: 50, currency: "USD" }, source: { sourceType: "PaymentToken", tokenData: "1" }, merchantDetails })).data
      const res = await post("/payments/v1/cancels", byTransaction(sale.gatewayResponse.transactionProcessingDetails.transactionId, { amount: { total: 20, currency: "USD" } }))
      expect(res.status).toBe(200)
      expect(res.data.transactionDetails.reversalReasonCode).toBe("PARTIAL")
      expect(other.getOrder(sale.gatewayResponse.transactionProcessingDetails.orderId)).toMatchObject({ status: "CAPTURED", captured: "30.00" })
    } finally {
      await other.stop()
    }
  })
})

describe(`Refund-Auth-Capture.md: ${REFUND_AUTH_CAPTURE_MD.source}`, () => {
  it("authorizes a refund sent with captureFlag false (AUTHORIZED), and its Refunds API capture completes it (CAPTURED)", async () => {
    const sale = await charge("12.04")
    emu.settleBatch()
    const auth = await send("/payments/v1/refunds", { ...REFUND_AUTH_CAPTURE_MD.authorizationRequest, referenceTransactionDetails: { referenceTransactionId: idOf(sale) } })
    expect(json(auth).gatewayResponse).toMatchObject({ transactionType: "REFUND", transactionState: "AUTHORIZED" })
    const capture = await send("/payments/v1/refunds", { ...REFUND_AUTH_CAPTURE_MD.captureRequest, referenceTransactionDetails: { referenceTransactionId: idOf(auth) } })
    expect(capture.status).toBe(201)
    expect(json(capture).gatewayResponse).toMatchObject({ transactionType: "REFUND", transactionState: "CAPTURED" })
    expect(emu.getOrder(orderOf(sale))).toMatchObject({ refunded: "12.04" })
  })

  it("reads captureFlag written as text (its parameter table: string, at most 5)", async () => {
    const sale = await send(
      "/payments/v1/charges",
      { amount: { total: 3, currency: "USD" }, source: { sourceType: "PaymentToken", tokenData: "1" }, transactionDetails: { captureFlag: "false" }, merchantDetails }
    )
    expect(json(sale).gatewayResponse.transactionState).toBe("AUTHORIZED")
  })
})

describe(`Error-Code.md: ${ERROR_CODES.source}`, () => {
  it("804, 810, 816, 836 on refunds; 131 for two references (Refund-Tagged.md)", async () => {
    const sale = await charge("40.00")
    emu.settleBatch()
    const refund = (body: object) => send("/payments/v1/refunds", byTransaction(idOf(sale), body))
    const expectCode = async (res: Promise<AxiosResponse>, code: keyof typeof ERROR_CODES.codes) => {
      const r = await res
      expect([errorCode(r), json(r).error[0].message]).toEqual([code, ERROR_CODES.codes[code]])
    }
    await expectCode(refund({ amount: { total: 1, currency: "EUR" } }), "804")
    await expectCode(refund({ amount: { total: 0, currency: "USD" } }), "836")
    await refund({ amount: { total: 30, currency: "USD" } })
    await expectCode(refund({ amount: { total: 10.01, currency: "USD" } }), "810")
    await refund({})
    await expectCode(refund({}), "816")
    expect(REFUND_TAGGED_MD.singleReference).toMatch(/single transaction identifier/)
    await expectCode(send("/payments/v1/refunds", { referenceTransactionDetails: { referenceTransactionId: idOf(sale), referenceOrderId: orderOf(sale) }, merchantDetails }), "131")
  })
})

describe(`Currency-Code.md: ${CURRENCY_CODE_MD.source}`, () => {
  it(`"${CURRENCY_CODE_MD.rule.slice(55)}"`, async () => {
    expect((await charge("10.00", { currency: "GBP" })).status).toBe(201)
    expect((await charge("10", { currency: "JPY" })).status).toBe(201)
    expect((await charge("10.000", { currency: "JOD" })).status).toBe(201)
    for (const [total, currency] of [["10.5", "JPY"], ["10.0001", "JOD"], ["10.001", "GBP"]]) {
      expect(errorCode(await charge(total!, { currency }))).toBe("105")
    }
  })
})

describe(`Authentication-Header.md and Idempotency.md: ${AUTHENTICATION_MD.source}`, () => {
  it("refuses a request whose signature does not cover its exact body", async () => {
    const text = JSON.stringify(SPEC.inquiryByMerchantOrderId)
    const res = await send("/payments/v1/transaction-inquiry", text.replace("RKOrdID", "OTHER"), signed(text))
    expect(res.status).toBe(401)
  })

  it(`${IDEMPOTENCY_MD.source}: a repeated Client-Request-Id gets the original answer, and nothing is applied twice`, async () => {
    const sale = await charge("40.00")
    emu.settleBatch()
    const text = JSON.stringify(byTransaction(idOf(sale), { amount: { total: 5, currency: "USD" } }))
    const first = await send("/payments/v1/refunds", text, signed(text, "conformance-1"))
    const again = await send("/payments/v1/refunds", text, signed(text, "conformance-1"))
    expect(again.data).toBe(first.data)
    expect(emu.getOrder(orderOf(sale))).toMatchObject({ refunded: "5.00" })
  })
})
