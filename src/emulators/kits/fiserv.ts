/** Fiserv Commerce Hub: see ./types.ts for what a kit holds. */
import {
  DEFAULT_FISERV_API_KEY,
  DEFAULT_FISERV_API_SECRET,
  DEFAULT_FISERV_MERCHANT_ID,
  DEFAULT_FISERV_TERMINAL_ID,
  FISERV_CURRENCY_DECIMALS,
  FiservEmulator,
} from "../fiserv"
import { defined, emulatorUrl, envNum, envStr, majorToMinorText, rawNumber, type Env, type ProcessorKit } from "./types"

/** A major-unit amount the emulator holds (`amount.total`) in minor units, at Fiserv's decimals for the currency. */
const minor = (total: string, currency: string) => majorToMinorText(total, FISERV_CURRENCY_DECIMALS[currency.toUpperCase()])

/** The emulator's port for the CLI and `npm run dev`, and the provider's default environment. */
const PORT = 4530

export const fiservKit: ProcessorKit<FiservEmulator> = {
  id: "fiserv",
  label: "Fiserv",
  providerModule: "./src/providers/fiserv",
  providerId: "pp_fiserv_fiserv",
  envPrefix: "FISERV",
  defaultPort: PORT,
  devPortEnv: "DEV_FISERV_EMULATOR_PORT",
  credentials: {
    apiKey: DEFAULT_FISERV_API_KEY,
    apiSecret: DEFAULT_FISERV_API_SECRET,
    merchantId: DEFAULT_FISERV_MERCHANT_ID,
    terminalId: DEFAULT_FISERV_TERMINAL_ID,
  },
  secretOptions: ["apiKey", "apiSecret"],
  optionsFromEnv: (env: Env) =>
    defined({
      apiKey: envStr(env, "FISERV_API_KEY") ?? DEFAULT_FISERV_API_KEY,
      apiSecret: envStr(env, "FISERV_API_SECRET") ?? DEFAULT_FISERV_API_SECRET,
      merchantId: envStr(env, "FISERV_MERCHANT_ID") ?? DEFAULT_FISERV_MERCHANT_ID,
      terminalId: envStr(env, "FISERV_TERMINAL_ID") ?? DEFAULT_FISERV_TERMINAL_ID,
      environment: envStr(env, "FISERV_ENVIRONMENT") ?? emulatorUrl(PORT),
      captureMode: envStr(env, "FISERV_CAPTURE_MODE") ?? "manual",
      endpointStyle: envStr(env, "FISERV_ENDPOINT_STYLE"),
      refundReference: envStr(env, "FISERV_REFUND_REFERENCE"),
      captureRefunds: envStr(env, "FISERV_CAPTURE_REFUNDS"),
      partialCancels: envStr(env, "FISERV_PARTIAL_CANCELS"),
      timeoutMs: envNum(env, "FISERV_TIMEOUT_MS"),
      maxRetries: envNum(env, "FISERV_MAX_RETRIES"),
      allowInsecureHttp: envStr(env, "FISERV_ALLOW_INSECURE_HTTP"),
    }),
  emulatorEnv: (url) => ({
    FISERV_ENVIRONMENT: url,
    FISERV_API_KEY: DEFAULT_FISERV_API_KEY,
    FISERV_API_SECRET: DEFAULT_FISERV_API_SECRET,
    FISERV_MERCHANT_ID: DEFAULT_FISERV_MERCHANT_ID,
    FISERV_TERMINAL_ID: DEFAULT_FISERV_TERMINAL_ID,
  }),
  webhookEnv: {},
  scriptedEnv: { FISERV_CAPTURE_MODE: "manual" },
  // Commerce Hub sends no payment webhooks (src/providers/fiserv/README.md).
  createEmulator: ({ webhookUrl: _fiserv_sends_none, ...options } = {}) => new FiservEmulator(options),
  sendsWebhooks: false,
  // Both endpoint styles: POST /payments/v1/refunds (referenced in the body) and
  // /payments/v1/charges/{id}/refund, /charges/orders/{id}/refund; amount.total is a JSON number in
  // major units, read from the raw body so its digits stay exact.
  refundOnWire: {
    method: "POST",
    path: /^\/payments\/v1\/(refunds|charges\/(orders\/)?[^/]+\/refund)$/,
    // The provider's default endpoint style (reference): the charge or order named in the body.
    route: "/payments/v1/refunds",
    // Commerce Hub's Client-Request-Id: a resend under the same one is answered, not applied again.
    idempotencyHeader: "client-request-id",
    unit: "major",
    amount: (r) => rawNumber(r.rawBody, /"amount"\s*:\s*\{[^}]*"total"\s*:\s*(-?[0-9][0-9.eE+-]*)/),
  },
  payment: {
    sessionData: (unique) => ({ payment_token: `fiserv_tok_${unique}` }),
    // Fiserv refunds a charge once its batch has settled: the merchant's batch closes (the emulator's control route).
    async afterCapture(url) {
      const res = await fetch(`${url}/__emulator/settle`, { method: "POST" })
      if (!res.ok) throw new Error(`POST /__emulator/settle answered ${res.status}`)
      return "the merchant's batch closed (Fiserv refunds settled charges)"
    },
  },
  // The emulator keeps captures and refunds on the order; listRefunds has only approved refunds.
  books: {
    paymentField: "order_id",
    capturedMinor: (fiserv, order, currency) => minor(fiserv.getOrder(order)?.captured ?? "", currency),
    refunds: (fiserv, order, currency) => fiserv.listRefunds(order).map((t) => ({ id: t.transactionId, minor: minor(t.total, currency) })),
  },
}
