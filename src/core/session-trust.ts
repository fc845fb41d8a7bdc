import crypto from "node:crypto"
import { isIP } from "node:net"
import { MedusaError } from "@medusajs/framework/utils"
import { constantTimeEqual } from "./webhooks"

/**
 * A payment session's data arrives from the storefront: Medusa hands `initiatePayment` the
 * shopper's free-form `data` (only `session_id` is Medusa's), then stores the shopper's keys
 * merged with what the provider returns. So the provider keeps only the keys a storefront is
 * documented to send, and returns every other key the shopper sent as null, which overwrites it
 * in the stored session. Ids the provider writes (charge, payment, transaction...) can then only
 * come from the provider. See docs/security.md.
 */
export function storefrontData(data: Record<string, unknown> | undefined, allowed: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(data ?? {})) {
    if (key === "session_id") continue
    // Defined, not assigned: a shopper's "__proto__" key must stay a plain key.
    Object.defineProperty(out, key, { value: allowed.includes(key) ? (data as Record<string, unknown>)[key] : null, enumerable: true, writable: true, configurable: true })
  }
  return out
}

/** What a processor lets a storefront write in a payment session's data (its README, "Storefront data"). */
export interface StorefrontRules {
  /** The only keys a storefront may send; every other key it sends is set to null at initiate. */
  keys: readonly string[]
  /** Keys whose values are used once (card tokens), set to null once used. */
  singleUse: readonly string[]
  /** The secret behind the store middleware's customer_ip proof; absent for processors that take no customer IP. */
  ipSecret?: string
}

/**
 * The shopper's session data as a provider accepts it: the storefront keys kept, every other key set to
 * null (see storefrontData), and `customer_ip` only when the middleware's proof holds, its proof nulled.
 */
export function acceptedStorefrontData(data: Record<string, unknown> | undefined, storefront: StorefrontRules): Record<string, unknown> {
  const out = storefrontData(data, storefront.keys)
  const ip = verifiedRequestIp(storefront.ipSecret, data)
  if ("customer_ip" in out || ip) out.customer_ip = ip ?? null
  if ("customer_ip_proof" in out) out.customer_ip_proof = null
  return out
}

/**
 * Session data without the single-use storefront values, once they have been used. Set to null, not
 * left out: Medusa merges returned data into the stored session data, where a key left out would keep the token.
 */
export function withoutSingleUse(data: Record<string, unknown>, storefront: StorefrontRules): Record<string, unknown> {
  const out = { ...data }
  for (const key of storefront.singleUse) if (key in out) out[key] = null
  return out
}

/** Medusa's payment session id, which Medusa itself sets in the data it hands `initiatePayment`. */
export function sessionIdOf(data: Record<string, unknown> | undefined): string | undefined {
  const id = data?.session_id
  return typeof id === "string" && id.length > 0 ? id : undefined
}

/** A processor payment as the processor reports it, for the ownership check. */
export interface ProcessorPaymentFacts {
  /** The processor's id of the payment (for the message). */
  id: string
  /** The session id the payment carries in its reference or metadata; undefined when it has none. */
  sessionRef: string | undefined | null
  /** Lower- or upper-case ISO code as the processor reports it. */
  currency: string | undefined | null
  /** The payment's amount in the processor's minor units (integer text or number). */
  amountMinor: string | number | bigint | undefined | null
}

/**
 * Proves a processor payment found in session data belongs to this session before anything
 * trusts it: it names the session in its reference or metadata, and carries the session's amount
 * and currency. Throws a MedusaError that says which check failed; nothing else is done with it.
 */
