import http from "node:http"
import type { AddressInfo } from "node:net"
import { Webhook } from "standardwebhooks"
import {
  DEFAULT_DODO_API_KEY,
  DEFAULT_DODO_PRODUCT_ID,
  DEFAULT_DODO_WEBHOOK_SECRET,
  DodoEmulator,
  startEmulators,
  DEFAULT_EMULATOR_PORTS,
} from "../index"
import { loadSpec } from "../../../test/contract/openapi"
import { callJson, useEmulator, type JsonAnswer as CallResult } from "../../../test/support/emulator"

const KEY = DEFAULT_DODO_API_KEY

async function call<T = any>(method: string, path: string, opts: { body?: unknown; rawBody?: string; key?: string | null; headers?: Record<string, string> } = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...opts.headers }
  const key = opts.key === undefined ? KEY : opts.key
  if (key !== null) headers.authorization = `Bearer ${key}`
  return callJson(emulator.url, method, path, { body: opts.body, rawBody: opts.rawBody, headers })
}

function expectError(res: CallResult, status: number, code: string) {
  expect(res.status).toBe(status)
  expect(res.body).toEqual({ code, message: expect.any(String) })
}

/** A checkout for `amount` through the default pay-what-you-want product, paid by the customer. */
async function paidPayment(amount = 4734, metadata: Record<string, string> = {}) {
  const checkout = await call("POST", "/checkouts", {
    body: { product_cart: [{ product_id: DEFAULT_DODO_PRODUCT_ID, quantity: 1, amount }], metadata },
  })
  expect(checkout.status).toBe(200)
  const paid = await call("POST", `/checkout/${checkout.body.session_id}/pay`, { key: null })
  expect(paid.status).toBe(200)
  return paid.body
}

async function multiItemPayment() {
  emulator.createProduct({ productId: "pdt_incl", price: 1100, currency: "USD", taxInclusive: true })
  emulator.createProduct({ productId: "pdt_excl", price: 1000, currency: "USD", taxInclusive: false })
  const checkout = await call("POST", "/checkouts", {
    body: { product_cart: [{ product_id: "pdt_incl", quantity: 2 }, { product_id: "pdt_excl", quantity: 1 }] },
  })
  return emulator.pay(checkout.body.session_id)
}

const emulator = useEmulator(new DodoEmulator())
beforeEach(() => {
  emulator.setWebhookUrl(undefined)
})
// The emulator's answers (and our test requests) follow Dodo's official spec, error bodies aside
// (the spec documents no error schema). The customer's checkout page is not part of the API, and
// GET /checkouts/{id} is newer than spec 1.53.2 (it comes from the official SDK).
afterEach(() => {
  const spec = loadSpec("dodopayments-1.53.2.openapi.yml")
  const problems = spec.check(emulator.requests().filter((r) => r.status < 400), { ignorePaths: /^\/checkout\/|^\/checkouts\/[^/]+$/ })
  expect(problems).toEqual([])
})

describe("auth and errors", () => {
  it("answers 401 UNAUTHORIZED without a valid Bearer key, 404 NOT_FOUND for unknown ids, 422 for bad bodies", async () => {
    expectError(await call("GET", "/payments/pay_x", { key: null }), 401, "UNAUTHORIZED")
    expectError(await call("GET", "/payments/pay_x", { key: "wrong" }), 401, "UNAUTHORIZED")
    expectError(await call("GET", "/payments/pay_unknown"), 404, "NOT_FOUND")
    expectError(await call("POST", "/refunds", { rawBody: "{not json", headers: { "content-type": "application/json" } }), 422, "INVALID_REQUEST_BODY")
    expectError(await call("POST", "/refunds", { body: { payment_id: 5 } }), 422, "INVALID_REQUEST_BODY")
    expectError(await call("POST", "/checkouts", { body: { product_cart: [] } }), 400, "PRODUCT_CART_EMTPY")
  })
})

