import { PaymentSessionStatus } from "@medusajs/framework/utils"
import { wireAmount, type ProcessorAmount } from "../../core/money/convert"
import type { CheckoutRefundView } from "./backend"
import { isApprovedCode, medusaRefundIdOf, shorten } from "./transformers"
import type { ClassicCharge, ClassicChargeRequest, ClassicRefundRequest } from "./wire-classic"

type Udf = Record<string, string>

/**
 * Limits of the classic docs ("Refund a payment"): trackId at most 50 characters; metadata keys and values,
 * and udf1-udf5, at most 100. The description has no documented limit: 100, as the Payments API's (our choice).
 */
export const CLASSIC_LIMITS = { trackId: 50, metadataValue: 100, udf: 100, description: 100 } as const

/** trackId: the classic API's merchant reference, one of our ids (sessions, refunds: well under the limit). */
export function trackId(text: string | undefined): string | undefined {
  return text ? text.slice(0, CLASSIC_LIMITS.trackId) : undefined
}

export function chargeRequest(input: {
  amount: ProcessorAmount
  token: string
  capture: boolean
  sessionId?: string
  email?: string
  udf: Udf
}): ClassicChargeRequest {
  return {
    cardToken: input.token,
    value: wireAmount.minorInteger(input.amount),
    currency: input.amount.currency.toUpperCase(),
    autoCapture: input.capture ? "Y" : "N",
    ...(input.sessionId ? { trackId: trackId(input.sessionId), metadata: { session_id: input.sessionId } } : {}),
    ...(input.email ? { email: input.email } : {}),
    ...input.udf,
  }
}

export function classicRefundRequest(input: {
  amount: ProcessorAmount
  /** A full refund of an untouched charge: the classic API's documented form leaves `value` out. */
  omitValue: boolean
  medusaRefundId?: string
  description?: string
  metadata: Record<string, string>
  udf: Udf
}): ClassicRefundRequest {
  return {
    ...(input.omitValue ? {} : { value: wireAmount.minorInteger(input.amount) }),
    ...(input.medusaRefundId ? { trackId: trackId(input.medusaRefundId) } : {}),
    ...(input.description ? { description: shorten(input.description, CLASSIC_LIMITS.description) } : {}),
    ...(Object.keys(input.metadata).length ? { metadata: input.metadata } : {}),
    ...input.udf,
  }
}

export function chargeValue(charge: ClassicCharge): string {
  return String(charge.value)
}

/** Classic charge status → Medusa session status. Statuses: Authorised, Captured, Refunded, Voided, Declined, Pending. */
export function classicStatus(charge: ClassicCharge): PaymentSessionStatus {
  const status = charge.status.toLowerCase()
  if (status === "declined" || (charge.responseCode && !isApprovedCode(charge.responseCode))) return PaymentSessionStatus.ERROR
  if (status === "authorised" || status === "authorized") return PaymentSessionStatus.AUTHORIZED
  if (status === "captured" || status === "refunded" || status === "partially refunded") return PaymentSessionStatus.CAPTURED
  if (status === "voided" || status === "expired" || status === "cancelled" || status === "canceled") return PaymentSessionStatus.CANCELED
  return PaymentSessionStatus.PENDING
}

/** Refund records of a charge's history, with the processor's amount and currency, for reconciliation (classic refunds are synchronous). */
export function classicRefundViews(history: readonly ClassicCharge[]): CheckoutRefundView[] {
  return history
    .filter((c) => c.status.toLowerCase() === "refunded" && c.originalId && isApprovedCode(c.responseCode ?? "10000"))
    .map((c) => ({
      id: c.id,
      amount_minor: chargeValue(c),
      currency: c.currency.toLowerCase(),
      status: "succeeded" as const,
      tag: medusaRefundIdOf(c.trackId, c.metadata ?? undefined),
      created_at: c.created,
    }))
}
