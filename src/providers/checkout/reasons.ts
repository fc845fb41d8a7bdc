import type { ReasonMap } from "../../core/reason-map"

/**
 * Checkout.com refunds have no reason values: the classic refund ("Refund a payment", seed 001 l.141-176) takes
 * description, metadata, products, trackId and udf1-5; the Payments API RefundRequest (nas_spec, 2021) takes
 * amount, reference and metadata. The reason's code and the note go in metadata (and the classic description).
 * Nothing to map.
 */
export const CHECKOUT_REASONS: readonly string[] = Object.freeze([])
export const CHECKOUT_DEFAULT_REASON_MAP: ReasonMap = Object.freeze({})
