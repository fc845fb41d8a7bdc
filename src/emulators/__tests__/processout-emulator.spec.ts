import http from "node:http"
import type { AddressInfo } from "node:net"
import { ProcessOutEmulator, DEFAULT_PROCESSOUT_PROJECT_ID, DEFAULT_PROCESSOUT_PROJECT_SECRET, startEmulators } from "../index"
import { loadSpec } from "../../../test/contract/openapi"
import { callJson, useEmulator } from "../../../test/support/emulator"

const OTHER = { id: "test-proj_other", secret: "key_sandbox_other" }
const basic = (id = DEFAULT_PROCESSOUT_PROJECT_ID, secret = DEFAULT_PROCESSOUT_PROJECT_SECRET) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`

let seq = 0
const card = (kind = "ok") => `card_${kind}_${++seq}`

interface CallOptions {
  body?: unknown
  rawBody?: string
  headers?: Record<string, string>
  auth?: string | null
}

async function call(method: string, path: string, opts: CallOptions = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { ...opts.headers }
  const auth = opts.auth === undefined ? basic() : opts.auth
  if (auth !== null) headers.authorization = auth
  return callJson(emulator.url, method, path, { body: opts.body, rawBody: opts.rawBody, headers })
}

function expectError(res: { status: number; body: any }, status: number, errorType: string, message?: RegExp) {
  expect(res.status).toBe(status)
  expect(res.body).toEqual({ success: false, error_type: errorType, message: expect.any(String) })
  if (message) expect(res.body.message).toMatch(message)
}

async function invoice(amount = "50", currency = "USD", extra: Record<string, unknown> = {}) {
  const res = await call("POST", "/invoices", { body: { name: "Order 1", amount, currency, metadata: { session_id: "payses_1" }, ...extra } })
  expect(res.status).toBe(200)
  return res.body.invoice
}

async function captured(amount = "50", currency = "USD") {
  const iv = await invoice(amount, currency)
  const res = await call("POST", `/invoices/${iv.id}/capture`, { body: { source: card() } })
  expect(res.status).toBe(200)
  return { invoice: iv, transaction: res.body.transaction }
}

const emulator = useEmulator(new ProcessOutEmulator({ projects: [{ id: DEFAULT_PROCESSOUT_PROJECT_ID, secret: DEFAULT_PROCESSOUT_PROJECT_SECRET }, OTHER] }))

// Every answer the emulator gives on an operation the assembled spec has must validate against it
// (deviations: see the provider's spec test for the reasons).
afterEach(() => {
  const spec = loadSpec("processout-apievangelist-assembled.openapi.json")
  const inSpec = emulator
    .requests()
    .filter((r) => !/^(POST \/invoices\/[^/]+\/void|POST \/transactions\/[^/]+\/refunds|GET \/transactions\/[^/]+\/refunds(\/[^/]+)?|\S+ \/nope)$/.test(`${r.method} ${r.path}`))
    .filter((r) => r.status !== 401 || r.path !== "/invoices" || r.method !== "GET")
  const problems = spec.check(inSpec, {
    deviations: [
      { problem: /^POST \/invoices request\/metadata must be string$/, reason: "metadata is a key/value object (SDK, answers)" },
      { problem: /must match exactly one schema in oneOf$/, reason: "two examples turned into a oneOf" },
      { problem: /request\/(amount|name|currency|metadata) must be (string|object)$/, reason: "deliberately malformed requests in this file" },
      { problem: /request must have required property '(name|amount|currency)'$/, reason: "deliberately incomplete requests in this file" },
      { problem: /^POST \/invoices\/\{invoice_id\}\/refunds request\/reason must be string$/, reason: "the official SDK sends null for a reason not given (refund.ts createForInvoice)" },
    ],
  })
  expect(problems).toEqual([])
})

describe("server and auth", () => {
  it("answers 401 request.authentication.invalid without, or with wrong, Basic credentials", async () => {
    expectError(await call("POST", "/invoices", { body: {}, auth: null }), 401, "request.authentication.invalid", /Basic HTTP authentication/)
    expectError(await call("POST", "/invoices", { body: {}, auth: basic(DEFAULT_PROCESSOUT_PROJECT_ID, "wrong") }), 401, "request.authentication.invalid")
    expect((await call("POST", "/invoices", { body: { name: "x", amount: "1", currency: "EUR" }, auth: basic(OTHER.id, OTHER.secret) })).status).toBe(200)
  })

  it("serves the control API and resets all state", async () => {
    await captured()
    const state = await fetch(`${emulator.url}/__emulator/state`).then((r) => r.json())
    expect(state.invoices).toHaveLength(1)
    expect(state.events.map((e: any) => e.name)).toEqual(["transaction.authorized", "transaction.captured"])
    await fetch(`${emulator.url}/__emulator/reset`, { method: "POST" })
    expect(emulator.listInvoices()).toEqual([])
    expect(emulator.listEvents()).toEqual([])
  })

  it("startEmulators() starts ProcessOut on its own port", async () => {
    const running = await startEmulators()
    try {
      const res = await fetch(`${running.processout.url}/invoices/iv_nope`, { headers: { authorization: basic() } })
      expect(res.status).toBe(404)
      expect(await res.json()).toMatchObject({ success: false, error_type: "resource.invoice.not-found" })
    } finally {
      await running.stop()
    }
  })
})

describe("invoices", () => {
  it("creates an invoice, echoing amounts without trailing zeros and the currency upper case", async () => {
    const iv = await invoice("29.00", "eur", { return_url: "https://shop.example/r", cancel_url: "https://shop.example/c" })
    expect(iv).toMatchObject({ id: expect.stringMatching(/^iv_[A-Za-z0-9]{32}$/), amount: "29", currency: "EUR", metadata: { session_id: "payses_1" }, return_url: "https://shop.example/r", cancel_url: "https://shop.example/c", sandbox: true })
    expect((await call("GET", `/invoices/${iv.id}`)).body).toEqual({ success: true, invoice: iv })
  })

  it.each([
    [{ amount: "10", currency: "USD" }, "request.validation.missing-name"],
    [{ name: "x", currency: "USD" }, "request.validation.missing-amount"],
    [{ name: "x", amount: "1.23456", currency: "USD" }, "request.validation.invalid-amount"],
    [{ name: "x", amount: 10, currency: "USD" }, "request.validation.invalid-amount"],
    [{ name: "x", amount: "0", currency: "USD" }, "request.validation.invalid-amount"],
    [{ name: "x", amount: "10", currency: "XTS" }, "request.validation.invalid-currency"],
    [{ name: "x", amount: "10", currency: "USD", metadata: { n: 1 } }, "request.validation.invalid-metadata"],
  ])("refuses %j with %s", async (body, errorType) => {
    expectError(await call("POST", "/invoices", { body }), 400, errorType)
    expect(emulator.listInvoices()).toHaveLength(0)
  })

  // Spec POST /invoices `amount`: "Maximum 4 decimal places supported as per ISO 4217", read per currency (README).
  it.each([
    ["10.001", "USD"],
    ["10.5", "JPY"],
    ["10.00", "JPY"],
    ["1.0001", "KWD"],
  ])("refuses %s %s: more decimals than the currency has", async (amount, currency) => {
    expectError(await call("POST", "/invoices", { body: { name: "x", amount, currency } }), 400, "request.validation.invalid-amount", new RegExp(`more decimal places than ${currency} has`))
    expect(emulator.listInvoices()).toHaveLength(0)
  })

  it("accepts 4 decimals (CLF) and answers 404 resource.invoice.not-found for an unknown invoice", async () => {
    expect((await invoice("1.2345", "CLF")).amount).toBe("1.2345")
    expectError(await call("GET", "/invoices/iv_unknown"), 404, "resource.invoice.not-found", /could not be found/)
  })
})

describe("authorize, capture, void", () => {
  it("authorizes with a card token; the transaction carries the invoice's metadata", async () => {
    const iv = await invoice("50")
    const res = await call("POST", `/invoices/${iv.id}/authorize`, { body: { source: card() } })
    expect(res.status).toBe(200)
    expect(res.body.transaction).toMatchObject({ status: "authorized", authorized: true, authorized_amount: "50", captured_amount: "0", available_amount: "0", metadata: { session_id: "payses_1" }, invoice_id: iv.id })
    expect(emulator.getInvoice(iv.id)!.transaction_id).toBe(res.body.transaction.id)
    expectError(await call("POST", `/invoices/${iv.id}/authorize`, { body: { source: card() } }), 400, "request.transaction.already-authorized")
  })

  it.each([
    ["declined", "card.declined"],
    ["insufficient", "card.insufficient-funds"],
    ["do-not-honor", "card.do-not-honor"],
  ])("declines a %s test card with 410 %s and a failed transaction; a new card can retry", async (kind, errorType) => {
    const iv = await invoice("50")
    expectError(await call("POST", `/invoices/${iv.id}/authorize`, { body: { source: card(kind) } }), 410, errorType)
    const tx = emulator.transactionOfInvoice(iv.id)!
    expect(tx).toMatchObject({ status: "failed", error_code: errorType, attempts_count: 1 })
    expect(emulator.listEvents().map((e) => e.name)).toEqual(["transaction.failed"])
    const retry = await call("POST", `/invoices/${iv.id}/authorize`, { body: { source: card() } })
    expect(retry.body.transaction).toMatchObject({ id: tx.id, status: "authorized", attempts_count: 2 })
  })

  it("refuses a missing or foreign source", async () => {
    const iv = await invoice()
    expectError(await call("POST", `/invoices/${iv.id}/authorize`, { body: {} }), 400, "request.validation.missing-source")
    expectError(await call("POST", `/invoices/${iv.id}/authorize`, { body: { source: "clv_123" } }), 400, "request.validation.invalid-source")
  })

  it("captures fully or partially, once, never more than authorized", async () => {
    const iv = await invoice("50")
    await call("POST", `/invoices/${iv.id}/authorize`, { body: { source: card() } })
    expectError(await call("POST", `/invoices/${iv.id}/capture`, { body: { capture_amount: "50.01" } }), 400, "request.validation.invalid-amount")
    const res = await call("POST", `/invoices/${iv.id}/capture`, { body: { capture_amount: "20.5" } })
    expect(res.body.transaction).toMatchObject({ status: "completed", captured: true, captured_amount: "20.5", available_amount: "20.5", authorized_amount: "50" })
    expectError(await call("POST", `/invoices/${iv.id}/capture`, { body: {} }), 400, "request.transaction.already-captured")
  })

  it("voids an authorization; a voided or captured transaction cannot be voided or captured", async () => {
    const iv = await invoice("50")
    await call("POST", `/invoices/${iv.id}/authorize`, { body: { source: card() } })
    const res = await call("POST", `/invoices/${iv.id}/void`, { body: {} })
    expect(res.body).toMatchObject({ success: true, transaction: { status: "voided", voided: true, voided_amount: "50" } })
    expectError(await call("POST", `/invoices/${iv.id}/void`, { body: {} }), 400, "request.transaction.already-voided")
    expectError(await call("POST", `/invoices/${iv.id}/capture`, { body: {} }), 400, "request.transaction.voided")
    const { invoice: paid } = await captured()
    expectError(await call("POST", `/invoices/${paid.id}/void`, { body: {} }), 400, "request.transaction.not-voidable")
  })
})

describe("refunds", () => {
  it("refunds partially then the rest; then 'No amount is available on the transaction to be refunded.'", async () => {
    const { invoice: iv, transaction } = await captured("50")
    const first = await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "20.25", reason: "customer_request", information: "returned", metadata: { medusa_refund_id: "ref_1" } } })
    expect(first.body).toEqual({
      success: true,
      refund: expect.objectContaining({ id: expect.stringMatching(/^refd_/), transaction_id: transaction.id, amount: "20.25", reason: "customer_request", information: "returned", has_failed: false, metadata: { medusa_refund_id: "ref_1" } }),
    })
    expectError(await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "30" } }), 400, "request.validation.invalid-amount", /greater than the amount available on the transaction \(29\.75\)/)
    expect((await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "29.75" } })).body.refund.reason).toBe("other")
    expect(emulator.getTransaction(transaction.id)).toMatchObject({ refunded_amount: "50", available_amount: "0", refunded: true })
    expectError(await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "1" } }), 400, "request.validation.invalid-amount", /^No amount is available on the transaction to be refunded\.$/)
  })

  it("refuses refunds of an authorization only, without an amount, or with an unknown reason", async () => {
    const iv = await invoice("50")
    await call("POST", `/invoices/${iv.id}/authorize`, { body: { source: card() } })
    expectError(await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "5" } }), 400, "request.validation.invalid-amount", /No amount is available/)
    const { invoice: paid } = await captured("50")
    expectError(await call("POST", `/invoices/${paid.id}/refunds`, { body: {} }), 400, "request.validation.missing-amount")
    expectError(await call("POST", `/invoices/${paid.id}/refunds`, { body: { amount: "5", reason: "requested_by_customer" } }), 400, "request.validation.invalid-reason")
    expect(emulator.listRefunds()).toHaveLength(0)
  })

  it("refuses capture and refund amounts with more decimals than the transaction's currency has", async () => {
    const iv = await invoice("5000", "JPY")
    await call("POST", `/invoices/${iv.id}/authorize`, { body: { source: card() } })
    expectError(await call("POST", `/invoices/${iv.id}/capture`, { body: { capture_amount: "100.5" } }), 400, "request.validation.invalid-amount", /more decimal places than JPY has \(0/)
    const tx = (await call("POST", `/invoices/${iv.id}/capture`, { body: {} })).body.transaction
    expectError(await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "1.5" } }), 400, "request.validation.invalid-amount", /more decimal places than JPY/)
    expectError(await call("POST", `/transactions/${tx.id}/refunds`, { body: { amount: "1.0" } }), 400, "request.validation.invalid-amount", /more decimal places than JPY/)
    expect((await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "15" } })).body.refund.amount).toBe("15")
    const usd = await captured("50")
    expectError(await call("POST", `/invoices/${usd.invoice.id}/refunds`, { body: { amount: "0.125" } }), 400, "request.validation.invalid-amount", /more decimal places than USD has \(2/)
    expect(emulator.listRefunds()).toHaveLength(1)
  })

  it("takes the nulls the official SDK sends for fields not given (refund.ts): reason null is the default `other`", async () => {
    const { invoice: iv } = await captured("50")
    const res = await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "5", reason: null, information: null, invoice_detail_ids: null, metadata: null } })
    expect(res.body.refund).toMatchObject({ amount: "5", reason: "other", information: "", metadata: {}, invoice_detail_ids: null })
  })

  it("refunds through the transaction (answer {success}) and lists and finds refunds", async () => {
    const { transaction } = await captured("50")
    const res = await call("POST", `/transactions/${transaction.id}/refunds`, { body: { amount: "5", reason: "fraud", invoice_detail_ids: [] } })
    expect(res.body).toEqual({ success: true })
    const list = await call("GET", `/transactions/${transaction.id}/refunds`)
    expect(list.body).toEqual({ success: true, refunds: [expect.objectContaining({ amount: "5", reason: "fraud" })] })
    const one = await call("GET", `/transactions/${transaction.id}/refunds/${list.body.refunds[0].id}`)
    expect(one.body.refund).toEqual(list.body.refunds[0])
    expectError(await call("GET", `/transactions/${transaction.id}/refunds/refd_nope`), 404, "resource.refund.not-found")
    expect((await call("GET", `/transactions/${transaction.id}`)).body.transaction.refunds).toHaveLength(1)
  })

  it("holds pending refunds against the balance until settled; failed ones give the amount back", async () => {
    const { invoice: iv, transaction } = await captured("50")
    emulator.refundMode = "pending"
    const a = (await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "30" } })).body.refund
    const b = (await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "20" } })).body.refund
    expect(emulator.getTransaction(transaction.id)).toMatchObject({ refunded_amount: "0", available_amount: "0" })
    emulator.settleRefund(a.id, "succeeded")
    emulator.settleRefund(b.id, "failed")
    expect(emulator.getTransaction(transaction.id)).toMatchObject({ refunded_amount: "30", available_amount: "20" })
    expect(emulator.listEvents().map((e) => e.name).slice(2)).toEqual([
      "transaction.operation.refund.pending",
      "transaction.operation.refund.pending",
      "transaction.refunded",
      "transaction.operation.refund.failed",
    ])
    emulator.refundMode = "fail"
    const failed = (await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "1" } })).body.refund
    expect(failed.has_failed).toBe(true)
    expect(emulator.getTransaction(transaction.id)).toMatchObject({ available_amount: "20" })
  })
})

describe("idempotency", () => {
  it("replays the first answer for the same key and request, and refuses the key for another request", async () => {
    const { invoice: iv } = await captured("50")
    const headers = { "idempotency-key": "ref_same" }
    const first = await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "5" }, headers })
    const again = await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "5" }, headers })
    expect(again.body).toEqual(first.body)
    expect(emulator.listRefunds()).toHaveLength(1)
    expectError(await call("POST", `/invoices/${iv.id}/refunds`, { body: { amount: "6" }, headers }), 400, "request.idempotency-key.conflict")
    // Keys are per project.
    expect((await call("POST", "/invoices", { body: { name: "x", amount: "1", currency: "EUR" }, headers, auth: basic(OTHER.id, OTHER.secret) })).status).toBe(200)
  })
})

describe("events and webhooks", () => {
  it("serves events by id to their project only", async () => {
    const { transaction } = await captured("50")
    const [authorized] = emulator.listEvents()
    const res = await call("GET", `/events/${authorized.id}`)
    expect(res.body).toEqual({ success: true, event: expect.objectContaining({ id: authorized.id, name: "transaction.authorized", data: expect.objectContaining({ transaction: expect.objectContaining({ id: transaction.id, status: "authorized" }) }) }) })
    expectError(await call("GET", `/events/${authorized.id}`, { auth: basic(OTHER.id, OTHER.secret) }), 404, "resource.event.not-found")
    expectError(await call("GET", "/events/ev_nope"), 404, "resource.event.not-found")
  })

  it("posts {event_id, event_type} unsigned to the project's webhook URL (an invoice's webhook_url wins)", async () => {
    const received: Array<{ path: string; body: any; headers: http.IncomingHttpHeaders }> = []
    const server = http.createServer((req, res) => {
      let text = ""
      req.on("data", (c) => (text += c))
      req.on("end", () => {
        received.push({ path: req.url ?? "", body: JSON.parse(text), headers: req.headers })
        res.end()
      })
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      emulator.webhookUrl = `${base}/project`
      await captured("50")
      const iv = await invoice("10", "USD", { webhook_url: `${base}/invoice` })
      await call("POST", `/invoices/${iv.id}/authorize`, { body: { source: card() } })
      await emulator.flushWebhooks()
      expect(received.map((r) => [r.path, r.body.event_type])).toEqual([
        ["/project", "transaction.authorized"],
        ["/project", "transaction.captured"],
        ["/invoice", "transaction.authorized"],
      ])
      expect(Object.keys(received[0].body).sort()).toEqual(["event_id", "event_type"])
      expect(Object.keys(received[0].headers).some((h) => /signature/i.test(h))).toBe(false)
      expect(emulator.webhookDeliveries().every((d) => d.status === 200)).toBe(true)
    } finally {
      emulator.webhookUrl = undefined
      server.close()
    }
  })
})
