import net from "node:net"
import { randomUUID } from "node:crypto"
import { CloverEmulator, DEFAULT_CLOVER_API_KEY, startEmulators, type CloverCharge, type CloverRefund } from "../index"
import { callJson, useEmulator, type JsonAnswer as CallResult } from "../../../test/support/emulator"

const KEY = DEFAULT_CLOVER_API_KEY
const OTHER_KEY = "second_merchant_key"

interface CallOptions {
  body?: unknown
  rawBody?: string
  headers?: Record<string, string>
  key?: string | null
  xff?: boolean
}

let tokenSeq = 0
/** Fresh single-use token per call; `kind` is embedded to trigger test behaviours. */
const token = (kind = "ok"): string => `clv_${kind}_${++tokenSeq}`

async function call<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...opts.headers }
  const key = opts.key === undefined ? KEY : opts.key
  if (key !== null) headers.authorization = `Bearer ${key}`
  if (opts.xff !== false && method === "POST") headers["x-forwarded-for"] ??= "203.0.113.7"
  return callJson(emulator.url, method, path, { body: opts.body, rawBody: opts.rawBody, headers })
}

/** Body is a CloverCharge on 200, a CloverErrorBody otherwise (hence untyped). */
async function charge(overrides: Record<string, unknown> = {}, opts: CallOptions = {}): Promise<CallResult> {
  return call("POST", "/v1/charges", {
    ...opts,
    body: { amount: 5000, currency: "usd", source: token(), ...overrides },
  })
}

async function okCharge(overrides: Record<string, unknown> = {}): Promise<CloverCharge> {
  const res = await charge(overrides)
  expect(res.status).toBe(200)
  return res.body as CloverCharge
}

/** Clover's error shape: the HTTP status as top-level `message`, the details in `error`. */
function expectError(res: CallResult, status: number, type: string, code: string, param?: string): void {
  expect(res.status).toBe(status)
  expect(res.body.message).toMatch(new RegExp(`^${status} \\S`))
  expect(res.body.error).toEqual(expect.objectContaining({ type, code, message: expect.any(String) }))
  if (param !== undefined) expect(res.body.error.param).toBe(param)
}

/** Raw HTTP/1.1 exchange on one connection: everything the server wrote until it closed. */
function rawExchange(text: string): Promise<string> {
  const { port } = new URL(emulator.url)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), "127.0.0.1", () => socket.write(text))
    let out = ""
    socket.setEncoding("utf8")
    socket.on("data", (d) => (out += d))
    socket.on("end", () => resolve(out))
    socket.on("error", reject)
    socket.setTimeout(3000, () => {
      socket.destroy()
      resolve(out)
    })
  })
}

const emulator = useEmulator(new CloverEmulator({ apiKeys: [KEY, OTHER_KEY] }))

