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

/**
 * A new order on the dev store, paid with Clover at the emulator: authorized at completion,
 * captured by the admin, then fulfilled, shipped and delivered. Returns its ids and total.
 */
async function placeDeliveredCloverOrder(baseUrl, summary, log = () => {}) {
  const store = client(baseUrl)
  const pk = { "x-publishable-api-key": summary.publishable_key }
  const admin = client(baseUrl)
  await admin.login(summary.admin_email, summary.admin_password)

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
  const token = `clv_test_browser_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
  await store.call(
    "POST",
    `/store/payment-collections/${payment_collection.id}/payment-sessions`,
    { provider_id: "pp_clover_clover", data: { source: token, customer_ip: "203.0.113.7" } },
    pk
  )
  const completed = await store.call("POST", `/store/carts/${cart.id}/complete`, {}, pk)
  if (completed.type !== "order") throw new Error(`cart completion failed: ${JSON.stringify(completed.error ?? completed).slice(0, 300)}`)
  const orderId = completed.order.id
  log(`placed order #${completed.order.display_id} (${orderId}), Clover charge authorized`)

  const fields = "id,display_id,total,currency_code,*items,*payment_collections.payments,*fulfillments"
  let { order } = await admin.call("GET", `/admin/orders/${orderId}?fields=${encodeURIComponent(fields)}`)
  const payment = order.payment_collections.flatMap((pc) => pc.payments)[0]
  await admin.call("POST", `/admin/payments/${payment.id}/capture`, {})
  log(`captured payment ${payment.id}`)

  const { stock_locations } = await admin.call("GET", "/admin/stock-locations?limit=50")
  const location = stock_locations.find((l) => l.name === "Clover Demo Warehouse") ?? stock_locations[0]
  const items = order.items.map((i) => ({ id: i.id, quantity: Number(i.quantity) }))
  await admin.call("POST", `/admin/orders/${orderId}/fulfillments`, { items, location_id: location.id })
  ;({ order } = await admin.call("GET", `/admin/orders/${orderId}?fields=${encodeURIComponent(fields)}`))
  const fulfillment = order.fulfillments.find((f) => !f.canceled_at)
  await admin.call("POST", `/admin/orders/${orderId}/fulfillments/${fulfillment.id}/shipments`, { items })
  await admin.call("POST", `/admin/orders/${orderId}/fulfillments/${fulfillment.id}/mark-as-delivered`, {})
  log(`fulfilled, shipped and delivered order #${order.display_id}`)
  return { orderId, displayId: order.display_id, paymentId: payment.id, total: order.total, items: order.items, admin }
}

module.exports = { client, placeDeliveredCloverOrder, sleep }
