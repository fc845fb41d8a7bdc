import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"

/** "sandbox", "production", or a base URL (an emulator, a proxy). */
export const environmentOption = z.union([
  z.enum(["sandbox", "production"]),
  z.url({ protocol: /^https?$/, error: 'must be "sandbox", "production" or an http(s) base URL' }),
])

/** Options every provider takes, next to its credentials. */
export const commonOptions = {
  environment: environmentOption.default("sandbox"),
  /** "automatic": capture when the customer pays; "manual": the admin captures later. */
  captureMode: z.enum(["automatic", "manual"]).default("manual"),
  /** Per-request timeout. */
  timeoutMs: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** Retries for requests safe to repeat (reads, writes with an idempotency key). */
  maxRetries: z.coerce.number().int().min(0).max(10).default(2),
}

export type Environment = z.infer<typeof environmentOption>

/**
 * Validates provider options at boot. The error names every bad option and why, and
 * never echoes a value: options hold secrets.
 */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown, processor: string): z.output<S> {
  const result = schema.safeParse(raw ?? {})
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => {
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
