/**
 * The store used by this repository's integration tests and `npm run dev`.
 *
 * Every payment provider of this plugin is registered from environment variables and,
 * without any, talks to the local processor emulators (src/emulators). See .env.template.
 *
 * Adding a processor = one entry in `paymentProviders` below.
 */
import { defineConfig, loadEnv } from "@medusajs/framework/utils"

loadEnv(process.env.NODE_ENV || "development", process.cwd())

const isProduction = process.env.NODE_ENV === "production"
const DEV_SECRET = "supersecret"
const DEFAULT_CORS = "http://localhost:9000,http://localhost:8000,http://localhost:5173"

/** Reads an optional env var. Empty strings count as unset. */
function str(name: string): string | undefined {
  const v = process.env[name]
  return v === undefined || v.trim() === "" ? undefined : v.trim()
}

/** Reads an optional numeric env var; throws on anything that is not a finite number. */
function num(name: string): number | undefined {
  const v = str(name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n)) {
    throw new Error(`medusa-config: ${name} must be a number, got "${v}"`)
  }
  return n
}

/** Drops undefined-valued keys so providers' option validation sees only what was set. */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

type ProviderEntry = {
  /** Path of the provider module, relative to this file's directory. */
  resolve: string
  /** Provider id; Medusa's payment provider id is `pp_<identifier>_<id>`. */
  id: string
  options: Record<string, unknown>
}

/**
 * One entry per processor. Defaults point at the emulators
 * (`npm run emulator`, or started by the tests/dev script).
 */
