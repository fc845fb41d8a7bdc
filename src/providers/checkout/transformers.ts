import { MedusaError } from "@medusajs/framework/utils"
import type { ErrorAdvice, ProcessorError } from "../../core/errors"
import type { RefundStatus } from "../../core/payment-data"
import type { MedusaRefundInfo } from "../../core/provider"
import { parseRefundReturn } from "../../core/return-items"

export { checkoutCurrencies } from "./currencies"

/** Checkout.com's approved response codes are 10000 ("Approved") to 10999 (approved with a note). */
export function isApprovedCode(code: string | undefined | null): boolean {
  return typeof code === "string" && /^10\d{3}$/.test(code)
}

/**
 * `text` within `max` UTF-16 code units (the stricter count, so a processor counting code points agrees),
 * cut visibly: the last one is "…". Never splits a surrogate pair.
 */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text
  let out = ""
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break
    out += ch
  }
  return `${out}…`
}

/**
 * Metadata we attach to a refund: one level of strings (current accounts refuse nested objects), each
 * value within `valueMax` (classic: 100; Payments API: 255, unconfirmed). Medusa's refund id is never
 * cut: it links the refund back (ref_ + 26 characters).
 */
export function refundMetadata(medusaRefundId: string | undefined, refund: MedusaRefundInfo, valueMax: number): Record<string, string> {
  const out: Record<string, string> = {}
  if (medusaRefundId) out.medusa_refund_id = medusaRefundId
  if (refund.reasonCode) out.reason_code = shorten(refund.reasonCode, valueMax)
  if (refund.note) out.note = shorten(refund.note, valueMax)
  // A refund of a Medusa return names it (a Medusa id, ret_…, well under either limit): the return is findable from
  // the refund in the Hub. Read from the untrusted refund metadata through its validation only.
  const returned = parseRefundReturn((refund as { metadata?: unknown }).metadata)
  if (returned?.returnId) out.return_id = returned.returnId
  return out
}

/** Our Medusa refund id, from the reference or metadata a refund was sent with. */
export function medusaRefundIdOf(reference: string | null | undefined, metadata: Record<string, unknown> | null | undefined): string | null {
  const fromMeta = metadata?.medusa_refund_id
  if (typeof fromMeta === "string" && fromMeta) return fromMeta
  return typeof reference === "string" && reference.startsWith("ref_") ? reference : null
}

/** Refunds as Checkout.com reports them, as outcomes for the payment's ledger (core/refunds/planner.ts applyRefundOutcomes). */
export function refundOutcomesOf(
  views: ReadonlyArray<{ id: string; status: RefundStatus; failure_reason?: string }>
): Array<{ processor_refund_id: string; status: RefundStatus; failure_reason?: string }> {
  return views.map((r) => ({ processor_refund_id: r.id, status: r.status, failure_reason: r.failure_reason }))
}

/**
 * The Medusa session id a payment or charge was created with: `metadata.session_id`, else the
 * `reference` / `trackId` (both written by authorize from Medusa's session id, never by the shopper).
 */
export function sessionRefOf(reference: string | null | undefined, metadata: Record<string, unknown> | null | undefined): string | undefined {
  const fromMeta = metadata?.session_id
  if (typeof fromMeta === "string" && fromMeta) return fromMeta
  return typeof reference === "string" && reference ? reference : undefined
}

const CREDENTIALS_ADVICE =
  "Checkout.com rejected the secret key. Check the provider's `secretKey` (CHECKOUT_SECRET_KEY), `authScheme` " +
  "(CHECKOUT_AUTH_SCHEME: Bearer for current accounts, raw for previous and classic ones), `api` (CHECKOUT_API) and " +
  "`environment` (CHECKOUT_ENVIRONMENT) options."

type Operation = string

/**
 * Checkout.com errors → MedusaError type and what the admin can do. Payments API errors carry
 * `error_type` and `error_codes` (the first code is the ProcessorError's code); classic errors carry
 * `errorCode` and a message; declines of either API carry the gateway response code.
 */
export function classifyCheckoutError(error: ProcessorError, operation: Operation): ErrorAdvice | undefined {
  const T = MedusaError.Types
  const refunding = operation === "refund the payment"
  if (error.type === "declined") {
    if (refunding) {
      return {
        type: T.NOT_ALLOWED,
        advice: "Checkout.com declined the refund. Nothing was refunded; check the payment in the Checkout.com dashboard before trying again.",
      }
    }
    return { type: T.PAYMENT_AUTHORIZATION_ERROR, advice: "The payment was declined. Ask the customer for another card." }
  }
  switch (error.code) {
    case "amount_exceeds_balance":
      return {
        type: T.INVALID_DATA,
        advice:
          "The amount is more than remains on the payment at Checkout.com (a refund or capture was made outside Medusa, or one is still being processed). Read the payment again (Sync) and enter at most what remains.",
      }
    case "capture_value_greater_than_authorized":
    case "capture_value_greater_than_remaining_authorized":
      return { type: T.INVALID_DATA, advice: "The capture is more than remains authorized at Checkout.com. Capture at most what remains." }
    case "amount_invalid":
      return {
        type: T.INVALID_DATA,
        advice: "Checkout.com refused the amount (it must be a positive whole number of its units, at most 9 digits, ending in 0 for 3-decimal currencies).",
      }
    case "partial_action_limit_exceeded":
    case "action_failure_limit_exceeded":
      return {
        type: T.NOT_ALLOWED,
        advice: "Checkout.com allows at most 150 partial captures and refunds on one payment. Refund the rest in one go, or from the Checkout.com dashboard.",
      }
    case "idempotency_key_reused":
      return { type: T.NOT_ALLOWED, advice: "Checkout.com saw this idempotency key with a different request. Check the payment at Checkout.com before trying again." }
    case "token_invalid":
    case "token_expired":
    case "token_used":
      return { type: T.INVALID_DATA, advice: "The card token is invalid, expired or used. The storefront must tokenize the card again (Frames)." }
  }
  const status = error.status ?? 0
  if (status === 401) return { type: T.UNEXPECTED_STATE, advice: CREDENTIALS_ADVICE }
  if (status === 403) {
    if (refunding) {
      return {
        type: T.NOT_ALLOWED,
        advice:
          "Checkout.com does not allow a refund of this payment now (it is not captured yet, already fully refunded, or the payment method does not support refunds). Read the payment again (Sync) to see its state.",
      }
    }
    if (operation === "capture the payment") {
      return { type: T.NOT_ALLOWED, advice: "Checkout.com does not allow capturing this payment (already captured, voided or expired). Read the payment again (Sync)." }
    }
    if (operation === "cancel the payment") {
      return { type: T.NOT_ALLOWED, advice: "Checkout.com does not allow voiding this payment (it is captured already: refund it instead, or it is voided)." }
    }
    return { type: T.NOT_ALLOWED, advice: "Checkout.com does not allow this action on the payment in its current state." }
  }
  if (status === 404) {
    return { type: T.NOT_FOUND, advice: "Checkout.com does not know this payment. Check that the store uses the same account, API and environment it was made with." }
  }
  if (status === 422 || (status === 400 && error.code === "70000")) {
    return { type: T.INVALID_DATA, advice: "Checkout.com refused the request as sent. Check the amount and the payment's state." }
  }
  return undefined
}
