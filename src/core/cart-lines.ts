import crypto from "node:crypto"
import { z } from "zod"
import { Decimal, toDecimal } from "./money/decimal"
import { constantTimeEqual } from "./webhooks"

/**
 * The cart's line items, for processors that take them with the payment (ProcessOut invoice `details`).
 * The shopper's session data is untrusted (session-trust.ts), so the lines come only from the plugin's store
 * middleware (src/api/stamp-cart-lines.ts), which reads the cart server-side and stamps them into the session
 * data with an HMAC proof keyed by a provider secret; the provider drops lines without a valid, recent proof.
 * The proof binds the lines to the payment collection's amount and currency, so lines stamped for another
 * cart cannot ride along with this one (unless its amount is the same, when they are still the store's own).
 */
export interface CartLine {
  /** Medusa's cart line item id. Order line items get new ids (core-flows prepareLineItemData); the variant is kept. */
  id: string
  variant_id: string | null
  sku: string | null
  title: string
  /** Decimal text. */
  quantity: string
  /** Major units, decimal text: Medusa's unit price of the line. */
  unit_price: string
}

export const CART_LINE_LIMITS = Object.freeze({ lines: 100, id: 100, title: 500, sku: 100 })

/** How long a stamp stays valid: the storefront's request creates the session at once. */
const CART_LINES_TTL_MS = 10 * 60_000

const ID = /^[A-Za-z0-9_.:-]{1,100}$/
const DECIMAL = /^\d{1,15}(?:\.\d{1,20})?$/

const cartLineSchema = z.object({
  id: z.string().regex(ID),
  variant_id: z.string().regex(ID).nullable(),
  sku: z.string().min(1).max(CART_LINE_LIMITS.sku).nullable(),
  title: z.string().min(1).max(CART_LINE_LIMITS.title),
  quantity: z.string().regex(DECIMAL),
  unit_price: z.string().regex(DECIMAL),
})
const cartLinesSchema = z.array(cartLineSchema).max(CART_LINE_LIMITS.lines)

/** A Medusa amount (number, string, BigNumber, raw) as canonical decimal text, or undefined. */
function decimalText(value: unknown): string | undefined {
  try {
    const d = toDecimal(value as never, "amount")
    return d.isFinite() && !d.isNegative() ? d.toFixed() : undefined
  } catch {
    return undefined
  }
}

/**
 * Cart items as query.graph returns them (id, variant_id, variant_sku, title, product_title, variant_title,
 * quantity / raw_quantity, unit_price / raw_unit_price) → CartLine, bounded. Items that cannot be read are
 * left out; more than CART_LINE_LIMITS.lines gives none (a processor's details must be the whole cart or nothing).
 */
export function cartLinesFromItems(items: unknown): CartLine[] {
  if (!Array.isArray(items) || items.length > CART_LINE_LIMITS.lines) return []
  const lines: CartLine[] = []
  for (const raw of items) {
    if (!raw || typeof raw !== "object") continue
    const item = raw as Record<string, any>
    const title = [item.product_title ?? item.title, item.variant_title].filter((t) => typeof t === "string" && t.trim()).join(" – ") || item.title
    const line = cartLineSchema.safeParse({
      id: item.id,
      variant_id: typeof item.variant_id === "string" ? item.variant_id : null,
      sku: typeof item.variant_sku === "string" && item.variant_sku ? item.variant_sku.slice(0, CART_LINE_LIMITS.sku) : null,
      title: typeof title === "string" ? title.slice(0, CART_LINE_LIMITS.title) : undefined,
      quantity: decimalText(item.raw_quantity ?? item.quantity),
      unit_price: decimalText(item.raw_unit_price ?? item.unit_price),
    })
    if (line.success) lines.push(line.data)
  }
  return lines
}

function scopeOf(amount: unknown, currency: unknown): string | undefined {
  const a = decimalText(amount)
  return a !== undefined && typeof currency === "string" && /^[A-Za-z]{3}$/.test(currency) ? `${a}|${currency.toLowerCase()}` : undefined
}

function proofOf(secret: string, lines: string, scope: string, at: string): string {
  const key = crypto.createHash("sha256").update(`medusa-refund-processors:cart-lines:${secret}`).digest()
  return crypto.createHmac("sha256", key).update(`${scope}|${at}|${lines}`).digest("base64url")
}

/** For the store middleware: the lines and their proof, bound to the payment collection's amount and currency. */
export function stampCartLines(
  secret: string,
  lines: CartLine[],
  collection: { amount: unknown; currency: unknown },
  now = Date.now()
): { cart_lines: string; cart_lines_proof: string } | Record<string, never> {
  const scope = scopeOf(collection.amount, collection.currency)
  if (!scope || lines.length === 0) return {}
  const text = JSON.stringify(lines)
  const at = String(now)
  return { cart_lines: text, cart_lines_proof: `${at}.${proofOf(secret, text, scope, at)}` }
}

/**
 * The stamped lines in session data when their proof holds, is recent and names this payment's amount and
 * currency; undefined otherwise (a shopper's own `cart_lines` are never used).
 */
export function verifiedCartLines(
  secret: string | undefined,
  data: Record<string, unknown> | undefined,
  payment: { amount: unknown; currency: unknown },
  now = Date.now()
): CartLine[] | undefined {
  const text = data?.cart_lines
  const proof = data?.cart_lines_proof
  if (!secret || typeof text !== "string" || typeof proof !== "string" || text.length > 200_000) return undefined
  const [at, mac] = proof.split(".")
  if (!at || !mac || !/^\d{1,16}$/.test(at)) return undefined
  const age = now - Number(at)
  if (age < -60_000 || age > CART_LINES_TTL_MS) return undefined
  const scope = scopeOf(payment.amount, payment.currency)
  if (!scope || !constantTimeEqual(mac, proofOf(secret, text, scope, at))) return undefined
  try {
    const parsed = cartLinesSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** A line's quantity as a whole number, or undefined when it has a fraction. */
export function wholeLineQuantity(line: Pick<CartLine, "quantity">): number | undefined {
  const q = new Decimal(line.quantity)
  return q.isInteger() && q.gte(1) && q.lte(2 ** 31 - 1) ? q.toNumber() : undefined
}
