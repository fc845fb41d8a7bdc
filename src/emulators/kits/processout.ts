/** ProcessOut: see ./types.ts for what a kit holds. */
import { ISO_4217_EXPONENTS } from "../../core/money/iso4217"
import { DEFAULT_PROCESSOUT_PROJECT_ID, DEFAULT_PROCESSOUT_PROJECT_SECRET, ProcessOutEmulator } from "../processout"
import { bodyField, defined, emulatorUrl, envNum, envStr, isProduction, majorToMinorText, rawNumber, type Env, type ProcessorKit } from "./types"

/** A major-unit decimal string the emulator holds in minor units, at the currency's ISO 4217 exponent (ProcessOut's). */
const minor = (amount: string, currency: string) => majorToMinorText(amount, ISO_4217_EXPONENTS[currency.toUpperCase()])

/** The emulator's port for the CLI and `npm run dev`, and the provider's default environment. */
const PORT = 4550

export const processoutKit: ProcessorKit<ProcessOutEmulator> = {
  id: "processout",
  label: "ProcessOut",
  providerModule: "./src/providers/processout",
  providerId: "pp_processout_processout",
  envPrefix: "PROCESSOUT",
  defaultPort: PORT,
  devPortEnv: "DEV_PROCESSOUT_EMULATOR_PORT",
  credentials: { projectId: DEFAULT_PROCESSOUT_PROJECT_ID, projectSecret: DEFAULT_PROCESSOUT_PROJECT_SECRET },
  secretOptions: ["projectSecret", "webhookSecret"],
  optionsFromEnv: (env: Env) =>
    defined({
      projectId: envStr(env, "PROCESSOUT_PROJECT_ID") ?? DEFAULT_PROCESSOUT_PROJECT_ID,
      projectSecret: envStr(env, "PROCESSOUT_PROJECT_SECRET") ?? DEFAULT_PROCESSOUT_PROJECT_SECRET,
      environment: envStr(env, "PROCESSOUT_ENVIRONMENT") ?? emulatorUrl(PORT),
      captureMode: envStr(env, "PROCESSOUT_CAPTURE_MODE") ?? "manual",
      apiVersion: envStr(env, "PROCESSOUT_API_VERSION"),
      returnUrl: envStr(env, "PROCESSOUT_RETURN_URL"),
      cancelUrl: envStr(env, "PROCESSOUT_CANCEL_URL"),
      webhookUrl: envStr(env, "PROCESSOUT_WEBHOOK_URL"),
      // ProcessOut signs no webhook: its URL carries this secret (?token=). The default is for the emulator only.
      webhookSecret: envStr(env, "PROCESSOUT_WEBHOOK_SECRET") ?? (isProduction(env) ? undefined : "whsec_processout_dev_emulator"),
      refundVia: envStr(env, "PROCESSOUT_REFUND_VIA"),
      defaultRefundReason: envStr(env, "PROCESSOUT_DEFAULT_REFUND_REASON"),
      timeoutMs: envNum(env, "PROCESSOUT_TIMEOUT_MS"),
      maxRetries: envNum(env, "PROCESSOUT_MAX_RETRIES"),
      allowInsecureHttp: envStr(env, "PROCESSOUT_ALLOW_INSECURE_HTTP"),
    }),
  emulatorEnv: (url) => ({
    PROCESSOUT_ENVIRONMENT: url,
    PROCESSOUT_PROJECT_ID: DEFAULT_PROCESSOUT_PROJECT_ID,
    PROCESSOUT_PROJECT_SECRET: DEFAULT_PROCESSOUT_PROJECT_SECRET,
  }),
  // Unsigned webhooks: the store's secret rides in the webhook URL (optionsFromEnv's webhookSecret).
  webhookEnv: {},
  scriptedEnv: { PROCESSOUT_CAPTURE_MODE: "manual" },
  createEmulator: (options = {}) => new ProcessOutEmulator(options),
  sendsWebhooks: true,
  // POST /invoices/{id}/refunds or /transactions/{id}/refunds {amount}: a decimal string in major
  // units (docs.processout.com/refs/#create-a-refund), no amount = the whole remainder.
  refundOnWire: {
    method: "POST",
    path: /^\/(invoices|transactions)\/[^/]+\/refunds$/,
    // The provider's default (refundVia "invoice").
    route: "/invoices/:id/refunds",
    idempotencyHeader: "idempotency-key",
    unit: "major",
    amount(r) {
      const amount = bodyField(r, "amount")
      if (amount === undefined || amount === null) return undefined
      return typeof amount === "string" ? amount : rawNumber(r.rawBody, /"amount"\s*:\s*(-?[0-9][0-9.eE+-]*)/)
    },
  },
  payment: { sessionData: (unique) => ({ source: `card_${unique}` }) },
  books: {
    paymentField: "transaction_id",
    capturedMinor: (processout, transaction, currency) => minor(processout.getTransaction(transaction)?.captured_amount ?? "", currency),
    refunds: (processout, transaction, currency) =>
      processout
        .listRefunds(transaction)
        .filter((r) => !r.has_failed)
        .map((r) => ({ id: r.id, minor: minor(r.amount, currency) })),
  },
}