describe("server core", () => {
  it("binds to 127.0.0.1 and exposes the base URL", () => {
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it("journals every request with lower-cased headers, raw body, parsed body, status and response", async () => {
    const res = await call("POST", "/v1/charges?trace=1", {
      body: { amount: 1234, currency: "usd", source: "clv_journal" },
      headers: { "X-Custom-Header": "Yes" },
    })
    expect(res.status).toBe(200)
    await call("GET", `/v1/charges/${res.body.id}`)

    const journal = emulator.requests()
    expect(journal).toHaveLength(2)
    const [post, get] = journal
    expect(post).toEqual(
      expect.objectContaining({
        id: 1,
        method: "POST",
        path: "/v1/charges",
        query: { trace: "1" },
        rawBody: '{"amount":1234,"currency":"usd","source":"clv_journal"}',
        body: { amount: 1234, currency: "usd", source: "clv_journal" },
        status: 200,
        response: res.body,
        sent: { status: 200, body: JSON.stringify(res.body) },
      })
    )
    expect(post!.headers["x-custom-header"]).toBe("Yes")
    expect(post!.headers["authorization"]).toBe(`Bearer ${KEY}`)
    expect(new Date(post!.at).toString()).not.toBe("Invalid Date")
    expect(get!.id).toBe(2)

    expect(emulator.requests({ method: "get" })).toHaveLength(1)
    expect(emulator.requests({ path: "/v1/charges" })).toHaveLength(1)
    expect(emulator.requests({ path: /^\/v1\/charges\/[A-Z0-9]{13}$/ })).toHaveLength(1)
  })

  it("answers a GET followed by stray bytes (clover-ecomm-sdk's `{}` after Content-Length: 0), then closes", async () => {
    const c = await okCharge()
    const head = `GET /v1/charges/${c.id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n`
    const out = await rawExchange(`${head}{}`)
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(out).toMatch(/\r\nconnection: close\r\n/i)
    expect(out.split("\r\n\r\n")[1]).toBe(JSON.stringify(emulator.getCharge(c.id)))
    expect(out.match(/HTTP\/1\.1/g)).toHaveLength(1) // no second, bare 400
    const get = emulator.requests({ method: "GET" })[0]!
    expect([get.status, get.sent?.status]).toEqual([200, 200])
  })

  it("still answers a connection that opens with garbage a bare 400, and journals nothing", async () => {
    expect(await rawExchange("{}\r\n\r\n")).toMatch(/^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n\r\n$/)
    expect(emulator.requests()).toEqual([])
  })

  it("ignores a body sent with GET, even one that is not JSON", async () => {
    const c = await okCharge()
    const out = await rawExchange(
      `GET /v1/charges/${c.id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{not json`
    )
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(emulator.requests({ method: "GET" })[0]).toMatchObject({ rawBody: "{not json", body: undefined, status: 200 })
  })

  it("journals what was written: nothing for a dropped answer, the bytes a scripted fault sent", async () => {
    emulator.injectFault({ path: "/v1/charges", fault: { kind: "reset_after_apply" } })
    await expect(charge()).rejects.toThrow()
    emulator.injectFault({ path: "/v1/charges", fault: { kind: "malformed_json" } })
    await call("POST", "/v1/charges", { body: { amount: 5000, currency: "usd", source: token() } }).catch(() => undefined)
    const [dropped, garbled] = emulator.requests()
    // `status` keeps the answer the fault withheld or replaced (what was applied); `sent` is the wire.
    expect(dropped).toMatchObject({ fault: "reset_after_apply", status: 200, sent: null })
    expect(garbled).toMatchObject({ fault: "malformed_json", status: 200, sent: { status: 200, body: '{"id": "truncat' } })
  })

  it("serves the control API without auth and keeps it out of the journal", async () => {
    const created = await okCharge()
    const list = await fetch(`${emulator.url}/__emulator/requests`).then((r) => r.json())
    expect(list.requests).toHaveLength(1)
    expect(list.requests[0].path).toBe("/v1/charges")

    const state = await fetch(`${emulator.url}/__emulator/state`).then((r) => r.json())
    expect(state.charges.map((c: CloverCharge) => c.id)).toEqual([created.id])

    const reset = await fetch(`${emulator.url}/__emulator/reset`, { method: "POST" })
    expect(reset.status).toBe(200)
    expect(emulator.requests()).toHaveLength(0)
    expect(emulator.getCharge(created.id)).toBeUndefined()

    const unknown = await fetch(`${emulator.url}/__emulator/nope`)
    expect(unknown.status).toBe(404)
    expect(emulator.requests()).toHaveLength(0)
  })

  it("reset() clears journal, charges, refunds, used tokens and idempotency keys", async () => {
    const source = token()
    const c = await okCharge({ source })
    await call("POST", "/v1/refunds", { body: { charge: c.id }, headers: { "idempotency-key": "k1" } })
    emulator.reset()
    expect(emulator.requests()).toEqual([])
    expect(emulator.listCharges()).toEqual([])
    expect(emulator.listRefunds()).toEqual([])
    // The token and the idempotency key are usable again.
    expect((await charge({ source })).status).toBe(200)
  })

  it("startEmulators() starts a Clover emulator and stops it", async () => {
    const running = await startEmulators({ clover: { port: 0 } })
    try {
      const res = await fetch(`${running.clover.url}/v1/charges`, { headers: { authorization: `Bearer ${KEY}` } })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ data: [] })
    } finally {
      await running.stop()
    }
    expect(() => running.clover.url).toThrow()
  })
})

