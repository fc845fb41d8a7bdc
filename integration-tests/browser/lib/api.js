"use strict"
/**
 * Just enough of Medusa's HTTP API for the browser test: log in as the admin, and place a
 * fresh order paid with Clover on the dev store (storefront flow with the seeded publishable
 * key), captured, fulfilled, shipped and delivered, so the dashboard offers a return.
 */

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function client(baseUrl) {
  let token
  async function call(method, path, body, headers = {}) {
    // `medusa develop` restarts when any file of the repo changes: ride out a restart.
    for (let attempt = 0; ; attempt++) {
      let res
      try {
        res = await fetch(`${baseUrl}${path}`, {
          method,
          headers: {
            accept: "application/json",
            ...(body ? { "content-type": "application/json" } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...headers,
          },
          body: body ? JSON.stringify(body) : undefined,
        })
      } catch (e) {
        if (attempt < 30) {
          await sleep(1000)
          continue
        }
        throw new Error(`${method} ${path}: ${e.cause?.code || e.message}`)
      }
      const text = await res.text()
      let json
      try {
        json = text ? JSON.parse(text) : {}
      } catch {
        json = { raw: text.slice(0, 300) }
      }
      if (res.status === 502 || res.status === 503) {
        if (attempt < 30) {
          await sleep(1000)
          continue
        }
      }
      if (!res.ok) throw new Error(`${method} ${path} → HTTP ${res.status}: ${JSON.stringify(json).slice(0, 500)}`)
      return json
    }
  }
  return {
    call,
    async login(email, password) {
      const { token: t } = await call("POST", "/auth/user/emailpass", { email, password })
      token = t
      return t
    },
  }
}

/** Adds a payment provider to the seeded region (the dev seed enables only Clover there). */
async function enablePaymentProvider(admin, regionId, providerId) {
  const { region } = await admin.call("GET", `/admin/regions/${regionId}?fields=id,*payment_providers`)
  const ids = (region.payment_providers || []).map((p) => p.id)
  if (!ids.includes(providerId)) {
    await admin.call("POST", `/admin/regions/${regionId}`, { payment_providers: [...ids, providerId] })
  }
}

/**
 * A new order on the dev store paid with `providerId` at its emulator (`sessionData`: what the
 * storefront puts in the payment session, e.g. the processor's test token): authorized at cart
 * completion, then captured by the admin. Returns its ids, the order and the admin client.
 */
async function placeCapturedOrder(baseUrl, summary, { providerId, sessionData, label }, log = () => {}) {
  const store = client(baseUrl)
  const pk = { "x-publishable-api-key": summary.publishable_key }
  const admin = client(baseUrl)
  await admin.login(summary.admin_email, summary.admin_password)
  await enablePaymentProvider(admin, summary.region_id, providerId)

  const { products } = await store.call("GET", `/store/products?id=${summary.product_id}&fields=id,*variants`, undefined, pk)
  const variants = products[0].variants
  const address = {
    first_name: "Browser",
    last_name: "Test",
    address_1: "1 Demo St",
    city: "New York",
    country_code: "us",
    postal_code: "10001",
  }
  const { cart } = await store.call(
    "POST",
    "/store/carts",
    {
      region_id: summary.region_id,
      sales_channel_id: summary.sales_channel_id,
      email: "browser-test@example.com",
      shipping_address: address,
      billing_address: address,
      items: variants.map((v) => ({ variant_id: v.id, quantity: 1 })),
    },
    pk
  )
  const { shipping_options } = await store.call("GET", `/store/shipping-options?cart_id=${cart.id}`, undefined, pk)
  const option = shipping_options.find((o) => !o.name.toLowerCase().includes("return")) ?? shipping_options[0]
  await store.call("POST", `/store/carts/${cart.id}/shipping-methods`, { option_id: option.id }, pk)
  const { payment_collection } = await store.call("POST", "/store/payment-collections", { cart_id: cart.id }, pk)
  await store.call(
    "POST",
    `/store/payment-collections/${payment_collection.id}/payment-sessions`,
    { provider_id: providerId, data: sessionData },
    pk
  )
  const completed = await store.call("POST", `/store/carts/${cart.id}/complete`, {}, pk)
  if (completed.type !== "order") throw new Error(`cart completion failed: ${JSON.stringify(completed.error ?? completed).slice(0, 300)}`)
  const orderId = completed.order.id
  log(`placed order #${completed.order.display_id} (${orderId}), ${label} payment authorized`)

  const { order } = await admin.call("GET", `/admin/orders/${orderId}?fields=${encodeURIComponent(ORDER_FIELDS)}`)
  const payment = order.payment_collections.flatMap((pc) => pc.payments)[0]
  await admin.call("POST", `/admin/payments/${payment.id}/capture`, {})
  log(`captured payment ${payment.id}`)
  return { orderId, displayId: order.display_id, paymentId: payment.id, order, admin }
}

const ORDER_FIELDS = "id,display_id,total,currency_code,*items,*payment_collections.payments,*fulfillments"
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`

/**
 * A new order on the dev store, paid with Clover at the emulator: authorized at completion,
 * captured by the admin, then fulfilled, shipped and delivered. Returns its ids and total.
 */
async function placeDeliveredCloverOrder(baseUrl, summary, log = () => {}) {
  const sessionData = { source: `clv_test_browser_${unique()}`, customer_ip: "203.0.113.7" }
  const placed = await placeCapturedOrder(baseUrl, summary, { providerId: "pp_clover_clover", sessionData, label: "Clover" }, log)
  const { orderId, paymentId, admin } = placed
  let { order } = placed

  const { stock_locations } = await admin.call("GET", "/admin/stock-locations?limit=50")
  const location = stock_locations.find((l) => l.name === "Clover Demo Warehouse") ?? stock_locations[0]
  const items = order.items.map((i) => ({ id: i.id, quantity: Number(i.quantity) }))
  await admin.call("POST", `/admin/orders/${orderId}/fulfillments`, { items, location_id: location.id })
  ;({ order } = await admin.call("GET", `/admin/orders/${orderId}?fields=${encodeURIComponent(ORDER_FIELDS)}`))
  const fulfillment = order.fulfillments.find((f) => !f.canceled_at)
  await admin.call("POST", `/admin/orders/${orderId}/fulfillments/${fulfillment.id}/shipments`, { items })
  await admin.call("POST", `/admin/orders/${orderId}/fulfillments/${fulfillment.id}/mark-as-delivered`, {})
  log(`fulfilled, shipped and delivered order #${order.display_id}`)
  return { orderId, displayId: order.display_id, paymentId, total: order.total, items: order.items, admin }
}

/** A new order paid with Checkout.com (a `tok_` test token at its emulator), captured. */
function placeCapturedCheckoutOrder(baseUrl, summary, log = () => {}) {
  const sessionData = { token: `tok_browser_${unique()}` }
  return placeCapturedOrder(baseUrl, summary, { providerId: "pp_checkout_checkout", sessionData, label: "Checkout.com" }, log)
}

module.exports = { client, placeDeliveredCloverOrder, placeCapturedCheckoutOrder, sleep }