const paymentProviders: ProviderEntry[] = [
  {
    resolve: "./src/providers/clover",
    id: "clover",
    options: defined({
      apiKey: str("CLOVER_API_KEY") ?? "emulator_clover_key",
      environment: str("CLOVER_ENVIRONMENT") ?? "http://127.0.0.1:4510",
      captureMode: str("CLOVER_CAPTURE_MODE") ?? "manual",
      webhookAuthCode: str("CLOVER_WEBHOOK_AUTH_CODE"),
      defaultClientIp: str("CLOVER_DEFAULT_CLIENT_IP"),
      merchantId: str("CLOVER_MERCHANT_ID"),
      timeoutMs: num("CLOVER_TIMEOUT_MS"),
      maxRetries: num("CLOVER_MAX_RETRIES"),
      allowInsecureHttp: str("CLOVER_ALLOW_INSECURE_HTTP"),
    }),
  },
  {
    resolve: "./src/providers/processout",
    id: "processout",
    options: defined({
      projectId: str("PROCESSOUT_PROJECT_ID") ?? "test-proj_emulator",
      projectSecret: str("PROCESSOUT_PROJECT_SECRET") ?? "key_sandbox_emulator",
      environment: str("PROCESSOUT_ENVIRONMENT") ?? "http://127.0.0.1:4550",
      captureMode: str("PROCESSOUT_CAPTURE_MODE") ?? "manual",
      apiVersion: str("PROCESSOUT_API_VERSION"),
      returnUrl: str("PROCESSOUT_RETURN_URL"),
      cancelUrl: str("PROCESSOUT_CANCEL_URL"),
      webhookUrl: str("PROCESSOUT_WEBHOOK_URL"),
      // ProcessOut signs no webhook: its URL carries this secret (?token=). The default is for the emulator only.
      webhookSecret: str("PROCESSOUT_WEBHOOK_SECRET") ?? (isProduction ? undefined : "whsec_processout_dev_emulator"),
      refundVia: str("PROCESSOUT_REFUND_VIA"),
      defaultRefundReason: str("PROCESSOUT_DEFAULT_REFUND_REASON"),
      timeoutMs: num("PROCESSOUT_TIMEOUT_MS"),
      maxRetries: num("PROCESSOUT_MAX_RETRIES"),
      allowInsecureHttp: str("PROCESSOUT_ALLOW_INSECURE_HTTP"),
    }),
  },
  {
    resolve: "./src/providers/fiserv",
    id: "fiserv",
    options: defined({
      apiKey: str("FISERV_API_KEY") ?? "emulator_fiserv_api_key",
      apiSecret: str("FISERV_API_SECRET") ?? "emulator_fiserv_api_secret",
      merchantId: str("FISERV_MERCHANT_ID") ?? "100008000003683",
      terminalId: str("FISERV_TERMINAL_ID") ?? "10000001",
      environment: str("FISERV_ENVIRONMENT") ?? "http://127.0.0.1:4530",
      captureMode: str("FISERV_CAPTURE_MODE") ?? "manual",
      endpointStyle: str("FISERV_ENDPOINT_STYLE"),
      refundReference: str("FISERV_REFUND_REFERENCE"),
      captureRefunds: str("FISERV_CAPTURE_REFUNDS"),
      partialCancels: str("FISERV_PARTIAL_CANCELS"),
      timeoutMs: num("FISERV_TIMEOUT_MS"),
      maxRetries: num("FISERV_MAX_RETRIES"),
      allowInsecureHttp: str("FISERV_ALLOW_INSECURE_HTTP"),
    }),
  },
  {
    resolve: "./src/providers/dodo",
    id: "dodo",
    options: defined({
      apiKey: str("DODO_API_KEY") ?? "emulator_dodo_key",
      environment: str("DODO_ENVIRONMENT") ?? "http://127.0.0.1:4540",
      productId: str("DODO_PRODUCT_ID") ?? "pdt_emulator_pay_what_you_want",
      webhookSecrets: str("DODO_WEBHOOK_SECRET"),
      returnUrl: str("DODO_RETURN_URL"),
      returnUrlHosts: str("DODO_RETURN_URL_HOSTS"),
      paymentSearchMaxPages: num("DODO_PAYMENT_SEARCH_MAX_PAGES"),
      timeoutMs: num("DODO_TIMEOUT_MS"),
      maxRetries: num("DODO_MAX_RETRIES"),
      allowInsecureHttp: str("DODO_ALLOW_INSECURE_HTTP"),
    }),
  },
  {
    resolve: "./src/providers/checkout",
    id: "checkout",
    options: defined({
      // Defaults are the emulator's keys: a current-account key (Bearer), or a classic one for CHECKOUT_API=classic.
      secretKey:
        str("CHECKOUT_SECRET_KEY") ??
        (str("CHECKOUT_API") === "classic" ? "sk_test_0e3a2f6c-1b7d-4c8e-9f00-5a6b7c8d9e0f" : "sk_sbox_emulatorkeyforcheckoutdotco"),
      environment: str("CHECKOUT_ENVIRONMENT") ?? "http://127.0.0.1:4520",
      api: str("CHECKOUT_API"),
      authScheme: str("CHECKOUT_AUTH_SCHEME"),
      accountPrefix: str("CHECKOUT_ACCOUNT_PREFIX"),
      captureMode: str("CHECKOUT_CAPTURE_MODE") ?? "manual",
      webhookSignatureKey: str("CHECKOUT_WEBHOOK_SIGNATURE_KEY"),
      processingChannelId: str("CHECKOUT_PROCESSING_CHANNEL_ID"),
      udf1: str("CHECKOUT_UDF1"),
      udf2: str("CHECKOUT_UDF2"),
      udf3: str("CHECKOUT_UDF3"),
      udf4: str("CHECKOUT_UDF4"),
      udf5: str("CHECKOUT_UDF5"),
      timeoutMs: num("CHECKOUT_TIMEOUT_MS"),
      maxRetries: num("CHECKOUT_MAX_RETRIES"),
      allowInsecureHttp: str("CHECKOUT_ALLOW_INSECURE_HTTP"),
    }),
  },
]

/**
 * PAYMENT_PROVIDERS selects which of the entries above are registered:
 * unset or "all" = every one, "none" = only Medusa's system provider,
 * otherwise a comma-separated list of ids (e.g. "clover").
 */
