import http from "node:http"
import crypto from "node:crypto"
import type { AddressInfo } from "node:net"
import {
  CheckoutEmulator,
  DEFAULT_CHECKOUT_ABC_SECRET_KEY as ABC,
  DEFAULT_CHECKOUT_SECRET_KEY as NAS,
  DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY,
  PARTIAL_ACTION_LIMIT,
} from "../checkout"
import { startEmulators } from "../index"
import { callJson, useEmulator, type JsonAnswer as CallResult } from "../../../test/support/emulator"

let seq = 0
const tok = (kind = "ok") => `tok_${kind}_${++seq}`

async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<CallResult<T>> {
  return callJson(emulator.url, method, path, { body, headers: { authorization: path.startsWith("/v2/") ? ABC : `Bearer ${NAS}`, ...headers } })
}

async function pay(amount: number, currency = "USD", capture = false, extra: Record<string, unknown> = {}) {
  const res = await call("POST", "/payments", { source: { type: "token", token: tok() }, amount, currency, capture, ...extra })
  expect(res.status).toBe(201)
  return res.body
}

const emulator = useEmulator(new CheckoutEmulator({ refundDelayMs: null }))
beforeEach(() => {
  emulator.refundDelayMs = null
  emulator.webhookUrl = undefined
})

describe("authentication", () => {
  it("takes current keys as Bearer only and previous-structure keys raw only; classic takes raw keys", async () => {
    const body = { source: { type: "token", token: tok() }, amount: 100, currency: "USD" }
    expect((await call("POST", "/payments", body, { authorization: NAS })).status).toBe(401)
    expect((await call("POST", "/payments", body, { authorization: `Bearer ${ABC}` })).status).toBe(401)
    expect((await call("POST", "/payments", body, { authorization: "" })).status).toBe(401)
    expect((await call("POST", "/payments", body, { authorization: ABC })).status).toBe(201)
    const classic = await call("GET", "/v2/charges/charge_test_x", undefined, { authorization: `Bearer ${NAS}` })
    expect(classic.status).toBe(401)
    expect(classic.body).toMatchObject({ errorCode: "70000" })
  })
})

