/**
 * The Checkout.com emulator's classic v2 Charges API, held to the classic docs page "Refund a payment"
 * alone (fixtures.ts names it; "l.N" is its line). Only the emulator is used: no provider code.
 */
import { ABC_KEY, conformanceEmulator } from "./http"
import { SEED_REFUND_REQUEST, SEED_REFUND_RESPONSE } from "./fixtures"

const { call, token, emulator } = conformanceEmulator()

/** A card charge (authorization) and, unless automatic, its capture; returns both ids. */
async function captured(value: number, opts: { auto?: boolean; currency?: string } = {}) {
  const charge = await call("POST", "/v2/charges/token", { cardToken: token(), value, currency: opts.currency ?? "USD", autoCapture: opts.auto ? "Y" : "N" })
  expect(charge.status).toBe(200)
  if (opts.auto) {
    const history = (await call("GET", `/v2/charges/${charge.body.id}/history`)).body.charges
    return { authId: charge.body.id as string, captureId: history.find((c: any) => c.originalId === charge.body.id && c.status === "Captured").id as string }
  }
  const capture = await call("POST", `/v2/charges/${charge.body.id}/capture`, {})
  return { authId: charge.body.id as string, captureId: capture.body.id as string }
}
const refund = (chargeId: string, body: unknown) => call("POST", `/v2/charges/${chargeId}/refund`, body)
const refused = { status: 400, body: { errorCode: "70000" } }

describe("Refund a payment (classic): the page's own example", () => {
  it("refunds the captured transaction with the example request and answers the example's fields (l.67-92, l.186-221)", async () => {
    const { captureId } = await captured(2000)
    const answer = await refund(captureId, SEED_REFUND_REQUEST)
    expect(answer.status).toBe(200)
    expect(Object.keys(answer.body).sort()).toEqual(Object.keys(SEED_REFUND_RESPONSE).sort())
    const { id: _id, originalId: _o, created: _c, metadata: _m, ...same } = SEED_REFUND_RESPONSE
    expect(answer.body).toEqual({ ...same, id: expect.stringMatching(/^charge_(test_)?[A-Z0-9]+$/), originalId: captureId, created: expect.any(String), metadata: {} })
  })

  it("takes the key raw in Authorization and requires Content-Type application/json (l.42-53)", async () => {
    const { captureId } = await captured(2000)
    expect((await call("POST", `/v2/charges/${captureId}/refund`, { value: 100 }, { authorization: `Bearer ${ABC_KEY}` })).status).toBe(401)
    expect((await call("POST", `/v2/charges/${captureId}/refund`, { value: 100 }, { authorization: "" })).status).toBe(401)
    expect((await call("POST", `/v2/charges/${captureId}/refund`, { value: 100 }, { "content-type": "text/plain" })).status).toBe(400)
    expect((await call("POST", `/v2/charges/${captureId}/refund`, undefined)).status).toBe(400)
    expect((await call("POST", `/v2/charges/${captureId}/refund`, { value: 100 }, { "content-type": "application/json;charset=UTF-8" })).status).toBe(200)
  })

  it("names charges charge_ or charge_test_ (l.63)", async () => {
    const { authId, captureId } = await captured(500)
    for (const id of [authId, captureId, (await refund(captureId, {})).body.id]) expect(id).toMatch(/^charge_(test_)?/)
  })
})

describe("which charge can be refunded (l.16-26, l.229)", () => {
  it("refuses the authorization's id of an automatic capture; the captured transaction from the history refunds (l.16, l.19, l.26)", async () => {
    const charge = await call("POST", "/v2/charges/token", { cardToken: token(), value: 3000, currency: "USD", autoCapture: "Y" })
    expect(await refund(charge.body.id, { value: 100 })).toMatchObject(refused)
    const history = (await call("GET", `/v2/charges/${charge.body.id}/history`)).body.charges
    const capture = history.find((c: any) => c.originalId === charge.body.id && c.status === "Captured")
    expect(capture).toBeDefined()
    expect(await refund(capture.id, { value: 100 })).toMatchObject({ status: 200, body: { status: "Refunded", originalId: capture.id } })
  })

  it("refuses the authorization's id after a manual capture: the captured transaction's id is the one (l.16, l.229)", async () => {
    const { authId, captureId } = await captured(3000)
    expect(await refund(authId, { value: 100 })).toMatchObject(refused)
    expect((await refund(captureId, { value: 100 })).body.status).toBe("Refunded")
  })

  it("refuses a charge that was never captured", async () => {
    const charge = await call("POST", "/v2/charges/token", { cardToken: token(), value: 3000, currency: "USD", autoCapture: "N" })
    expect(await refund(charge.body.id, {})).toMatchObject(refused)
  })
})

