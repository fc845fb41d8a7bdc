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

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: databaseUrl(),
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
  ],
})
