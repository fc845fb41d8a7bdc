import { createHash } from "node:crypto"
import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type { WebhookActionResult } from "@medusajs/framework/types"
import { minorToMajor, wireAmount, type ProcessorAmount } from "../../core/money/convert"
import type { ErrorAdvice, ProcessorError } from "../../core/errors"
import type { ProcessorRefundView } from "../../core/refunds/planner"
import type { RefundStatus } from "../../core/payment-data"
import type { CloverOptions, CloverRefundReason } from "./options"
import { cloverCurrencies } from "./currencies"
import { CLOVER_ID, type CloverCaptureRequest, type CloverCharge, type CloverCreateChargeRequest, type CloverRefund, type CloverRefundRequest } from "./wire"

export function createChargeRequest(input: {
  amount: ProcessorAmount
  source: string
  capture: boolean
  sessionId?: string
}): CloverCreateChargeRequest {
  return {
    amount: wireAmount.minorInteger(input.amount),
    currency: input.amount.currency,
    source: input.source,
    capture: input.capture,
    ecomind: "ecom",
    ...(input.sessionId ? { metadata: { session_id: input.sessionId } } : {}),
  }
}

/** The whole authorization without an amount, or the part named. */
export function captureRequest(partial: ProcessorAmount | undefined): CloverCaptureRequest {
  return partial ? { amount: wireAmount.minorInteger(partial) } : {}
}

export function refundRequest(input: {
  chargeId: string
  amount: ProcessorAmount
  /** Full refund of an untouched charge: Clover's documented form leaves the amount out. */
  omitAmount: boolean
  reason: CloverRefundReason
  /** Links the refund to the Medusa refund (cloverRefundTag). */
  reference?: string
}): CloverRefundRequest {
  return {
    charge: input.chargeId,
    ...(input.omitAmount ? {} : { amount: wireAmount.minorInteger(input.amount) }),
    reason: input.reason,
    ...(input.reference ? { external_reference_id: input.reference } : {}),
  }
}

/**
 * Clover refunds carry no metadata, and external_reference_id holds at most 12 alphanumerics,
 * so the Medusa refund id (ref_ + 26 characters) is stored as a stable 12-character digest.
 */
export function cloverRefundTag(medusaRefundId: string): string {
  const digest = BigInt("0x" + createHash("sha256").update(medusaRefundId).digest("hex").slice(0, 16))
  return ("MR" + digest.toString(36).toUpperCase().padStart(10, "0")).slice(0, 12)
}

/**
 * Medusa's refund reason → Clover's three reasons (`reason`, the only refund field for it). The option maps
 * codes; otherwise the code or label naming a duplicate or fraud picks that reason. Medusa's note has no
 * Clover refund field (README "Refund reason and note").
 */
export function refundReasonFor(
  refund: { reasonCode?: string | null; reasonLabel?: string | null },
  options: Pick<CloverOptions, "refundReasons">
): CloverRefundReason {
  const code = refund.reasonCode
  // Own keys only: "constructor" or "toString" must not resolve to Object.prototype's members.
  // (hasOwnProperty.call: Object.hasOwn is ES2022, above this package's TypeScript target.)
  if (code && Object.prototype.hasOwnProperty.call(options.refundReasons, code)) return options.refundReasons[code]
  const text = `${code ?? ""} ${refund.reasonLabel ?? ""}`.toLowerCase()
  if (text.includes("duplicate")) return "duplicate"
  if (text.includes("fraud")) return "fraudulent"
  return "requested_by_customer"
}

/** What a refund answer says was refunded: integer minor units and a lower-case currency, when it says. */
export function refundedFigures(answer: { amount?: unknown; currency?: unknown }): { amountMinor?: string; currency?: string } {
  const amount = answer.amount
  const amountMinor =
    typeof amount === "number" && Number.isSafeInteger(amount) && amount >= 0 ? String(amount) : typeof amount === "string" && /^\d{1,30}$/.test(amount) ? amount : undefined
  const currency = typeof answer.currency === "string" && answer.currency !== "" ? answer.currency.toLowerCase() : undefined
  return { ...(amountMinor !== undefined ? { amountMinor } : {}), ...(currency ? { currency } : {}) }
}

/** Clover's reason for a declined refund (`failure_reason`), shortened for the admin's message. */
export function refundFailureReason(answer: { failure_reason?: string }): string {
  const reason = answer.failure_reason?.trim()
  return reason ? reason.slice(0, 500) : "Clover gave no reason"
}

/** The charge's state as kept in the payment data (minor units as integer strings). */
export function chargeData(charge: CloverCharge): Record<string, unknown> {
  const captured = charge.captured ? (charge.amount_captured ?? charge.amount) : 0
  return {
    charge_id: charge.id,
    charge_status: charge.status ?? null,
    amount_minor: String(charge.amount),
    captured_minor: String(captured),
    processor_refunded_minor: String(charge.amount_refunded ?? 0),
    authorization_reversed: !charge.captured && !!charge.refunded,
  }
}

export function chargeStatus(charge: CloverCharge): PaymentSessionStatus {
  if (charge.status === "failed") return PaymentSessionStatus.ERROR
  if (!charge.captured && charge.refunded) return PaymentSessionStatus.CANCELED
  if (charge.status === "pending") return PaymentSessionStatus.PENDING
  if (charge.captured) return PaymentSessionStatus.CAPTURED
  if (charge.paid) return PaymentSessionStatus.AUTHORIZED
  return PaymentSessionStatus.PENDING
}

