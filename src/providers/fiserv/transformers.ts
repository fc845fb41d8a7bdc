import crypto from "node:crypto"
import { MedusaError, PaymentSessionStatus } from "@medusajs/framework/utils"
import { z } from "zod"
import type { ErrorAdvice, ProcessorError } from "../../core/errors"
import { uuidFromKey } from "../../core/idempotency"
import { minorToMajor, wireAmount, type ProcessorAmount } from "../../core/money/convert"
import { Decimal } from "../../core/money/decimal"
import type { RefundStatus } from "../../core/payment-data"
import type { MedusaRefundInfo } from "../../core/provider"
import type { ProcessorRefundView, RefundPlan } from "../../core/refunds/planner"
import { fiservCurrencies } from "./currencies"
import type { FiservOptions } from "./options"
import type {
  FiservAmount,
  FiservCancelRequest,
  FiservCaptureRequest,
  FiservChargeRequest,
  FiservMerchantDetails,
  FiservReference,
  FiservRefundRequest,
  FiservSource,
  FiservTransaction,
} from "./wire"

export { fiservCurrencies }

// ---- Authentication --------------------------------------------------------------------------------

/**
 * Client-Request-Id: Fiserv's nonce and idempotency key. A write carrying our operation key gets an id derived
 * from that key and the exact body, so every retry of the same Medusa operation (HTTP retries, Medusa calling
 * again) reuses it and Fiserv answers with the first result; a different request under the same Medusa key
 * (a new card on the same session after a decline) gets a fresh one. Reads get a random one.
 */
export function clientRequestIdFor(operationKey: string | undefined, bodyText: string | undefined): string {
  if (!operationKey) return crypto.randomUUID()
  return uuidFromKey(`${operationKey}\n${bodyText ?? ""}`)
}

/** Authorization header: base64 HMAC-SHA256 keyed by the API secret over apiKey + Client-Request-Id + Timestamp + body. */
export function fiservAuthHeaders(input: {
  apiKey: string
  apiSecret: string
  clientRequestId: string
  timestamp: number
  bodyText: string | undefined
}): Record<string, string> {
  const timestamp = String(input.timestamp)
  const signature = crypto
    .createHmac("sha256", input.apiSecret)
    .update(input.apiKey + input.clientRequestId + timestamp + (input.bodyText ?? ""))
    .digest("base64")
  return {
    "Api-Key": input.apiKey,
    "Client-Request-Id": input.clientRequestId,
    Timestamp: timestamp,
    "Auth-Token-Type": "HMAC",
    Authorization: signature,
  }
}

// ---- Identifiers ---------------------------------------------------------------------------------------

/**
 * A merchant identifier that fits every Commerce Hub version (the 1.0.0 spec caps merchantOrderId and
 * merchantTransactionId at 32 characters): Medusa ids (payses_…, ref_…) lose only a known prefix; anything
 * longer is hashed.
 */
export function merchantIdFrom(key: string, stripPrefix?: string): string {
  const trimmed = stripPrefix && key.startsWith(stripPrefix) ? key.slice(stripPrefix.length) : key
  if (/^[A-Za-z0-9_-]{1,32}$/.test(trimmed)) return trimmed
  return crypto.createHash("sha256").update(key).digest("hex").slice(0, 32)
}

// ---- Requests ------------------------------------------------------------------------------------------

/** The storefront's `source` object (README "Storefront data"): a TransArmor token with its expiry, or a Checkout session. */
const sourceSchema = z.union([
  z.strictObject({
    sourceType: z.literal("PaymentToken"),
    tokenData: z.string().min(1).max(2048),
    tokenSource: z.string().min(1).max(256).optional(),
    card: z
      .strictObject({
        expirationMonth: z.string().regex(/^(0[1-9]|1[012])$/).optional(),
        expirationYear: z.string().regex(/^[0-9]{4}$/).optional(),
      })
      .optional(),
  }),
  z.strictObject({ sourceType: z.literal("PaymentSession"), sessionId: z.string().min(1).max(64) }),
])

/**
 * The charge's payment source from the storefront's keys (README "Storefront data"): `payment_token` (TransArmor),
 * `payment_session_id` (Checkout / Card Capture), or a `source` object checked strictly (no card numbers).
 */