describe("Payments API rules", () => {
  it("answers a card payment 201 with Checkout.com's fields, balances for current accounts only", async () => {
    const p = await pay(6540)
    expect(p).toMatchObject({ id: expect.stringMatching(/^pay_[a-z2-7]{26}$/), action_id: expect.stringMatching(/^act_/), amount: 6540, currency: "USD", approved: true, status: "Authorized", response_code: "10000" })
    expect((await call("GET", `/payments/${p.id}`)).body.balances).toMatchObject({ total_authorized: 6540, available_to_capture: 6540 })
    expect((await call("GET", `/payments/${p.id}`, undefined, { authorization: ABC })).body.balances).toBeUndefined()
  })

  it("enforces the amount format: whole units, at most 9 digits, last digit 0 for 3-decimal currencies", async () => {
    const bad = async (amount: unknown, currency: string) => (await call("POST", "/payments", { source: { type: "token", token: tok() }, amount, currency })).body
    expect(await bad(1005, "KWD")).toMatchObject({ error_type: "request_invalid", error_codes: ["amount_invalid"] })
    expect(await bad(1000000000, "USD")).toMatchObject({ error_codes: ["amount_invalid"] })
    expect(await bad(10.5, "USD")).toMatchObject({ error_codes: ["amount_invalid"] })
    expect(await bad(100, "ZZZ")).toMatchObject({ error_codes: ["currency_invalid"] })
    expect((await pay(1010, "KWD")).amount).toBe(1010)
    expect((await pay(999999999, "JPY")).amount).toBe(999999999)
  })

  it("declines by token (201, approved false), asks for 3DS (202), refuses a used token", async () => {
    const declined = await call("POST", "/payments", { source: { type: "token", token: tok("decline") }, amount: 100, currency: "USD" })
    expect(declined).toMatchObject({ status: 201, body: { approved: false, status: "Declined", response_code: "20005" } })
    const pending = await call("POST", "/payments", { source: { type: "token", token: tok("3ds") }, amount: 100, currency: "USD" })
    expect(pending).toMatchObject({ status: 202, body: { status: "Pending", _links: { redirect: { href: expect.any(String) } } } })
    const token = tok()
    await call("POST", "/payments", { source: { type: "token", token }, amount: 100, currency: "USD" })
    expect((await call("POST", "/payments", { source: { type: "token", token }, amount: 100, currency: "USD" })).body.error_codes).toEqual(["token_used"])
  })

  it("replays an idempotent request and refuses the key with another body", async () => {
    const p = await pay(5000, "USD", true)
    const headers = { "cko-idempotency-key": "ref_same" }
    const first = await call("POST", `/payments/${p.id}/refunds`, { amount: 1000 }, headers)
    const again = await call("POST", `/payments/${p.id}/refunds`, { amount: 1000 }, headers)
    expect(again).toEqual(first)
    expect(emulator.listRefunds(p.id)).toHaveLength(1)
    const other = await call("POST", `/payments/${p.id}/refunds`, { amount: 2000 }, headers)
    expect(other).toMatchObject({ status: 409, body: { error_codes: ["idempotency_key_reused"] } })
  })

  it("captures in parts (NonFinal) up to the authorization, then refuses; voids only before capture", async () => {
    const p = await pay(5000)
    expect((await call("POST", `/payments/${p.id}/captures`, { amount: 2000, capture_type: "NonFinal" })).status).toBe(202)
    expect((await call("POST", `/payments/${p.id}/captures`, { amount: 3001 })).body).toMatchObject({ error_type: "processing_error", error_codes: ["capture_value_greater_than_remaining_authorized"] })
    expect((await call("GET", `/payments/${p.id}`)).body.status).toBe("Partially Captured")
    expect((await call("POST", `/payments/${p.id}/voids`, {})).status).toBe(403)
    // Without amount "the full payment amount" is captured: more than remains, so refused.
    expect((await call("POST", `/payments/${p.id}/captures`, {})).body).toMatchObject({ error_codes: ["capture_value_greater_than_remaining_authorized"] })
    expect((await call("POST", `/payments/${p.id}/captures`, { amount: 3000 })).status).toBe(202) // the rest
    expect((await call("GET", `/payments/${p.id}`)).body).toMatchObject({ status: "Captured", balances: { total_captured: 5000, available_to_capture: 0 } })
    expect((await call("POST", `/payments/${p.id}/captures`, {})).status).toBe(403)
    const q = await pay(700)
    expect((await call("POST", `/payments/${q.id}/voids`, { reference: "v1" })).status).toBe(202)
    expect((await call("GET", `/payments/${q.id}`)).body.status).toBe("Voided")
  })

  it("a partial capture without capture_type is Final: the rest of the authorization is voided (capture guide)", async () => {
    const p = await pay(5000)
    expect((await call("POST", `/payments/${p.id}/captures`, { amount: 2000 })).status).toBe(202)
    expect((await call("GET", `/payments/${p.id}`)).body).toMatchObject({ status: "Captured", balances: { total_captured: 2000, total_voided: 3000, available_to_capture: 0 } })
    expect((await call("POST", `/payments/${p.id}/captures`, { amount: 1000 })).status).toBe(403)
    const q = await pay(5000)
    await call("POST", `/payments/${q.id}/captures`, { amount: 2000, capture_type: "Final" })
    expect(emulator.balances(q.id)).toMatchObject({ total_voided: 3000, available_to_capture: 0 })
    expect((await call("POST", `/payments/${q.id}/captures`, { amount: 1, capture_type: "Later" })).body).toMatchObject({ error_codes: ["capture_type_invalid"] })
  })

  it("refunds asynchronously: 202, pending counts against the balance, the action appears once settled", async () => {
    const p = await pay(5000, "USD", true)
    expect((await call("POST", `/payments/${p.id}/refunds`, { amount: 100 }, {})).status).toBe(202)
    const pending = await call("POST", `/payments/${p.id}/refunds`, { amount: 4000, reference: "ref_1", metadata: { medusa_refund_id: "ref_1" } })
    expect(pending).toMatchObject({ status: 202, body: { action_id: expect.stringMatching(/^act_/), reference: "ref_1", _links: { payment: { href: expect.stringContaining(p.id) } } } })
    expect((await call("POST", `/payments/${p.id}/refunds`, { amount: 901 })).body).toMatchObject({ error_type: "processing_error", error_codes: ["amount_exceeds_balance"] })
    let actions = (await call("GET", `/payments/${p.id}/actions`)).body
    expect(actions.map((a: any) => a.type)).toEqual(["Capture", "Authorization"])
    emulator.settleRefunds()
    actions = (await call("GET", `/payments/${p.id}/actions`)).body
    expect(actions[0]).toMatchObject({ id: pending.body.action_id, type: "Refund", amount: 4000, approved: true, response_code: "10000", reference: "ref_1", metadata: { medusa_refund_id: "ref_1" } })
    expect((await call("GET", `/payments/${p.id}`)).body).toMatchObject({ status: "Partially Refunded", balances: { total_refunded: 4100, available_to_refund: 900 } })
    // Without amount "the full payment amount" is refunded: more than remains, so refused.
    expect((await call("POST", `/payments/${p.id}/refunds`, {})).body).toMatchObject({ error_codes: ["amount_exceeds_balance"] })
    expect((await call("POST", `/payments/${p.id}/refunds`, { amount: 900 })).status).toBe(202) // the rest
    emulator.settleRefunds()
    expect((await call("GET", `/payments/${p.id}`)).body.status).toBe("Refunded")
    expect((await call("POST", `/payments/${p.id}/refunds`, { amount: 1 })).status).toBe(403)
  })

  it("refuses refunds before capture (403) and declines by the amount rule when settling", async () => {
    const auth = await pay(5000)
    expect((await call("POST", `/payments/${auth.id}/refunds`, { amount: 100 })).status).toBe(403)
    const p = await pay(5000, "KWD", true)
    await call("POST", `/payments/${p.id}/refunds`, { amount: 1050 }) // 1.050 KWD: 105 steps, ends in 05
    await call("POST", `/payments/${p.id}/refunds`, { amount: 1000 })
    const settled = emulator.settleRefunds()
    expect(settled.map((a) => [a.amount, a.approved, a.response_code])).toEqual([
      [1050, false, "20005"],
      [1000, true, "10000"],
    ])
    expect(emulator.balances(p.id)).toMatchObject({ total_refunded: 1000, available_to_refund: 4000 })
  })

  it(`allows ${PARTIAL_ACTION_LIMIT} partial captures and refunds on a payment, then refuses`, async () => {
    const p = await pay(1000, "USD", false)
    expect((await call("POST", `/payments/${p.id}/captures`, { amount: 500, capture_type: "NonFinal" })).status).toBe(202)
    for (let i = 1; i < PARTIAL_ACTION_LIMIT; i++) {
      expect((await call("POST", `/payments/${p.id}/refunds`, { amount: 1 })).status).toBe(202)
    }
    expect((await call("POST", `/payments/${p.id}/refunds`, { amount: 1 })).body).toMatchObject({ error_codes: ["partial_action_limit_exceeded"] })
    // A refund of all that remains is not a partial action.
    expect((await call("POST", `/payments/${p.id}/refunds`, { amount: 500 - (PARTIAL_ACTION_LIMIT - 1) })).status).toBe(202)
  }, 30_000)

  it("settles refunds after the delay and posts signed webhooks to the configured URL", async () => {
    const received: Array<{ headers: http.IncomingHttpHeaders; raw: string }> = []
    const server = http.createServer((req, res) => {
      let raw = ""
      req.on("data", (c) => (raw += c))
      req.on("end", () => {
        received.push({ headers: req.headers, raw })
        res.writeHead(200).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    try {
      emulator.webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/payment/checkout_checkout`
      emulator.refundDelayMs = 30
      const p = await pay(5000, "USD", true, { metadata: { session_id: "payses_w" } })
      const { body } = await call("POST", `/payments/${p.id}/refunds`, { amount: 1205, reference: "ref_w" })
      // The refund settles on a 30 ms timer: wait for its webhook, not for a fixed time (a loaded machine is slower).
      for (const deadline = Date.now() + 10_000; received.length < 3 && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 20))
        await emulator.flushWebhooks()
      }
      // The receiver can hold the last webhook before the emulator has its answer: wait for that delivery too.
      await emulator.flushWebhooks()
      const types = received.map((r) => JSON.parse(r.raw).type)
      expect(types).toEqual(["payment_approved", "payment_captured", "payment_refund_declined"])
      const last = received[2]
      expect(last.headers["cko-signature"]).toBe(crypto.createHmac("sha256", DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY).update(last.raw).digest("hex"))
      expect(JSON.parse(last.raw)).toMatchObject({ type: "payment_refund_declined", data: { id: p.id, action_id: body.action_id, amount: 1205, currency: "USD", reference: "ref_w", response_code: "20005", metadata: { session_id: "payses_w" } } })
      expect(emulator.webhookDeliveries().map((d) => d.status)).toEqual([200, 200, 200])
    } finally {
      // fetch keeps its connections alive for seconds; close() alone would wait for them.
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  }, 30_000)

  it("settles a refund whose timer fires before the clock reaches its due time", async () => {
    const server = http.createServer((req, res) => req.resume().on("end", () => res.writeHead(200).end()))
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    const realNow = Date.now
    try {
      emulator.webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
      emulator.refundDelayMs = 30
      const p = await pay(5000, "USD", true)
      await call("POST", `/payments/${p.id}/refunds`, { amount: 100 })
      // From here the emulator's clock runs 5 ms behind its timers, as Date.now() and a timer's clock can differ.
      jest.spyOn(Date, "now").mockImplementation(() => realNow.call(Date) - 5)
      for (const deadline = realNow.call(Date) + 5_000; emulator.listRefunds(p.id)[0]?.state === "pending" && realNow.call(Date) < deadline; ) {
        await new Promise((r) => setTimeout(r, 10))
      }
      expect(emulator.listRefunds(p.id)[0]?.state).toBe("processed")
    } finally {
      jest.restoreAllMocks()
      await emulator.flushWebhooks()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  }, 30_000)
})

describe("classic v2 Charges API", () => {
  it("keeps the charge-id chain: capture and refunds make new ids; refunds go against the capture", async () => {
    const charge = await call("POST", "/v2/charges/token", { cardToken: tok(), value: 5000, currency: "usd", autoCapture: "N", trackId: "order-1" })
    expect(charge).toMatchObject({ status: 200, body: { id: expect.stringMatching(/^charge_test_/), status: "Authorised", responseCode: "10000", value: 5000, currency: "USD" } })
    const id = charge.body.id
    const capture = await call("POST", `/v2/charges/${id}/capture`, { value: "5000" })
    expect(capture.body).toMatchObject({ originalId: id, status: "Captured", value: 5000 })
    expect((await call("POST", `/v2/charges/${id}/refund`, { value: 100 })).body).toMatchObject({ errorCode: "70000", errorMessageCodes: ["70016"] })
    const refund = await call("POST", `/v2/charges/${capture.body.id}/refund`, { value: 2000, trackId: "ref_1", udf1: "x" })
    expect(refund.body).toMatchObject({ originalId: capture.body.id, status: "Refunded", value: 2000, trackId: "ref_1", udf1: "x" })
    expect((await call("POST", `/v2/charges/${capture.body.id}/refund`, { value: 3001 })).body).toMatchObject({ errorMessageCodes: ["70018"] })
    // Seed l.176: without value the refund is "the captured amount", more than remains after a partial refund.
    expect((await call("POST", `/v2/charges/${capture.body.id}/refund`, {})).body).toMatchObject({ errorMessageCodes: ["70018"] })
    await call("POST", `/v2/charges/${capture.body.id}/refund`, { value: 3000 })
    expect((await call("GET", `/v2/charges/${id}`)).body.status).toBe("Refunded")
    expect((await call("POST", `/v2/charges/${capture.body.id}/refund`, {})).body).toMatchObject({ errorMessageCodes: ["70017"] })
    const history = (await call("GET", `/v2/charges/${refund.body.id}/history`)).body.charges
    expect(history.map((c: any) => c.status)).toEqual(["Refunded", "Refunded", "Captured", "Refunded"])
    expect(history[history.length - 1].id).toBe(id)
  })

  it("applies the amount rules, declines by token and by the refund amount rule", async () => {
    expect((await call("POST", "/v2/charges/token", { cardToken: tok(), value: 1005, currency: "KWD" })).status).toBe(400)
    expect((await call("POST", "/v2/charges/token", { cardToken: tok("decline"), value: 1000, currency: "KWD" })).body).toMatchObject({ status: "Declined", responseCode: "20005" })
    const auto = await call("POST", "/v2/charges/token", { cardToken: tok(), value: 5000, currency: "USD", autoCapture: "Y" })
    expect(auto.body.status).toBe("Captured")
    const [capture] = (await call("GET", `/v2/charges/${auto.body.id}/history`)).body.charges.filter((c: any) => c.originalId === auto.body.id && c.status === "Captured")
    expect((await call("POST", `/v2/charges/${capture.id}/refund`, { value: 1205 })).body).toMatchObject({ status: "Declined", responseCode: "20005" })
    expect((await call("POST", `/v2/charges/${auto.body.id}/void`, {})).status).toBe(400)
  })

  it("automatic capture: the answer names the authorization, which cannot be refunded; the capture charge in the history can (seed l.26)", async () => {
    const auto = await call("POST", "/v2/charges/token", { cardToken: tok(), value: 5000, currency: "USD", autoCapture: "Y", trackId: "order-auto" })
    const refused = await call("POST", `/v2/charges/${auto.body.id}/refund`, { value: 100 })
    expect(refused).toMatchObject({ status: 400, body: { errorCode: "70000", errorMessageCodes: ["70016"] } })
    const history = (await call("GET", `/v2/charges/${auto.body.id}/history`)).body.charges
    expect(history.map((c: any) => [c.status, c.originalId])).toEqual([["Captured", auto.body.id], ["Captured", null]])
    const refund = await call("POST", `/v2/charges/${history[0].id}/refund`, { value: 100 })
    expect(refund.body).toMatchObject({ originalId: history[0].id, status: "Refunded", value: 100, currency: "USD", responseCode: "10000" })
  })

  it("refuses what the docs limit: trackId over 50, udf and metadata values or keys over 100, more than 10 metadata pairs", async () => {
    const charge = await call("POST", "/v2/charges/token", { cardToken: tok(), value: 5000, currency: "USD", autoCapture: "N" })
    const capture = await call("POST", `/v2/charges/${charge.body.id}/capture`, {})
    const refund = (body: Record<string, unknown>) => call("POST", `/v2/charges/${capture.body.id}/refund`, { value: 1, ...body })
    const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]))
    for (const bad of [{ trackId: "t".repeat(51) }, { udf3: "u".repeat(101) }, { metadata: { note: "n".repeat(101) } }, { metadata: { ["k".repeat(101)]: "v" } }, { metadata: pairs(11) }]) {
      expect((await refund(bad)).body).toMatchObject({ errorCode: "70000" })
    }
    for (const good of [{ trackId: "t".repeat(50) }, { udf3: "u".repeat(100) }, { metadata: { note: "n".repeat(100) } }, { metadata: pairs(10) }]) {
      expect((await refund(good)).body).toMatchObject({ status: "Refunded" })
    }
    expect((await call("POST", "/v2/charges/token", { cardToken: tok(), value: 100, currency: "USD", udf1: "u".repeat(101) })).status).toBe(400)
  })
})

describe("registration", () => {
  it("starts with the other emulators", async () => {
    const running = await startEmulators({})
    try {
      expect(running.checkout).toBeInstanceOf(CheckoutEmulator)
      expect(running.checkout.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    } finally {
      await running.stop()
    }
  })
})
