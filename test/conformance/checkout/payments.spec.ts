/**
 * The Checkout.com emulator's Payments API, held to Checkout.com's documents alone: the 2021 API reference
 * (checkout/checkout-api-reference, nas_spec and abc_spec), the capture guide and the amount-format page
 * (fixtures.ts names each). Only the emulator is used: no provider code.
 */
import { ABC_KEY, conformanceEmulator } from "./http"
import {
  GUIDE_CAPTURE_REQUEST,
  SPEC_ACTION_REQUIRED,
  SPEC_ACTION_TYPES,
  SPEC_ACTIONS_EXAMPLE,
  SPEC_CAPTURE_REQUEST,
  SPEC_PAYMENT_REQUEST,
  SPEC_PAYMENT_REQUIRED,
  SPEC_PAYMENT_RESPONSE_REQUIRED,
  SPEC_PAYMENT_RESPONSE_STATUSES,
  SPEC_PAYMENT_STATUSES,
  SPEC_REFUND_REQUEST,
  SPEC_VOID_REQUEST,
} from "./fixtures"

const { call, token, emulator } = conformanceEmulator()

async function authorized(amount = 6540, currency = "USD", extra: Record<string, unknown> = {}) {
  const res = await call("POST", "/payments", { source: { type: "token", token: token() }, amount, currency, capture: false, ...extra })
  expect(res.status).toBe(201)
  return res.body.id as string
}
const post = (id: string, action: string, body?: unknown, headers?: Record<string, string>) => call("POST", `/payments/${id}/${action}`, body, headers)
const get = (id: string) => call("GET", `/payments/${id}`)

describe("POST /payments (requestAPaymentOrPayout)", () => {
  it("takes the spec's example request and answers 201 with PaymentResponse's required fields", async () => {
    const res = await call("POST", "/payments", SPEC_PAYMENT_REQUEST, { "cko-idempotency-key": "example-1" })
    expect(res.status).toBe(201)
    for (const field of SPEC_PAYMENT_RESPONSE_REQUIRED) expect(res.body).toHaveProperty(field)
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^pay_\w{26}$/), amount: 6540, currency: "USD", approved: true, response_code: "10000", reference: "ORD-5023-4E89" })
    expect(SPEC_PAYMENT_RESPONSE_STATUSES).toContain(res.body.status)
    expect(res.body._links).toMatchObject({ self: { href: expect.any(String) }, actions: { href: expect.any(String) } })
    // Responses carry Cko-Request-Id and Cko-Version (paths/payments.yaml, '201' headers).
    expect(res.headers.get("cko-request-id")).toBeTruthy()
    expect(res.headers.get("cko-version")).toBeTruthy()
  })

  it("replays the first answer for the same Cko-Idempotency-Key (ckoIdempotencyKey: for safely retrying)", async () => {
    const body = { source: { type: "token", token: token() }, amount: 1000, currency: "USD" }
    const first = await call("POST", "/payments", body, { "cko-idempotency-key": "retry-1" })
    const again = await call("POST", "/payments", body, { "cko-idempotency-key": "retry-1" })
    expect(again.body).toEqual(first.body)
    expect(emulator.listPayments()).toHaveLength(1)
  })

  it("answers 401 without valid credentials, and 422 ValidationError {request_id, error_type, error_codes} to invalid data", async () => {
    expect((await call("POST", "/payments", SPEC_PAYMENT_REQUEST, { authorization: "" })).status).toBe(401)
    const invalid = await call("POST", "/payments", { amount: 100, currency: "USD" })
    expect(invalid).toMatchObject({ status: 422, body: { request_id: expect.any(String), error_type: "request_invalid", error_codes: ["payment_source_required"] } })
    const longReference = await call("POST", "/payments", { source: { type: "token", token: token() }, amount: 100, currency: "USD", reference: "r".repeat(51) })
    expect(longReference.status).toBe(422) // PaymentRequest.yaml: reference maxLength 50
  })

  it.each([
    ["1005 KWD: the last digit of a 3-decimal amount must be 0", 1005, "KWD", 422],
    ["1010 KWD", 1010, "KWD", 201],
    ["1000000000 USD: at most 9 digits", 1000000000, "USD", 422],
    ["999999999 JPY (full amount)", 999999999, "JPY", 201],
    ["10.5 USD: no decimals", 10.5, "USD", 422],
  ])("amount format (format-the-amount-value): %s", async (_name, amount, currency, status) => {
    expect((await call("POST", "/payments", { source: { type: "token", token: token() }, amount, currency })).status).toBe(status)
  })
})