export function paymentSource(data: Record<string, unknown>): FiservSource {
  if (typeof data.payment_token === "string" && data.payment_token.trim()) {
    return { sourceType: "PaymentToken", tokenData: data.payment_token.trim(), tokenSource: "TRANSARMOR" }
  }
  if (typeof data.payment_session_id === "string" && data.payment_session_id.trim()) {
    return { sourceType: "PaymentSession", sessionId: data.payment_session_id.trim() }
  }
  if (data.source !== undefined) {
    const parsed = sourceSchema.safeParse(data.source)
    if (parsed.success) return parsed.data as FiservSource
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `The payment session's \`source\` is not a Fiserv payment source (${parsed.error.issues[0]?.path.join(".") || "source"}: ${parsed.error.issues[0]?.message}). ` +
        'Send { sourceType: "PaymentToken", tokenData, tokenSource?, card? } or { sourceType: "PaymentSession", sessionId }.'
    )
  }
  throw new MedusaError(
    MedusaError.Types.INVALID_DATA,
    "No Fiserv payment source in the payment session. The storefront must send a Fiserv token as `payment_token`, " +
      "a Checkout/Card Capture session as `payment_session_id`, or a `source` object in the payment session data."
  )
}

export function amountOf(amount: ProcessorAmount): FiservAmount {
  return { total: wireAmount.majorNumber(amount), currency: amount.currency.toUpperCase() }
}

export function merchantDetails(options: Pick<FiservOptions, "merchantId" | "terminalId">): FiservMerchantDetails {
  return { merchantId: options.merchantId, terminalId: options.terminalId }
}

export function chargeRequest(input: {
  amount: ProcessorAmount
  source: FiservSource
  capture: boolean
  merchantOrderId: string
  merchantTransactionId: string
  options: FiservOptions
}): FiservChargeRequest {
  return {
    amount: amountOf(input.amount),
    source: input.source,
    transactionDetails: {
      captureFlag: input.capture,
      merchantOrderId: input.merchantOrderId,
      merchantTransactionId: input.merchantTransactionId,
    },
    transactionInteraction: { origin: "ECOM", eciIndicator: "CHANNEL_ENCRYPTED", posConditionCode: "CARD_NOT_PRESENT_ECOM" },
    merchantDetails: merchantDetails(input.options),
  }
}

export function captureRequest(input: { amount?: ProcessorAmount; reference?: FiservReference; options: FiservOptions }): FiservCaptureRequest {
  return {
    ...(input.amount ? { amount: amountOf(input.amount) } : {}),
    transactionDetails: { captureFlag: true },
    ...(input.reference ? { referenceTransactionDetails: input.reference } : {}),
    merchantDetails: merchantDetails(input.options),
  }
}

/**
 * A cancel (void). Cancel.md: full without `amount`, partial with it; reversal reason VOID ("fully reverse") or
 * PARTIAL ("the amount is less than the original"). A cancel that returns a refund carries the refund's tag and text.
 */
export function cancelRequest(input: {
  reference?: FiservReference
  /** A partial cancel's amount; left out for a full one. */
  amount?: ProcessorAmount
  merchantTransactionId?: string
  description?: string
  options: FiservOptions
}): FiservCancelRequest {
  return {
    ...(input.amount ? { amount: amountOf(input.amount) } : {}),
    ...(input.reference ? { referenceTransactionDetails: input.reference } : {}),
    transactionDetails: {
      reversalReasonCode: input.amount ? "PARTIAL" : "VOID",
      ...(input.merchantTransactionId ? { merchantTransactionId: input.merchantTransactionId } : {}),
      ...(input.description ? { paymentDescription: input.description } : {}),
    },
    merchantDetails: merchantDetails(input.options),
  }
}

export function refundRequest(input: {
  amount: ProcessorAmount
  /** Full refund of an untouched capture: Fiserv's documented form leaves `amount` out. */
  omitAmount: boolean
  reference?: FiservReference
  merchantTransactionId: string
  description?: string
  options: FiservOptions
}): FiservRefundRequest {
  return {
    ...(input.omitAmount ? {} : { amount: amountOf(input.amount) }),
    ...(input.reference ? { referenceTransactionDetails: input.reference } : {}),
    transactionDetails: {
      captureFlag: input.options.captureRefunds,
      merchantTransactionId: input.merchantTransactionId,
      ...(input.description ? { paymentDescription: input.description } : {}),
    },
    merchantDetails: merchantDetails(input.options),
  }
}

/** spec TransactionDetails.paymentDescription: at most 1024 characters. */
export const PAYMENT_DESCRIPTION_MAX = 1024

