/** Dodo Payments: see ./types.ts for what a kit holds. */
import { DEFAULT_DODO_API_KEY, DEFAULT_DODO_PRODUCT_ID, DEFAULT_DODO_WEBHOOK_SECRET, DodoEmulator } from "../dodo"
import { bodyField, defined, emulatorUrl, envNum, envStr, integerText, minorText, type Env, type ProcessorKit } from "./types"

/** The emulator's port for the CLI and `npm run dev`, and the provider's default environment. */
const PORT = 4540

export const dodoKit: ProcessorKit<DodoEmulator> = {
  id: "dodo",
  label: "Dodo Payments",
  providerModule: "./src/providers/dodo",
  providerId: "pp_dodo_dodo",
  envPrefix: "DODO",
  defaultPort: PORT,
  devPortEnv: "DEV_DODO_EMULATOR_PORT",
  credentials: { apiKey: DEFAULT_DODO_API_KEY, productId: DEFAULT_DODO_PRODUCT_ID },
  secretOptions: ["apiKey", "webhookSecrets"],
  optionsFromEnv: (env: Env) =>
    defined({
      apiKey: envStr(env, "DODO_API_KEY") ?? DEFAULT_DODO_API_KEY,
      environment: envStr(env, "DODO_ENVIRONMENT") ?? emulatorUrl(PORT),
      productId: envStr(env, "DODO_PRODUCT_ID") ?? DEFAULT_DODO_PRODUCT_ID,
      webhookSecrets: envStr(env, "DODO_WEBHOOK_SECRET"),
      returnUrl: envStr(env, "DODO_RETURN_URL"),
      returnUrlHosts: envStr(env, "DODO_RETURN_URL_HOSTS"),
      paymentSearchMaxPages: envNum(env, "DODO_PAYMENT_SEARCH_MAX_PAGES"),
      timeoutMs: envNum(env, "DODO_TIMEOUT_MS"),
      maxRetries: envNum(env, "DODO_MAX_RETRIES"),
      allowInsecureHttp: envStr(env, "DODO_ALLOW_INSECURE_HTTP"),
    }),
  emulatorEnv: (url) => ({ DODO_ENVIRONMENT: url, DODO_API_KEY: DEFAULT_DODO_API_KEY, DODO_PRODUCT_ID: DEFAULT_DODO_PRODUCT_ID }),
  webhookEnv: { DODO_WEBHOOK_SECRET: DEFAULT_DODO_WEBHOOK_SECRET },
  scriptedEnv: {},
  createEmulator: (options = {}) => new DodoEmulator(options),
  sendsWebhooks: true,
  // POST /refunds {payment_id, items: [{item_id, amount}]}: item amounts in minor units, no items =
  // the whole payment (docs.dodopayments.com/api-reference/refunds/create-refund).
  refundOnWire: {
    method: "POST",
    path: /^\/refunds$/,
    route: "/refunds",
    unit: "minor",
    amount(r) {
      const items = bodyField(r, "items") as Array<Record<string, unknown>> | undefined | null
      if (items === undefined || items === null) return undefined
      return items.reduce((sum, item) => sum + BigInt(integerText(item.amount) ?? "0"), 0n).toString()
    },
  },
  payment: {
    // Dodo is a hosted checkout: the session makes a checkout session; there is no card token.
    sessionData: () => ({}),
    async customerStep(data) {
      const url = data.checkout_url
      if (typeof url !== "string") throw new Error("the Dodo session has no checkout_url")
      const res = await fetch(`${url}/pay`, { method: "POST" })
      if (!res.ok) throw new Error(`paying on Dodo's checkout page answered HTTP ${res.status}`)
      return `the customer paid on Dodo's checkout page (POST ${new URL(url).pathname}/pay → ${res.status})`
    },
  },
  books: {
    paymentField: "payment_id",
    capturedMinor: (dodo, payment) => minorText(dodo.getPayment(payment)?.total_amount),
    // Pending refunds count (the money is on its way); failed ones refund nothing.
    refunds: (dodo, payment) =>
      dodo
        .listRefunds(payment)
        .filter((r) => r.status !== "failed")
        .map((r) => ({ id: r.refund_id, minor: minorText(r.amount) })),
  },
}