describe("amounts: full and partial refunds (l.7-10, l.22, l.170-176, l.227-228)", () => {
  it("without value refunds the captured amount, once (l.8, l.176)", async () => {
    const { captureId, authId } = await captured(4200)
    expect((await refund(captureId, {})).body).toMatchObject({ value: 4200, status: "Refunded" })
    expect(await refund(captureId, {})).toMatchObject(refused) // "Has the payment already been refunded?"
    expect((await call("GET", `/v2/charges/${authId}`)).body.status).toBe("Refunded")
  })

  it("refunds in parts up to the captured amount, never more (l.10, l.22, l.176, l.227)", async () => {
    const { captureId } = await captured(5000)
    expect((await refund(captureId, { value: 2000 })).body).toMatchObject({ value: 2000, status: "Refunded" })
    expect(await refund(captureId, { value: 3001 })).toMatchObject(refused)
    // "Defaults to the captured amount": more than what remains after a partial refund.
    expect(await refund(captureId, {})).toMatchObject(refused)
    expect((await refund(captureId, { value: "3000" })).body).toMatchObject({ value: 3000, status: "Refunded" })
    expect(await refund(captureId, { value: 1 })).toMatchObject(refused)
  })

  it.each([["20.00"], [20.5], [0], [-100], ["-100"], ["1e3"], [true]])("refuses value %p: a positive integer without decimal separator (l.174)", async (value) => {
    const { captureId } = await captured(5000)
    expect(await refund(captureId, { value })).toMatchObject(refused)
    expect(emulator.chargeChain(captureId).filter((c) => c.status === "Refunded")).toHaveLength(0)
  })

  it("cannot cancel a refund once processed (l.14)", async () => {
    const { captureId } = await captured(5000)
    const done = await refund(captureId, { value: 100 })
    expect(await call("POST", `/v2/charges/${done.body.id}/void`, {})).toMatchObject(refused)
  })
})

describe("documented limits (l.141-168)", () => {
  const pairs = (n: number, value = "v") => Object.fromEntries(Array.from({ length: n }, (_, i) => [`key${i}`, value]))

  it.each([
    ["trackId of 51 characters (l.161)", { trackId: "t".repeat(51) }],
    ["udf1 of 101 characters (l.167-168)", { udf1: "u".repeat(101) }],
    ["udf5 of 101 characters (l.167-168)", { udf5: "u".repeat(101) }],
    ["a metadata value of 101 characters (l.147)", { metadata: { note: "n".repeat(101) } }],
    ["a metadata key of 101 characters (l.147)", { metadata: { ["k".repeat(101)]: "v" } }],
    ["11 metadata pairs (l.147)", { metadata: pairs(11) }],
  ])("refuses %s", async (_name, body) => {
    const { captureId } = await captured(5000)
    expect(await refund(captureId, { value: 100, ...body })).toMatchObject(refused)
  })

  it("takes each field at its limit (l.147, l.161, l.167-168)", async () => {
    const { captureId } = await captured(5000)
    const atLimit = {
      value: 100,
      trackId: "t".repeat(50),
      udf1: "1".repeat(100),
      udf2: "2".repeat(100),
      udf3: "3".repeat(100),
      udf4: "4".repeat(100),
      udf5: "5".repeat(100),
      metadata: { ...pairs(9, "v".repeat(100)), ["k".repeat(100)]: "v" },
    }
    const answer = await refund(captureId, atLimit)
    expect(answer).toMatchObject({ status: 200, body: { status: "Refunded", trackId: atLimit.trackId, udf5: atLimit.udf5, metadata: atLimit.metadata } })
  })
})

describe("products: the items refunded (l.75-86, l.104-113, l.149-154, l.204-214)", () => {
  it("takes the Java SDK's product (price 90.0, shippingCost 10.0 for value 100) and echoes and journals it (l.97-113)", async () => {
    const { captureId } = await captured(5000)
    const product = { description: "Tablet 2 gold limited", name: "Tablet 32gb cellular", price: 90.0, quantity: 1, shippingCost: 10.0, sku: "1aab", trackingUrl: "https://www.tracker.com" }
    const answer = await refund(captureId, { value: "100", products: [product] })
    expect(answer).toMatchObject({ status: 200, body: { status: "Refunded", products: [product] } })
    const [sent] = emulator.requests({ method: "POST", path: `/v2/charges/${captureId}/refund` })
    expect(sent.body).toMatchObject({ products: [product] })
  })

  it.each([
    ["products that are not an array (l.151)", { products: { name: "x" } }],
    ["a product that is not an object", { products: ["x"] }],
    ["a price with decimals (minor units, as value: l.72, l.80)", { products: [{ name: "x", price: 20.5, quantity: 1 }] }],
    ["a price as text", { products: [{ name: "x", price: "2000", quantity: 1 }] }],
    ["a negative quantity", { products: [{ name: "x", price: 1, quantity: -1 }] }],
    ["a name that is not text", { products: [{ name: 5, price: 1, quantity: 1 }] }],
  ])("refuses %s", async (_name, body) => {
    const { captureId } = await captured(5000)
    expect(await refund(captureId, { value: 100, ...body })).toMatchObject(refused)
  })
})
