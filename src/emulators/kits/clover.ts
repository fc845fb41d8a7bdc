/** Clover Ecommerce: see ./types.ts for what a kit holds. */
import { CloverEmulator, DEFAULT_CLOVER_API_KEY } from "../clover"
import { bodyField, defined, emulatorUrl, envNum, envStr, integerText, minorText, type Env, type ProcessorKit } from "./types"

/** The emulator's port for the CLI and `npm run dev`, and the provider's default environment. */
const PORT = 4510

export const cloverKit: ProcessorKit<CloverEmulator> = {
  id: "clover",
  label: "Clover",
  providerModule: "./src/providers/clover",
  providerId: "pp_clover_clover",
  envPrefix: "CLOVER",
  defaultPort: PORT,
  // The first emulator dev ran had this knob before there were others.
  devPortEnv: "DEV_EMULATOR_PORT",
  credentials: { apiKey: DEFAULT_CLOVER_API_KEY },
  secretOptions: ["apiKey", "webhookAuthCode"],
  optionsFromEnv: (env: Env) =>
    defined({
      apiKey: envStr(env, "CLOVER_API_KEY") ?? DEFAULT_CLOVER_API_KEY,
      environment: envStr(env, "CLOVER_ENVIRONMENT") ?? emulatorUrl(PORT),
      captureMode: envStr(env, "CLOVER_CAPTURE_MODE") ?? "manual",
      webhookAuthCode: envStr(env, "CLOVER_WEBHOOK_AUTH_CODE"),
      defaultClientIp: envStr(env, "CLOVER_DEFAULT_CLIENT_IP"),
      timeoutMs: envNum(env, "CLOVER_TIMEOUT_MS"),
      maxRetries: envNum(env, "CLOVER_MAX_RETRIES"),
      allowInsecureHttp: envStr(env, "CLOVER_ALLOW_INSECURE_HTTP"),
    }),
  emulatorEnv: (url) => ({ CLOVER_ENVIRONMENT: url, CLOVER_API_KEY: DEFAULT_CLOVER_API_KEY }),
  webhookEnv: {},
  // Scripted sessions do not pass the store route whose middleware stamps the customer's IP (Clover requires one).
  scriptedEnv: { CLOVER_CAPTURE_MODE: "manual", CLOVER_DEFAULT_CLIENT_IP: "203.0.113.7" },
  createEmulator: ({ webhookUrl: _clover_sends_none, ...options } = {}) => new CloverEmulator(options),
  sendsWebhooks: false,
  // POST /v1/refunds {charge, amount}: amount in integer cents (docs.clover.com/reference/createrefund).
  refundOnWire: {
    method: "POST",
    path: /^\/v1\/refunds$/,
    route: "/v1/refunds",
    idempotencyHeader: "idempotency-key",
    unit: "minor",
    amount: (r) => integerText(bodyField(r, "amount")),
  },
  payment: { sessionData: (unique) => ({ source: `clv_${unique}` }) },
  // Refunds are made at once or declined in the answer: the emulator keeps only those made.
  books: {
    paymentField: "charge_id",
    capturedMinor: (clover, charge) => minorText(clover.getCharge(charge)?.amount_captured),
    refunds: (clover, charge) => clover.listRefunds(charge).map((r) => ({ id: r.id, minor: minorText(r.amount) })),
  },
}
