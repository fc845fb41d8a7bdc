/**
 * Checkout.com's official Node SDK (checkout-sdk-node, an ES module) drives the emulator through a
 * merchant's lifecycle with its own methods, pointed at the emulator with its own `host` option.
 * No provider code: what is checked is that the emulator answers as Checkout.com documents it, in a
 * shape the SDK reads.
 */
import { CheckoutEmulator, DEFAULT_CHECKOUT_ABC_SECRET_KEY as ABC_KEY, DEFAULT_CHECKOUT_SECRET_KEY as NAS_KEY } from "../../src/emulators/checkout"
import { useEmulator } from "../support/emulator"

// Node's own require loads the SDK's ES module (require(esm), Node >= 20.19); Jest's module system
// (which also stands in for `node:module`) would not, so the real one comes from the process.
const nodeModule = (process as unknown as { getBuiltinModule(id: string): typeof import("node:module") }).getBuiltinModule("node:module")
const { Checkout } = nodeModule.createRequire(__filename)("checkout-sdk-node") as { Checkout: new (key: string, options: { host: string }) => any }

let seq = 0
const tok = (kind = "sdk") => `tok_${kind}_${Date.now()}_${++seq}`

const emulator = useEmulator(new CheckoutEmulator({ refundDelayMs: null }))

/** The SDK's error, as it throws it: its class name, HTTP status and the parsed body. */
async function sdkError(call: Promise<unknown>): Promise<{ name: string; http_code: number; body: any }> {
  const error: any = await call.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeDefined()
  return { name: error.name, http_code: error.http_code, body: error.body }
}

describe("checkout-sdk-node against the emulator", () => {
  it("takes a current-account key as Bearer and runs request, partial captures, refunds, reads and errors", async () => {
    const cko = new Checkout(NAS_KEY, { host: emulator.url })
    const request = { source: { type: "token", token: tok() }, amount: 10000, currency: "USD", capture: false, reference: "ORD-SDK-1", metadata: { order: "1" } }
    const payment = await cko.payments.request(request, "idem-pay-1")
    expect(payment).toMatchObject({ id: expect.stringMatching(/^pay_\w{26}$/), action_id: expect.stringMatching(/^act_/), amount: 10000, currency: "USD", approved: true, status: "Authorized", response_code: "10000", requiresRedirect: false })
    expect(emulator.requests({ method: "POST", path: "/payments" })[0].headers.authorization).toBe(`Bearer ${NAS_KEY}`)
    // The same idempotency key answers the same payment.
    expect((await cko.payments.request(request, "idem-pay-1")).id).toBe(payment.id)
    expect(emulator.listPayments()).toHaveLength(1)

    const first = await cko.payments.capture(payment.id, { amount: 4000, capture_type: "NonFinal", reference: "CAP-1" }, "idem-cap-1")
    expect(first).toMatchObject({ action_id: expect.stringMatching(/^act_/), reference: "CAP-1", _links: { payment: { href: expect.stringContaining(payment.id) } } })
    expect(await cko.payments.get(payment.id)).toMatchObject({ status: "Partially Captured", balances: { total_captured: 4000, available_to_capture: 6000 } })
    await cko.payments.capture(payment.id, { amount: 6000, reference: "CAP-2" }, "idem-cap-2")

    const refund = await cko.payments.refund(payment.id, { amount: 2500, reference: "REF-1", metadata: { medusa_refund_id: "ref_sdk" } }, "idem-ref-1")
    expect(refund).toMatchObject({ action_id: expect.stringMatching(/^act_/), reference: "REF-1", _links: { payment: { href: expect.stringContaining(payment.id) } } })
    emulator.settleRefunds()
    const actions = await cko.payments.getActions(payment.id)
    expect(actions.map((a: any) => [a.type, a.amount, a.approved])).toEqual([
      ["Refund", 2500, true],
      ["Capture", 6000, true],
      ["Capture", 4000, true],
      ["Authorization", 10000, true],
    ])
    for (const action of actions) expect(action).toEqual(expect.objectContaining({ id: expect.any(String), processed_on: expect.any(String), response_code: "10000" }))
    expect(actions[0]).toMatchObject({ id: refund.action_id, reference: "REF-1", metadata: { medusa_refund_id: "ref_sdk" } })
    expect(await cko.payments.get(payment.id)).toMatchObject({ status: "Partially Refunded", amount: 10000, currency: "USD", reference: "ORD-SDK-1", balances: { total_refunded: 2500, available_to_refund: 7500 } })

    expect(await sdkError(cko.payments.refund(payment.id, { amount: 7501 }))).toMatchObject({ name: "ValidationError", http_code: 422, body: { error_type: "processing_error", error_codes: ["amount_exceeds_balance"] } })
    await cko.payments.refund(payment.id, { amount: 7500 }, "idem-ref-2")
    emulator.settleRefunds()
    expect((await cko.payments.get(payment.id)).status).toBe("Refunded")
    expect(await sdkError(cko.payments.refund(payment.id, { amount: 1 }))).toMatchObject({ name: "ActionNotAllowed", http_code: 403 })
  })

  it("voids, follows a 3-D Secure redirect, and raises the SDK's own errors for 401, 404 and 422", async () => {
    const cko = new Checkout(NAS_KEY, { host: emulator.url })
    const payment = await cko.payments.request({ source: { type: "token", token: tok() }, amount: 2500, currency: "EUR", capture: false })
    expect(await cko.payments.void(payment.id, { reference: "VOID-1" })).toMatchObject({ action_id: expect.stringMatching(/^act_/), reference: "VOID-1" })
    expect((await cko.payments.get(payment.id)).status).toBe("Voided")
    expect(await sdkError(cko.payments.capture(payment.id, { amount: 100 }))).toMatchObject({ name: "ActionNotAllowed", http_code: 403 })

    const pending = await cko.payments.request({ source: { type: "token", token: tok("3ds") }, amount: 2500, currency: "EUR" })
    expect(pending).toMatchObject({ status: "Pending", requiresRedirect: true, redirectLink: expect.stringContaining(pending.id) })

    expect(await sdkError(cko.payments.get("pay_abcdefghijklmnopqrstuvwxyz"))).toMatchObject({ name: "NotFoundError", http_code: 404 })
    const wrong = new Checkout("sk_sbox_wrongkeywrongkeywrongkeywrongk", { host: emulator.url })
    expect(await sdkError(wrong.payments.get(payment.id))).toMatchObject({ name: "AuthenticationError", http_code: 401 })
    expect(await sdkError(cko.payments.request({ source: { type: "token", token: tok() }, amount: 1005, currency: "KWD" }))).toMatchObject({
      name: "ValidationError",
      http_code: 422,
      body: { error_type: "request_invalid", error_codes: ["amount_invalid"] },
    })
  })

  it("takes a previous-structure key raw: captured at request, refunded, no balances", async () => {
    const cko = new Checkout(ABC_KEY, { host: emulator.url })
    const payment = await cko.payments.request({ source: { type: "token", token: tok() }, amount: 1500, currency: "GBP", capture: true })
    expect(emulator.requests({ method: "POST", path: "/payments" })[0].headers.authorization).toBe(ABC_KEY)
    await cko.payments.refund(payment.id, { amount: 500 })
    emulator.settleRefunds()
    const details = await cko.payments.get(payment.id)
    expect(details).toMatchObject({ status: "Partially Refunded", approved: true })
    expect(details.balances).toBeUndefined()
  })
})