/**
 * Medusa's refund reason and note for `transactionDetails.paymentDescription`, the only free-text field of Fiserv's
 * refund and cancel requests (the seed's refund answer echoes it): "Return: small item returned", whitespace
 * collapsed, cut to the spec's 1024 characters with a visible "…".
 */
export function refundDescription(info: MedusaRefundInfo | undefined): string | undefined {
  const parts = [info?.reasonLabel ?? info?.reasonCode, info?.note]
    .map((p) => (typeof p === "string" ? p.replace(/\s+/g, " ").trim() : ""))
    .filter(Boolean)
  if (parts.length === 0) return undefined
  const chars = [...parts.join(": ")]
  return chars.length <= PAYMENT_DESCRIPTION_MAX ? chars.join("") : `${chars.slice(0, PAYMENT_DESCRIPTION_MAX - 1).join("")}…`
}

// ---- Answers -------------------------------------------------------------------------------------------

export const stateOf = (t: FiservTransaction) => (t.gatewayResponse.transactionState ?? "").toUpperCase()
export const typeOf = (t: FiservTransaction) => (t.gatewayResponse.transactionType ?? "").toUpperCase()
export const approvalOf = (t: FiservTransaction) => (t.paymentReceipt?.processorResponseDetails?.approvalStatus ?? "").toUpperCase()
export const transactionIdOf = (t: FiservTransaction) => t.gatewayResponse.transactionProcessingDetails.transactionId
export const orderIdOf = (t: FiservTransaction) => t.gatewayResponse.transactionProcessingDetails.orderId

/** Declined or failed at the host: approvalStatus DECLINED / PROCESSING_FAILED, or transactionState DECLINED. */
export function isDeclined(t: FiservTransaction): boolean {
  const approval = approvalOf(t)
  return stateOf(t) === "DECLINED" || approval === "DECLINED" || approval === "PROCESSING_FAILED"
}

/** Fiserv's reason for a decline, as "code: message" (host codes when the gateway's are missing). */
export function declineReason(t: FiservTransaction): string {
  const details = t.paymentReceipt?.processorResponseDetails
  return `${details?.responseCode ?? details?.hostResponseCode ?? "declined"}: ${details?.responseMessage ?? details?.hostResponseMessage ?? "no reason given"}`
}

/**
 * One transaction's state → Medusa status (Gateway-Response.md: AUTHORIZED, CAPTURED, CHECKED, DECLINED, VOIDED;
 * also COMPLETED_GET, INITIALIZED, PENDING, READY, TEMPLATE, SETTLED, WAITING).
 */
export function transactionStatus(t: FiservTransaction): PaymentSessionStatus {
  if (isDeclined(t)) return PaymentSessionStatus.ERROR
  switch (stateOf(t)) {
    case "VOIDED":
      return PaymentSessionStatus.CANCELED
    case "CAPTURED":
    case "SETTLED":
      return PaymentSessionStatus.CAPTURED
    case "AUTHORIZED":
      return PaymentSessionStatus.AUTHORIZED
    default:
      // CHECKED (verification), PENDING, INITIALIZED, READY, WAITING, TEMPLATE, COMPLETED_GET, unknown.
      return PaymentSessionStatus.PENDING
  }
}

/** The payment's status from all transactions of its order (transaction inquiry by order). */
export function orderStatus(transactions: FiservTransaction[], chargeTransactionId?: string): PaymentSessionStatus {
  const approved = transactions.filter((t) => !isDeclined(t))
  // A partial cancel (reversal reason PARTIAL, Cancel.md) leaves the rest of the payment standing.
  if (approved.some((t) => typeOf(t) === "CANCEL" && t.transactionDetails?.reversalReasonCode?.toUpperCase() !== "PARTIAL")) return PaymentSessionStatus.CANCELED
  if (approved.some((t) => typeOf(t) === "CAPTURE" && stateOf(t) !== "VOIDED")) return PaymentSessionStatus.CAPTURED
  const charge =
    transactions.find((t) => transactionIdOf(t) === chargeTransactionId) ?? transactions.find((t) => typeOf(t) === "CHARGE")
  return charge ? transactionStatus(charge) : PaymentSessionStatus.PENDING
}

/** A captureFlag as answered: a boolean, or its text ("TRUE" in the seed's refund answer). */
export function flagOf(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value
  return typeof value === "string" && /^(true|false)$/i.test(value) ? value.toLowerCase() === "true" : undefined
}