describe("GET /payments/{id} (getPaymentDetails)", () => {
  it("answers Payment's required fields, a status of its enum and, for current accounts, balances", async () => {
    const id = await authorized(6540)
    const res = await get(id)
    for (const field of SPEC_PAYMENT_REQUIRED) expect(res.body).toHaveProperty(field)
    expect(SPEC_PAYMENT_STATUSES).toContain(res.body.status)
    expect(res.body.balances).toMatchObject({ total_authorized: 6540, available_to_capture: 6540, total_captured: 0, total_refunded: 0 })
    expect((await call("GET", `/payments/${id}`, undefined, { authorization: ABC_KEY })).body.balances).toBeUndefined()
  })

  it("answers 404 Payment not found, and 401 Unauthorized", async () => {
    expect((await get("pay_abcdefghijklmnopqrstuvwxyz")).status).toBe(404)
    expect((await call("GET", `/payments/${await authorized()}`, undefined, { authorization: "Bearer sk_sbox_wrong" })).status).toBe(401)
  })
})

describe("POST /payments/{id}/captures (captureAPayment) and the capture guide", () => {
  it("takes the spec's example request: 202 CaptureAcceptedResponse {action_id, reference, _links.payment}", async () => {
    const id = await authorized(6540)
    const res = await post(id, "captures", SPEC_CAPTURE_REQUEST)
    expect(res).toMatchObject({ status: 202, body: { action_id: expect.stringMatching(/^act_/), reference: "ORD-5023-4E89", _links: { payment: { href: expect.stringContaining(id) } } } })
    expect((await get(id)).body.status).toBe("Captured")
  })

  it("NonFinal keeps the rest authorized for more captures; Final, or no capture_type, voids it", async () => {
    const nonFinal = await authorized(1000)
    await post(nonFinal, "captures", { amount: 100, capture_type: "NonFinal" })
    expect((await get(nonFinal)).body).toMatchObject({ status: "Partially Captured", balances: { available_to_capture: 900, total_voided: 0 } })
    expect((await post(nonFinal, "captures", GUIDE_CAPTURE_REQUEST)).status).toBe(202) // the guide's example: Final
    expect((await get(nonFinal)).body.balances).toMatchObject({ total_captured: 200, total_voided: 800, available_to_capture: 0 })
    const omitted = await authorized(1000)
    await post(omitted, "captures", { amount: 100 })
    expect((await get(omitted)).body.balances).toMatchObject({ total_captured: 100, total_voided: 900, available_to_capture: 0 })
    expect((await post(omitted, "captures", { amount: 100 })).status).toBe(403) // Capture not allowed
  })

  it("without amount captures the full payment amount; more than remains is refused", async () => {
    const id = await authorized(1000)
    expect((await post(id, "captures", {})).status).toBe(202)
    expect((await get(id)).body.balances).toMatchObject({ total_captured: 1000 })
    const part = await authorized(1000)
    await post(part, "captures", { amount: 400, capture_type: "NonFinal" })
    expect((await post(part, "captures", {})).status).toBe(422)
  })

  it("refuses a reference over 50 characters and nested metadata (nas: one level of depth)", async () => {
    const id = await authorized(1000)
    expect((await post(id, "captures", { amount: 100, reference: "r".repeat(51) })).status).toBe(422)
    expect((await post(id, "captures", { amount: 100, metadata: { nested: { a: 1 } } })).status).toBe(422)
    expect(emulator.balances(id)).toMatchObject({ total_captured: 0 })
  })
})

