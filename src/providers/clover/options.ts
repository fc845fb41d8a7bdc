import { z } from "zod"
import { commonOptions, parseOptions } from "../../core/options"

/** Clover's refund reasons (docs.clover.com "Refund charges": reason 'requested_by_customer'; createrefund reference). */
export const CLOVER_REFUND_REASONS = ["requested_by_customer", "duplicate", "fraudulent"] as const
const refundReason = z.enum(CLOVER_REFUND_REASONS)

export const cloverOptionsSchema = z.object({
  /** Ecommerce private API key (PAKMS) or OAuth access token, sent as a Bearer token. */
  apiKey: z.string().min(8, "must be the Clover Ecommerce private key or OAuth token"),
  ...commonOptions,
  /**
   * The shared code Clover sends in X-Clover-Auth with every webhook. Without it, webhooks
   * are answered not_supported (never trusted).
   */
  webhookAuthCode: z.string().min(8).optional(),
  /**
   * Clover requires x-forwarded-for (the customer's IP) on charges and captures. The plugin's
   * store middleware records the request's IP in the session (README "Storefront data"); this
   * is used when a session has none. Leave unset to refuse payments without an IP.
   */
  defaultClientIp: z.union([z.ipv4(), z.ipv6()]).optional(),
  /** Medusa refund reason code → Clover's refund reason. Unlisted codes use the built-in guess. */
  refundReasons: z.record(z.string(), refundReason).default({}),
})

export type CloverOptions = z.output<typeof cloverOptionsSchema>
export type CloverRefundReason = z.output<typeof refundReason>

export function parseCloverOptions(raw: unknown): CloverOptions {
  return parseOptions(cloverOptionsSchema, raw, "Clover")
}
