import { mapReason, medusaReasonCodes, type ReasonMap, type ReasonOverrides } from "../../core/reason-map"
import type { RefundReturn } from "../../core/return-items"
import { CLOVER_REFUND_REASONS, type CloverOptions, type CloverRefundReason } from "./options"

/** Clover's refund reasons: `reason` on POST /v1/refunds (docs.clover.com "Refund charges" shows requested_by_customer). */
export const CLOVER_REASONS = CLOVER_REFUND_REASONS

/**
 * Default Medusa reason code → Clover reason, shown (and overridable) in the store settings: Medusa's default
 * refund reasons (shipping_issue, customer_care_adjustment, pricing_error) and common return reason values.
 * Clover has no "other": anything not a duplicate or fraud is the customer's request.
 */
export const CLOVER_DEFAULT_REASON_MAP: ReasonMap<CloverRefundReason> = Object.freeze({
  shipping_issue: "requested_by_customer",
  customer_care_adjustment: "requested_by_customer",
  pricing_error: "requested_by_customer",
  return: "requested_by_customer",
  damaged: "requested_by_customer",
  defective: "requested_by_customer",
  wrong_item: "requested_by_customer",
  wrong_size: "requested_by_customer",
  not_as_described: "requested_by_customer",
  changed_mind: "requested_by_customer",
  duplicate: "duplicate",
  fraud: "fraudulent",
  fraudulent: "fraudulent",
})

/** The processor ids a store-settings override may be keyed by. */
export const CLOVER_PROCESSOR_IDS = ["clover", "pp_clover_clover"] as const

/** Clover's reason: override, the `refundReasons` option, the defaults above, then the built-in guess on code and label. */
export function cloverRefundReason(
  refund: { reasonCode?: string | null; reasonLabel?: string | null },
  options: Pick<CloverOptions, "refundReasons">,
  extra: { returned?: RefundReturn; override?: ReasonOverrides; logger?: { warn(message: string): void } } = {},
  guess: (refund: { reasonCode?: string | null; reasonLabel?: string | null }) => CloverRefundReason
): CloverRefundReason {
  const codes = medusaReasonCodes(refund, extra.returned)
  const mapped = mapReason(codes, {
    allowed: CLOVER_REASONS,
    processorIds: CLOVER_PROCESSOR_IDS,
    defaults: CLOVER_DEFAULT_REASON_MAP,
    options: options.refundReasons,
    override: extra.override,
    logger: extra.logger,
  })
  return mapped ?? guess({ reasonCode: codes[0] ?? null, reasonLabel: refund.reasonLabel })
}
