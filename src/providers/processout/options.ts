import { z } from "zod"
import { commonOptions, parseOptions } from "../../core/options"

/** ProcessOut's four refund reasons (docs.processout.com reference: refunds; SDK refund.ts). */
export const PROCESSOUT_REFUND_REASONS = ["customer_request", "duplicate", "fraud", "other"] as const
const refundReason = z.enum(PROCESSOUT_REFUND_REASONS)

export const processoutOptionsSchema = z.object({
  /** Project id (`proj_…`, `test-proj_…` in sandbox): the Basic-auth user name. */
  projectId: z.string().min(4, "must be the ProcessOut project id"),
  /** Project secret key (`key_…`): the Basic-auth password. */
  projectSecret: z.string().min(8, "must be the ProcessOut project secret key"),
  ...commonOptions,
  /** Sent as `API-Version` on every call; the official SDK sends 1.4.0.0. */
  apiVersion: z.string().regex(/^\d+(\.\d+){1,3}$/, "must look like 1.4.0.0").default("1.4.0.0"),
  /** `return_url` of every invoice (where alternative payment methods send the customer back). */
  returnUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** `cancel_url` of every invoice. */
  cancelUrl: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * `webhook_url` of every invoice (overrides the project's webhook URL for these payments), e.g.
   * https://shop.example/hooks/payment/processout_processout. Unset: the dashboard setting applies.
   */
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Invoice `name` prefix; the payment session id is appended ("Medusa payses_…"). */
  invoiceNamePrefix: z.string().min(1).max(60).default("Medusa"),
  /** Where refunds are sent: `POST /invoices/{id}/refunds` (default) or `POST /transactions/{id}/refunds`. */
  refundVia: z.enum(["invoice", "transaction"]).default("invoice"),
  /** Medusa refund reason code → ProcessOut reason. Unlisted codes use the built-in guess. */
  refundReasons: z.record(z.string(), refundReason).default({}),
  /** Reason when the Medusa refund has no reason, or one the guess does not recognise. */
  defaultRefundReason: refundReason.default("customer_request"),
  /**
   * Secret in the webhook URL ProcessOut posts to (`…/processout_processout?token=<secret>`): ProcessOut
   * signs nothing, so this alone proves a delivery comes from the URL the merchant gave it. Unset: every
   * webhook is refused (README "Webhooks").
   */
  webhookSecret: z.string().min(16, "must be at least 16 characters (a random string)").max(256).optional(),
  /** At most this many `GET /events/{id}` reads per minute (per process) for webhooks; more are ignored. */
  webhookReadsPerMinute: z.coerce.number().int().min(1).max(10_000).default(120),
  /** Deprecated and ignored: duplicate deliveries are remembered in Medusa's caching module (README "Webhooks"). */
  webhookDedupeSize: z.unknown().optional(),
})

export type ProcessOutOptions = z.output<typeof processoutOptionsSchema>
export type ProcessOutRefundReason = z.output<typeof refundReason>

export function parseProcessOutOptions(raw: unknown): ProcessOutOptions {
  return parseOptions(processoutOptionsSchema, raw, "ProcessOut")
}
