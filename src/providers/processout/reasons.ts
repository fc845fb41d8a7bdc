import { mapReason, medusaReasonCodes, type ReasonMap, type ReasonOverrides } from "../../core/reason-map"
import type { RefundReturn } from "../../core/return-items"
import type { ProcessOutOptions, ProcessOutRefundReason } from "./options"
import { PROCESSOUT_REFUND_REASONS } from "./options"

/** ProcessOut's refund reasons (spec POST /invoices/{id}/refunds `reason`; seed 004 L18 lists the first three). */
export const PROCESSOUT_REASONS = PROCESSOUT_REFUND_REASONS

/**
 * Default Medusa reason code → ProcessOut reason, shown (and overridable) in the store settings. Medusa's default
 * refund reasons (Shipping Issue, Customer Care Adjustment, Pricing Error) and common return reason values.
 * A merchant's own adjustment is `other`; what the customer returned or asked for is `customer_request`.
 */
export const PROCESSOUT_DEFAULT_REASON_MAP: ReasonMap<ProcessOutRefundReason> = Object.freeze({
  shipping_issue: "customer_request",
  customer_care_adjustment: "other",
  pricing_error: "other",
  return: "customer_request",
  damaged: "customer_request",
  defective: "customer_request",
  wrong_item: "customer_request",
  wrong_size: "customer_request",
  not_as_described: "customer_request",
  changed_mind: "customer_request",
  duplicate: "duplicate",
  fraud: "fraud",
  fraudulent: "fraud",
})

/** The processor ids a store-settings override may be keyed by. */
export const PROCESSOUT_PROCESSOR_IDS = ["processout", "pp_processout_processout"] as const

/**
 * ProcessOut's reason for a refund: override, the `refundReasons` option, the defaults above, then the
 * built-in guess (transformers.ts refundReasonFor) on the refund's own code.
 */
export function processoutRefundReason(
  refund: { reasonCode?: string | null },
  options: Pick<ProcessOutOptions, "refundReasons" | "defaultRefundReason">,
  extra: { returned?: RefundReturn; override?: ReasonOverrides; logger?: { warn(message: string): void } } = {},
  guess: (code: string | null | undefined) => ProcessOutRefundReason
): ProcessOutRefundReason {
  const codes = medusaReasonCodes(refund, extra.returned)
  return (
    mapReason(codes, {
      allowed: PROCESSOUT_REASONS,
      processorIds: PROCESSOUT_PROCESSOR_IDS,
      defaults: PROCESSOUT_DEFAULT_REASON_MAP,
      options: options.refundReasons,
      override: extra.override,
      logger: extra.logger,
    }) ?? guess(codes[0] ?? null)
  )
}