export function refundStatus(refund: Pick<CloverRefund, "status">): RefundStatus {
  const status = (refund.status ?? "").toLowerCase()
  if (status === "succeeded") return "succeeded"
  if (status === "failed" || status === "canceled" || status === "cancelled") return "failed"
  return "pending"
}

export function refundView(refund: CloverRefund): ProcessorRefundView {
  return {
    id: refund.id,
    amount_minor: String(refund.amount),
    status: refundStatus(refund),
    tag: typeof refund.external_reference_id === "string" ? refund.external_reference_id : null,
    created_at: refund.created ? new Date(refund.created).toISOString() : undefined,
  }
}

/** The session id createChargeRequest wrote in the charge's metadata, if any. */
export function chargeSessionRef(charge: CloverCharge): string | undefined {
  const meta = charge.metadata && typeof charge.metadata === "object" ? (charge.metadata as Record<string, unknown>) : {}
  return typeof meta.session_id === "string" ? meta.session_id : undefined
}

/**
 * The payment ids a Clover app webhook names (`merchants: { <mId>: [{ objectId: "P:<id>" }] }`). Only ids in
 * Clover's shape: the header code is static, so the body is a hint, and an id goes into a URL path only
 * after CLOVER_ID.
 */
export function webhookPaymentIds(body: Record<string, unknown>): string[] {
  const merchants = (body.merchants ?? {}) as Record<string, Array<{ objectId?: string; type?: string }>>
  return Object.values(merchants)
    .flat()
    .map((event) => (typeof event?.objectId === "string" ? event.objectId : ""))
    .filter((id) => id.startsWith("P:"))
    .map((id) => id.slice(2))
    .filter((id) => CLOVER_ID.test(id))
}

/**
 * What a charge read back from Clover tells Medusa about the session: captured, authorized or failed, with the
 * amount from the charge alone; undefined for any other state.
 */
export function webhookActionOf(charge: CloverCharge, sessionId: string): WebhookActionResult | undefined {
  const status = chargeStatus(charge)
  const major = (minor: number) => minorToMajor(minor, charge.currency, cloverCurrencies).toFixed()
  if (status === PaymentSessionStatus.CAPTURED) {
    return { action: PaymentActions.SUCCESSFUL, data: { session_id: sessionId, amount: major(charge.amount_captured ?? charge.amount) } }
  }
  if (status === PaymentSessionStatus.AUTHORIZED) {
    return { action: PaymentActions.AUTHORIZED, data: { session_id: sessionId, amount: major(charge.amount) } }
  }
  if (status === PaymentSessionStatus.ERROR) {
    return { action: PaymentActions.FAILED, data: { session_id: sessionId, amount: major(charge.amount) } }
  }
  return undefined
}

/** Clover error codes (docs.clover.com appendix, ecommerce-error-codes) → MedusaError type and advice. */
export function classifyCloverError(error: ProcessorError): ErrorAdvice | undefined {
  const T = MedusaError.Types
  switch (error.code) {
    case "charge_already_refunded":
      return { type: T.NOT_ALLOWED, advice: "The charge is already fully refunded at Clover (perhaps from the Clover dashboard). Nothing more can be refunded." }
    case "charge_already_captured":
      return { type: T.NOT_ALLOWED, advice: "Clover captures an authorization once and this one is already captured. Refund instead, or use Sync to read its state." }
    case "amount_too_large":
      return { type: T.INVALID_DATA, advice: "The amount is more than Clover allows here (more than remains on the charge, or over $999,999.99). Use Sync to read what remains and enter at most that." }
    case "invalid_charge_amount":
      return { type: T.INVALID_DATA, advice: "Clover refused the amount. Enter a positive amount in the payment's currency." }
    case "card_declined":
      return {
        type: T.PAYMENT_AUTHORIZATION_ERROR,
        advice: `The card was declined${error.declineCode ? ` (${error.declineCode})` : ""}. Ask the customer for another card.`,
      }
    case "processing_error":
      return { type: T.PAYMENT_AUTHORIZATION_ERROR, advice: "Clover could not process the card. Ask the customer to try again or use another card." }
    case "token_already_used":
      return { type: T.INVALID_DATA, advice: "The card token was already used. The storefront must tokenize the card again." }
    case "resource_missing":
      return { type: T.NOT_FOUND, advice: "Clover does not know this charge. Check that the store uses the same Clover merchant and environment it was made with." }
    case "idempotency_error":
      return { type: T.NOT_ALLOWED, advice: "Clover saw this idempotency key with a different request. Check the payment at Clover before trying again." }
    case "rate_limit":
      return { type: T.UNEXPECTED_STATE, advice: "Clover is rate-limiting the store. Try again in a minute." }
  }
  if (error.status === 401 || error.status === 403) {
    return {
      type: T.UNEXPECTED_STATE,
      advice: "Clover rejected the API key. Check the provider's `apiKey` (CLOVER_API_KEY) and `environment` (CLOVER_ENVIRONMENT) options.",
    }
  }
  if (error.status === 402) {
    return { type: T.PAYMENT_AUTHORIZATION_ERROR, advice: "The payment was declined. Ask the customer for another card." }
  }
  return undefined
}
