/** Checkout.com (Payments API and classic Charges API): see ./types.ts for what a kit holds. */
import {
  CheckoutEmulator,
  DEFAULT_CHECKOUT_ABC_SECRET_KEY,
  DEFAULT_CHECKOUT_SECRET_KEY,
  DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY,
} from "../checkout"
import { bodyField, defined, emulatorUrl, envNum, envStr, integerText, minorText, type Env, type ProcessorKit } from "./types"

/** The emulator's key for the API CHECKOUT_API selects: a current-account key (Bearer), or a classic one. */
const secretKeyFor = (env: Env) => (envStr(env, "CHECKOUT_API") === "classic" ? DEFAULT_CHECKOUT_ABC_SECRET_KEY : DEFAULT_CHECKOUT_SECRET_KEY)

/** The emulator's port for the CLI and `npm run dev`, and the provider's default environment. */
const PORT = 4520

export const checkoutKit: ProcessorKit<CheckoutEmulator> = {
  id: "checkout",
  label: "Checkout.com",
  providerModule: "./src/providers/checkout",
  providerId: "pp_checkout_checkout",
  envPrefix: "CHECKOUT",
  defaultPort: PORT,
  devPortEnv: "DEV_CHECKOUT_EMULATOR_PORT",
  credentials: { secretKey: DEFAULT_CHECKOUT_SECRET_KEY },
  secretOptions: ["secretKey", "webhookSignatureKey"],
  optionsFromEnv: (env: Env) =>
    defined({
      secretKey: envStr(env, "CHECKOUT_SECRET_KEY") ?? secretKeyFor(env),
      environment: envStr(env, "CHECKOUT_ENVIRONMENT") ?? emulatorUrl(PORT),
      api: envStr(env, "CHECKOUT_API"),
      authScheme: envStr(env, "CHECKOUT_AUTH_SCHEME"),
      accountPrefix: envStr(env, "CHECKOUT_ACCOUNT_PREFIX"),
      captureMode: envStr(env, "CHECKOUT_CAPTURE_MODE") ?? "manual",
      webhookSignatureKey: envStr(env, "CHECKOUT_WEBHOOK_SIGNATURE_KEY"),
      processingChannelId: envStr(env, "CHECKOUT_PROCESSING_CHANNEL_ID"),
      udf1: envStr(env, "CHECKOUT_UDF1"),
      udf2: envStr(env, "CHECKOUT_UDF2"),
      udf3: envStr(env, "CHECKOUT_UDF3"),
      udf4: envStr(env, "CHECKOUT_UDF4"),
      udf5: envStr(env, "CHECKOUT_UDF5"),
      timeoutMs: envNum(env, "CHECKOUT_TIMEOUT_MS"),
      maxRetries: envNum(env, "CHECKOUT_MAX_RETRIES"),
      allowInsecureHttp: envStr(env, "CHECKOUT_ALLOW_INSECURE_HTTP"),
    }),
  // Raw process.env on purpose: dev.js read CHECKOUT_API untrimmed before the kits existed.
  emulatorEnv: (url, env: Env = process.env) => ({
    CHECKOUT_ENVIRONMENT: url,
    CHECKOUT_SECRET_KEY: env.CHECKOUT_API === "classic" ? DEFAULT_CHECKOUT_ABC_SECRET_KEY : DEFAULT_CHECKOUT_SECRET_KEY,
  }),
  webhookEnv: { CHECKOUT_WEBHOOK_SIGNATURE_KEY: DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY },
  scriptedEnv: { CHECKOUT_API: "payments", CHECKOUT_CAPTURE_MODE: "manual" },
  createEmulator: (options = {}) => new CheckoutEmulator(options),
  sendsWebhooks: true,
  // POST /payments/{id}/refunds {amount}: minor units (checkout.com/docs/payments/manage-payments/refund-a-payment).
  // The classic API's POST /v2/charges/{id}/refund has `value` in minor units too.
  refundOnWire: {
    method: "POST",
    path: /^\/(payments\/[^/]+\/refunds|v2\/charges\/[^/]+\/refund)$/,
    route: "/payments/:id/refunds",
    idempotencyHeader: "cko-idempotency-key",
    unit: "minor",
    amount: (r) => integerText(bodyField(r, "amount") ?? bodyField(r, "value")),
  },
  payment: { sessionData: (unique) => ({ token: `tok_${unique}` }) },
  books: {
    paymentField: "payment_id",
    capturedMinor: (checkout, payment) => minorText(checkout.balances(payment)?.total_captured),
    // Declined refunds refund nothing; pending ones count (Checkout.com holds them against the balance).
    refunds: (checkout, payment) =>
      checkout
        .listRefunds(payment)
        .filter((r) => r.approved !== false)
        .map((r) => ({ id: r.id, minor: minorText(r.amount) })),
  },
}
