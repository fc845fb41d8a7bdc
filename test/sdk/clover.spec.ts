/**
 * Clover's official Node SDK (clover-ecomm-sdk 1.0.0) drives the emulator through a merchant's lifecycle with
 * its own methods, pointed at the emulator with its own `setHost`. No provider code: what is checked is that the
 * emulator answers as Clover documents it, in a shape the SDK reads (its errors raise, its reads succeed).
 */
import { randomUUID } from "node:crypto"
import { CloverEmulator, DEFAULT_CLOVER_API_KEY as KEY } from "../../src/emulators/clover"
import { useEmulator } from "../support/emulator"

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Clover = require("clover-ecomm-sdk") as any

let seq = 0
const tok = (kind = "sdk") => `clv_${kind}_${Date.now()}_${++seq}`

const emulator = useEmulator(new CloverEmulator())

/**
 * An SDK instance on the emulator. The SDK has no option for headers other than its own three, and Clover
 * requires x-forwarded-for on charges and captures (spec /v1/charges post, /v1/charges/{chargeId}/capture
 * post) and a UUID v4 idempotency key on charges: they go in through the resource's own
 * `requestDataProcessor` hook, which otherwise does what the SDK does (JSON of the data, `{}` on GET too).
 */
function sdk(key = KEY): any {
  const url = new URL(emulator.url)
  const clover = new Clover(key, { environment: "sandbox" })
  clover.setHost(url.hostname, url.port, "http")
  clover.charges.requestDataProcessor = (method: string, data: unknown, headers: Record<string, string>, done: (e: null, body: string) => void) => {
    if (method === "POST") Object.assign(headers, { "x-forwarded-for": "203.0.113.7", "idempotency-key": randomUUID() })
    done(null, JSON.stringify(data ?? {}))
  }
  return clover
}

/** What the SDK rejects with. */
async function sdkError(call: Promise<unknown>): Promise<any> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(Clover.errors.CloverError)
  return error
}

describe("clover-ecomm-sdk against the emulator", () => {
  it("authorizes, captures, refunds as the seed tutorial does (partial, then the rest), and reads back", async () => {
    const clover = sdk()
    const charge = await clover.charges.create({ amount: 5000, currency: "usd", source: tok(), capture: false })
    expect(charge).toMatchObject({ id: expect.stringMatching(/^[0-9A-Z]{13}$/), amount: 5000, currency: "usd", captured: false, paid: true, status: "succeeded" })

    const captured = await clover.charges.capture(charge.id, { amount: 5000 })
    expect(captured).toMatchObject({ id: charge.id, captured: true, amount_captured: 5000 })

    // The seed's two calls (000_*.txt lines 48-51 and 91-95), in the order a merchant makes them.
    const partial = await clover.refunds.create({ charge: charge.id, amount: 200, reason: "requested_by_customer" })
    expect(partial).toMatchObject({ id: expect.stringMatching(/^[0-9A-Z]{13}$/), object: "refund", amount: 200, charge: charge.id, status: "succeeded" })
    const rest = await clover.refunds.create({ charge: charge.id, reason: "requested_by_customer" })
    expect(rest).toMatchObject({ object: "refund", amount: 4800, charge: charge.id, status: "succeeded" })

    // Reads: the SDK writes `{}` after `Content-Length: 0` on every GET; the emulator answers them.
    expect(await clover.refunds.retrieve(partial.id)).toEqual(partial)
    expect(await clover.charges.retrieve(charge.id)).toMatchObject({ id: charge.id, amount_refunded: 5000, refunded: true })
    const reads = emulator.requests({ method: "GET" })
    expect(reads.map((r) => [r.status, r.sent?.status])).toEqual([
      [200, 200],
      [200, 200],
    ])
  })

  it("raises Clover's errors: a decline, an over-refund, a bad key", async () => {
    const clover = sdk()
    const declined = await sdkError(clover.charges.create({ amount: 1000, currency: "usd", source: tok("decline") }))
    expect(declined).toBeInstanceOf(Clover.errors.CloverCardError)
    expect(declined).toMatchObject({ rawType: "card_error", code: "card_declined", message: expect.stringMatching(/declined/) })
    expect(declined.raw).toMatchObject({ decline_code: "generic_decline", charge: expect.stringMatching(/^[0-9A-Z]{13}$/) })

    const charge = await clover.charges.create({ amount: 1000, currency: "usd", source: tok() })
    const over = await sdkError(clover.refunds.create({ charge: charge.id, amount: 1001 }))
    expect(over).toBeInstanceOf(Clover.errors.CloverInvalidRequestError)
    expect(over).toMatchObject({ code: "amount_too_large", param: "amount" })
    expect(emulator.getCharge(charge.id)?.amount_refunded).toBe(0)

    const unknown = await sdkError(clover.refunds.retrieve("NOSUCHREFUND1"))
    expect(unknown).toMatchObject({ code: "resource_missing" })

    const unauthorized = await sdkError(sdk("not_the_key").charges.retrieve(charge.id))
    expect(unauthorized).toBeInstanceOf(Clover.errors.CloverAuthenticationError)
    expect(unauthorized.statusCode).toBe(401)
  })

  it("sees a refund Clover declines in its answer as a refund with status failed", async () => {
    const clover = sdk()
    const charge = await clover.charges.create({ amount: 1000, currency: "usd", source: tok() })
    emulator.failNextRefund()
    const refund = await clover.refunds.create({ charge: charge.id, amount: 300 })
    expect(refund).toMatchObject({ object: "refund", amount: 300, status: "failed" })
    expect((await clover.charges.retrieve(charge.id)).amount_refunded).toBe(0)
  })
})