describe("auth, routing and body handling", () => {
  it("rejects missing and unknown API keys with 401 in Clover's error shape", async () => {
    expectError(await call("GET", "/v1/charges", { key: null }), 401, "authentication_error", "unauthorized")
    expectError(await call("GET", "/v1/charges", { key: "wrong" }), 401, "authentication_error", "unauthorized")
    const basic = await fetch(`${emulator.url}/v1/charges`, { headers: { authorization: `Basic ${KEY}` } })
    expect(basic.status).toBe(401)
    expect(emulator.requests().map((r) => r.status)).toEqual([401, 401, 401])
  })

  it("accepts every configured key", async () => {
    expect((await call("GET", "/v1/charges", { key: OTHER_KEY })).status).toBe(200)
  })

  it("answers unknown routes with 404 in Clover's error shape", async () => {
    expectError(await call("GET", "/v1/payments"), 404, "invalid_request_error", "resource_missing")
    expectError(await call("DELETE", "/v1/charges"), 404, "invalid_request_error", "resource_missing")
    expectError(await call("GET", "/nothing-here", { key: null }), 404, "invalid_request_error", "resource_missing")
    // /v1 is auth-protected even for unknown paths.
    expect((await call("GET", "/v1/payments", { key: null })).status).toBe(401)
  })

  it("rejects malformed JSON with 400 invalid_request_error and applies nothing", async () => {
    const res = await call("POST", "/v1/charges", {
      rawBody: '{"amount": 100, "currency": "usd",',
      headers: { "content-type": "application/json" },
    })
    expectError(res, 400, "invalid_request_error", "invalid_request")
    expect(emulator.listCharges()).toEqual([])
    expect(emulator.requests()[0]!.rawBody).toBe('{"amount": 100, "currency": "usd",')
    expect(emulator.requests()[0]!.body).toBeUndefined()
  })

  it("rejects non-JSON content types on POST with 400", async () => {
    const res = await call("POST", "/v1/charges", {
      rawBody: "amount=100&currency=usd&source=clv_x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    })
    expectError(res, 400, "invalid_request_error", "invalid_request")
    expect(emulator.listCharges()).toEqual([])
  })

  it("rejects a JSON body that is not an object", async () => {
    expectError(await call("POST", "/v1/charges", { body: [1, 2] }), 400, "invalid_request_error", "invalid_request")
  })
})

describe("POST /v1/charges", () => {
  it("creates a captured charge with Clover's charge shape", async () => {
    const before = Date.now()
    const res = await charge({
      amount: 1099,
      source: "clv_1TSTSabc",
      description: "Order #1001",
      external_reference_id: "ORD 1001",
      metadata: { order_id: "order_1" },
      receipt_email: "buyer@example.com",
      ecomind: "ecom",
    })
    expect(res.status).toBe(200)
    const c = res.body
    expect(c).toEqual({
      id: expect.stringMatching(/^[0-9A-Z]{13}$/),
      object: "charge",
      amount: 1099,
      amount_refunded: 0,
      amount_captured: 1099,
      currency: "usd",
      created: expect.any(Number),
      captured: true,
      paid: true,
      status: "succeeded",
      refunded: false,
      source: { id: "clv_1TSTSabc", brand: "VISA", first6: "424242", last4: "4242" },
      outcome: { network_status: "approved_by_network", type: "authorized" },
      ref_num: expect.any(String),
      auth_code: expect.any(String),
      description: "Order #1001",
      external_reference_id: "ORD 1001",
      metadata: { order_id: "order_1" },
      receipt_email: "buyer@example.com",
      ecomind: "ecom",
    })
    expect(c.created).toBeGreaterThanOrEqual(before)
    expect(emulator.getCharge(c.id)).toEqual(c)
  })

  it("creates an uncaptured authorization when capture is false", async () => {
    const c = await okCharge({ capture: false })
    expect(c).toEqual(expect.objectContaining({ captured: false, amount_captured: 0, paid: true, status: "succeeded" }))
  })

  it("requires the x-forwarded-for header", async () => {
    expectError(await charge({}, { xff: false }), 400, "invalid_request_error", "missing", "x-forwarded-for")
    expect(emulator.listCharges()).toEqual([])
  })

  it.each([
    ["missing", undefined, "missing"],
    ["zero", 0, "invalid_charge_amount"],
    ["negative", -100, "invalid_charge_amount"],
    ["fractional", 10.5, "invalid_charge_amount"],
    ["string", "1000", "invalid_charge_amount"],
    ["null", null, "invalid_charge_amount"],
    ["unsafe integer", 2 ** 53, "invalid_charge_amount"],
    ["above $999,999.99", 100_000_000, "amount_too_large"],
  ])("rejects a %s amount", async (_label, amount, code) => {
    const res = await charge({ amount })
    expectError(res, 400, "invalid_request_error", code, "amount")
    expect(emulator.listCharges()).toEqual([])
  })

  it("accepts the maximum amount of 99,999,999 cents", async () => {
    expect((await okCharge({ amount: 99_999_999 })).amount).toBe(99_999_999)
  })

  it.each([["USD"], ["Usd"], ["us"], ["usdd"], ["xyz"], ["xau"], [840]])("rejects currency %p", async (currency) => {
    expectError(await charge({ currency }), 400, "invalid_request_error", "invalid_request", "currency")
  })

  it("requires currency and source", async () => {
    expectError(await charge({ currency: undefined }), 400, "invalid_request_error", "missing", "currency")
    expectError(await charge({ source: undefined }), 400, "invalid_request_error", "missing", "source")
  })

  it("accepts other lower-case ISO currencies", async () => {
    expect((await okCharge({ currency: "cad" })).currency).toBe("cad")
    expect((await okCharge({ currency: "jpy" })).currency).toBe("jpy")
  })

  it("validates optional fields", async () => {
    expectError(await charge({ external_reference_id: "1234567890123" }), 400, "invalid_request_error", "invalid_request", "external_reference_id")
    expectError(await charge({ external_reference_id: "AB-12" }), 400, "invalid_request_error", "invalid_request", "external_reference_id")
    expectError(await charge({ capture: "false" }), 400, "invalid_request_error", "invalid_request", "capture")
    expectError(await charge({ receipt_email: "not-an-email" }), 400, "invalid_request_error", "email_invalid", "receipt_email")
    expectError(await charge({ ecomind: "pos" }), 400, "invalid_request_error", "invalid_request", "ecomind")
    expectError(await charge({ metadata: "x" }), 400, "invalid_request_error", "invalid_request", "metadata")
    expectError(await charge({ description: "d".repeat(256) }), 400, "invalid_request_error", "invalid_request", "description")
    expect(emulator.listCharges()).toEqual([])
  })

  it("rejects sources that are not clv_ tokens", async () => {
    expectError(await charge({ source: "tok_visa" }), 400, "invalid_request_error", "invalid_request", "source")
  })

  it("lets a token be used only once", async () => {
    const source = token()
    await okCharge({ source })
    expectError(await charge({ source }), 400, "invalid_request_error", "token_already_used", "source")
    expect(emulator.listCharges()).toHaveLength(1)
  })

  it("declines tokens containing 'decline' with 402 card_declined / generic_decline", async () => {
    const res = await charge({ source: token("decline") })
    expectError(res, 402, "card_error", "card_declined")
    expect(res.body.error.decline_code).toBe("generic_decline")
    const failed = emulator.getCharge(res.body.error.charge)
    expect(failed).toEqual(
      expect.objectContaining({ status: "failed", paid: false, captured: false, amount_captured: 0, failure_code: "card_declined" })
    )
  })

  it("declines tokens containing 'insufficient' with decline_code insufficient_funds", async () => {
    const res = await charge({ source: token("insufficient") })
    expectError(res, 402, "card_error", "card_declined")
    expect(res.body.error.decline_code).toBe("insufficient_funds")
  })

  it("fails tokens containing 'processing_error' with 402 processing_error", async () => {
    const res = await charge({ source: token("processing_error") })
    expectError(res, 402, "card_error", "processing_error")
    expect(res.body.error.decline_code).toBeUndefined()
  })

  it("consumes a token on a declined attempt", async () => {
    const source = token("decline")
    expect((await charge({ source })).status).toBe(402)
    expectError(await charge({ source }), 400, "invalid_request_error", "token_already_used")
  })
})

describe("GET /v1/charges", () => {
  it("retrieves a charge and 404s unknown ids", async () => {
    const c = await okCharge()
    const got = await call("GET", `/v1/charges/${c.id}`)
    expect(got).toEqual({ status: 200, body: c })
    expectError(await call("GET", "/v1/charges/NOSUCHCHARGE1"), 404, "invalid_request_error", "resource_missing")
  })

  it("lists newest first, honours limit and cursors", async () => {
    const ids: string[] = []
    for (let i = 0; i < 4; i++) ids.push((await okCharge({ amount: 100 + i })).id)
    const newestFirst = [...ids].reverse()

    const all = await call("GET", "/v1/charges")
    expect(all.body.data.map((c: CloverCharge) => c.id)).toEqual(newestFirst)
    const two = await call("GET", "/v1/charges?limit=2")
    expect(two.body.data.map((c: CloverCharge) => c.id)).toEqual(newestFirst.slice(0, 2))
    const next = await call("GET", `/v1/charges?limit=2&starting_after=${newestFirst[1]}`)
    expect(next.body.data.map((c: CloverCharge) => c.id)).toEqual(newestFirst.slice(2, 4))
    const prev = await call("GET", `/v1/charges?limit=2&ending_before=${newestFirst[2]}`)
    expect(prev.body.data.map((c: CloverCharge) => c.id)).toEqual(newestFirst.slice(0, 2))

    expectError(await call("GET", "/v1/charges?limit=0"), 400, "invalid_request_error", "invalid_request", "limit")
    expectError(await call("GET", "/v1/charges?limit=101"), 400, "invalid_request_error", "invalid_request", "limit")
    expectError(await call("GET", "/v1/charges?limit=abc"), 400, "invalid_request_error", "invalid_request", "limit")
  })

  it("defaults to 10 results", async () => {
    for (let i = 0; i < 12; i++) await okCharge()
    expect((await call("GET", "/v1/charges")).body.data).toHaveLength(10)
  })
})

describe("POST /v1/charges/:id/capture", () => {
  it("captures the full authorized amount when amount is omitted", async () => {
    const auth = await okCharge({ capture: false, amount: 2500 })
    const res = await call("POST", `/v1/charges/${auth.id}/capture`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual(expect.objectContaining({ id: auth.id, captured: true, amount: 2500, amount_captured: 2500 }))
    expect(emulator.getCharge(auth.id)?.captured).toBe(true)
  })

  it("captures a partial amount", async () => {
    const auth = await okCharge({ capture: false, amount: 2500 })
    const res = await call("POST", `/v1/charges/${auth.id}/capture`, { body: { amount: 1800 } })
    expect(res.body).toEqual(expect.objectContaining({ captured: true, amount: 2500, amount_captured: 1800 }))
  })

  it("refuses to capture twice", async () => {
    const auth = await okCharge({ capture: false })
    await call("POST", `/v1/charges/${auth.id}/capture`)
    expectError(await call("POST", `/v1/charges/${auth.id}/capture`), 400, "invalid_request_error", "charge_already_captured")
    const sale = await okCharge()
    expectError(await call("POST", `/v1/charges/${sale.id}/capture`), 400, "invalid_request_error", "charge_already_captured")
  })

  it("validates the capture amount and the header", async () => {
    const auth = await okCharge({ capture: false, amount: 2500 })
    expectError(await call("POST", `/v1/charges/${auth.id}/capture`, { body: { amount: 2501 } }), 400, "invalid_request_error", "amount_too_large", "amount")
    expectError(await call("POST", `/v1/charges/${auth.id}/capture`, { body: { amount: 0 } }), 400, "invalid_request_error", "invalid_charge_amount", "amount")
    expectError(await call("POST", `/v1/charges/${auth.id}/capture`, { body: { amount: 12.5 } }), 400, "invalid_request_error", "invalid_charge_amount", "amount")
    expectError(await call("POST", `/v1/charges/${auth.id}/capture`, { xff: false }), 400, "invalid_request_error", "missing", "x-forwarded-for")
    expect(emulator.getCharge(auth.id)?.captured).toBe(false)
    expectError(await call("POST", "/v1/charges/NOSUCHCHARGE1/capture"), 404, "invalid_request_error", "resource_missing")
  })

  it("refuses to capture a failed charge", async () => {
    const declined = await charge({ source: token("decline"), capture: false })
    expectError(await call("POST", `/v1/charges/${declined.body.error.charge}/capture`), 400, "invalid_request_error", "invalid_request")
  })
})

describe("POST /v1/refunds", () => {
  it("refunds partially, then the remainder when amount is omitted", async () => {
    const c = await okCharge({ amount: 10_000 })
    const first = await call<CloverRefund>("POST", "/v1/refunds", {
      body: { charge: c.id, amount: 2_500, reason: "requested_by_customer", external_reference_id: "RMA 42", metadata: { return_id: "ret_1" } },
    })
    expect(first.status).toBe(200)
    expect(first.body).toEqual({
      id: expect.stringMatching(/^[0-9A-Z]{13}$/),
      object: "refund",
      amount: 2_500,
      charge: c.id,
      created: expect.any(Number),
      status: "succeeded",
      reason: "requested_by_customer",
      external_reference_id: "RMA 42",
      metadata: { return_id: "ret_1" },
    })
    expect(emulator.getCharge(c.id)).toEqual(expect.objectContaining({ amount_refunded: 2_500, refunded: false }))

    const rest = await call<CloverRefund>("POST", "/v1/refunds", { body: { charge: c.id } })
    expect(rest.body.amount).toBe(7_500)
    expect(emulator.getCharge(c.id)).toEqual(expect.objectContaining({ amount_refunded: 10_000, refunded: true }))
    expect(emulator.listRefunds(c.id).map((r) => r.amount)).toEqual([2_500, 7_500])

    expectError(await call("POST", "/v1/refunds", { body: { charge: c.id } }), 400, "invalid_request_error", "charge_already_refunded")
    expectError(await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 1 } }), 400, "invalid_request_error", "charge_already_refunded")
    expect(emulator.listRefunds(c.id)).toHaveLength(2)
  })

  it("does not require x-forwarded-for", async () => {
    const c = await okCharge()
    expect((await call("POST", "/v1/refunds", { body: { charge: c.id }, xff: false })).status).toBe(200)
  })

  it("refuses to refund more than remains, with amount_too_large", async () => {
    const c = await okCharge({ amount: 1_000 })
    await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 600 } })
    const res = await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 401 } })
    expectError(res, 400, "invalid_request_error", "amount_too_large", "amount")
    expect(res.body.error.message).toMatch(/exceeds the amount remaining on the charge/)
    expect(emulator.getCharge(c.id)?.amount_refunded).toBe(600)
    expect((await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 400 } })).status).toBe(200)
    expect(emulator.getCharge(c.id)?.refunded).toBe(true)
  })

  it("uses amount_captured as the refundable base of a partially captured charge", async () => {
    const auth = await okCharge({ capture: false, amount: 5_000 })
    await call("POST", `/v1/charges/${auth.id}/capture`, { body: { amount: 3_000 } })
    expectError(await call("POST", "/v1/refunds", { body: { charge: auth.id, amount: 3_001 } }), 400, "invalid_request_error", "amount_too_large")
    const full = await call("POST", "/v1/refunds", { body: { charge: auth.id } })
    expect(full.body.amount).toBe(3_000)
    expect(emulator.getCharge(auth.id)).toEqual(expect.objectContaining({ amount_refunded: 3_000, refunded: true }))
  })

  it.each([
    ["zero", 0],
    ["negative", -5],
    ["fractional", 1.5],
    ["string", "100"],
    ["null", null],
  ])("rejects a %s refund amount with invalid_charge_amount", async (_label, amount) => {
    const c = await okCharge()
    expectError(await call("POST", "/v1/refunds", { body: { charge: c.id, amount } }), 400, "invalid_request_error", "invalid_charge_amount", "amount")
    expect(emulator.listRefunds()).toEqual([])
    expect(emulator.getCharge(c.id)?.amount_refunded).toBe(0)
  })

  it("validates charge, reason and external_reference_id", async () => {
    const c = await okCharge()
    expectError(await call("POST", "/v1/refunds", { body: {} }), 400, "invalid_request_error", "missing", "charge")
    expectError(await call("POST", "/v1/refunds", { body: { charge: "NOSUCHCHARGE1" } }), 404, "invalid_request_error", "resource_missing", "charge")
    expectError(await call("POST", "/v1/refunds", { body: { charge: c.id, reason: "changed_mind" } }), 400, "invalid_request_error", "invalid_request", "reason")
    expectError(await call("POST", "/v1/refunds", { body: { charge: c.id, external_reference_id: "1234567890123" } }), 400, "invalid_request_error", "invalid_request", "external_reference_id")
    for (const reason of ["duplicate", "fraudulent", "requested_by_customer"]) {
      expect((await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 1, reason } })).status).toBe(200)
    }
  })

  it("refuses to refund a failed charge", async () => {
    const declined = await charge({ source: token("decline") })
    expectError(await call("POST", "/v1/refunds", { body: { charge: declined.body.error.charge } }), 400, "invalid_request_error", "invalid_request", "charge")
  })

  describe("uncaptured charges (authorization reversal)", () => {
    it("reverses the whole authorization when amount is omitted", async () => {
      const auth = await okCharge({ capture: false, amount: 4_200 })
      const res = await call<CloverRefund>("POST", "/v1/refunds", { body: { charge: auth.id } })
      expect(res.status).toBe(200)
      expect(res.body).toEqual(expect.objectContaining({ object: "refund", amount: 4_200, charge: auth.id, status: "succeeded" }))
      expect(emulator.getCharge(auth.id)).toEqual(
        expect.objectContaining({ captured: false, refunded: true, amount_refunded: 4_200, amount_captured: 0 })
      )
      expectError(await call("POST", `/v1/charges/${auth.id}/capture`), 400, "invalid_request_error", "invalid_request")
      expectError(await call("POST", "/v1/refunds", { body: { charge: auth.id } }), 400, "invalid_request_error", "charge_already_refunded")
      expect(emulator.getCharge(auth.id)?.captured).toBe(false)
    })

    it("refuses a partial refund of an uncaptured charge", async () => {
      const auth = await okCharge({ capture: false, amount: 4_200 })
      const res = await call("POST", "/v1/refunds", { body: { charge: auth.id, amount: 1_000 } })
      expectError(res, 400, "invalid_request_error", "invalid_request", "amount")
      expect(res.body.error.message).toMatch(/capture the charge first or reverse the whole authorization/)
      expect(emulator.getCharge(auth.id)).toEqual(expect.objectContaining({ refunded: false, amount_refunded: 0 }))
      expect(emulator.listRefunds()).toEqual([])
    })
  })
})