describe("products and checkout sessions", () => {
  it("creates a one-time pay-what-you-want product and reads it back", async () => {
    const created = await call("POST", "/products", {
      body: { tax_category: "digital_products", price: { type: "one_time_price", price: 100, currency: "EUR", discount: 0, purchasing_power_parity: false, pay_what_you_want: true, tax_inclusive: true } },
    })
    expect(created.status).toBe(200)
    expect(created.body.price).toMatchObject({ pay_what_you_want: true, currency: "EUR", price: 100 })
    expect((await call("GET", `/products/${created.body.product_id}`)).body).toEqual(created.body)
  })

  it("validates the cart: unknown product, amount below the minimum, lower-case currency", async () => {
    expectError(await call("POST", "/checkouts", { body: { product_cart: [{ product_id: "pdt_nope", quantity: 1 }] } }), 404, "NOT_FOUND")
    emulator.createProduct({ productId: "pdt_min", price: 500, currency: "USD", payWhatYouWant: true })
    expectError(await call("POST", "/checkouts", { body: { product_cart: [{ product_id: "pdt_min", quantity: 1, amount: 499 }] } }), 400, "REQUEST_AMOUNT_BELOW_MINIMUM")
    expectError(
      await call("POST", "/checkouts", { body: { product_cart: [{ product_id: "pdt_min", quantity: 1, amount: 500 }], billing_currency: "usd" } }),
      422,
      "INVALID_REQUEST_BODY"
    )
  })

  it("a session makes one payment, in its billing currency, with metadata, line items and tax", async () => {
    const checkout = await call("POST", "/checkouts", {
      body: { product_cart: [{ product_id: DEFAULT_DODO_PRODUCT_ID, quantity: 1, amount: 4734 }], billing_currency: "EUR", metadata: { session_id: "payses_1" } },
    })
    expect(checkout.body).toEqual({ session_id: expect.stringMatching(/^cks_/), checkout_url: `${emulator.url}/checkout/${checkout.body.session_id}` })
    const page = await call("GET", `/checkout/${checkout.body.session_id}`, { key: null })
    expect(page.body).toMatchObject({ payment_id: null, metadata: { session_id: "payses_1" } })
    const payment = emulator.pay(checkout.body.session_id)
    // 10% tax inside a tax-inclusive price: 4734 * 1000 / 11000 = 430.36 → 430
    expect(payment).toMatchObject({ status: "succeeded", total_amount: 4734, tax: 430, currency: "EUR", metadata: { session_id: "payses_1" }, checkout_session_id: checkout.body.session_id })
    expect((await call("GET", `/payments/${payment.payment_id}/line-items`)).body).toEqual({
      currency: "EUR",
      items: [{ items_id: DEFAULT_DODO_PRODUCT_ID, amount: 4734, tax: 430, refundable_amount: 4734, name: expect.any(String), description: null }],
    })
    expectError(await call("POST", `/checkout/${checkout.body.session_id}/pay`, { key: null }), 409, "CHECKOUT_SESSION_CONSUMED")
  })

  it("adds tax on top of tax-exclusive prices", async () => {
    const payment = await multiItemPayment()
    expect(emulator.lineItems(payment.payment_id)!.items).toEqual([
      expect.objectContaining({ items_id: "pdt_incl", amount: 2200, tax: 200 }),
      expect.objectContaining({ items_id: "pdt_excl", amount: 1100, tax: 100 }),
    ])
    expect(payment).toMatchObject({ total_amount: 3300, tax: 300 })
  })

  it("GET /checkouts/{id} (official SDK's checkoutSessions.retrieve): the session's status, its payment once paid", async () => {
    const checkout = await call("POST", "/checkouts", {
      body: { product_cart: [{ product_id: DEFAULT_DODO_PRODUCT_ID, quantity: 1, amount: 500 }], customer: { name: "Ada", email: "ada@example.com" } },
    })
    const id = checkout.body.session_id
    const before = await call("GET", `/checkouts/${id}`)
    expect(before).toEqual({
      status: 200,
      body: { id, created_at: expect.any(String), customer_email: "ada@example.com", customer_name: "Ada", payment_id: null, payment_status: null },
    })
    const payment = emulator.pay(id, { customer: { name: "Ada L", email: "ada.l@example.com" } })
    // "prefers payment's customer, falls back to session" (SDK type CheckoutSessionStatus)
    expect((await call("GET", `/checkouts/${id}`)).body).toMatchObject({ payment_id: payment.payment_id, payment_status: "succeeded", customer_email: "ada.l@example.com", customer_name: "Ada L" })
    expectError(await call("GET", "/checkouts/cks_unknown"), 404, "NOT_FOUND")
    expectError(await call("GET", `/checkouts/${id}`, { key: null }), 401, "UNAUTHORIZED")
  })

  it("answers carry the fields the official SDK's Payment and PaymentListResponse types call required", async () => {
    const paid = await paidPayment(100)
    const sdkPayment = { is_multi_subscription: false, is_update_payment_method: false, payment_provider: "dodo", retry_attempt: 0, subscription_ids: [] }
    expect((await call("GET", `/payments/${paid.payment_id}`)).body).toMatchObject(sdkPayment)
    expect((await call("GET", "/payments")).body.items[0]).toMatchObject({ has_license_key: false, is_multi_subscription: false, payment_provider: "dodo", subscription_ids: [] })
  })

  it("pages count from 0 (spec: page_number \"default is 0\"): no page_number is page 0", async () => {
    const ids = []
    for (let i = 0; i < 3; i++) ids.unshift((await paidPayment(100 + i)).payment_id)
    const ofPage = async (query: string) => (await call("GET", `/payments?page_size=2${query}`)).body.items.map((p: any) => p.payment_id)
    expect(await ofPage("")).toEqual(ids.slice(0, 2))
    expect(await ofPage("&page_number=0")).toEqual(ids.slice(0, 2))
    expect(await ofPage("&page_number=1")).toEqual(ids.slice(2))
    expect(await ofPage("&page_number=2")).toEqual([])
    expectError(await call("GET", "/payments?page_number=-1"), 422, "INVALID_QUERY_PARAMS")
  })

  it("lists payments newest first with created_at, status and page filters", async () => {
    const a = await paidPayment(100)
    const b = await paidPayment(200)
    const list = await call("GET", `/payments?page_size=1&page_number=0&status=succeeded&created_at_gte=${encodeURIComponent(a.created_at)}`)
    expect(list.body.items.map((p: any) => p.payment_id)).toEqual([b.payment_id])
    const second = await call("GET", "/payments?page_size=1&page_number=1")
    expect(second.body.items.map((p: any) => p.payment_id)).toEqual([a.payment_id])
    expectError(await call("GET", "/payments?page_size=101"), 422, "INVALID_QUERY_PARAMS")
  })
})

