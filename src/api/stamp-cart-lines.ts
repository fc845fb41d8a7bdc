import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { cartLinesFromItems, type CartLine } from "../core/cart-lines"
import { pluginProvider } from "./plugin-provider"

type CartLinesProvider = {
  stampCartLines?(lines: CartLine[], collection: { amount: unknown; currency: unknown }): Record<string, string>
}

/** The fields read: the cart's lines through the payment collection's cart link (link-modules CartPaymentCollection). */
export const CART_LINE_FIELDS = [
  "id",
  "amount",
  "raw_amount",
  "currency_code",
  "cart.items.id",
  "cart.items.variant_id",
  "cart.items.variant_sku",
  "cart.items.title",
  "cart.items.product_title",
  "cart.items.variant_title",
  "cart.items.quantity",
  "cart.items.unit_price",
  "cart.items.raw_unit_price",
]

/**
 * For `POST /store/payment-collections/:id/payment-sessions`: whatever `cart_lines` the shopper sent is
 * dropped, and, for a provider that takes cart lines (ProcessOut's invoice details), the cart's own lines are
 * read server-side (query.graph, payment collection → cart) and stamped into the session data with the
 * provider's proof (src/core/cart-lines.ts). Best effort: a read that fails stamps nothing, and the payment
 * goes on without lines.
 */
export async function stampCartLines(req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction) {
  const body = req.body as { provider_id?: unknown; data?: unknown } | undefined
  if (!body || typeof body !== "object") return next()
  const data = body.data && typeof body.data === "object" && !Array.isArray(body.data) ? { ...(body.data as Record<string, unknown>) } : undefined
  if (data) {
    delete data.cart_lines
    delete data.cart_lines_proof
    body.data = data
  }
  const provider = pluginProvider<CartLinesProvider>(req, body.provider_id)
  const collectionId = req.params?.id
  if (!provider?.stampCartLines || typeof collectionId !== "string") return next()
  try {
    const query = req.scope.resolve(ContainerRegistrationKeys.QUERY) as {
      graph(input: Record<string, unknown>): Promise<{ data: Array<Record<string, any>> }>
    }
    const { data: collections } = await query.graph({ entity: "payment_collection", fields: CART_LINE_FIELDS, filters: { id: collectionId } })
    const collection = collections?.[0]
    const lines = cartLinesFromItems(collection?.cart?.items)
    const stamp = collection ? provider.stampCartLines(lines, { amount: collection.raw_amount ?? collection.amount, currency: collection.currency_code }) : {}
    if (Object.keys(stamp).length) body.data = { ...(data ?? {}), ...stamp }
  } catch {
    // No lines: the processor gets the payment without them (never a failed checkout for a detail).
  }
  next()
}
