/**
 * The Clover emulator against Clover's documents alone (fixtures/documents.ts): the seed's own example requests
 * and answers, each documented limit, error and state rule. No provider code. Where the documents disagree or
 * say nothing, the test says so and checks only what they agree on.
 */
import { randomUUID } from "node:crypto"
import { CloverEmulator, DEFAULT_CLOVER_API_KEY as KEY } from "../../../src/emulators/clover"
import { APPENDIX, IDEMPOTENCY, REFUND_STATUSES, RESPONSE_CODES, SEED, SPEC, seedObject, seedRequest } from "./fixtures/documents"
import { callJson, useEmulator, type JsonAnswer } from "../../support/emulator"

let seq = 0
const tok = (kind = "ok") => `clv_${kind}_${Date.now()}_${++seq}`

const emulator = useEmulator(new CloverEmulator())

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  return callJson(emulator.url, method, path, { body, headers: { authorization: `Bearer ${KEY}`, "x-forwarded-for": "203.0.113.7", ...headers } })
}
const charge = (fields: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  call("POST", "/v1/charges", { amount: 5000, currency: "usd", source: tok(), ...fields }, headers)
async function okCharge(fields: Record<string, unknown> = {}): Promise<any> {
  const res = await charge(fields)
  expect(res.status).toBe(200)
  return res.body
}
/** The documents disagree on a list's envelope (spec: `elements`; others: `data`, a bare array): read any. */
const items = (body: any): any[] => (Array.isArray(body) ? body : (body.elements ?? body.data))

/** An error in the documented shape: message = the HTTP status, `error` with a documented type, a code and a message. */
function expectError(res: { status: number; body: any }, status: number, code: string, type?: string): any {
  expect(res.status).toBe(status)
  expect(res.body.message).toBe(`${status} ${APPENDIX.statuses[status]}`)
  expect(Object.keys(res.body.error).every((k) => RESPONSE_CODES.variables.includes(k))).toBe(true)
  expect(RESPONSE_CODES.types).toContain(res.body.error.type)
  if (type) expect(res.body.error.type).toBe(type)
  expect(res.body.error).toMatchObject({ code, message: expect.any(String) })
  return res.body.error
}

describe(`the seed's examples (${SEED.url})`, () => {
  const seedShape = (example: Record<string, unknown>, answer: Record<string, unknown>) => {
    expect(Object.keys(answer).sort()).toEqual(expect.arrayContaining(Object.keys(example).sort()))
    for (const key of Object.keys(example)) expect(typeof answer[key]).toBe(typeof example[key])
    expect(answer.id).toMatch(new RegExp(`^[0-9A-Z]{${String(example.id).length}}$`))
    expect(String(answer.created)).toHaveLength(String(example.created).length) // Unix milliseconds
  }

  it("refunds a specific charge: the whole charge, answered as the seed's refund object", async () => {
    const example = seedObject(SEED.fullRefund.response)
    const c = await okCharge({ amount: example.amount })
    const res = await call("POST", "/v1/refunds", seedRequest(SEED.fullRefund.request, c.id))
    expect(res.status).toBe(200)
    seedShape(example, res.body)
    expect(res.body).toMatchObject({ object: example.object, amount: example.amount, charge: c.id, status: example.status })
  })

  it("refunds a partial amount: the answer's amount is the refunded value", async () => {
    // The seed asks for 200 and prints 2000; its text says "confirm the refunded value in the amount field",
    // so the answer carries the amount asked for. The printed 2000 is unconfirmed.
    const example = seedObject(SEED.partialRefund.response)
    const c = await okCharge({ amount: 5000 })
    const request = seedRequest(SEED.partialRefund.request, c.id)
    expect(request).toEqual({ charge: c.id, amount: 200, reason: "requested_by_customer" })
    const res = await call("POST", "/v1/refunds", request)
    expect(res.status).toBe(200)
    seedShape(example, res.body)
    expect(res.body).toMatchObject({ object: "refund", amount: 200, charge: c.id, status: example.status })
  })
})

describe("documented limits", () => {
  it("amount: integer cents up to $999,999.99, above that amount_too_large", async () => {
    expect((await charge({ amount: APPENDIX.maxChargeCents })).status).toBe(200)
    expectError(await charge({ amount: APPENDIX.maxChargeCents + 1 }), 400, "amount_too_large", "invalid_request_error")
  })

  it("currency: lower case, at most 3 characters", async () => {
    expect((await charge({ currency: "usd" })).status).toBe(200)
    for (const currency of ["USD", "usdd"]) expect((await charge({ currency })).status).toBe(400)
  })

  it(`external_reference_id: at most ${SPEC.externalReferenceIdMax} alphanumerics with in-between spaces`, async () => {
    expect((await charge({ external_reference_id: "INV 12345678" })).status).toBe(200)
    expect((await charge({ external_reference_id: "INV 123456789" })).status).toBe(400)
    expect((await charge({ external_reference_id: "INV-1" })).status).toBe(400)
  })

  it(`metadata: at most ${SPEC.metadataMax} characters`, async () => {
    const within = { note: "x".repeat(SPEC.metadataMax - 20) }
    expect((await charge({ metadata: within })).status).toBe(200)
    expect((await charge({ metadata: { note: "x".repeat(SPEC.metadataMax) } })).status).toBe(400)
  })

  it("x-forwarded-for: create charge and capture without it are not successful", async () => {
    expect((await charge({}, { "x-forwarded-for": "" })).status).toBe(400)
    const auth = await okCharge({ capture: false })
    expect((await call("POST", `/v1/charges/${auth.id}/capture`, {}, { "x-forwarded-for": "" })).status).toBe(400)
    expect(emulator.getCharge(auth.id)?.captured).toBe(false)
  })

  it(`lists: limit ${SPEC.limit.min}..${SPEC.limit.max}, default ${SPEC.limit.default}, newest first`, async () => {
    const made: string[] = []
    for (let i = 0; i < 12; i++) made.push((await okCharge({ amount: 100 + i })).id)
    const page = items((await call("GET", "/v1/charges")).body)
    expect(page.map((c: any) => c.id)).toEqual(made.slice(-SPEC.limit.default).reverse())
    expect(items((await call("GET", "/v1/charges?limit=100")).body)).toHaveLength(12)
    expect((await call("GET", "/v1/charges?limit=0")).status).toBe(400)
    expect((await call("GET", "/v1/charges?limit=101")).status).toBe(400)
    const next = items((await call("GET", `/v1/charges?limit=2&starting_after=${made[11]}`)).body)
    expect(next.map((c: any) => c.id)).toEqual([made[10], made[9]])
    const refunds = [await call("POST", "/v1/refunds", { charge: made[0] }), await call("POST", "/v1/refunds", { charge: made[1] })]
    expect(items((await call("GET", "/v1/refunds")).body).map((r: any) => r.id)).toEqual(refunds.map((r) => r.body.id).reverse())
  })
})

describe("documented errors", () => {
  it(`answers in the documented shape (${RESPONSE_CODES.url}); 401 without a valid token`, async () => {
    expectError(await call("GET", "/v1/charges", undefined, { authorization: "Bearer wrong" }), SPEC.unauthorizedStatus, "unauthorized", "authentication_error")
    expectError(await call("GET", "/v1/charges/NOSUCHCHARGE1"), 404, "resource_missing", "invalid_request_error")
  })

  it("card_declined names the failed charge", async () => {
    const res = await charge({ source: tok("decline") })
    expect([400, 402]).toContain(res.status) // card errors: the response-codes page under 400, the appendix's 402 "Request Failed"
    const error = expectError(res, res.status, "card_declined", "card_error")
    expect(emulator.getCharge(error.charge)).toMatchObject({ status: "failed" })
  })

  it("token_already_used, charge_already_captured, charge_already_refunded, email_invalid", async () => {
    const source = tok()
    const auth = await okCharge({ source, capture: false })
    expectError(await charge({ source }), 400, "token_already_used")
    expect((await call("POST", `/v1/charges/${auth.id}/capture`, {})).status).toBe(200)
    expectError(await call("POST", `/v1/charges/${auth.id}/capture`, {}), 400, "charge_already_captured")
    expect((await call("POST", "/v1/refunds", { charge: auth.id })).status).toBe(200)
    expectError(await call("POST", "/v1/refunds", { charge: auth.id }), 400, "charge_already_refunded")
    expectError(await charge({ receipt_email: "not-an-email" }), 400, "email_invalid")
  })

  it(`idempotency-key on create charge and capture: a version 4 UUID (${IDEMPOTENCY.url})`, async () => {
    const key = randomUUID()
    const first = await charge({ source: "clv_idem_1" }, { [IDEMPOTENCY.header]: key })
    expect(first.status).toBe(200)
    expect(await charge({ source: "clv_idem_1" }, { [IDEMPOTENCY.header]: key })).toEqual(first)
    expect(emulator.listCharges()).toHaveLength(1)
    expectError(await charge({}, { [IDEMPOTENCY.header]: "not-a-uuid" }), 400, "invalid_request", "idempotency_error")
    const auth = await okCharge({ capture: false })
    expectError(await call("POST", `/v1/charges/${auth.id}/capture`, {}, { [IDEMPOTENCY.header]: "capture-1" }), 400, "invalid_request", "idempotency_error")
  })
})

describe("documented state rules", () => {
  it(`${SPEC.createRefund.split(". ").pop()}`, async () => {
    const c = await okCharge({ amount: 1000 })
    expect((await call("POST", "/v1/refunds", { charge: c.id, amount: 600 })).status).toBe(200)
    expect(emulator.getCharge(c.id)).toMatchObject({ amount_refunded: 600, refunded: false }) // partially refunded
    expect((await call("POST", "/v1/refunds", { charge: c.id, amount: 401 })).status).toBe(400)
    expect((await call("POST", "/v1/refunds", { charge: c.id, amount: 400 })).status).toBe(200)
    expect(emulator.getCharge(c.id)).toMatchObject({ amount_refunded: 1000, refunded: true }) // fully refunded
  })

  it("captures the full authorization without an amount, or a part of it", async () => {
    const full = await okCharge({ amount: 1000, capture: false })
    expect((await call("POST", `/v1/charges/${full.id}/capture`, {})).body).toMatchObject({ captured: true, amount_captured: 1000 })
    const part = await okCharge({ amount: 1000, capture: false })
    expect((await call("POST", `/v1/charges/${part.id}/capture`, { amount: 250 })).body).toMatchObject({ captured: true, amount_captured: 250 })
  })

  it(`a refund's status is ${REFUND_STATUSES.join(" or ")}; a failed one refunds nothing`, async () => {
    const c = await okCharge({ amount: 1000 })
    emulator.failNextRefund()
    const failed = await call("POST", "/v1/refunds", { charge: c.id, amount: 300 })
    expect(failed.status).toBe(200)
    expect(REFUND_STATUSES).toContain(failed.body.status)
    expect(failed.body.status).toBe("failed")
    expect(emulator.getCharge(c.id)?.amount_refunded).toBe(0)
    const refund = await call("GET", `/v1/refunds/${failed.body.id}`)
    expect(Object.keys(refund.body)).toEqual(expect.arrayContaining(SPEC.refundProperties))
  })
})