describe("a refund declined in Clover's answer (failNextRefund)", () => {
  it("answers 200 with status failed and a reason, refunds nothing, and keeps the failed refund", async () => {
    const c = await okCharge({ amount: 1_000 })
    emulator.failNextRefund("Issuer unavailable.")
    const failed = await call<CloverRefund>("POST", "/v1/refunds", { body: { charge: c.id, amount: 400 } })
    expect(failed.status).toBe(200)
    expect(failed.body).toMatchObject({ object: "refund", amount: 400, charge: c.id, status: "failed", failure_reason: "Issuer unavailable." })
    expect(emulator.getCharge(c.id)).toMatchObject({ amount_refunded: 0, refunded: false })
    expect((await call("GET", `/v1/refunds/${failed.body.id}`)).body).toEqual(failed.body)
    // Only one refund is declined; validation errors do not use it up.
    expectError(await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 5_000 } }), 400, "invalid_request_error", "amount_too_large")
    emulator.failNextRefund()
    expect((await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 5_000 } })).status).toBe(400)
    expect((await call("POST", "/v1/refunds", { body: { charge: c.id } })).body).toMatchObject({ status: "failed", amount: 1_000 })
    expect((await call("POST", "/v1/refunds", { body: { charge: c.id } })).body).toMatchObject({ status: "succeeded", amount: 1_000 })
  })
})

