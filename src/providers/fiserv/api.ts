import { ProcessorError } from "../../core/errors"
import type { HttpClient } from "../../core/http"
import type { ProcessorAmount } from "../../core/money/convert"
import { requireField } from "../../core/payment-data"
import { defineProcessorClient } from "../../core/processor-client"
import { requirePathId } from "../../core/session-trust"
import { parseWire } from "../../core/wire"
import type { FiservOptions } from "./options"
import { cancelRequest, captureRequest, chargeRequest, clientRequestIdFor, fiservAuthHeaders, merchantDetails, refundRequest } from "./transformers"
import { fiservErrorSchema, fiservInquirySchema, fiservTransactionSchema, type FiservReference, type FiservTransaction } from "./wire"

const PROCESSOR = "Fiserv"

/** Commerce Hub hosts (spec `servers`; Use-Our-APIs.md): paths are appended to `/ch`. */
const HOSTS = { sandbox: "https://connect-cert.fiservapis.com/ch", production: "https://connect.fiservapis.com/ch" }

/**
 * Commerce Hub's transactionId and orderId (spec: strings of at most 40; e.g. 838916029301, 32 hex digits,
 * CHG01…, R-<uuid>). They go into URL paths in the URI style, so nothing else (/, ., %, ?) is ever sent.
 */
const FISERV_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/

const pathId = (what: string, id: string) => encodeURIComponent(requirePathId(PROCESSOR, what, id, FISERV_ID))

const PATHS = {
  charges: "/payments/v1/charges",
  cancels: "/payments/v1/cancels",
  refunds: "/payments/v1/refunds",
  inquiry: "/payments/v1/transaction-inquiry",
  uri: (transactionId: string, action: "capture" | "cancel" | "refund") => `/payments/v1/charges/${pathId("transaction id", transactionId)}/${action}`,
  uriOrderRefund: (orderId: string) => `/payments/v1/charges/orders/${pathId("order id", orderId)}/refund`,
}

/**
 * Test connection's reference: a merchantTransactionId this plugin never sends (refunds carry ref_…, charges a
 * session id), so the inquiry finds nothing.
 */
const CONNECTION_CHECK_ID = "medusa-connection-check"
/**
 * Payments-gateway lookup codes (Error-Code.md: 758 Data Not Found, 764 Referenced transaction not found, 801 Invalid
 * Transaction ID, 813 Transaction Not Found). The API gateway (APIM) answers 401/403 before the request gets that far.
 */
const LOOKUP_NOT_FOUND_CODES = new Set(["758", "764", "801", "813"])

/** The Fiserv ids in the payment's data, each checked before any request carries it (path or reference). */
export function fiservIds(data: Record<string, unknown>) {
  const id = (what: string, value: unknown) => requirePathId(PROCESSOR, what, value, FISERV_ID)
  const optional = (what: string) => (data[what] === undefined || data[what] === null || data[what] === "" ? undefined : id(what, data[what]))
  return {
    transactionId: id("transaction_id", requireField(data, "transaction_id", PROCESSOR)),
    orderId: optional("order_id"),
    captureTransactionId: optional("capture_transaction_id"),
  }
}

export const fiservClient = defineProcessorClient<FiservOptions>({
  processor: PROCESSOR,
  hosts: HOSTS,
  secrets: (options) => [options.apiKey, options.apiSecret],
  // Called once per attempt with the exact bytes sent: a fresh Timestamp and signature every attempt, the same
  // Client-Request-Id (Fiserv's idempotency key, derived from the operation key and body) for every attempt of one
  // operation. Hence no `idempotencyHeader`: the signed headers carry it.
  headers: (options) => (request, bodyText) =>
    fiservAuthHeaders({
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      clientRequestId: clientRequestIdFor(request.idempotencyKey, bodyText),
      timestamp: Date.now(),
      bodyText,
    }),
  // Both documented envelopes: `error[]` at the top (spec) or inside `errorResponse` (error-response guide).
  parseError: (_status, body) => {
    const parsed = fiservErrorSchema.safeParse(body)
    if (!parsed.success) return {}
    type Item = { type?: string; code?: string; field?: string; message?: string }
    const data = parsed.data as { errorResponse?: { error?: Item[] }; error?: Item[] }
    const first = (data.errorResponse ?? data).error?.[0]
    if (!first) return {}
    return {
      code: first.code,
      type: first.type,
      message: `${first.message ?? "error"}${first.field ? ` (${first.field})` : ""}`,
    }
  },
})

/**
 * What a refund references: a transaction (the capture, else the sale), or the order: Fiserv's orderId (in the
 * URI style's path, or `referenceOrderId`) or the store's merchantOrderId (`referenceMerchantOrderId`).
 */
export type FiservRefundTarget = { transactionId: string } | { orderId: string } | { merchantOrderId: string }

