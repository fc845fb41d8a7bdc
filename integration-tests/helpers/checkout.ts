import type { AxiosInstance } from "axios"
import { call, SeededStore } from "./seed"

export type PlaceOrderOptions = {
  /** e.g. "pp_system_default", "pp_clover_clover". */
  providerId: string
  /** Payment session data, as a storefront would send it (card token etc.). */
  sessionData?: Record<string, unknown>
  /** Default: one of each seeded variant. */
  items?: { variantId: string; quantity: number }[]
  email?: string
}

export type PlacedOrder = {
  cart: any
  paymentCollection: any
  paymentSession: any
  order: any
}

export const TEST_ADDRESS = {
  first_name: "Ada",
  last_name: "Lovelace",
  address_1: "1 Test Street",
  city: "New York",
  province: "NY",
  postal_code: "10001",
  phone: "+12125550100",
}

export type ReadyCart = Omit<PlacedOrder, "order">

/**
 * The storefront flow up to (not including) completion: cart with items and a shipping
 * address, shipping method, payment collection, payment session for `providerId` with
 * `sessionData`.
 */
export async function prepareCheckout(
  api: AxiosInstance,
  store: SeededStore,
  opts: PlaceOrderOptions
): Promise<ReadyCart> {
  const sh = store.storeHeaders
  const items = opts.items ?? store.variants.map((v) => ({ variantId: v.id, quantity: 1 }))

  const { cart: created } = await call(
    "create cart",
    api.post(
      "/store/carts",
      {
        region_id: store.region.id,
        sales_channel_id: store.salesChannel.id,
        currency_code: store.currencyCode,
        email: opts.email ?? "buyer@test.local",
        shipping_address: { ...TEST_ADDRESS, country_code: store.countryCode },
        billing_address: { ...TEST_ADDRESS, country_code: store.countryCode },
        items: items.map((i) => ({ variant_id: i.variantId, quantity: i.quantity })),
      },
      sh
    )
  )

  const { shipping_options } = await call(
    "list shipping options",
    api.get(`/store/shipping-options?cart_id=${created.id}`, sh)
  )
  const option = shipping_options.find((o: any) => o.id === store.shippingOption.id)
  if (!option) {
    throw new Error(
      `seeded shipping option ${store.shippingOption.id} is not offered for the cart ` +
        `(offered: ${JSON.stringify(shipping_options.map((o: any) => o.id))})`
    )
  }
  await call(
    "add shipping method",
    api.post(`/store/carts/${created.id}/shipping-methods`, { option_id: option.id }, sh)
  )

  const { payment_collection } = await call(
    "create payment collection",
    api.post("/store/payment-collections", { cart_id: created.id }, sh)
  )
  const sessionBody: Record<string, unknown> = { provider_id: opts.providerId }
  if (opts.sessionData) sessionBody.data = opts.sessionData
  const { payment_collection: withSession } = await call(
    `create payment session (${opts.providerId})`,
    api.post(`/store/payment-collections/${payment_collection.id}/payment-sessions`, sessionBody, sh)
  )
  const paymentSession = withSession.payment_sessions?.find(
    (s: any) => s.provider_id === opts.providerId
  )

  const { cart } = await call("read cart", api.get(`/store/carts/${created.id}`, sh))

  return { cart, paymentCollection: withSession, paymentSession }
}

/**
 * POST /store/carts/:id/complete. Returns Medusa's body as is:
 * `{ type: "order", order }` or, when payment fails, `{ type: "cart", cart, error }`.
 * Rejects on HTTP errors (with the response attached).
 */
export async function completeCart(api: AxiosInstance, store: SeededStore, cartId: string) {
  return call("complete cart", api.post(`/store/carts/${cartId}/complete`, {}, store.storeHeaders))
}

/** prepareCheckout + completeCart; throws unless an order was created. */
export async function placeOrder(
  api: AxiosInstance,
  store: SeededStore,
  opts: PlaceOrderOptions
): Promise<PlacedOrder> {
  const ready = await prepareCheckout(api, store, opts)
  const completed = await completeCart(api, store, ready.cart.id)
  if (completed.type !== "order" || !completed.order) {
    throw new Error(`cart completion did not produce an order: ${JSON.stringify(completed)}`)
  }
  return { ...ready, order: completed.order }
}