describe("GET /v1/refunds", () => {
  it("lists refunds newest first, filtered by charge, and retrieves one", async () => {
    const a = await okCharge({ amount: 1_000 })
    const b = await okCharge({ amount: 1_000 })
    const r1 = (await call("POST", "/v1/refunds", { body: { charge: a.id, amount: 100 } })).body
    const r2 = (await call("POST", "/v1/refunds", { body: { charge: b.id, amount: 200 } })).body
    const r3 = (await call("POST", "/v1/refunds", { body: { charge: a.id, amount: 300 } })).body

    const all = await call("GET", "/v1/refunds")
    expect(all.body).toEqual({ data: [r3, r2, r1] })
    expect((await call("GET", `/v1/refunds?charge=${a.id}`)).body.data.map((r: CloverRefund) => r.id)).toEqual([r3.id, r1.id])
    expect((await call("GET", `/v1/refunds?charge=${a.id}&limit=1`)).body.data.map((r: CloverRefund) => r.id)).toEqual([r3.id])
    expect((await call("GET", "/v1/refunds?charge=NOSUCHCHARGE1")).body).toEqual({ data: [] })

    expect(await call("GET", `/v1/refunds/${r2.id}`)).toEqual({ status: 200, body: r2 })
    expectError(await call("GET", "/v1/refunds/NOSUCHREFUND1"), 404, "invalid_request_error", "resource_missing")
    expect(emulator.getRefund(r1.id)).toEqual(r1)
  })
})