type ChargeInput = Omit<Parameters<typeof chargeRequest>[0], "options">
type CancelInput = Omit<Parameters<typeof cancelRequest>[0], "options" | "reference">
type RefundInput = Omit<Parameters<typeof refundRequest>[0], "options" | "reference">

/**
 * Commerce Hub's calls in the configured endpoint style: `reference` (spec 1.24.11: /charges, /cancels, /refunds
 * with `referenceTransactionDetails`) or `uri` (1.0.0 and the 2021 refund guide: /charges/{transactionId}/…).
 * Writes carry an operation key, from which the Client-Request-Id is derived; each answer is checked against
 * its wire schema.
 */
export class FiservApi {
  constructor(
    private readonly http: HttpClient,
    private readonly options: FiservOptions
  ) {}

  private get uriStyle(): boolean {
    return this.options.endpointStyle === "uri"
  }

  /** A sale or pre-auth: POST /payments/v1/charges. */
  async charge(input: ChargeInput, operationKey: string): Promise<FiservTransaction> {
    return this.post(PATHS.charges, chargeRequest({ ...input, options: this.options }), operationKey)
  }

  /** Capture.md: a charges request referencing the pre-auth (whole without `amount`), or /charges/{id}/capture. */
  async capture(transactionId: string, amount: ProcessorAmount | undefined, operationKey: string): Promise<FiservTransaction> {
    return this.uriStyle
      ? this.post(PATHS.uri(transactionId, "capture"), captureRequest({ amount, options: this.options }), operationKey)
      : this.post(PATHS.charges, captureRequest({ amount, reference: { referenceTransactionId: transactionId }, options: this.options }), operationKey)
  }

  /** A cancel (void) of `transactionId`: whole, or partial with `amount` (Cancel.md). */
  async cancel(transactionId: string, input: CancelInput, operationKey: string): Promise<FiservTransaction> {
    const body = cancelRequest({ ...input, options: this.options })
    return this.uriStyle
      ? this.post(PATHS.uri(transactionId, "cancel"), body, operationKey)
      : this.post(PATHS.cancels, { ...body, referenceTransactionDetails: { referenceTransactionId: transactionId } }, operationKey)
  }

  /** A tagged refund (seed 002): /payments/v1/refunds by reference, or the URI style's transaction or order form. */
  async refund(target: FiservRefundTarget, input: RefundInput, operationKey: string): Promise<FiservTransaction> {
    const body = (reference?: FiservReference) => refundRequest({ ...input, reference, options: this.options })
    if (this.uriStyle) {
      if ("transactionId" in target) return this.post(PATHS.uri(target.transactionId, "refund"), body(), operationKey)
      if ("orderId" in target) return this.post(PATHS.uriOrderRefund(target.orderId), body(), operationKey)
      throw new Error("Fiserv's URI endpoints refund by transactionId or orderId, not by merchantOrderId")
    }
    const reference: FiservReference =
      "transactionId" in target
        ? { referenceTransactionId: target.transactionId }
        : "orderId" in target
          ? { referenceOrderId: target.orderId }
          : { referenceMerchantOrderId: target.merchantOrderId }
    return this.post(PATHS.refunds, body(reference), operationKey)
  }

  /** Transaction inquiry: a read, safe to repeat; an order reference lists every transaction of the order. */
  async inquiry(reference: FiservReference): Promise<FiservTransaction[]> {
    const res = await this.http.request({
      method: "POST",
      path: PATHS.inquiry,
      body: { referenceTransactionDetails: reference, merchantDetails: merchantDetails(this.options) },
      safeToRetry: true,
    })
    return parseWire(fiservInquirySchema, res.data, PROCESSOR, "transaction inquiry")
  }

  /**
   * Test connection: a signed transaction inquiry for a reference that does not exist. Nothing is created or moved.
   * Fiserv's "not found" from the payments gateway proves the API key, HMAC secret, clock and merchant were accepted;
   * 401/403 (credentials, clock), 201/202 (merchant, terminal) and APIM's 404 (wrong URL) fail the test.
   */
  async checkConnection(): Promise<void> {
    try {
      await this.http.request({
        method: "POST",
        path: PATHS.inquiry,
        body: { referenceTransactionDetails: { referenceMerchantTransactionId: CONNECTION_CHECK_ID }, merchantDetails: merchantDetails(this.options) },
        safeToRetry: true,
      })
    } catch (error) {
      const lookedUp = error instanceof ProcessorError && error.kind === "http" && error.type !== "APIM" && LOOKUP_NOT_FOUND_CODES.has(error.code ?? "")
      if (!lookedUp) throw error
    }
  }

  private async post(path: string, body: unknown, operationKey: string): Promise<FiservTransaction> {
    const res = await this.http.request({ method: "POST", path, body, idempotencyKey: operationKey })
    return parseWire(fiservTransactionSchema, res.data, PROCESSOR, "transaction")
  }
}
