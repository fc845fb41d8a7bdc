import { z } from "zod"
import { commonOptions, parseOptions } from "../../core/options"
import { CLASSIC_LIMITS } from "./transformers-classic"

const udf = z.string().max(CLASSIC_LIMITS.udf, `must be at most ${CLASSIC_LIMITS.udf} characters (Checkout.com's limit for udf1-udf5)`).optional()

export const checkoutOptionsSchema = z
  .object({
    /**
     * Secret API key: `sk_sbox_…` / `sk_…` (current accounts, "NAS") or `sk_test_<uuid>` /
     * `sk_<uuid>` (previous accounts, "ABC", and classic v2 accounts).
     */
    secretKey: z.string().min(8, "must be the Checkout.com secret key (sk_…)"),
    ...commonOptions,
    /** "payments": the unified Payments API (default). "classic": the v2 Charges API of classic accounts. */
    api: z.enum(["payments", "classic"]).default("payments"),
    /**
     * How the key goes into `Authorization` on the Payments API: "bearer" (`Bearer sk_…`, current
     * accounts), "raw" (the key alone, previous-structure accounts), or "auto" (default): raw for keys
     * shaped like previous-structure keys (`sk_test_<uuid>`, `sk_<uuid>`), Bearer otherwise, as the
     * official SDK decides. The classic API always sends the raw key.
     */
    authScheme: z.enum(["auto", "bearer", "raw"]).default("auto"),
    /**
     * Account-specific API host prefix (`https://{prefix}.api.checkout.com`, sandbox
     * `https://{prefix}.api.sandbox.checkout.com`): the first 8 characters of the client id without
     * `cli_`. Payments API only; ignored when `environment` is a URL.
     */
    accountPrefix: z
      .string()
      .regex(/^[a-z0-9]{1,32}$/, "must be the lower-case alphanumeric account prefix (first 8 characters of the client id, without cli_)")
      .optional(),
    /**
     * The signature key of the webhook (workflow action) in the Checkout.com dashboard: `Cko-Signature`
     * is its hex HMAC-SHA256 of the raw body. Without it, webhooks are answered not_supported.
     */
    webhookSignatureKey: z.string().min(8).optional(),
    /** Processing channel (`pc_…`) sent with payments on current accounts that have several. */
    processingChannelId: z.string().min(3).optional(),
    /** Classic API: user-defined fields sent with every charge, capture and refund. */
    udf1: udf,
    udf2: udf,
    udf3: udf,
    udf4: udf,
    udf5: udf,
  })
  .superRefine((options, ctx) => {
    if (options.api === "classic" && options.authScheme === "bearer") {
      ctx.addIssue({
        code: "custom",
        path: ["authScheme"],
        message: 'cannot be "bearer" with api "classic": the classic Charges API takes the raw secret key',
      })
    }
  })

export type CheckoutOptions = z.output<typeof checkoutOptionsSchema>

export function parseCheckoutOptions(raw: unknown): CheckoutOptions {
  return parseOptions(checkoutOptionsSchema, raw, "Checkout.com")
}

/** Previous-structure ("ABC") secret keys, as the official SDK recognises them (src/config.js). */
const ABC_KEY = /^sk_(test_)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The Authorization header value for the Payments API. */
export function paymentsAuthorization(options: Pick<CheckoutOptions, "secretKey" | "authScheme">): string {
  const raw = options.authScheme === "raw" || (options.authScheme === "auto" && ABC_KEY.test(options.secretKey))
  return raw ? options.secretKey : `Bearer ${options.secretKey}`
}

export function udfFields(options: CheckoutOptions): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of ["udf1", "udf2", "udf3", "udf4", "udf5"] as const) {
    const value = options[name]
    if (value !== undefined) out[name] = value
  }
  return out
}
