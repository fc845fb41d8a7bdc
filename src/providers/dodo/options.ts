import { z } from "zod"
import { commonOptions, parseOptions } from "../../core/options"

/** A Standard Webhooks secret: `whsec_` then base64 (Dodo's dashboard shows it this way). */
const webhookSecret = z
  .string()
  .trim()
  .regex(/^(whsec_)?[A-Za-z0-9+/]{16,}={0,2}$/, "must be the webhook secret from Dodo's dashboard (whsec_…)")

/** A DNS host name or IPv4 address, lower case. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

const { captureMode: _captureMode, ...shared } = commonOptions

export const dodoOptionsSchema = z.object({
  /** API key (test or live, matching `environment`), sent as a Bearer token. */
  apiKey: z.string().trim().min(8, "must be the Dodo Payments API key"),
  /** "sandbox" = https://test.dodopayments.com, "production" = https://live.dodopayments.com, or a base URL. */
  ...shared,
  /**
   * The pay-what-you-want, one-time product every checkout is sold through, for the cart total.
   * Create it in Dodo with `pay_what_you_want: true`, `tax_inclusive: true` and a minimum price of
   * the smallest amount you accept (README: "Dodo Payments", setup).
   */
  productId: z.string().trim().min(1, "must be the id of a pay-what-you-want product (pdt_…)"),
  /**
   * Webhook signing secrets. Several are accepted at once while a secret is rotated (Dodo keeps the
   * old one valid for 24 hours). A comma-separated string works too (env vars). Without any, webhooks
   * are answered not_supported (never trusted).
   */
  webhookSecrets: z
    .preprocess(
      (v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v),
      z.array(webhookSecret)
    )
    .default([]),
  /** Where Dodo's checkout sends the customer after paying (Dodo appends payment_id and status). */
  returnUrl: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * Hosts a storefront's own `return_url` may point at (exact host names such as `shop.example`;
   * a comma-separated string works too). Any other return_url is not sent to Dodo: `returnUrl` is.
   */
  returnUrlHosts: z
    .preprocess(
      (v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v),
      z.array(z.string().trim().toLowerCase().regex(HOST_NAME, "must be a host name such as shop.example (no scheme, port or path)"))
    )
    .default([]),
  /** Checkout page options passed to Dodo. */
  showSavedPaymentMethods: z.boolean().default(false),
  /** Pages of 100 payments read at most by that search. */
  paymentSearchMaxPages: z.coerce.number().int().min(1).max(50).default(5),
  /** Deprecated and ignored (webhook events are remembered in Medusa's caching module); a boot warning says so. */
  webhookDedupeSize: z.unknown().optional(),
})

export type DodoOptions = z.output<typeof dodoOptionsSchema>

export function parseDodoOptions(raw: unknown): DodoOptions {
  return parseOptions(dodoOptionsSchema, raw, "Dodo Payments")
}
