import axios from "axios"
import { expectMedusaError as expectMedusaErrorWithout } from "../../../../test/support/medusa-error"
import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import { CloverEmulator } from "../../../emulators/clover"
import { CloverProviderService } from "../service"
import { cloverRefundTag, refundReasonFor } from "../transformers"
import { uuidFromKey } from "../../../core/idempotency"
import { loadSpec } from "../../../../test/contract/openapi"
import { useEmulator } from "../../../../test/support/emulator"

const API_KEY = "emulator_clover_key"
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

let tokenSeq = 0
const token = (kind = "ok") => `clv_test_${kind}_${Date.now()}_${++tokenSeq}`

const emulator = useEmulator(new CloverEmulator())
// Every request the provider sent, and every answer the emulator gave, matches Clover's published spec.
// The spec is a third-party assembly that reuses the Charge response schema as the create-charge
// body; Clover's reference (docs.clover.com/reference/createcharge) has `source` as the token
// string and `metadata` as an object of key-value pairs.
const CLOVER_SPEC_DEVIATIONS = [
  { problem: /^POST \/v1\/charges request\/source must be object$/, reason: "source is a card token string" },
  { problem: /\/metadata must be string$/, reason: "metadata is a key-value object" },
]
afterEach(() => {
  const spec = loadSpec("clover-ecommerce-apievangelist-assembled.openapi.yml")
  expect(spec.check(emulator.requests(), { deviations: CLOVER_SPEC_DEVIATIONS })).toEqual([])
})

function provider(options: Record<string, unknown> = {}, cradle: Record<string, unknown> = {}) {
  return new CloverProviderService(
    { logger: quiet, ...cradle },
    { apiKey: API_KEY, environment: emulator.url, captureMode: "manual", maxRetries: 0, webhookAuthCode: "clover-auth-code-123", ...options }
  )
}

const expectMedusaError = (promise: Promise<unknown>, type: string, text: RegExp | string) =>
  expectMedusaErrorWithout(promise, type, text, [API_KEY])

/**
 * initiatePayment as Medusa calls it: `data` is the storefront's (here with the store middleware's
 * stamped IP), and Medusa stores it merged with the provider's answer (payment-module createPaymentSession).
 */
async function initiate(service: CloverProviderService, amount: string, data: Record<string, unknown>, currency_code = "usd") {
  const sessionId = `payses_${++tokenSeq}`
  const out = await service.initiatePayment({ amount, currency_code, data: { ...data, session_id: sessionId }, context: { idempotency_key: sessionId } })
  return { ...data, ...out.data } as Record<string, unknown>
}
const stamped = (service: CloverProviderService, ip = "203.0.113.7") => service.stampRequestIp(ip)

/** initiate + authorize (+ capture) like Medusa does, returning the payment data. */
async function paidCharge(amount: string, opts: { capture?: boolean; service?: CloverProviderService } = {}) {
  const service = opts.service ?? provider()
  const stored = await initiate(service, amount, { source: token(), ...stamped(service) })
  const auth = await service.authorizePayment({ data: stored, context: { idempotency_key: stored.session_id as string } })
  if (opts.capture === false) return auth.data!
  const captured = await service.capturePayment({ data: auth.data, context: { idempotency_key: `capt_${tokenSeq}` } })
  return captured.data!
}

describe("initiatePayment", () => {
  it("keeps the amount in integer cents and no secret in session data", async () => {
    const out = await provider().initiatePayment({
      amount: { value: "19.99", precision: 20 },
      currency_code: "usd",
      data: { session_id: "payses_1" },
      context: { idempotency_key: "payses_1" },
    })
    expect(out.id).toBe("payses_1")
    expect(out.data).toMatchObject({ processor: "clover", currency: "usd", amount_minor: "1999", captured_minor: "0", refunds: [] })
    expect(JSON.stringify(out.data)).not.toContain(API_KEY)
    expect(JSON.stringify(out.data)).not.toContain("clover-auth-code-123")
    expect(emulator.requests()).toHaveLength(0)
  })

  it("refuses an unknown currency and a zero amount before any request", async () => {
    await expectMedusaError(provider().initiatePayment({ amount: 10, currency_code: "zzz", data: {} }), "invalid_data", /currency "zzz"/)
    await expectMedusaError(provider().initiatePayment({ amount: 0, currency_code: "usd", data: {} }), "invalid_data", /greater than zero/)
    expect(emulator.requests()).toHaveLength(0)
  })
})