export function assertPaymentOfSession(
  processor: string,
  session: { sessionId: string | undefined; currency: string | undefined | unknown; amountMinor: string | undefined | unknown },
  seen: ProcessorPaymentFacts
): void {
  const refuse = (why: string) =>
    new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `${processor} payment ${shortId(seen.id)} does not belong to this payment session: ${why}. Nothing was captured; the customer must pay again.`
    )
  if (!session.sessionId || typeof seen.sessionRef !== "string" || seen.sessionRef !== session.sessionId) {
    throw refuse("it does not name this session in its reference")
  }
  const currency = typeof session.currency === "string" ? session.currency.toLowerCase() : undefined
  if (!currency || typeof seen.currency !== "string" || seen.currency.toLowerCase() !== currency) {
    throw refuse(`its currency ${shortText(seen.currency)} is not the session's ${shortText(currency)}`)
  }
  const expected = typeof session.amountMinor === "string" && /^\d+$/.test(session.amountMinor) ? BigInt(session.amountMinor) : undefined
  const actual = integerOf(seen.amountMinor)
  if (expected === undefined || actual === undefined || actual !== expected) {
    throw refuse(`its amount ${shortText(seen.amountMinor)} is not the session's ${shortText(session.amountMinor)} (minor units)`)
  }
}

function integerOf(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : undefined
  if (typeof value === "string" && /^\d{1,30}$/.test(value)) return BigInt(value)
  return undefined
}

function shortText(value: unknown): string {
  const text = value === undefined || value === null ? "none" : String(value)
  return text.length > 48 ? `${text.slice(0, 44)}…` : text
}

function shortId(id: string): string {
  return shortText(id)
}

/**
 * Refuses an id before it goes into a URL path: each processor's ids have a documented shape,
 * and anything else (a path segment, a query, a very long string) never reaches the wire.
 */
export function requirePathId(processor: string, what: string, value: unknown, pattern: RegExp): string {
  if (typeof value === "string" && value.length <= 128 && pattern.test(value)) return value
  throw new MedusaError(
    MedusaError.Types.INVALID_DATA,
    `The ${what} in this payment's data is not a ${processor} id (${shortText(value)}); nothing was sent to ${processor}. Check the payment's data.`
  )
}

// ---- The customer's IP, stamped by the plugin's store middleware ----------------------------

/** How long a stamped IP stays valid: the storefront creates the session right after the request. */
const REQUEST_IP_TTL_MS = 10 * 60_000

/**
 * The plugin's store middleware writes the request's IP into the session data with a proof
 * keyed by a provider secret, so a shopper cannot write their own `customer_ip`: a value without
 * a valid proof is dropped at initiate.
 */
export function stampRequestIp(secret: string, requestIp: string, now = Date.now()): { customer_ip: string; customer_ip_proof: string } {
  // Node reports IPv4 clients of a dual-stack server as IPv4-mapped IPv6; processors expect the IPv4 form.
  const ip = requestIp.startsWith("::ffff:") && isIP(requestIp.slice(7)) === 4 ? requestIp.slice(7) : requestIp
  const at = String(now)
  return { customer_ip: ip, customer_ip_proof: `${at}.${ipProof(secret, ip, at)}` }
}

/** For the plugin's store middleware: the request's IP with its proof, or {} when the processor takes none. */
export function requestIpStamp(storefront: StorefrontRules, ip: string | undefined): Record<string, string> {
  return storefront.ipSecret && ip ? stampRequestIp(storefront.ipSecret, ip) : {}
}

/** The stamped IP when its proof holds and is recent, else undefined. */
export function verifiedRequestIp(secret: string | undefined, data: Record<string, unknown> | undefined, now = Date.now()): string | undefined {
  const ip = data?.customer_ip
  const proof = data?.customer_ip_proof
  if (!secret || typeof ip !== "string" || !isIP(ip) || typeof proof !== "string") return undefined
  const [at, mac] = proof.split(".")
  if (!at || !mac || !/^\d{1,16}$/.test(at)) return undefined
  const age = now - Number(at)
  if (age < -60_000 || age > REQUEST_IP_TTL_MS) return undefined
  return constantTimeEqual(mac, ipProof(secret, ip, at)) ? ip : undefined
}

function ipProof(secret: string, ip: string, at: string): string {
  const key = crypto.createHash("sha256").update(`medusa-refund-processors:customer-ip:${secret}`).digest()
  return crypto.createHmac("sha256", key).update(`${ip}|${at}`).digest("base64url")
}
