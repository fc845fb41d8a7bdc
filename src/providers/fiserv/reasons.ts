import type { ReasonMap } from "../../core/reason-map"

/**
 * Fiserv Commerce Hub refunds have no reason values: `reversalReasonCode` (spec 1.24.11 TransactionDetails, max 22)
 * is the reason for a cancel (void), not a refund. A refund's only text is `transactionDetails.paymentDescription`
 * (≤ 1024), where the reason's label and the note go (transformers.ts). Nothing to map.
 */
export const FISERV_REASONS: readonly string[] = Object.freeze([])
export const FISERV_DEFAULT_REASON_MAP: ReasonMap = Object.freeze({})