describe("refunds", () => {
  it("full refund without items refunds everything once; a second gets PAYMENT_ALREADY_REFUNDED", async () => {
    const payment = await paidPayment(4734)
    const refund = await call("POST", "/refunds", { body: { payment_id: payment.payment_id, reason: "return", metadata: { medusa_refund_id: "ref_1" } } })
    expect(refund.body).toMatchObject({ amount: 4734, is_partial: false, status: "succeeded", currency: "USD", metadata: { medusa_refund_id: "ref_1" } })
    expectError(await call("POST", "/refunds", { body: { payment_id: payment.payment_id } }), 400, "PAYMENT_ALREADY_REFUNDED")
    const read = await call("GET", `/payments/${payment.payment_id}`)
    expect(read.body.refunds).toEqual([expect.objectContaining({ refund_id: refund.body.refund_id, amount: 4734 })])
    expect(read.body.refunds[0].metadata).toBeUndefined() // list items carry no metadata
  })

  it("item refunds draw down refundable balances; too much, unknown, duplicate, fully refunded items are refused", async () => {
    const payment = await multiItemPayment()
    const id = payment.payment_id
    const r1 = await call("POST", "/refunds", { body: { payment_id: id, items: [{ item_id: "pdt_incl", amount: 1500 }, { item_id: "pdt_excl", amount: 100, tax_inclusive: false }] } })
    // 100 without tax at the line's 10% is 110 with it
    expect(r1.body).toMatchObject({ amount: 1610, is_partial: true })
    expect(emulator.lineItems(id)!.items.map((i) => i.refundable_amount)).toEqual([700, 990])
    expectError(await call("POST", "/refunds", { body: { payment_id: id, items: [{ item_id: "pdt_incl", amount: 701 }] } }), 400, "LINE_ITEM_REFUND_AMOUNT_TOO_HIGH")
    expectError(await call("POST", "/refunds", { body: { payment_id: id, items: [{ item_id: "pdt_other", amount: 1 }] } }), 400, "LINE_ITEM_NOT_FOUND")
    expectError(await call("POST", "/refunds", { body: { payment_id: id, items: [{ item_id: "pdt_incl", amount: 1 }, { item_id: "pdt_incl", amount: 1 }] } }), 400, "DUPLICATE_LINE_ITEMS_IN_REQUEST")
    expectError(await call("POST", "/refunds", { body: { payment_id: id, items: [{ item_id: "pdt_incl", amount: 0 }] } }), 400, "LINE_ITEM_REFUND_AMOUNT_TOO_LOW")
    expectError(await call("POST", "/refunds", { body: { payment_id: id } }), 400, "REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT")
    const r2 = await call("POST", "/refunds", { body: { payment_id: id, items: [{ item_id: "pdt_incl" }] } }) // no amount: the whole rest of the item
    expect(r2.body.amount).toBe(700)
    expectError(await call("POST", "/refunds", { body: { payment_id: id, items: [{ item_id: "pdt_incl", amount: 1 }] } }), 400, "LINE_ITEM_FULLY_REFUNDED")
    expect(emulator.refundSplit(r1.body.refund_id)).toEqual([
      { items_id: "pdt_incl", amount: 1500 },
      { items_id: "pdt_excl", amount: 110 },
    ])
  })

  it("refuses a top-level amount (CreateRefundRequest has none: partial refunds name items) instead of refunding everything", async () => {
    const payment = await paidPayment(1000)
    expectError(await call("POST", "/refunds", { body: { payment_id: payment.payment_id, amount: 100 } }), 422, "INVALID_REQUEST_BODY")
    expectError(await call("POST", "/refunds", { body: { payment_id: payment.payment_id, note: "x" } }), 422, "INVALID_REQUEST_BODY")
    expect(emulator.listRefunds()).toEqual([])
    expect(emulator.lineItems(payment.payment_id)!.items[0]!.refundable_amount).toBe(1000)
  })

  it("reason: at most 3000 characters, counted as characters (an emoji is one), not UTF-16 units", async () => {
    const payment = await paidPayment(1000)
    const item = (amount: number) => [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount }]
    expectError(await call("POST", "/refunds", { body: { payment_id: payment.payment_id, items: item(1), reason: "x".repeat(3001) } }), 422, "INVALID_REQUEST_BODY")
    const emoji = await call("POST", "/refunds", { body: { payment_id: payment.payment_id, items: item(1), reason: "🙂".repeat(3000) } })
    expect(emoji.status).toBe(200)
    expect([...emoji.body.reason]).toHaveLength(3000)
  })

  it("refuses refunds of unsucceeded and too old payments, and while one is pending", async () => {
    const checkout = await call("POST", "/checkouts", { body: { product_cart: [{ product_id: DEFAULT_DODO_PRODUCT_ID, quantity: 1, amount: 100 }] } })
    const failed = emulator.pay(checkout.body.session_id, { status: "failed" })
    expectError(await call("POST", "/refunds", { body: { payment_id: failed.payment_id } }), 400, "PAYMENT_NOT_SUCCEEDED")
    const old = await paidPayment(100)
    emulator.agePayment(old.payment_id, 91)
    expectError(await call("POST", "/refunds", { body: { payment_id: old.payment_id } }), 400, "REFUND_WINDOW_EXPIRED")
    const payment = await paidPayment(1000)
    emulator.queueRefundOutcome("pending")
    await call("POST", "/refunds", { body: { payment_id: payment.payment_id, items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 100 }] } })
    expectError(
      await call("POST", "/refunds", { body: { payment_id: payment.payment_id, items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 100 }] } }),
      409,
      "EXISTING_REFUND_REQUEST_PROCESSING"
    )
  })

  it("pending and review refunds end succeeded or failed; a failed one gives its amount back", async () => {
    const payment = await paidPayment(1000)
    emulator.queueRefundOutcome("review")
    const r = await call("POST", "/refunds", { body: { payment_id: payment.payment_id, items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 400 }] } })
    expect(r.body.status).toBe("review")
    expect(emulator.lineItems(payment.payment_id)!.items[0]!.refundable_amount).toBe(600)
    emulator.settleRefund(r.body.refund_id, "failed")
    expect(emulator.lineItems(payment.payment_id)!.items[0]!.refundable_amount).toBe(1000)
    expect((await call("GET", `/refunds/${r.body.refund_id}`)).body.status).toBe("failed")
    expect(emulator.webhookDeliveries().map((d) => d.type)).toEqual(["payment.succeeded", "refund.failed"])
    const list = await call("GET", "/refunds?status=failed")
    expect(list.body.items.map((i: any) => i.refund_id)).toEqual([r.body.refund_id])
  })
})

