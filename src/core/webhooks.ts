import crypto from "node:crypto"

/**
 * Constant-time comparison of two secrets or signatures. Both sides are hashed first so
 * neither the content nor the length leaks through timing.
 */
export function constantTimeEqual(a: string | Buffer | undefined | null, b: string | Buffer | undefined | null): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return false
  const left = crypto.createHash("sha256").update(a).digest()
  const right = crypto.createHash("sha256").update(b).digest()
  return crypto.timingSafeEqual(left, right) && Buffer.from(a).length === Buffer.from(b).length
}

export function hmac(algorithm: "sha256" | "sha512", key: string | Buffer, payload: string | Buffer, encoding: "hex" | "base64"): string {
  return crypto.createHmac(algorithm, key).update(payload).digest(encoding)
}

/** Reads one header from Medusa's webhook payload, whatever its case or array form. */
export function headerValue(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) {
      return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value)
    }
  }
  return undefined
}

/** Medusa may hand the raw body as a Buffer, a string, or a JSON-serialized Buffer. */
export function rawBodyText(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined
  if (Buffer.isBuffer(raw)) return raw.toString("utf8")
  if (typeof raw === "string") return raw
  if (typeof raw === "object" && (raw as { type?: string }).type === "Buffer" && Array.isArray((raw as { data?: unknown }).data)) {
    return Buffer.from((raw as { data: number[] }).data).toString("utf8")
  }
  return undefined
}

/**
 * The header the plugin's webhook middleware copies a webhook URL's `?token=` into (Medusa hands a provider the
 * webhook's headers, not its URL); it overwrites whatever the sender set. ProcessOut's webhooks carry their secret so.
 */
export const WEBHOOK_TOKEN_HEADER = "x-medusa-webhook-token"