describe("idempotency-key", () => {
  it("replays the first refund response without applying it again", async () => {
    const c = await okCharge({ amount: 1_000 })
    const send = () => call("POST", "/v1/refunds", { body: { charge: c.id, amount: 300 }, headers: { "idempotency-key": "refund-key-1" } })
    const first = await send()
    const second = await send()
    expect(first.status).toBe(200)
    expect(second).toEqual(first)
    expect(emulator.listRefunds(c.id)).toHaveLength(1)
    expect(emulator.getCharge(c.id)?.amount_refunded).toBe(300)
    // Both requests arrived and are journaled.
    expect(emulator.requests({ method: "POST", path: "/v1/refunds" })).toHaveLength(2)
  })

  it("treats re-ordered JSON keys as the same request", async () => {
    const c = await okCharge()
    const h = { "idempotency-key": "k-order", "content-type": "application/json" }
    const a = await call("POST", "/v1/refunds", { rawBody: `{"charge":"${c.id}","amount":10}`, headers: h })
    const b = await call("POST", "/v1/refunds", { rawBody: `{"amount":10,"charge":"${c.id}"}`, headers: h })
    expect(b).toEqual(a)
    expect(emulator.listRefunds()).toHaveLength(1)
  })

  it("replays a charge without consuming the token again", async () => {
    const body = { amount: 700, currency: "usd", source: token() }
    const headers = { "idempotency-key": randomUUID() }
    const first = await call("POST", "/v1/charges", { body, headers })
    const retry = await call("POST", "/v1/charges", { body, headers })
    expect(first.status).toBe(200)
    expect(retry).toEqual(first)
    expect(emulator.listCharges()).toHaveLength(1)
  })

  it("replays the first error response too", async () => {
    const body = { amount: 700, currency: "usd", source: token("decline") }
    const headers = { "idempotency-key": randomUUID() }
    const first = await call("POST", "/v1/charges", { body, headers })
    const retry = await call("POST", "/v1/charges", { body, headers })
    expect(first.status).toBe(402)
    expect(retry).toEqual(first)
    expect(emulator.listCharges()).toHaveLength(1)
  })

  it("rejects the same key with a different body with 400 idempotency_error", async () => {
    const c = await okCharge({ amount: 1_000 })
    const headers = { "idempotency-key": "refund-key-2" }
    await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 100 }, headers })
    const conflict = await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 200 }, headers })
    expect(conflict.status).toBe(400)
    expect(conflict.body.error.type).toBe("idempotency_error")
    expect(emulator.listRefunds()).toHaveLength(1)
  })

  it("rejects the same key on a different path", async () => {
    const auth = await okCharge({ capture: false })
    const headers = { "idempotency-key": randomUUID() }
    expect((await call("POST", `/v1/charges/${auth.id}/capture`, { headers })).status).toBe(200)
    const other = await call("POST", "/v1/refunds", { body: { charge: auth.id }, headers })
    expect(other.body.error.type).toBe("idempotency_error")
  })

  it("scopes keys per API key", async () => {
    const c = await okCharge({ amount: 1_000 })
    const headers = { "idempotency-key": "same-key" }
    expect((await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 100 }, headers })).status).toBe(200)
    const other = await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 100 }, headers, key: OTHER_KEY })
    expect(other.status).toBe(200)
    expect(emulator.listRefunds(c.id)).toHaveLength(2)
  })

  it("refuses a charge or capture key that is not a version 4 UUID, and applies nothing", async () => {
    for (const key of ["charge-key-1", "ref_01ABC", "6ba7b810-9dad-11d1-80b4-00c04fd430c8" /* v1 */]) {
      expectError(await charge({}, { headers: { "idempotency-key": key } }), 400, "idempotency_error", "invalid_request", "idempotency-key")
    }
    const auth = await okCharge({ capture: false })
    expectError(await call("POST", `/v1/charges/${auth.id}/capture`, { headers: { "idempotency-key": "capt_1" } }), 400, "idempotency_error", "invalid_request")
    expect(emulator.listCharges()).toHaveLength(1)
    expect(emulator.getCharge(auth.id)?.captured).toBe(false)
    // Clover documents no key format for refunds: any key is taken there.
    expect((await call("POST", "/v1/refunds", { body: { charge: auth.id }, headers: { "idempotency-key": "ref_01ABC" } })).status).toBe(200)
  })

  it("applies requests without the header every time", async () => {
    const c = await okCharge({ amount: 1_000 })
    await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 100 } })
    await call("POST", "/v1/refunds", { body: { charge: c.id, amount: 100 } })
    expect(emulator.listRefunds(c.id)).toHaveLength(2)
  })
})

describe("webhookPayload", () => {
  it("builds a Clover app-webhook body", () => {
    const before = Date.now()
    const payload = emulator.webhookPayload("J8Y3QFRM3F1E0", "UPDATE")
    expect(payload).toEqual({
      appId: emulator.appId,
      merchants: { [emulator.merchantId]: [{ objectId: "P:J8Y3QFRM3F1E0", type: "UPDATE", ts: expect.any(Number) }] },
    })
    expect(payload.merchants[emulator.merchantId]![0]!.ts).toBeGreaterThanOrEqual(before)
  })
})
