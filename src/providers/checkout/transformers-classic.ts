import { PaymentSessionStatus } from "@medusajs/framework/utils"
import { toProcessorAmount, wireAmount, type ProcessorAmount } from "../../core/money/convert"
import type { SentRefund } from "../../core/provider"
import { wholeQuantity, type ReturnItem } from "../../core/return-items"
import type { ProcessorPaymentFacts } from "../../core/session-trust"
import type { CheckoutRefundView } from "./backend"
import { isApprovedCode, medusaRefundIdOf, sessionRefOf, shorten } from "./transformers"
import { checkoutCurrencies } from "./currencies"
import type { ClassicCaptureRequest, ClassicCharge, ClassicChargeRequest, ClassicProduct, ClassicRefundRequest, ClassicVoidRequest } from "./wire-classic"

type Udf = Record<string, string>

/**
 * Limits of the classic docs ("Refund a payment"): trackId at most 50 characters; metadata keys and values,
 * and udf1-udf5, at most 100. The description has no documented limit: 100, as the Payments API's (our choice).
 */
export const CLASSIC_LIMITS = { trackId: 50, metadataValue: 100, udf: 100, description: 100, products: 100, productName: 100, productSku: 100 } as const

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

/** A full capture leaves `value` out (the whole authorization); a partial one names it. */
export function classicCaptureRequest(input: { amount: ProcessorAmount; full: boolean; idempotencyKey: string; udf: Udf }): ClassicCaptureRequest {
  return { ...(input.full ? {} : { value: wireAmount.minorInteger(input.amount) }), trackId: trackId(input.idempotencyKey), ...input.udf }
}

export function classicVoidRequest(input: { idempotencyKey: string; udf: Udf }): ClassicVoidRequest {
  return { trackId: trackId(input.idempotencyKey), ...input.udf }
}

/**
 * The returned items as the refund's `products` (seed "Refund a payment": request l.75-86, "An array of product
 * information" l.149-154, echoed in the answer l.204-214): name, quantity and price, the price in the charge's
 * minor unit like `value` (the page's example refunds value 2000 for one product of price 2000), with the sku
 * when Medusa has one. The page documents no limits for products: names and skus at most 100 characters like
 * the classic text fields, at most 100 products (our choices). A line whose quantity has a fraction cannot be
 * carried (quantity is an integer in every example) and is left out; `skipped` counts them.
 */
export function classicProducts(items: readonly ReturnItem[], currency: string): { products: ClassicProduct[]; skipped: number } {
  const products: ClassicProduct[] = []
  let skipped = 0
  for (const item of items) {
    const quantity = wholeQuantity(item)
    const price = unitPriceMinor(item.unitTotal, currency)
    if (quantity === undefined || price === undefined || products.length >= CLASSIC_LIMITS.products) {
      skipped++
      continue
    }
    products.push({
      name: shorten(item.title, CLASSIC_LIMITS.productName),
      quantity,
      price,
      ...(item.sku && item.sku.length <= CLASSIC_LIMITS.productSku ? { sku: item.sku } : {}),
    })
  }
  return { products, skipped }
}

/** A unit price (major-unit decimal text) in Checkout.com's minor unit, exactly and on its step; 0 for a free line. */
function unitPriceMinor(unitTotal: string, currency: string): number | undefined {
  if (/^0+(\.0*)?$/.test(unitTotal)) return 0
  try {
    return wireAmount.minorInteger(toProcessorAmount(unitTotal, currency, checkoutCurrencies, "unit price"))
  } catch {
    return undefined // below the smallest step or above the maximum: not carried
  }
}

export function classicRefundRequest(input: {
  amount: ProcessorAmount
  /** A full refund of an untouched charge: the classic API's documented form leaves `value` out. */
  omitValue: boolean
  medusaRefundId?: string
  description?: string
  metadata: Record<string, string>
  products?: ClassicProduct[]
  udf: Udf
}): ClassicRefundRequest {
  return {
    ...(input.omitValue ? {} : { value: wireAmount.minorInteger(input.amount) }),
    ...(input.medusaRefundId ? { trackId: trackId(input.medusaRefundId) } : {}),
    ...(input.description ? { description: shorten(input.description, CLASSIC_LIMITS.description) } : {}),
    ...(Object.keys(input.metadata).length ? { metadata: input.metadata } : {}),
    ...(input.products?.length ? { products: input.products } : {}),
    ...input.udf,
  }
}

export function chargeValue(charge: ClassicCharge): string {
  return String(charge.value)
}

/** Approved: a 10000-10999 response code and not declined. */
export function chargeApproved(charge: ClassicCharge): boolean {
  return isApprovedCode(charge.responseCode ?? "10000") && charge.status.toLowerCase() !== "declined"
}

/** The payment data from the answer of POST /v2/charges/token. */
export function authorizedChargeData(charge: ClassicCharge): Record<string, unknown> {
  const captured = classicStatus(charge) === PaymentSessionStatus.CAPTURED
  return { charge_id: charge.id, charge_status: charge.status, captured_minor: captured ? chargeValue(charge) : "0" }
}

/** What the service checks against the session before trusting a charge (core/session-trust.ts). */
export function chargeFacts(charge: ClassicCharge): ProcessorPaymentFacts {
  return { id: charge.id, sessionRef: sessionRefOf(charge.trackId, charge.metadata), currency: charge.currency, amountMinor: chargeValue(charge) }
}

/** The capture of an authorization in its charge history: the approved `Captured` charge whose originalId is it. */
export function captureChargeOf(history: readonly ClassicCharge[], chargeId: string): ClassicCharge | undefined {
  return history.find((c) => c.originalId === chargeId && c.status.toLowerCase() === "captured" && chargeApproved(c))
}

/** A classic refund's answer: synchronous, so succeeded with Checkout.com's figures, or failed with its decline. */
export function sentClassicRefund(record: ClassicCharge, dataPatch: Record<string, unknown> | undefined): SentRefund {
  if (!chargeApproved(record)) {
    const reason = `${record.responseCode ?? ""} ${record.responseMessage ?? record.status}`.trim()
    return { processorRefundId: record.id, status: "failed", failureReason: reason, dataPatch }
  }
  // The answer's figures: the core compares them with the plan and records Checkout.com's.
  return { processorRefundId: record.id, status: "succeeded", refunded: { amountMinor: chargeValue(record), currency: record.currency }, dataPatch }
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
