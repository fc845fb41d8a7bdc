/**
 * The store used by this repository's integration tests and `npm run dev`.
 *
 * Every payment provider of this plugin is registered from environment variables and,
 * without any, talks to the local processor emulators (src/emulators). See .env.template.
 *
 * Adding a processor = its kit in PROCESSOR_KITS (docs/adding-a-processor.md); nothing here.
 */
import path from "node:path"
import { defineConfig, loadEnv } from "@medusajs/framework/utils"
import { kitOf, PROCESSOR_KITS, providerEntries, type ProviderEntry } from "./src/emulators/kits"

loadEnv(process.env.NODE_ENV || "development", process.cwd())

const isProduction = process.env.NODE_ENV === "production"
const DEV_SECRET = "supersecret"
const DEFAULT_CORS = "http://localhost:9000,http://localhost:8000,http://localhost:5173"

/** Reads an optional env var. Empty strings count as unset. */
function str(name: string): string | undefined {
  const v = process.env[name]
  return v === undefined || v.trim() === "" ? undefined : v.trim()
}

/**
 * TEST ONLY: processors defined in test fixtures (test/fixtures/example-processor), which the shared integration
 * specs run next to the plugin's own. TEST_FIXTURE_KITS is a comma-separated list of their kit ids, set by the specs'
 * helper (startProcessors, integration-tests/helpers/exactly-once.ts); the kits come from the test list
 * integration-tests/helpers/kits-under-test.ts, loaded only then. Outside NODE_ENV=test the variable is refused,
 * so a store never registers a fixture; unset (always, outside the tests) nothing changes.
 * Medusa reads a `resolve` of "./x" as "./src/x" unless it starts with "./src" (normalizeImportPathWithSource):
 * a fixture's provider lives outside src/, so its entry names it by absolute path.
 */
function fixtureEntries(): ProviderEntry[] {
  const ids = (str("TEST_FIXTURE_KITS") ?? "").split(",").map((s) => s.trim()).filter(Boolean)
  if (!ids.length) return []
  if (process.env.NODE_ENV !== "test") {
    throw new Error(`medusa-config: TEST_FIXTURE_KITS (${ids.join(", ")}) registers test fixtures and is honoured only when NODE_ENV is "test"; unset it`)
  }
  const { KITS_UNDER_TEST, isFixtureKit } = require("./integration-tests/helpers/kits-under-test") as typeof import("./integration-tests/helpers/kits-under-test")
  const kits = ids.map((id) => {
    if (!isFixtureKit(id)) throw new Error(`medusa-config: TEST_FIXTURE_KITS lists "${id}", a processor of the plugin, not a fixture`)
    return kitOf(id, KITS_UNDER_TEST)
  })
  return providerEntries(kits, process.env).map((entry) => ({ ...entry, resolve: path.resolve(process.cwd(), entry.resolve) }))
}

/**
 * One entry per processor kit (src/emulators/kits: each kit reads its provider's env vars, with
 * defaults that point at the emulators: `npm run emulator`, or started by the tests/dev script);
 * in the integration tests only, also the fixtures TEST_FIXTURE_KITS names (above).
 */
const paymentProviders: ProviderEntry[] = [...providerEntries(PROCESSOR_KITS, process.env), ...fixtureEntries()]

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
