import type { ReasonMap } from "../../core/reason-map"

/**
 * Dodo has no refund reason values: CreateRefundRequest `reason` is free text, "Maximum length is 3000 characters"
 * (seed 003 l.213-219; spec dodopayments 1.53.2). So there is nothing to map, and a settings page shows none: the
 * reason's label and the refund note are sent as that text (transformers.ts refundReasonText).
 */
export const DODO_REASONS: readonly string[] = Object.freeze([])
export const DODO_DEFAULT_REASON_MAP: ReasonMap = Object.freeze({})