describe("POST /payments/{id}/refunds (refundAPayment)", () => {
  it("takes the spec's example request: 202 RefundAcceptedResponse; processed asynchronously, then listed among the actions", async () => {
    const id = await authorized(6540)
    await post(id, "captures", { amount: 6540 })
    const res = await post(id, "refunds", SPEC_REFUND_REQUEST)
    expect(res).toMatchObject({ status: 202, body: { action_id: expect.stringMatching(/^act_/), reference: "ORD-5023-4E89", _links: { payment: { href: expect.stringContaining(id) } } } })
    emulator.settleRefunds()
    const actions = (await call("GET", `/payments/${id}/actions`)).body
    expect(actions[0]).toMatchObject({ id: res.body.action_id, type: "Refund", amount: 6540, approved: true })
    expect((await get(id)).body.status).toBe("Refunded")
  })

  it("answers 403 Refund not allowed before capture and once refunded; without amount refunds the full payment amount", async () => {
    const id = await authorized(2000)
    expect((await post(id, "refunds", { amount: 100 })).status).toBe(403)
    await post(id, "captures", {})
    expect((await post(id, "refunds", {})).status).toBe(202)
    emulator.settleRefunds()
    expect(emulator.balances(id)).toMatchObject({ total_refunded: 2000, available_to_refund: 0 })
    expect((await post(id, "refunds", { amount: 1 })).status).toBe(403)
  })

  it("refuses more than remains (422) and a reference over 50 characters (RefundRequest.yaml)", async () => {
    const id = await authorized(2000)
    await post(id, "captures", {})
    await post(id, "refunds", { amount: 1500 })
    expect((await post(id, "refunds", { amount: 501 })).status).toBe(422)
    expect((await post(id, "refunds", {})).status).toBe(422) // the full payment amount is more than remains
    expect((await post(id, "refunds", { amount: 100, reference: "r".repeat(51) })).status).toBe(422)
  })
})

describe("POST /payments/{id}/voids (voidAPayment)", () => {
  it("takes the spec's example request: 202 VoidAcceptedResponse; 403 Void not allowed once captured", async () => {
    const id = await authorized(1000)
    expect(await post(id, "voids", SPEC_VOID_REQUEST)).toMatchObject({ status: 202, body: { action_id: expect.stringMatching(/^act_/), reference: "ORD-5023-4E89" } })
    expect((await get(id)).body.status).toBe("Voided")
    const captured = await authorized(1000)
    await post(captured, "captures", {})
    expect((await post(captured, "voids", {})).status).toBe(403)
  })
})

describe("GET /payments/{id}/actions (getPaymentActions)", () => {
  it("lists the actions latest first, each with PaymentAction's required fields, as the spec's example", async () => {
    const id = await authorized(6540, "USD", { reference: "ORD-5023-4E89" })
    await post(id, "captures", { amount: 6540, metadata: { shipping_ref: "MQIBN2" } })
    await post(id, "refunds", { amount: 1000 })
    emulator.settleRefunds()
    const actions = (await call("GET", `/payments/${id}/actions`)).body
    expect(actions).toEqual(SPEC_ACTIONS_EXAMPLE.map((a) => expect.objectContaining(a)))
    for (const action of actions) {
      for (const field of SPEC_ACTION_REQUIRED) expect(action).toHaveProperty(field)
      expect(SPEC_ACTION_TYPES).toContain(action.type)
    }
    const times = actions.map((a: any) => Date.parse(a.processed_on))
    expect([...times].sort((a, b) => b - a)).toEqual(times)
  })
})

describe("the capture guide's limit", () => {
  it("allows 150 partial actions (partial captures and partial refunds) on a payment", async () => {
    const id = await authorized(1000)
    await post(id, "captures", { amount: 500, capture_type: "NonFinal" })
    for (let i = 1; i < 150; i++) expect((await post(id, "refunds", { amount: 1 })).status).toBe(202)
    expect((await post(id, "refunds", { amount: 1 })).status).toBe(422)
  }, 30_000)
})