describe("authorizePayment", () => {
  it("creates an uncaptured charge with the card token, a UUID idempotency key and the customer's IP", async () => {
    const data = await paidCharge("49.99", { capture: false })
    const [req] = emulator.requests({ method: "POST", path: "/v1/charges" })
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(req.headers["idempotency-key"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(req.headers["x-forwarded-for"]).toBe("203.0.113.7")
    expect(req.headers["user-agent"]).toMatch(/^medusa-refund-processors\//)
    expect(req.body).toMatchObject({ amount: 4999, currency: "usd", capture: false })
    expect(req.rawBody).toContain('"amount":4999,')
    expect(data).toMatchObject({ amount_minor: "4999", captured_minor: "0" })
    expect(data.source).toBeNull() // single-use token cleared (null: Medusa merges data, a key left out would stay)
    expect(emulator.getCharge(data.charge_id as string)).toMatchObject({ amount: 4999, captured: false })
  })

  it("captures at authorization in automatic capture mode", async () => {
    const service = provider({ captureMode: "automatic" })
    const stored = await initiate(service, "10", { source: token(), ...stamped(service) })
    const out = await service.authorizePayment({ data: stored, context: { idempotency_key: "payses_auto" } })
    expect(out.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(out.data).toMatchObject({ captured_minor: "1000" })
    expect(emulator.requests({ method: "POST", path: "/v1/charges" })[0].body).toMatchObject({ capture: true })
  })

  it("reports a declined card as a payment authorization error", async () => {
    const service = provider()
    const stored = await initiate(service, "10", { source: token("insufficient"), ...stamped(service) })
    await expectMedusaError(service.authorizePayment({ data: stored }), "payment_authorization_error", /card_declined.*insufficient_funds/s)
  })

  it("refuses to charge without a card token or the customer's IP", async () => {
    const service = provider()
    const stored = await initiate(service, "10", {})
    await expectMedusaError(service.authorizePayment({ data: stored }), "invalid_data", /card token/)
    await expectMedusaError(service.authorizePayment({ data: { ...stored, source: token() } }), "invalid_data", /customer's IP address/)
    await expectMedusaError(service.authorizePayment({ data: { ...stored, session_id: undefined, source: token() } }), "invalid_data", /no session_id/)
    expect(emulator.requests()).toHaveLength(0)
  })

  it("does not charge twice when Medusa authorizes the same session again", async () => {
    const data = await paidCharge("10", { capture: false })
    const again = await provider().authorizePayment({ data, context: { idempotency_key: "payses_x" } })
    expect(again.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(emulator.listCharges()).toHaveLength(1)
  })
})

describe("capturePayment", () => {
  it("captures the whole authorization without an amount", async () => {
    const data = await paidCharge("25.50")
    const [req] = emulator.requests({ method: "POST", path: /\/capture$/ })
    expect(req.body).toEqual({})
    expect(req.headers["x-forwarded-for"]).toBe("203.0.113.7")
    expect(data).toMatchObject({ captured_minor: "2550" })
    expect(emulator.getCharge(data.charge_id as string)).toMatchObject({ captured: true, amount_captured: 2550 })
  })

  it("captures part of the authorization when Medusa records a partial capture", async () => {
    const captureService = { retrieve: async (id: string) => ({ id, raw_amount: { value: "10.25", precision: 20 } }) }
    const service = provider({}, { captureService })
    const data = await paidCharge("25.50", { capture: false, service })
    const out = await service.capturePayment({ data, context: { idempotency_key: "capt_partial" } })
    expect(emulator.requests({ method: "POST", path: /\/capture$/ })[0].body).toEqual({ amount: 1025 })
    expect(out.data).toMatchObject({ captured_minor: "1025", amount_minor: "2550" })
  })

  it("refuses a second capture of a charge Clover captured already", async () => {
    const data = await paidCharge("25.50")
    await expectMedusaError(provider().capturePayment({ data, context: { idempotency_key: "capt_other" } }), "not_allowed", /captures an authorization once/)
  })
})

describe("refundPayment", () => {
  it("sends a partial refund in exact cents with a UUID v4 derived from the Medusa refund id as idempotency key", async () => {
    const data = await paidCharge("50.00")
    const out = await provider().refundPayment({ amount: { value: "12.345", precision: 20 }, data, context: { idempotency_key: "ref_01PARTIAL" } })
    const [req] = emulator.requests({ method: "POST", path: "/v1/refunds" })
    expect(req.body).toEqual({
      charge: data.charge_id,
      amount: 1235,
      reason: "requested_by_customer",
      external_reference_id: cloverRefundTag("ref_01PARTIAL"),
    })
    // Clover's documented key form (a version 4 UUID), stable for the same Medusa refund.
    expect(req.headers["idempotency-key"]).toBe(uuidFromKey("ref_01PARTIAL"))
    expect(req.headers["idempotency-key"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(out.data).toMatchObject({ charge_id: data.charge_id, refunded_minor: "1235" })
    expect((out.data!.refunds as any[])[0]).toMatchObject({
      medusa_refund_id: "ref_01PARTIAL",
      amount_minor: "1235",
      requested_amount: "12.345",
      status: "succeeded",
      origin: "medusa",
    })
    expect(emulator.getCharge(data.charge_id as string)?.amount_refunded).toBe(1235)
  })

  it("omits the amount for a full refund of an untouched charge", async () => {
    const data = await paidCharge("50.00")
    await provider().refundPayment({ amount: 50, data, context: { idempotency_key: "ref_full" } })
    expect(emulator.requests({ method: "POST", path: "/v1/refunds" })[0].body).toEqual({
      charge: data.charge_id,
      reason: "requested_by_customer",
      external_reference_id: cloverRefundTag("ref_full"),
    })
    expect(emulator.getCharge(data.charge_id as string)).toMatchObject({ refunded: true, amount_refunded: 5000 })
  })

  it("refunds the rest after a partial refund, then refuses more without sending Clover a refund", async () => {
    const service = provider()
    let data = await paidCharge("50.00")
    data = (await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_a" } })).data!
    data = (await service.refundPayment({ amount: "30", data, context: { idempotency_key: "ref_b" } })).data!
    expect(emulator.requests({ method: "POST", path: "/v1/refunds" }).map((r) => r.body)).toEqual([
      { charge: data.charge_id, amount: 2000, reason: "requested_by_customer", external_reference_id: cloverRefundTag("ref_a") },
      { charge: data.charge_id, amount: 3000, reason: "requested_by_customer", external_reference_id: cloverRefundTag("ref_b") },
    ])
    expect(emulator.getCharge(data.charge_id as string)).toMatchObject({ refunded: true, amount_refunded: 5000 })
    const before = emulator.requests({ method: "POST" }).length
    await expectMedusaError(service.refundPayment({ amount: "1", data, context: { idempotency_key: "ref_c" } }), "not_allowed", /already fully refunded at Clover/)
    expect(emulator.requests({ method: "POST" })).toHaveLength(before) // without Medusa's records the ledger is read first; nothing is sent
    expect(data.refunded_minor).toBe("5000")
  })

  it("does not send again a refund the ledger already holds", async () => {
    const service = provider()
    const paid = await paidCharge("50.00")
    const { data } = await service.refundPayment({ amount: "20", data: paid, context: { idempotency_key: "ref_once" } })
    const again = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_once" } })
    expect(again.data).toEqual(data)
    expect(emulator.listRefunds(paid.charge_id as string)).toHaveLength(1)
  })

  it("maps the Medusa refund reason to Clover's reason", async () => {
    const refundService = { retrieve: async () => ({ note: "dup", refund_reason: { code: "duplicate_order", label: "Duplicate" } }) }
    const service = provider({}, { refundService })
    const data = await paidCharge("50.00", { service })
    await service.refundPayment({ amount: "5", data, context: { idempotency_key: "ref_dup" } })
    expect(emulator.requests({ method: "POST", path: "/v1/refunds" })[0].body).toMatchObject({ reason: "duplicate" })
  })

  it("records a refund already made in the Clover dashboard instead of failing (charge_already_refunded)", async () => {
    const data = await paidCharge("50.00")
    await axios.post(`${emulator.url}/v1/refunds`, { charge: data.charge_id }, { headers: { authorization: `Bearer ${API_KEY}` } })
    const out = await provider().refundPayment({ amount: "50", data, context: { idempotency_key: "ref_dash" } })
    const ledger = out.data!.refunds as any[]
    expect(ledger).toHaveLength(1)
    expect(ledger[0]).toMatchObject({ origin: "processor", medusa_refund_id: "ref_dash", amount_minor: "5000" })
    expect(emulator.listRefunds(data.charge_id as string)).toHaveLength(1)
  })

  it("reads refunds made in the Clover dashboard before refunding, and refuses more than remains", async () => {
    const data = await paidCharge("50.00")
    await axios.post(`${emulator.url}/v1/refunds`, { charge: data.charge_id, amount: 4000 }, { headers: { authorization: `Bearer ${API_KEY}` } })
    await expectMedusaError(
      provider().refundPayment({ amount: "20", data, context: { idempotency_key: "ref_stale" } }),
      "invalid_data",
      "The refund of 20 USD is more than the 10.00 USD that remains refundable at Clover (captured 50.00 USD, already refunded 40.00 USD). Refund at most 10.00 USD."
    )
    expect(emulator.requests({ method: "POST", path: "/v1/refunds" })).toHaveLength(1) // only the dashboard's
    const ok = await provider().refundPayment({ amount: "10", data, context: { idempotency_key: "ref_rest" } })
    expect(ok.data).toMatchObject({ refunded_minor: "5000" })
    expect((ok.data!.refunds as any[]).map((r) => [r.origin, r.amount_minor])).toEqual([["processor", "4000"], ["medusa", "1000"]])
  })

  /** Medusa's payment module as the base reads it: the refund (reason, note, payment) and the payment's data writes. */
  function medusaModule(data: Record<string, unknown>, refund: Record<string, unknown> = {}) {
    const writes: Array<Record<string, unknown>> = []
    let stored = data
    const cradle = {
      refundService: {
        retrieve: async (id: string) => ({ id, note: null, refund_reason: null, ...refund, payment: { id: "pay_1", data: stored, refunds: [{ id }] } }),
        list: async () => [],
      },
      paymentService: {
        update: async (u: { data: Record<string, unknown> }) => {
          writes.push(u.data)
          stored = u.data
        },
        retrieve: async () => ({ data: stored }),
      },
    }
    return { cradle, writes }
  }

  it("ends a refund Clover declines in its answer in a MedusaError with Clover's reason, the attempt kept as failed", async () => {
    const data = await paidCharge("50.00")
    const medusa = medusaModule(data)
    emulator.failNextRefund("Issuer unavailable.")
    const error = await expectMedusaError(
      provider({}, medusa.cradle).refundPayment({ amount: "20", data, context: { idempotency_key: "ref_declined" } }),
      "not_allowed",
      /Clover declined the refund of 20\.00 USD \(Issuer unavailable\.\)\. Nothing was refunded and Medusa records no refund/
    )
    expect(error).toBeInstanceOf(MedusaError)
    const failed = emulator.listRefunds(data.charge_id as string)
    expect(failed).toEqual([expect.objectContaining({ status: "failed", amount: 2000 })])
    expect(emulator.getCharge(data.charge_id as string)?.amount_refunded).toBe(0)
    const ledger = medusa.writes.at(-1)!.refunds as any[]
    expect(ledger).toEqual([
      expect.objectContaining({ processor_refund_id: failed[0]!.id, medusa_refund_id: "ref_declined", amount_minor: "2000", status: "failed", failure_reason: "Issuer unavailable." }),
    ])
    // The refundable balance is not used up: the admin can refund again.
    const again = await provider().refundPayment({ amount: "20", data, context: { idempotency_key: "ref_again" } })
    expect(again.data).toMatchObject({ refunded_minor: "2000" })
  })

  describe("what Clover says it refunded is recorded, never thrown after the money moved", () => {
    const scripted = (body: Record<string, unknown>) =>
      emulator.injectFault({ method: "POST", path: "/v1/refunds", fault: { kind: "status", status: 200, body } })

    it("another amount: the ledger holds Clover's figure, marked", async () => {
      const data = await paidCharge("50.00")
      scripted({ id: "RFNDOTHERAMT1", object: "refund", amount: 4000, charge: data.charge_id, created: Date.now(), status: "succeeded" })
      const out = await provider().refundPayment({ amount: "50", data, context: { idempotency_key: "ref_amt" } })
      const [entry] = out.data!.refunds as any[]
      expect(entry).toMatchObject({ processor_refund_id: "RFNDOTHERAMT1", amount_minor: "4000", discrepancy: { planned_minor: "5000", processor_minor: "4000" } })
    })

    it("another currency, where an answer carries one: marked, the planned amount kept", async () => {
      const data = await paidCharge("50.00")
      scripted({ id: "RFNDOTHERCUR1", object: "refund", amount: 5000, currency: "EUR", charge: data.charge_id, created: Date.now(), status: "succeeded" })
      const out = await provider().refundPayment({ amount: "50", data, context: { idempotency_key: "ref_cur" } })
      const [entry] = out.data!.refunds as any[]
      expect(entry).toMatchObject({ amount_minor: "5000", discrepancy: { planned_currency: "usd", processor_currency: "eur", processor_minor: "5000" } })
    })

    it("no amount in the answer: the refund is read back", async () => {
      const data = await paidCharge("50.00")
      const other = await paidCharge("50.00")
      const auth = { headers: { authorization: `Bearer ${API_KEY}` } }
      const { data: elsewhere } = await axios.post(`${emulator.url}/v1/refunds`, { charge: other.charge_id, amount: 1234 }, auth)
      scripted({ id: elsewhere.id, object: "refund", charge: data.charge_id, status: "succeeded" })
      const out = await provider().refundPayment({ amount: "12.35", data, context: { idempotency_key: "ref_readback" } })
      expect(emulator.requests({ method: "GET", path: `/v1/refunds/${elsewhere.id}` })).toHaveLength(1)
      expect((out.data!.refunds as any[])[0]).toMatchObject({ amount_minor: "1234", discrepancy: { planned_minor: "1235", processor_minor: "1234" } })
    })

    it("the planned figures echoed back: no mark", async () => {
      const data = await paidCharge("50.00")
      const out = await provider().refundPayment({ amount: "50", data, context: { idempotency_key: "ref_same" } })
      expect((out.data!.refunds as any[])[0].discrepancy).toBeUndefined()
    })
  })

  it("sends Medusa's reason as Clover's reason, read from the code or the label; the note has no Clover field", async () => {
    const data = await paidCharge("50.00")
    const medusa = medusaModule(data, { note: "Parcel came back twice", refund_reason: { code: "rr_01", label: "Duplicate order" } })
    await provider({}, medusa.cradle).refundPayment({ amount: "5", data, context: { idempotency_key: "ref_label" } })
    const [req] = emulator.requests({ method: "POST", path: "/v1/refunds" })
    expect(req!.body).toEqual({ charge: data.charge_id, amount: 500, reason: "duplicate", external_reference_id: cloverRefundTag("ref_label") })
  })

  it("reads Clover's error shape, and an answer with only a top-level message", async () => {
    const data = await paidCharge("50.00")
    await expectMedusaError(provider().refundPayment({ amount: "60", data, context: { idempotency_key: "ref_over" } }), "invalid_data", /is more than/)
    emulator.injectFault({ method: "POST", path: "/v1/refunds", fault: { kind: "status", status: 401, body: { message: "401 Unauthorized" } } })
    await expectMedusaError(provider().refundPayment({ amount: "5", data, context: { idempotency_key: "ref_401" } }), "unexpected_state", /HTTP 401.*401 Unauthorized/s)
  })

  describe("bad input: a MedusaError, and nothing refunded", () => {
    let data: Record<string, unknown>
    beforeEach(async () => {
      data = await paidCharge("50.00")
    })
    afterEach(() => {
      expect(emulator.listRefunds()).toHaveLength(0)
      expect(emulator.requests({ method: "POST", path: "/v1/refunds" }).filter((r) => r.status < 400)).toHaveLength(0)
    })
    it.each([
      ["negative", -5, /greater than zero/],
      ["zero", 0, /greater than zero/],
      ["NaN", Number.NaN, /not a finite number/],
      ["text", "ten", /not a decimal number/],
      ["sub-cent", "0.004", /below the smallest amount/],
    ])("%s amount", async (_name, amount, text) => {
      await expectMedusaError(provider().refundPayment({ amount, data, context: { idempotency_key: "ref_bad" } }), "invalid_data", text)
      expect(emulator.requests({ method: "POST", path: "/v1/refunds" })).toHaveLength(0) // refused before any request
    })
    it("payment data without the charge id", async () => {
      const { charge_id, ...rest } = data
      await expectMedusaError(provider().refundPayment({ amount: 5, data: rest, context: { idempotency_key: "ref_bad" } }), "invalid_data", /has no charge_id/)
    })
    it("unknown currency", async () => {
      await expectMedusaError(provider().refundPayment({ amount: 5, data: { ...data, currency: "zzz" }, context: { idempotency_key: "ref_bad" } }), "invalid_data", /currency "zzz"/)
    })
    it("wrong credentials (Clover answers 401)", async () => {
      const error = await expectMedusaError(
        provider({ apiKey: "wrong_key_123456" }).refundPayment({ amount: 5, data, context: { idempotency_key: "ref_bad" } }),
        "unexpected_state",
        /Clover could not refund the payment \(HTTP 401.*\)\. Clover rejected the API key/
      )
      expect(error.message).not.toContain("wrong_key_123456")
    })
  })
})

describe("cancel, retrieve, status", () => {
  it("reverses an uncaptured authorization and reports it canceled", async () => {
    const service = provider()
    const data = await paidCharge("30", { capture: false })
    const out = await service.cancelPayment({ data, context: { idempotency_key: "pay_1" } })
    expect(emulator.requests({ method: "POST", path: "/v1/refunds" })[0].body).toEqual({ charge: data.charge_id, reason: "requested_by_customer" })
    expect(out.data).toMatchObject({ authorization_reversed: true })
    expect((await service.getPaymentStatus({ data: out.data })).status).toBe(PaymentSessionStatus.CANCELED)
    // Canceling again changes nothing at Clover.
    await service.cancelPayment({ data: out.data, context: { idempotency_key: "pay_1" } })
    expect(emulator.listRefunds()).toHaveLength(1)
  })

  it("refuses to cancel a captured charge", async () => {
    const data = await paidCharge("30")
    await expectMedusaError(provider().cancelPayment({ data }), "not_allowed", /Refund it instead/)
  })

  it("maps charge states to Medusa statuses and reconciles refunds on retrieve", async () => {
    const service = provider()
    const authorized = await paidCharge("30", { capture: false })
    expect((await service.getPaymentStatus({ data: authorized })).status).toBe(PaymentSessionStatus.AUTHORIZED)
    const captured = (await service.capturePayment({ data: authorized, context: { idempotency_key: "capt_s" } })).data!
    expect((await service.getPaymentStatus({ data: captured })).status).toBe(PaymentSessionStatus.CAPTURED)
    await axios.post(`${emulator.url}/v1/refunds`, { charge: captured.charge_id, amount: 500 }, { headers: { authorization: `Bearer ${API_KEY}` } })
    const retrieved = await service.retrievePayment({ data: captured })
    expect(retrieved.data).toMatchObject({ refunded_minor: "500", processor_refunded_minor: "500" })
    expect((retrieved.data!.refunds as any[])[0]).toMatchObject({ origin: "processor", amount_minor: "500" })
  })

  it.each([
    ["`elements` (the assembled spec)", (r: unknown) => ({ elements: [r] })],
    ["a bare array (a third-party client)", (r: unknown) => [r]],
  ])("reads a refund list in %s too", async (_name, envelope) => {
    const data = await paidCharge("30")
    const { data: refund } = await axios.post(`${emulator.url}/v1/refunds`, { charge: data.charge_id, amount: 500 }, { headers: { authorization: `Bearer ${API_KEY}` } })
    emulator.injectFault({ method: "GET", path: "/v1/refunds", fault: { kind: "status", status: 200, body: envelope(refund) } })
    const retrieved = await provider().retrievePayment({ data })
    expect((retrieved.data!.refunds as any[]).map((r) => [r.processor_refund_id, r.amount_minor])).toEqual([[refund.id, "500"]])
  })

  it("deletes a session without a charge locally, and releases an authorized one", async () => {
    const service = provider()
    expect((await service.deletePayment({ data: { currency: "usd" } })).data).toEqual({ currency: "usd" })
    expect(emulator.requests()).toHaveLength(0)
    const data = await paidCharge("30", { capture: false })
    await service.deletePayment({ data })
    expect(emulator.getCharge(data.charge_id as string)).toMatchObject({ refunded: true, captured: false })
  })
})

describe("getWebhookActionAndData", () => {
  it("trusts only a matching X-Clover-Auth and reads the charge back from Clover", async () => {
    const service = provider()
    const data = await paidCharge("30")
    const body = emulator.webhookPayload(data.charge_id as string, "UPDATE")
    const raw = JSON.stringify(body)
    const wrong = await service.getWebhookActionAndData({ data: body as any, rawData: raw, headers: { "x-clover-auth": "not-the-code" } })
    expect(wrong.action).toBe(PaymentActions.NOT_SUPPORTED)
    const missing = await service.getWebhookActionAndData({ data: body as any, rawData: raw, headers: {} })
    expect(missing.action).toBe(PaymentActions.NOT_SUPPORTED)
    const right = await service.getWebhookActionAndData({ data: body as any, rawData: raw, headers: { "X-Clover-Auth": "clover-auth-code-123" } })
    expect(right).toEqual({ action: PaymentActions.SUCCESSFUL, data: { session_id: expect.stringMatching(/^payses_/), amount: "30" } })
    const unknown = await service.getWebhookActionAndData({ data: { foo: 1 }, rawData: "{}", headers: { "x-clover-auth": "clover-auth-code-123" } })
    expect(unknown.action).toBe(PaymentActions.NOT_SUPPORTED)
  })
})

describe("validateOptions", () => {
  it("names the bad option and never echoes a secret", () => {
    expect(() => CloverProviderService.validateOptions({})).toThrow(/`apiKey` is required/)
    const error = (() => {
      try {
        CloverProviderService.validateOptions({ apiKey: "secret_key_value_1", environment: "staging", captureMode: "later" })
      } catch (e) {
        return e as Error
      }
    })()!
    expect(error).toBeInstanceOf(MedusaError)
    expect(error.message).toMatch(/`environment`/)
    expect(error.message).toMatch(/`captureMode`/)
    expect(error.message).not.toContain("secret_key_value_1")
    expect(() => CloverProviderService.validateOptions({ apiKey: "secret_key_value_1", environment: "http://127.0.0.1:4510" })).not.toThrow()
  })
})

describe("exactly once under faults", () => {
  /** A stand-in for Medusa's refund records: which refund ids exist, and their payment. */
  function medusaRefunds(existing: string[]) {
    return {
      retrieve: async (id: string) => {
        if (!existing.includes(id)) throw new Error(`Refund ${id} not found`)
        return { id, payment_id: "pay_1", note: null, refund_reason: null }
      },
      list: async () => existing.map((id) => ({ id })),
    }
  }
  const fast = (existing: string[]) =>
    provider({ timeoutMs: 300, maxRetries: 2 }, { refundService: medusaRefunds(existing) })

  it("retries a refund whose answer timed out with the same key: one refund at Clover", async () => {
    const data = await paidCharge("50.00")
    emulator.injectFault({ method: "POST", path: "/v1/refunds", fault: { kind: "timeout_after_apply" } })
    const out = await fast(["ref_t1"]).refundPayment({ amount: "12.34", data, context: { idempotency_key: "ref_t1" } })
    const posts = emulator.requests({ method: "POST", path: "/v1/refunds" })
    expect(posts.map((r) => r.headers["idempotency-key"])).toEqual([uuidFromKey("ref_t1"), uuidFromKey("ref_t1")])
    expect(emulator.listRefunds(data.charge_id as string).map((r) => r.amount)).toEqual([1234])
    expect(out.data).toMatchObject({ refunded_minor: "1234" })
  })

  it.each([
    ["a 503", { kind: "status", status: 503 }],
    ["a 429 with Retry-After", { kind: "status", status: 429, retryAfter: "0" }],
    ["a connection reset before applying", { kind: "reset" }],
    ["a connection reset after applying", { kind: "reset_after_apply" }],
    ["malformed JSON after applying", { kind: "malformed_json" }],
    ["a wrong content type after applying", { kind: "wrong_content_type" }],
  ] as const)("survives %s: exactly one refund", async (_name, fault) => {
    const data = await paidCharge("50.00")
    emulator.injectFault({ method: "POST", path: "/v1/refunds", fault: fault as any })
    const out = await fast(["ref_f"]).refundPayment({ amount: "5", data, context: { idempotency_key: "ref_f" } })
    expect(emulator.listRefunds(data.charge_id as string).map((r) => r.amount)).toEqual([500])
    expect(out.data).toMatchObject({ refunded_minor: "500" })
  })

  it("does not refund twice when Medusa retries a failed refund with a new id (medusajs/medusa#16681)", async () => {
    const data = await paidCharge("50.00")
    // Every attempt is applied at Clover but its answer never arrives: the provider gives up.
    emulator.injectFault({ method: "POST", path: "/v1/refunds", times: 3, fault: { kind: "timeout_after_apply" } })
    await expectMedusaError(
      fast(["ref_first"]).refundPayment({ amount: "20", data, context: { idempotency_key: "ref_first" } }),
      "unexpected_state",
      /did not answer in time\. The operation may have been applied/
    )
    expect(emulator.listRefunds(data.charge_id as string)).toHaveLength(1)
    // Medusa deleted ref_first and the admin refunds again: ref_second, same amount, same (stale) data.
    const out = await fast(["ref_second"]).refundPayment({ amount: "20", data, context: { idempotency_key: "ref_second" } })
    expect(emulator.listRefunds(data.charge_id as string).map((r) => r.amount)).toEqual([2000])
    expect(out.data!.refunds).toEqual([
      expect.objectContaining({ medusa_refund_id: "ref_second", amount_minor: "2000", origin: "medusa", status: "succeeded" }),
    ])
  })

  it("adopts its own refund after a restart lost Medusa's write, instead of refunding again", async () => {
    const data = await paidCharge("50.00")
    await fast(["ref_once"]).refundPayment({ amount: "7", data, context: { idempotency_key: "ref_once" } }) // result never stored
    emulator.clearFaults()
    const out = await provider({}, { refundService: medusaRefunds(["ref_once"]) }).refundPayment({
      amount: "7",
      data,
      context: { idempotency_key: "ref_once" },
    })
    expect(emulator.listRefunds(data.charge_id as string)).toHaveLength(1)
    expect(out.data).toMatchObject({ refunded_minor: "700" })
  })

  it("keeps a concurrent refund that another Medusa refund made, and still sends this one", async () => {
    const data = await paidCharge("50.00")
    // ref_a succeeded at Clover, but its data write was overwritten (Medusa writes outside its lock).
    await fast(["ref_a", "ref_b"]).refundPayment({ amount: "10", data, context: { idempotency_key: "ref_a" } })
    const out = await fast(["ref_a", "ref_b"]).refundPayment({ amount: "10", data, context: { idempotency_key: "ref_b" } })
    expect(emulator.listRefunds(data.charge_id as string).map((r) => r.amount)).toEqual([1000, 1000])
    expect((out.data!.refunds as any[]).map((r) => r.medusa_refund_id)).toEqual(["ref_a", "ref_b"])
    expect(out.data).toMatchObject({ refunded_minor: "2000" })
  })

  it("does not adopt an orphan when Medusa's records cannot be read, and never over-refunds", async () => {
    const data = await paidCharge("50.00")
    emulator.injectFault({ method: "POST", path: "/v1/refunds", times: 3, fault: { kind: "timeout_after_apply" } })
    await fast([]).refundPayment({ amount: "30", data, context: { idempotency_key: "ref_lost" } }).catch(() => undefined)
    // Without Medusa's records the orphan counts against the remainder: 20.00 is left, 30 is refused.
    await expectMedusaError(provider().refundPayment({ amount: "30", data, context: { idempotency_key: "ref_retry" } }), "invalid_data", /remains refundable/)
    expect(emulator.listRefunds(data.charge_id as string).map((r) => r.amount)).toEqual([3000])
  })
})

describe("nothing from the shopper moves money unverified (docs/security.md)", () => {
  const auth = { headers: { authorization: `Bearer ${API_KEY}`, "x-forwarded-for": "203.0.113.7" } }
  /** Requests that move money at Clover (charge, capture, refund or reversal). */
  const moneyMoves = () => emulator.requests({ method: "POST" })

  it("drops a shopper's charge_id of another, smaller charge at initiate; authorization cannot complete with it", async () => {
    const service = provider()
    const cheap = await paidCharge("55.50", { capture: false })
    const mark = emulator.requests().length
    const stored = await initiate(service, "465", { charge_id: cheap.charge_id, ...stamped(service) })
    expect(stored.charge_id).toBeNull()
    await expectMedusaError(service.authorizePayment({ data: stored }), "invalid_data", /card token/)
    expect(emulator.requests().slice(mark)).toEqual([])
    expect(emulator.getCharge(cheap.charge_id as string)).toMatchObject({ captured: false, refunded: false })
  })

  describe("a stored charge that is not this session's is refused, and nothing is captured", () => {
    let own: Record<string, unknown>
    let foreign: Record<string, unknown>
    beforeEach(async () => {
      own = await paidCharge("55.50", { capture: false })
      const { data } = await axios.post(`${emulator.url}/v1/charges`, { amount: 5550, currency: "usd", source: token(), capture: false }, auth)
      foreign = data
    })
    afterEach(() => {
      expect(emulator.requests({ method: "POST", path: /\/capture$/ })).toEqual([])
      expect(emulator.listRefunds()).toEqual([])
    })
    const cases: Array<[string, () => Record<string, unknown>, RegExp]> = [
      ["another session's charge", () => ({ ...own, session_id: "payses_other" }), /does not name this session/],
      ["a charge of another amount", () => ({ ...own, amount_minor: "46500" }), /its amount 5550 is not the session's 46500/],
      ["a charge in another currency", () => ({ ...own, currency: "cad" }), /its currency usd is not the session's cad/],
      ["a charge that names no session", () => ({ ...own, charge_id: foreign.id }), /does not name this session/],
    ]
    it.each(cases)("%s", async (_name, data, why) => {
      const service = provider()
      const mark = moneyMoves().length
      await expectMedusaError(service.authorizePayment({ data: data() }), "not_allowed", why)
      await expectMedusaError(service.getPaymentStatus({ data: data() }), "not_allowed", why)
      await expectMedusaError(service.retrievePayment({ data: data() }), "not_allowed", why)
      await expectMedusaError(service.cancelPayment({ data: data() }), "not_allowed", why)
      expect(moneyMoves().slice(mark)).toEqual([])
    })

    it("a session Medusa deletes with the shopper's own data does not release someone else's authorization", async () => {
      // Medusa's createPaymentSession hands deleteSession the storefront's data when saving fails.
      await expectMedusaError(provider().deletePayment({ data: { charge_id: own.charge_id } }), "not_allowed", /does not name this session/)
      expect(emulator.getCharge(own.charge_id as string)).toMatchObject({ refunded: false })
    })
  })

  describe("customer_ip", () => {
    it("sends the IP the store middleware stamped", async () => {
      await paidCharge("10")
      expect(emulator.requests({ method: "POST" }).map((r) => r.headers["x-forwarded-for"])).toEqual(["203.0.113.7", "203.0.113.7"])
    })

    it.each([
      ["without a proof", (_s: CloverProviderService) => ({ customer_ip: "198.51.100.66" })],
      ["with another IP's proof", (s: CloverProviderService) => ({ ...s.stampRequestIp("203.0.113.7"), customer_ip: "198.51.100.66" })],
      ["with a proof from another key", () => ({ ...provider({ apiKey: "another_clover_key" }).stampRequestIp("198.51.100.66") })],
    ])("never sends a shopper's customer_ip %s: the defaultClientIp option, or nothing", async (_name, ip) => {
      const fallback = provider({ defaultClientIp: "192.0.2.10" })
      const stored = await initiate(fallback, "10", { source: token(), ...ip(fallback) })
      expect(stored.customer_ip).toBeNull()
      await fallback.authorizePayment({ data: stored })
      expect(emulator.requests({ method: "POST", path: "/v1/charges" })[0].headers["x-forwarded-for"]).toBe("192.0.2.10")

      const strict = provider()
      const refused = await initiate(strict, "10", { source: token(), ...ip(strict) })
      await expectMedusaError(strict.authorizePayment({ data: refused }), "invalid_data", /customer's IP address/)
      expect(emulator.requests({ method: "POST", path: "/v1/charges" })).toHaveLength(1)
    })
  })

  describe("ids that go into URL paths", () => {
    const bad = ["../refunds", "..%2F..%2Fv1%2Frefunds", "ABCDEFGHJK?x=1", "ABCDEFGHJK#x", "ABCDEFGHJK/capture", "a".repeat(13), "A".repeat(5000)]
    it.each(bad.map((id) => [id.length > 40 ? `${id.slice(0, 10)}… (${id.length})` : JSON.stringify(id), id]))(
      "refuses %s before any request",
      async (_label, id) => {
        const service = provider()
        const data = { session_id: "payses_p", currency: "usd", amount_minor: "1000", charge_id: id, customer_ip: "203.0.113.7" }
        for (const call of [
          () => service.authorizePayment({ data }),
          () => service.capturePayment({ data, context: { idempotency_key: "capt_p" } }),
          () => service.getPaymentStatus({ data }),
          () => service.retrievePayment({ data }),
          () => service.cancelPayment({ data }),
        ]) {
          await expectMedusaError(call(), "invalid_data", /is not a Clover id/)
        }
        const webhook = { merchants: { M: [{ objectId: `P:${id}`, type: "UPDATE" }] } }
        const out = await service.getWebhookActionAndData({ data: webhook, rawData: JSON.stringify(webhook), headers: { "x-clover-auth": "clover-auth-code-123" } })
        expect(out.action).toBe(PaymentActions.NOT_SUPPORTED)
        expect(emulator.requests()).toEqual([])
      }
    )
  })

  it("takes the webhook's session id and amount from the charge read back, never from the body", async () => {
    const data = await paidCharge("30")
    const body = { ...emulator.webhookPayload(data.charge_id as string, "UPDATE"), session_id: "payses_evil", amount: "1", metadata: { session_id: "payses_evil" } }
    const out = await provider().getWebhookActionAndData({ data: body as any, rawData: JSON.stringify(body), headers: { "x-clover-auth": "clover-auth-code-123" } })
    expect(out).toEqual({ action: PaymentActions.SUCCESSFUL, data: { session_id: data.session_id, amount: "30" } })
  })

  it.each(["constructor", "toString", "__proto__", "hasOwnProperty"])("does not take %s for a refund reason", async (code) => {
    expect(refundReasonFor({ reasonCode: code }, { refundReasons: {} })).toBe("requested_by_customer")
    const refundService = { retrieve: async () => ({ refund_reason: { code, label: code } }) }
    const service = provider({}, { refundService })
    const data = await paidCharge("50.00", { service })
    await service.refundPayment({ amount: "5", data, context: { idempotency_key: `ref_${code}` } })
    expect(emulator.requests({ method: "POST", path: "/v1/refunds" })[0].body).toMatchObject({ reason: "requested_by_customer" })
  })
})