/**
 * A refund's status. Refund-Auth-Capture.md: a refund sent with captureFlag false is only authorized (AUTHORIZED)
 * until a Refunds API capture (CAPTURED); with true the funds are returned. The flag is read from the answer's echo,
 * else taken as the one this store sends (`captureDefault`): the seed's refund answer reads AUTHORIZED with
 * captureFlag "TRUE", so the state alone does not say.
 */
export function refundStatus(t: FiservTransaction, captureDefault: boolean): RefundStatus {
  if (isDeclined(t) || stateOf(t) === "VOIDED") return "failed"
  if (approvalOf(t) !== "APPROVED") return "pending"
  if (stateOf(t) === "CAPTURED" || stateOf(t) === "SETTLED") return "succeeded"
  return (flagOf(t.transactionDetails?.captureFlag) ?? captureDefault) ? "succeeded" : "pending"
}

/**
 * True when the order's charge is known settled: a refund Fiserv approved on it (it refunds only settled charges,
 * seed 002 line 10), or a SETTLED state (Gateway-Response.md lists it, in a comment only). Otherwise unknown: the
 * provider tries a cancel and takes Fiserv's 829 "Transaction Settled" as the answer.
 */
export function isSettled(transactions: FiservTransaction[]): boolean {
  return transactions.some(
    (t) => !isDeclined(t) && ((typeOf(t) === "REFUND" && approvalOf(t) === "APPROVED") || stateOf(t) === "SETTLED")
  )
}

/** True when Fiserv holds the order's charge captured (a sale, or a pre-auth with its capture). */
export function capturedAt(transactions: FiservTransaction[]): boolean {
  return transactions.some((t) => !isDeclined(t) && (typeOf(t) === "CAPTURE" || (typeOf(t) === "CHARGE" && ["CAPTURED", "SETTLED"].includes(stateOf(t)))))
}

/** The batch holding the order's captured money, as answered (spec TransactionBatch), for messages. */
export function batchOf(transactions: FiservTransaction[]): string | undefined {
  const batch = transactions.find((t) => (typeOf(t) === "CAPTURE" || typeOf(t) === "CHARGE") && t.transactionBatch?.batchNumber)?.transactionBatch
  return batch ? `batch ${batch.batchNumber}${batch.julianDay ? ` of day ${batch.julianDay}` : ""}` : undefined
}

/** Before settlement, with no cancel possible for this amount: says when the refund becomes possible. */
export function notYetRefundable(plan: RefundPlan, currency: string, transactions: FiservTransaction[], cause: ProcessorError): MedusaError {
  const code = currency.toUpperCase()
  const remaining = minorToMajor((BigInt(plan.capturedMinor) - BigInt(plan.refundedBeforeMinor)).toString(), currency, fiservCurrencies).toFixed(plan.amount.exponent)
  const batch = batchOf(transactions)
  return new MedusaError(
    MedusaError.Types.NOT_ALLOWED,
    `Fiserv refunds a charge only once its batch has settled, and this payment's${batch ? ` (${batch})` : ""} has not (Fiserv: ${cause.describe()}). ` +
      `Before that only a cancel returns money, and Fiserv takes a partial cancel only for terminal direct or gateway settlement on its Nashville ` +
      `front end (the provider's \`partialCancels\` option). The refund of ${plan.amount.major} ${code} becomes possible once the batch settles, ` +
      `at the merchant's next batch close (usually daily): refund it then, or refund the whole remaining ${remaining} ${code} now as a cancel. Nothing was refunded.`
  )
}

/**
 * An answer's approved total in the processor's minor units (integer string), or undefined when absent or
 * not exactly known: the HTTP client parses answers with JSON.parse, which keeps at most 15 significant
 * digits exactly, so larger totals are not trusted (our own amounts never come from answers).
 */
export function approvedMinor(t: FiservTransaction, currency: string): string | undefined {
  const total = t.paymentReceipt?.approvedAmount?.total
  if (total === undefined) return undefined
  if (typeof total === "number" && String(total).replace(/^-|\.|e.*$/gi, "").replace(/^0+/, "").length > 15) return undefined
  const exponent = fiservCurrencies.exponents[currency.toUpperCase()]
  if (exponent === undefined) return undefined
  const minor = new Decimal(String(total)).shiftedBy(exponent)
  return minor.isInteger() && !minor.isNegative() ? minor.toString() : undefined
}

/**
 * The approved total the ownership check compares with the session's: exact when the answer carries it exactly;
 * a total past double precision (JSON.parse rounds it) counts as `expectedMinor` only when it is the double
 * nearest to it. The check compares amounts only of a charge that already names the session.
 */
