import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"

/** "sandbox", "production", or a base URL (an emulator, a proxy). */
export const environmentOption = z.union([
  z.enum(["sandbox", "production"]),
  z
    .url({ protocol: /^https?$/, error: 'must be "sandbox", "production" or an http(s) base URL' })
    // Credentials in a URL end up in logs and error messages; they belong in their own options.
    .refine((url) => !hasCredentials(url), "must not carry a user name or password (user:password@): put credentials in their own options"),
])

function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url)
    return !!(parsed.username || parsed.password)
  } catch {
    return false // not a URL: the url check reports it
  }
}

/** Hosts plain http:// may reach without `allowInsecureHttp`: this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(hostname: string): boolean {
  // WHATWG URL has already normalised the host: "127.1" → "127.0.0.1", "[0:0::1]" → "[::1]", lower case.
  const host = hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase()
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** How requests reach a base URL, for the boot message; `insecure` when plain HTTP leaves this machine. */
export function describeBaseUrl(baseURL: string): { origin: string; transport: string; insecure: boolean } {
  const url = new URL(baseURL)
  // Not echoed: the URL holds the credentials. parseOptions refuses these already; this covers other callers.
  if (url.username || url.password) throw new Error("The processor base URL must not carry a user name or password")
  if (url.protocol === "https:") return { origin: url.origin, transport: "HTTPS", insecure: false }
  if (isLoopbackHost(url.hostname)) {
    return { origin: url.origin, transport: "plain HTTP to this machine (loopback: an emulator or a local proxy)", insecure: false }
  }
  return {
    origin: url.origin,
    transport: "plain HTTP to another host, allowed by `allowInsecureHttp: true`: credentials and payment data cross the network unencrypted",
    insecure: true,
  }
}

/** Why a parsed `environment` is refused (plain HTTP leaving this machine without the opt-in), or undefined. */
function insecureEnvironment(options: unknown): string | undefined {
  const { environment, allowInsecureHttp } = (options ?? {}) as { environment?: unknown; allowInsecureHttp?: unknown }
  if (typeof environment !== "string" || !/^http:/i.test(environment) || allowInsecureHttp === true) return undefined
  if (isLoopbackHost(new URL(environment).hostname)) return undefined
  return (
    "`environment` is a plain http:// URL to a host other than this machine (only 127.0.0.0/8, ::1 and localhost may use http): " +
    "use https://, or set `allowInsecureHttp: true` if the network to that host is trusted"
  )
}

/** Options every provider takes, next to its credentials. */
export const commonOptions = {
  environment: environmentOption.default("sandbox"),
  /** "automatic": capture when the customer pays; "manual": the admin captures later. */
  captureMode: z.enum(["automatic", "manual"]).default("manual"),
  /** Per-request timeout. */
  timeoutMs: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** Retries for requests safe to repeat (reads, writes with an idempotency key). */
  maxRetries: z.coerce.number().int().min(0).max(10).default(2),
  /** Lets `environment` be a plain http:// URL to a host other than this machine (a trusted internal proxy). */
  allowInsecureHttp: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean()).default(false),
}

export type Environment = z.infer<typeof environmentOption>

/**
 * Validates provider options at boot. The error names every bad option and why, and
 * never echoes a value: options hold secrets.
 */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown, processor: string): z.output<S> {
  const result = schema.safeParse(raw ?? {})
  // Checked here, not in each provider's schema, so every provider that spreads commonOptions gets it.
  const insecure = result.success ? insecureEnvironment(result.data) : undefined
  if (result.success && !insecure) return result.data
  const problems = result.success
    ? [insecure]
    : result.error.issues.map((issue) => {
        const name = issue.path.length ? issue.path.join(".") : "(options)"
        const why = issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message
        return `\`${name}\` ${why}`
      })
  throw new MedusaError(
    MedusaError.Types.INVALID_DATA,
    `Invalid ${processor} payment provider options: ${problems.join("; ")}. ` +
      `Fix them in medusa-config.ts (providers of @medusajs/medusa/payment).`
  )
}

/** Resolves an environment option to a base URL with the processor's own hosts. */
export function baseUrlFor(environment: Environment, hosts: { sandbox: string; production: string }): string {
  if (environment === "sandbox") return hosts.sandbox
  if (environment === "production") return hosts.production
  return environment.replace(/\/+$/, "")
}

/** "live", "sandbox" or "emulator" (any other base URL), for logs and the admin. */
export function modeOf(environment: Environment): "live" | "sandbox" | "custom" {
  if (environment === "production") return "live"
  if (environment === "sandbox") return "sandbox"
  return "custom"
}