function selectedProviders(): ProviderEntry[] {
  const sel = str("PAYMENT_PROVIDERS")
  if (sel === undefined || sel === "all") return paymentProviders
  if (sel === "none") return []
  const ids = sel.split(",").map((s) => s.trim()).filter(Boolean)
  const unknown = ids.filter((id) => !paymentProviders.some((p) => p.id === id))
  if (unknown.length) {
    throw new Error(
      `medusa-config: PAYMENT_PROVIDERS lists unknown provider(s) ${unknown.join(", ")}; ` +
        `known: ${paymentProviders.map((p) => p.id).join(", ")}`
    )
  }
  return paymentProviders.filter((p) => ids.includes(p.id))
}

/** DATABASE_URL, else built from DB_* (as set by scripts/test.js / scripts/dev.js). */
function databaseUrl(): string | undefined {
  const url = str("DATABASE_URL")
  if (url) return url
  if (!str("DB_HOST") && !str("DB_PORT")) return undefined
  const user = encodeURIComponent(str("DB_USERNAME") ?? "postgres")
  const password = str("DB_PASSWORD")
  const auth = password ? `${user}:${encodeURIComponent(password)}` : user
  return `postgres://${auth}@${str("DB_HOST") ?? "localhost"}:${str("DB_PORT") ?? "5432"}/${
    str("DB_NAME") ?? "medusa-refund-processors"
  }`
}

/**
 * With REDIS_URL, the store runs the way stores scale out: Redis event bus, workflow engine,
 * locking and cache, so several app instances can share one database.
 */
const redisUrl = str("REDIS_URL")
const redisModules = redisUrl
  ? [
      { resolve: "@medusajs/medusa/event-bus-redis", options: { redisUrl } },
      { resolve: "@medusajs/medusa/workflow-engine-redis", options: { redis: { redisUrl } } },
      {
        resolve: "@medusajs/medusa/locking",
        options: {
          providers: [{ resolve: "@medusajs/medusa/locking-redis", id: "locking-redis", is_default: true, options: { redisUrl } }],
        },
      },
      { resolve: "@medusajs/medusa/cache-redis", options: { redisUrl } },
    ]
  : []

/**
 * Medusa's caching module, which payment providers find in their container: the providers
 * remember webhook events there, so a replayed event is recognised on every instance and after a
 * restart (Redis with REDIS_URL; in memory otherwise). Core query caching stays off: Medusa turns
 * it on only with its MEDUSA_FF_CACHING flag.
 */
const cachingModule = {
  resolve: "@medusajs/medusa/caching",
  options: redisUrl
    ? { providers: [{ resolve: "@medusajs/medusa/caching-redis", id: "caching-redis", is_default: true, options: { redisUrl } }] }
    : { in_memory: { enable: true } },
}

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: databaseUrl(),
    ...(redisUrl ? { redisUrl } : {}),
    http: {
      storeCors: str("STORE_CORS") ?? DEFAULT_CORS,
      adminCors: str("ADMIN_CORS") ?? DEFAULT_CORS,
      authCors: str("AUTH_CORS") ?? DEFAULT_CORS,
      // In production Medusa refuses to start without real secrets.
      jwtSecret: str("JWT_SECRET") ?? (isProduction ? undefined : DEV_SECRET),
      cookieSecret: str("COOKIE_SECRET") ?? (isProduction ? undefined : DEV_SECRET),
    },
  },
  admin: {
    disable: str("MEDUSA_ADMIN_DISABLE") === "true",
  },
  modules: [
    {
      resolve: "@medusajs/medusa/payment",
      options: {
        providers: selectedProviders(),
      },
    },
    ...redisModules,
    cachingModule,
    // This plugin's return-to-refund policy (src/modules/refund-policy). A store that lists the
    // package under `plugins` gets it without this line (Medusa registers a plugin's modules).
    { resolve: "./src/modules/refund-policy" },
  ],
})