describe("webhooks", () => {
  it("posts Standard Webhooks signed events to the configured URL", async () => {
    const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = []
    const server = http.createServer((req, res) => {
      let body = ""
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        received.push({ headers: req.headers, body })
        res.writeHead(200).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    try {
      emulator.setWebhookUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`)
      const payment = await paidPayment(1234, { session_id: "payses_w" })
      await emulator.flushWebhooks()
      expect(received).toHaveLength(1)
      const verified = new Webhook(DEFAULT_DODO_WEBHOOK_SECRET).verify(received[0]!.body, received[0]!.headers as Record<string, string>) as any
      expect(verified).toMatchObject({ type: "payment.succeeded", data: { payload_type: "Payment", payment_id: payment.payment_id, total_amount: 1234, metadata: { session_id: "payses_w" } } })
      expect(emulator.webhookDeliveries()[0]).toMatchObject({ status: 200, webhookId: received[0]!.headers["webhook-id"] })
      const spec = loadSpec("dodopayments-1.53.2.openapi.yml")
      expect(spec.validateRequest("POST", "/your-webhook-url", verified)).toEqual([])
    } finally {
      // fetch keeps its connections alive for seconds; close() alone would wait for them.
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })
})

describe("control API and registration", () => {
  it("exposes state and resets, and starts with the others", async () => {
    await paidPayment(100)
    const state = await (await fetch(`${emulator.url}/__emulator/state`)).json()
    expect(state.payments).toHaveLength(1)
    expect(state.products.map((p: any) => p.product_id)).toContain(DEFAULT_DODO_PRODUCT_ID)
    await fetch(`${emulator.url}/__emulator/reset`, { method: "POST" })
    expect(emulator.listPayments()).toHaveLength(0)
    expect(DEFAULT_EMULATOR_PORTS.dodo).toBe(4540)
    const all = await startEmulators()
    try {
      expect(all.dodo).toBeInstanceOf(DodoEmulator)
      expect(all.dodo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    } finally {
      await all.stop()
    }
  })
})