export function approvedMinorNear(t: FiservTransaction, currency: string, expectedMinor: unknown): string | undefined {
  const exact = approvedMinor(t, currency)
  if (exact !== undefined) return exact
  const total = t.paymentReceipt?.approvedAmount?.total
  const exponent = fiservCurrencies.exponents[currency.toUpperCase()]
  if (typeof total !== "number" || exponent === undefined || typeof expectedMinor !== "string" || !/^\d{1,40}$/.test(expectedMinor)) return undefined
  return Number(new Decimal(expectedMinor).shiftedBy(-exponent).toString()) === total ? expectedMinor : undefined
}

/**
 * What Fiserv says a transaction moved: `paymentReceipt.approvedAmount` in its own currency (lower-case) and that
 * currency's minor units. A total past double precision counts as `expectedMinor` when it is the double nearest it.
 */
export function approvedFigures(t: FiservTransaction, expectedMinor?: string): { amountMinor?: string; currency?: string } {
  const answered = t.paymentReceipt?.approvedAmount?.currency
  const currency = typeof answered === "string" && answered ? answered.toLowerCase() : undefined
  return { currency, amountMinor: currency ? approvedMinorNear(t, currency, expectedMinor) : undefined }
}

/**
 * The order's transactions that returned money, as the ledger sees them: refunds (not the capture of an authorized
 * refund, which completes the refund it references) and, on a payment that was captured, cancels (a void before
 * settlement returns the captured money; seed 002 line 10). Throws on an amount in another currency than the
 * payment's: a read, so nothing is recorded wrong.
 */
export function refundViews(
  transactions: FiservTransaction[],
  payment: { currency: string; captured: boolean; captureDefault: boolean }
): ProcessorRefundView[] {
  const ids = new Map(transactions.map((t) => [transactionIdOf(t), t]))
  const referenced = (t: FiservTransaction) => ids.get(t.referenceTransactionDetails?.referenceTransactionId ?? "")
  const isRefundCapture = (t: FiservTransaction) => typeOf(t) === "REFUND" && referenced(t) !== undefined && typeOf(referenced(t)!) === "REFUND"
  const capturedRefunds = new Set(transactions.filter((t) => isRefundCapture(t) && !isDeclined(t)).map((t) => transactionIdOf(referenced(t)!)))
  const captured = payment.captured || transactions.some((t) => typeOf(t) === "CAPTURE" && !isDeclined(t))
  return transactions
    .filter((t) => (typeOf(t) === "REFUND" && !isRefundCapture(t)) || (typeOf(t) === "CANCEL" && captured))
    .map((t) => {
      const id = transactionIdOf(t)
      const { currency } = approvedFigures(t)
      if (currency && currency !== payment.currency.toLowerCase()) {
        throw new MedusaError(
          MedusaError.Types.UNEXPECTED_STATE,
          `Fiserv reports ${typeOf(t).toLowerCase()} ${id} in ${currency.toUpperCase()} on this ${payment.currency.toUpperCase()} payment; nothing was recorded. Check the order at Fiserv.`
        )
      }
      const status: RefundStatus =
        typeOf(t) === "CANCEL" ? (isDeclined(t) ? "failed" : "succeeded") : capturedRefunds.has(id) && !isDeclined(t) ? "succeeded" : refundStatus(t, payment.captureDefault)
      return {
        id,
        amount_minor: approvedMinor(t, payment.currency) ?? "0",
        status,
        // Refunds (and cancels) sent by this provider carry the Medusa refund id (ref_…) as merchantTransactionId.
        tag: t.transactionDetails?.merchantTransactionId ?? null,
        refunded: approvedFigures(t),
        created_at: t.gatewayResponse.transactionProcessingDetails.transactionTimestamp,
      }
    })
}

/** Transaction fields kept in the payment data (no card data beyond what Fiserv echoes, no secrets). */
export function transactionData(t: FiservTransaction): Record<string, unknown> {
  return {
    transaction_state: stateOf(t) || null,
    approval_status: approvalOf(t) || null,
  }
}

// ---- Errors --------------------------------------------------------------------------------------------

const REFUND_AMOUNT_CODES = new Set(["806", "807", "808", "809", "810", "850"])

/** Commerce Hub error codes (docs/Resources/Guides/Response-Codes/Error-Code.md) → MedusaError type and advice. */
export function classifyFiservError(error: ProcessorError, operation: string): ErrorAdvice | undefined {
  const T = MedusaError.Types
  const code = error.code ?? ""
  if (error.type === "HOST" && operation === "authorize the payment") {
    return { type: T.PAYMENT_AUTHORIZATION_ERROR, advice: "The card issuer declined the payment. Ask the customer for another card." }
  }
  if (REFUND_AMOUNT_CODES.has(code)) {
    return {
      type: T.INVALID_DATA,
      advice:
        "Fiserv refused the amount: it is more than remains refundable (or capturable) on this transaction. " +
        "Use Sync on the order to read what Fiserv holds, then enter at most the remaining amount.",
    }
  }
  switch (code) {
    case "804":
      return { type: T.INVALID_DATA, advice: "The currency differs from the original transaction's. Refund in the payment's currency." }
    case "816":
      return { type: T.NOT_ALLOWED, advice: "Fiserv says this transaction is already fully refunded (perhaps from another system). Nothing more can be refunded." }
    case "837":
      return {
        type: T.NOT_ALLOWED,
        advice:
          "Fiserv refunds a charge only once it is captured and its batch has settled, and cancels (voids) it before that (Fiserv's refund guide). " +
          "Fiserv says this transaction is not in a captured state: if the payment is only authorized, cancel it; otherwise use Sync on the order to read its state at Fiserv.",
      }
    case "812":
      return {
        type: T.NOT_ALLOWED,
        advice:
          "Fiserv refuses to refund this transaction. A charge whose batch has not settled yet cannot be refunded (Fiserv's refund guide): " +
          "refund again once the batch has settled, or refund the whole remaining amount now, which Fiserv cancels (voids).",
      }
    case "740":
      return {
        type: T.NOT_ALLOWED,
        advice:
          "Fiserv takes partial cancels only for terminal direct or gateway settlement on its Nashville front end (Cancel.md); set the provider's " +
          "`partialCancels` option to false unless the merchant account settles that way, and refund the amount after the batch has settled.",
      }
    case "814":
    case "815":
    case "304":
      return { type: T.NOT_ALLOWED, advice: "Fiserv cannot refund this transaction (too old, or not refundable for this payment source). Refund the customer another way." }
    case "813":
    case "131":
    case "764":
    case "801":
    case "756":
      return { type: T.NOT_FOUND, advice: "Fiserv does not know the referenced transaction. Check that the store uses the same Fiserv merchant and environment the payment was made with." }
    case "136":
      return { type: T.NOT_ALLOWED, advice: "Fiserv is processing another transaction on this order. Try again in a moment." }
    case "757":
      return { type: T.NOT_ALLOWED, advice: "Fiserv already has a transaction with this merchant id. Use Sync on the order before trying again." }
    case "819":
    case "821":
    case "822":
      return { type: T.NOT_ALLOWED, advice: "Fiserv cannot capture this authorization (no open pre-auth: voided, refunded or expired)." }
    case "820":
    case "826":
      return { type: T.NOT_ALLOWED, advice: "Fiserv already captured this authorization. Refund instead of capturing again." }
    case "829":
      return { type: T.NOT_ALLOWED, advice: "The transaction is settled, so Fiserv cannot void it. Refund it instead." }
    case "827":
    case "828":
    case "833":
      return { type: T.NOT_ALLOWED, advice: "Fiserv cannot void this transaction in its current state. If it was captured and its batch has settled, refund it instead." }
    case "105":
    case "106":
    case "836":
      return { type: T.INVALID_DATA, advice: "Fiserv refused the amount or currency. Enter a positive amount in the payment's currency." }
    case "247":
      return { type: T.INVALID_DATA, advice: "The merchant account does not accept this currency at Fiserv. Use another payment provider for this region." }
    case "201":
    case "202":
    case "204":
      return {
        type: T.UNEXPECTED_STATE,
        advice: "Fiserv does not accept the merchant or terminal. Check the provider's `merchantId` (FISERV_MERCHANT_ID) and `terminalId` (FISERV_TERMINAL_ID) options.",
      }
  }
  if (error.status === 401 || error.status === 403) {
    return {
      type: T.UNEXPECTED_STATE,
      advice:
        "Fiserv rejected the request's authentication. Check the provider's `apiKey` and `apiSecret` (FISERV_API_KEY, FISERV_API_SECRET) " +
        "and `environment` options, and that the server clock is right (Fiserv refuses timestamps more than 5 minutes off).",
    }
  }
  return undefined
}
