import axios from "axios"
import { expectMedusaError as expectMedusaErrorWithout } from "../../../../test/support/medusa-error"
import fc from "fast-check"
import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import { applyRefundOutcomes } from "../../../core/refunds/planner"
import type { EmulatorRequest, EmulatorResponse, HookContext } from "../../../emulators/core/server"
import {
  DEFAULT_DODO_API_KEY,
  DEFAULT_DODO_PRODUCT_ID,
  DEFAULT_DODO_WEBHOOK_SECRET,
  DodoEmulator,
} from "../../../emulators/dodo"
import { DodoProviderService } from "../service"
import { spreadRefund } from "../transformers"
import { loadSpec } from "../../../../test/contract/openapi"
import { MedusaPaymentsDouble, mergeLikeMedusa } from "../../../../test/support/medusa-payments"
import { useEmulator } from "../../../../test/support/emulator"

const API_KEY = DEFAULT_DODO_API_KEY
const SECRET = DEFAULT_DODO_WEBHOOK_SECRET
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/**
 * Lets a test lose the answer of one request after the emulator applied it (timeout after apply), fail one
 * before it is applied, or answer as a Dodo that differs from the emulator would (`rewrite`: the emulator's
 * state is unchanged, only the answer; `once` rewrites are used up by their first match).
 */
class FaultyDodo extends DodoEmulator {
  dropAnswers: Array<{ method: string; path: RegExp }> = []
  failBefore: Array<{ method: string; path: RegExp }> = []
  rewrite: Array<{ method: string; path: RegExp; body: (body: any) => any; once?: boolean }> = []
  protected async beforeHandle(req: EmulatorRequest, ctx: HookContext): Promise<EmulatorResponse | undefined> {
    const i = this.failBefore.findIndex((f) => f.method === req.method && f.path.test(req.path))
    if (i >= 0) {
      this.failBefore.splice(i, 1)
      return { status: 503, body: { code: "INTERNAL_SERVER_ERROR", message: "try later" } }
    }
    return super.beforeHandle(req, ctx)
  }
  protected async afterHandle(req: EmulatorRequest, res: EmulatorResponse, ctx: HookContext): Promise<EmulatorResponse> {
    const i = this.dropAnswers.findIndex((f) => f.method === req.method && f.path.test(req.path))
    if (i >= 0) {
      this.dropAnswers.splice(i, 1)
      ctx.raw.destroy()
    }
    const r = this.rewrite.findIndex((f) => f.method === req.method && f.path.test(req.path))
    if (r >= 0 && res.status === 200) {
      const { body, once } = this.rewrite[r]!
      if (once) this.rewrite.splice(r, 1)
      return { ...res, body: body(structuredClone(res.body)) }
    }
    return res
  }
}

let seq = 0
/** Medusa's payment sessions as its payment module stores them (the webhook reads them). */
const medusaSessions = new Map<string, Record<string, unknown>>()
const paymentSessionService = {
  async retrieve(id: string) {
    const data = medusaSessions.get(id)
    if (!data) throw new MedusaError(MedusaError.Types.NOT_FOUND, `PaymentSession with id: ${id} was not found`)
    return { id, data }
  },
}

const emulator = useEmulator(new FaultyDodo())
beforeEach(() => {
  medusaSessions.clear()
  emulator.dropAnswers = []
  emulator.failBefore = []
  emulator.rewrite = []
})
// Every request the provider sent, and every answer the emulator gave, matches Dodo's official
// spec (1.53.2). The customer's checkout page (/checkout/…) is not part of the API; a request whose
// answer a test dropped (status 0) has no answer to check; a test that plays a Dodo newer than the
// spec (a refund status added later) says so in `newerThanSpec`.
let newerThanSpec = false
afterEach(() => {
  const spec = loadSpec("dodopayments-1.53.2.openapi.yml")
  if (!newerThanSpec) expect(spec.check(emulator.requests().filter((r) => r.status !== 0), { ignorePaths: /^\/checkout\// })).toEqual([])
  newerThanSpec = false
})

function provider(options: Record<string, unknown> = {}, cradle: Record<string, unknown> = {}) {
  return new DodoProviderService(
    { logger: quiet, paymentSessionService, ...cradle },
    {
      apiKey: API_KEY,
      environment: emulator.url,
      productId: DEFAULT_DODO_PRODUCT_ID,
      webhookSecrets: [SECRET],
      maxRetries: 0,
      ...options,
    }
  )
}

const expectMedusaError = (promise: Promise<unknown>, type: string, text: RegExp | string) =>
  expectMedusaErrorWithout(promise, type, text, [API_KEY])

const customer = { id: "cus_1", email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" }

/**
 * initiatePayment as Medusa calls it: the storefront's `shopper` data plus Medusa's session id,
 * then stored as Medusa stores it (the shopper's data merged with the provider's answer).
 */
async function started(amount: string | number = "47.34", currency = "usd", service = provider(), shopper: Record<string, unknown> = {}) {
  const sid = `payses_${++seq}`
  const out = await service.initiatePayment({
    amount,
    currency_code: currency,
    data: { ...shopper, session_id: sid },
    context: { idempotency_key: sid, customer } as any,
  })
  const stored = mergeLikeMedusa(shopper, out.data!)
  medusaSessions.set(sid, stored)
  return stored
}

/** initiate, the customer pays on Dodo's page, authorize: the payment data Medusa keeps. */
async function paid(amount: string | number = "47.34", opts: { service?: DodoProviderService; currency?: string } = {}) {
  const service = opts.service ?? provider()
  const session = await started(amount, opts.currency ?? "usd", service)
  emulator.pay(session.checkout_session_id as string)
  const auth = await service.authorizePayment({ data: session, context: { idempotency_key: session.session_id as string } })
  expect(auth.status).toBe(PaymentSessionStatus.CAPTURED)
  return auth.data!
}

/**
 * A payment with several line items (a checkout made with three products, as a storefront that
 * sells Dodo products would), authorized through the provider.
 */
async function paidMultiItem(service = provider()) {
  const a = emulator.createProduct({ productId: "pdt_a_book", price: 1999, currency: "USD", taxInclusive: true })
  const b = emulator.createProduct({ productId: "pdt_b_course", price: 2501, currency: "USD", taxInclusive: true })
  const c = emulator.createProduct({ productId: "pdt_c_sticker", price: 333, currency: "USD", taxInclusive: true })
  const sid = `payses_multi_${++seq}`
  const res = await axios.post(
    `${emulator.url}/checkouts`,
    {
      product_cart: [
        { product_id: b.product_id, quantity: 1 },
        { product_id: a.product_id, quantity: 2 },
        { product_id: c.product_id, quantity: 1 },
      ],
      metadata: { session_id: sid },
    },
    { headers: { authorization: `Bearer ${API_KEY}` } }
  )
  emulator.pay(res.data.session_id)
  const total = 1999 * 2 + 2501 + 333 // 6832
  const auth = await service.authorizePayment({
    data: {
      session_id: sid,
      checkout_session_id: res.data.session_id,
      checkout_created_at: new Date().toISOString(),
      processor: "dodo",
      currency: "usd",
      amount_minor: String(total),
      captured_minor: "0",
      refunded_minor: "0",
      refunds: [],
    },
  })
  expect(auth.status).toBe(PaymentSessionStatus.CAPTURED)
  return auth.data!
}

/** A checkout made outside this session's provider call that names `sessionId`, paid: a stray payment. */
async function strayPayment(sessionId: string, amount: number, currency = "USD") {
  const res = await axios.post(
    `${emulator.url}/checkouts`,
    { product_cart: [{ product_id: DEFAULT_DODO_PRODUCT_ID, quantity: 1, amount }], billing_currency: currency, metadata: { session_id: sessionId } },
    { headers: { authorization: `Bearer ${API_KEY}` } }
  )
  return emulator.pay(res.data.session_id)
}

type Sent = ReturnType<DodoEmulator["requests"]>[number] & { body: any }
const posts = (path: string): Sent[] => emulator.requests({ method: "POST", path }) as Sent[]
const refundPosts = () => posts("/refunds")

describe("initiatePayment", () => {
  it("creates a checkout session for the cart total through the pay-what-you-want product", async () => {
    const data = await started({ value: "47.34", precision: 20 } as any)
    const [req] = posts("/checkouts")
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(req.headers["idempotency-key"]).toBeUndefined()
    expect(req.body).toEqual({
      product_cart: [{ product_id: DEFAULT_DODO_PRODUCT_ID, quantity: 1, amount: 4734 }],
      billing_currency: "USD",
      metadata: { session_id: data.session_id },
      customer: { email: "ada@example.com", name: "Ada Lovelace" },
      show_saved_payment_methods: false,
      feature_flags: { allow_currency_selection: false, allow_discount_code: false },
    })
    expect(req.rawBody).toContain('"amount":4734}')
    expect(data).toMatchObject({
      processor: "dodo",
      currency: "usd",
      amount_minor: "4734",
      captured_minor: "0",
      refunds: [],
      checkout_session_id: expect.stringMatching(/^cks_/),
      checkout_url: expect.stringContaining("/checkout/cks_"),
    })
    expect(JSON.stringify(data)).not.toContain(API_KEY)
    expect(JSON.stringify(data)).not.toContain(SECRET)
  })

  it("sends ISO minor units for 0- and 3-decimal currencies (Dodo's exponents are unconfirmed)", async () => {
    await started("1500", "jpy")
    await started("12.345", "kwd")
    expect(posts("/checkouts").map((r) => [r.body.product_cart[0].amount, r.body.billing_currency])).toEqual([
      [1500, "JPY"],
      [12345, "KWD"],
    ])
  })

  it("refuses an unsupported currency, a zero amount and an amount over int32 before any request", async () => {
    await expectMedusaError(started("10", "xau"), "invalid_data", /currency "xau"/)
    await expectMedusaError(started("0"), "invalid_data", /greater than zero/)
    await expectMedusaError(started("21474836.48"), "invalid_data", /more than Dodo Payments accepts/)
    expect(emulator.requests()).toHaveLength(0)
  })

  it("reports a product Dodo refuses with advice about the productId option", async () => {
    await expectMedusaError(started("10", "usd", provider({ productId: "pdt_missing" })), "not_found", /Dodo Payments could not start the payment \(HTTP 404 NOT_FOUND/)
  })
})

describe("authorizePayment", () => {
  it("is pending until the customer pays, then captured (Medusa records the capture)", async () => {
    const service = provider()
    const session = await started("47.34", "usd", service)
    const before = await service.authorizePayment({ data: session })
    expect(before.status).toBe(PaymentSessionStatus.PENDING_AUTHORIZATION)
    expect(before.data).toEqual(session)

    const payment = emulator.pay(session.checkout_session_id as string)
    const after = await service.authorizePayment({ data: session })
    expect(after.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(after.data).toMatchObject({
      payment_id: payment.payment_id,
      payment_status: "succeeded",
      amount_minor: "4734",
      captured_minor: "4734",
      dodo_total_minor: "4734",
      dodo_tax_minor: "430",
    })
    // found by listing payments created since the checkout, matched on metadata.session_id
    const list = emulator.requests({ method: "GET", path: "/payments" })
    expect(list.at(-1)!.query).toMatchObject({ page_size: "100", page_number: "0", created_at_gte: expect.any(String) })
  })

  it("uses a payment id from the return URL only after checking it belongs to the session", async () => {
    const service = provider()
    const mine = await started("10", "usd", service)
    const other = await started("20", "usd", service)
    const otherPayment = emulator.pay(other.checkout_session_id as string)
    // a storefront passing someone else's payment id gets nothing
    const spoofed = await service.authorizePayment({ data: { ...mine, dodo_payment_id: otherPayment.payment_id } })
    expect(spoofed.status).toBe(PaymentSessionStatus.PENDING_AUTHORIZATION)
    const myPayment = emulator.pay(mine.checkout_session_id as string)
    const ok = await service.authorizePayment({ data: { ...mine, dodo_payment_id: myPayment.payment_id } })
    expect(ok.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(ok.data).toMatchObject({ payment_id: myPayment.payment_id, captured_minor: "1000" })
    expect(ok.data!.dodo_payment_id).toBeNull()
  })

  it("stays pending while Dodo processes, then captures", async () => {
    const service = provider()
    const session = await started("10", "usd", service)
    const payment = emulator.pay(session.checkout_session_id as string, { status: "processing" })
    const first = await service.authorizePayment({ data: session })
    expect(first.status).toBe(PaymentSessionStatus.PENDING_AUTHORIZATION)
    expect(first.data).toMatchObject({ payment_id: payment.payment_id, payment_status: "processing", captured_minor: "0" })
    emulator.setPaymentStatus(payment.payment_id, "succeeded")
    const second = await service.authorizePayment({ data: first.data })
    expect(second.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(second.data).toMatchObject({ captured_minor: "1000" })
  })

  it("reports a failed payment as a payment authorization error", async () => {
    const service = provider()
    const session = await started("10", "usd", service)
    emulator.pay(session.checkout_session_id as string, { status: "failed" })
    await expectMedusaError(service.authorizePayment({ data: session }), "payment_authorization_error", /CARD_DECLINED.*new payment session/s)
  })

  it("refuses a session the provider did not start", async () => {
    await expectMedusaError(provider().authorizePayment({ data: { session_id: "payses_x" } }), "invalid_data", /no Dodo Payments checkout session/)
  })
})

describe("capturePayment, cancelPayment, deletePayment, updatePayment", () => {
  it("capture returns a succeeded payment's data unchanged, without calling Dodo", async () => {
    const data = await paid("25.50")
    const before = emulator.requests().length
    const out = await provider().capturePayment({ data, context: { idempotency_key: "capt_1" } })
    expect(out.data).toEqual(data)
    expect(emulator.requests()).toHaveLength(before)
  })

  it("capture refuses a payment the customer has not made: Dodo has no capture", async () => {
    const session = await started()
    await expectMedusaError(provider().capturePayment({ data: session }), "not_allowed", /has no capture/)
  })

  it("cancel and delete of an unpaid session do nothing at Dodo; of a paid one they say what Dodo cannot do", async () => {
    const service = provider()
    const unpaid = await started("10", "usd", service)
    expect((await service.cancelPayment({ data: unpaid })).data).toMatchObject({ canceled_before_payment: true })
    expect((await service.deletePayment({ data: unpaid })).data).toEqual(unpaid)
    const data = await paid("10", { service })
    await expectMedusaError(service.cancelPayment({ data }), "not_allowed", /cannot cancel or void a payment.*Refund it instead/)
    await expectMedusaError(service.deletePayment({ data }), "not_allowed", /already paid/)
    expect(refundPosts()).toHaveLength(0)
  })

  it("update makes a new checkout session for a new amount, and refuses once the customer paid", async () => {
    const service = provider()
    const session = await started("10", "usd", service)
    const same = await service.updatePayment({ data: session, amount: "10", currency_code: "usd" })
    expect(same.data).toEqual({}) // nothing changes in the stored data
    const changed = await service.updatePayment({ data: session, amount: "12.5", currency_code: "usd" })
    expect(changed.data).toMatchObject({ amount_minor: "1250" })
    expect(posts("/checkouts").at(-1)!.body.metadata).toEqual({ session_id: session.session_id })
    expect(changed.data!.checkout_session_id).not.toBe(session.checkout_session_id)
    expect(posts("/checkouts").map((r) => r.body.product_cart[0].amount)).toEqual([1000, 1250])
    emulator.pay(changed.data!.checkout_session_id as string)
    await expectMedusaError(service.updatePayment({ data: { ...session, ...changed.data }, amount: "15", currency_code: "usd" }), "not_allowed", /already paid/)
  })
})

describe("refundPayment", () => {
  it("refunds the whole untouched payment with Dodo's full form (no items), tagged with the Medusa refund id", async () => {
    const refundService = { retrieve: async () => ({ note: "damaged", refund_reason: { code: "return", label: "Return" } }) }
    const service = provider({}, { refundService })
    const data = await paid("47.34", { service })
    const out = await service.refundPayment({ amount: { value: "47.34", precision: 20 }, data, context: { idempotency_key: "ref_01FULL" } })
    const [req] = refundPosts()
    expect(req.body).toEqual({
      payment_id: data.payment_id,
      reason: "Return: damaged",
      metadata: { medusa_refund_id: "ref_01FULL", session_id: data.session_id },
    })
    expect(emulator.lineItems(data.payment_id as string)!.items.map((i) => i.refundable_amount)).toEqual([0])
    expect(out.data).toMatchObject({ payment_id: data.payment_id, refunded_minor: "4734" })
    expect((out.data!.refunds as any[])[0]).toMatchObject({ medusa_refund_id: "ref_01FULL", amount_minor: "4734", status: "succeeded", origin: "medusa" })
  })

  it("sends a partial refund as item amounts (tax inclusive) adding up to the exact minor amount", async () => {
    const data = await paid("47.34")
    const out = await provider().refundPayment({ amount: { value: "12.345", precision: 20 }, data, context: { idempotency_key: "ref_P1" } })
    const [req] = refundPosts()
    expect(req.body.items).toEqual([{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 1235, tax_inclusive: true }])
    expect(req.rawBody).toContain('"amount":1235,')
    const refund = emulator.listRefunds(data.payment_id as string)[0]
    expect(refund).toMatchObject({ amount: 1235, is_partial: true, status: "succeeded", metadata: { medusa_refund_id: "ref_P1" } })
    expect((out.data!.refunds as any[])[0]).toMatchObject({ amount_minor: "1235", requested_amount: "12.345" })
    expect(out.data!.dodo_refunds).toEqual({ [refund.refund_id]: { status: "succeeded", items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 1235 }] } })
  })

  it("on a multi-item payment: two partial refunds, then the rest, spread over the items in a fixed order", async () => {
    const service = provider()
    let data = await paidMultiItem(service)
    expect(data.captured_minor).toBe("6832")
    data = (await service.refundPayment({ amount: "45.00", data, context: { idempotency_key: "ref_M1" } })).data!
    data = (await service.refundPayment({ amount: "0.07", data, context: { idempotency_key: "ref_M2" } })).data!
    data = (await service.refundPayment({ amount: "23.25", data, context: { idempotency_key: "ref_M3" } })).data!
    const bodies = refundPosts().map((r) => r.body.items)
    // lines by item id: pdt_a_book 3998, pdt_b_course 2501, pdt_c_sticker 333 (checkout order was b, a, c)
    expect(bodies).toEqual([
      [
        { item_id: "pdt_a_book", amount: 3998, tax_inclusive: true },
        { item_id: "pdt_b_course", amount: 502, tax_inclusive: true },
      ],
      [{ item_id: "pdt_b_course", amount: 7, tax_inclusive: true }],
      [
        { item_id: "pdt_b_course", amount: 1992, tax_inclusive: true },
        { item_id: "pdt_c_sticker", amount: 333, tax_inclusive: true },
      ],
    ])
    expect(refundPosts().map((r) => r.body.items.reduce((sum: number, i: any) => sum + i.amount, 0))).toEqual([4500, 7, 2325])
    expect(emulator.listRefunds(data.payment_id as string).map((r) => r.amount)).toEqual([4500, 7, 2325])
    expect(emulator.lineItems(data.payment_id as string)!.items.every((i) => i.refundable_amount === 0)).toBe(true)
    expect(data.refunded_minor).toBe("6832")
    await expectMedusaError(service.refundPayment({ amount: "0.01", data, context: { idempotency_key: "ref_M4" } }), "not_allowed", /already fully refunded/)
    expect(refundPosts()).toHaveLength(3) // refused: nothing sent (without Medusa's records the ledger is read first)
  })

  it("inside Medusa, with its records proving the ledger current: later partial refunds are one request, spread over the items the last refund left", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider({}, medusa.cradle())
    const paymentId = medusa.addPayment(await paidMultiItem(service))
    await medusa.refund(service, paymentId, "45.00", "ref_R1")
    const before = emulator.requests().length
    await medusa.refund(service, paymentId, "0.07", "ref_R2")
    await medusa.refund(service, paymentId, "23.25", "ref_R3")
    // The same spread as when the items are read each time (see the test above), without the reads.
    expect(emulator.requests().slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(["POST /refunds", "POST /refunds"])
    expect(refundPosts().map((r) => r.body.items)).toEqual([
      [
        { item_id: "pdt_a_book", amount: 3998, tax_inclusive: true },
        { item_id: "pdt_b_course", amount: 502, tax_inclusive: true },
      ],
      [{ item_id: "pdt_b_course", amount: 7, tax_inclusive: true }],
      [
        { item_id: "pdt_b_course", amount: 1992, tax_inclusive: true },
        { item_id: "pdt_c_sticker", amount: 333, tax_inclusive: true },
      ],
    ])
    const data = medusa.data(paymentId)
    expect(emulator.lineItems(data.payment_id as string)!.items.every((i) => i.refundable_amount === 0)).toBe(true)
    expect(data.refunded_minor).toBe("6832")
  })

  it("when Dodo refuses a spread from remembered items (a dashboard refund took them), reads its items and refunds once", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider({}, medusa.cradle())
    const paymentId = medusa.addPayment(await paidMultiItem(service))
    await medusa.refund(service, paymentId, "10.00", "ref_D1") // pdt_a_book keeps 29.98
    const dodoPaymentId = medusa.data(paymentId).payment_id as string
    // In Dodo's dashboard: the rest of the books.
    await axios.post(
      `${emulator.url}/refunds`,
      { payment_id: dodoPaymentId, items: [{ item_id: "pdt_a_book", amount: 2998, tax_inclusive: true }] },
      { headers: { authorization: `Bearer ${API_KEY}` } }
    )
    const out = await medusa.refund(service, paymentId, "5.00", "ref_D2")
    const posts = refundPosts().filter((r) => r.body.metadata?.medusa_refund_id === "ref_D2")
    expect(posts.map((r) => [r.status, r.body.items])).toEqual([
      [400, [{ item_id: "pdt_a_book", amount: 500, tax_inclusive: true }]],
      [200, [{ item_id: "pdt_b_course", amount: 500, tax_inclusive: true }]],
    ])
    expect(emulator.listRefunds(dodoPaymentId).map((r) => r.amount)).toEqual([1000, 2998, 500])
    expect((out.data.refunds as any[]).map((r) => [r.medusa_refund_id, r.amount_minor])).toEqual([
      ["ref_D1", "1000"],
      ["ref_D2", "500"],
    ])
  })

  it("does not send again a refund the ledger already holds", async () => {
    const service = provider()
    const paidData = await paid("50")
    const { data } = await service.refundPayment({ amount: "20", data: paidData, context: { idempotency_key: "ref_once" } })
    const again = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_once" } })
    expect(again.data).toEqual(data)
    expect(refundPosts()).toHaveLength(1)
  })

  it("a lost answer is found by its metadata before deciding: one refund at Dodo, recorded", async () => {
    const service = provider({ timeoutMs: 2000 })
    const data = await paid("50")
    emulator.dropAnswers.push({ method: "POST", path: /^\/refunds$/ })
    const out = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_LOST" } })
    expect(refundPosts()).toHaveLength(1)
    const [refund] = emulator.listRefunds(data.payment_id as string)
    expect((out.data!.refunds as any[])).toEqual([expect.objectContaining({ processor_refund_id: refund.refund_id, medusa_refund_id: "ref_LOST", amount_minor: "2000" })])
    // Medusa retries with the same id (its answer was lost too): still one refund
    const again = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_LOST" } })
    expect(refundPosts()).toHaveLength(1)
    expect((again.data!.refunds as any[])).toHaveLength(1)
  })

  it("a server error before Dodo applied the refund: the re-read finds nothing and the error stands", async () => {
    const data = await paid("50")
    emulator.failBefore.push({ method: "POST", path: /^\/refunds$/ })
    // 503 before applying: nothing at Dodo, the error stands
    await expectMedusaError(provider().refundPayment({ amount: "20", data, context: { idempotency_key: "ref_503" } }), "unexpected_state", /HTTP 503/)
    expect(emulator.listRefunds()).toHaveLength(0)
  })

  it("with retries on, a 503 that Dodo answered before making the refund is sent again after a read finds nothing: one refund", async () => {
    const data = await paid("50")
    emulator.failBefore.push({ method: "POST", path: /^\/refunds$/ })
    const out = await provider({ maxRetries: 1 }).refundPayment({ amount: "20", data, context: { idempotency_key: "ref_503_retry" } })
    expect(refundPosts().map((r) => r.status)).toEqual([503, 200])
    expect(emulator.listRefunds(data.payment_id as string).map((r) => r.amount)).toEqual([2000])
    expect((out.data!.refunds as any[]).map((r) => [r.medusa_refund_id, r.amount_minor])).toEqual([["ref_503_retry", "2000"]])
  })

  it("with retries on, a lost answer (timeout) is never sent again blind: the read finds the refund, or the error stands", async () => {
    const data = await paid("50")
    emulator.dropAnswers.push({ method: "POST", path: /^\/refunds$/ })
    const out = await provider({ maxRetries: 2, timeoutMs: 2000 }).refundPayment({ amount: "20", data, context: { idempotency_key: "ref_lost_retry" } })
    expect(refundPosts()).toHaveLength(1)
    expect(emulator.listRefunds(data.payment_id as string).map((r) => r.amount)).toEqual([2000])
    expect((out.data!.refunds as any[]).map((r) => r.medusa_refund_id)).toEqual(["ref_lost_retry"])
  })

  it("a retry under a new Medusa refund id (Medusa deleted the failed one) adopts the orphan instead of refunding twice", async () => {
    const data = await paid("50")
    // attempt 1 (ref_OLD) reached Dodo, but Medusa saw an error and deleted ref_OLD
    await axios.post(
      `${emulator.url}/refunds`,
      { payment_id: data.payment_id, items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 2000, tax_inclusive: true }], metadata: { medusa_refund_id: "ref_OLD" } },
      { headers: { authorization: `Bearer ${API_KEY}` } }
    )
    const refundService = {
      retrieve: async (id: string) => ({ id, payment_id: "pay_medusa_1", note: null }),
      list: async () => [{ id: "ref_NEW" }],
    }
    const out = await provider({}, { refundService }).refundPayment({ amount: "20", data, context: { idempotency_key: "ref_NEW" } })
    expect(emulator.listRefunds(data.payment_id as string)).toHaveLength(1)
    expect(refundPosts()).toHaveLength(1) // only attempt 1
    expect((out.data!.refunds as any[])).toEqual([expect.objectContaining({ medusa_refund_id: "ref_NEW", amount_minor: "2000" })])
  })

  it("counts a refund made in the Dodo dashboard, then refunds exactly the rest over the items", async () => {
    const data = await paid("50")
    await axios.post(
      `${emulator.url}/refunds`,
      { payment_id: data.payment_id, items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 1000 }] },
      { headers: { authorization: `Bearer ${API_KEY}` } }
    )
    const service = provider()
    await expectMedusaError(service.refundPayment({ amount: "50", data, context: { idempotency_key: "ref_TOO_MUCH" } }), "invalid_data", /more than the 40.00 USD/)
    const out = await service.refundPayment({ amount: "40", data, context: { idempotency_key: "ref_REST" } })
    expect(refundPosts().at(-1)!.body.items).toEqual([{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 4000, tax_inclusive: true }])
    expect(out.data!.refunded_minor).toBe("5000")
    expect((out.data!.refunds as any[]).map((r) => [r.origin, r.amount_minor])).toEqual([
      ["processor", "1000"],
      ["medusa", "4000"],
    ])
  })

  it("keeps Dodo's review status, reported pending in the ledger, until the refund webhook ends it", async () => {
    const service = provider()
    const data = await paid("50")
    emulator.queueRefundOutcome("review")
    const out = await service.refundPayment({ amount: "5", data, context: { idempotency_key: "ref_REVIEW" } })
    const [refund] = emulator.listRefunds(data.payment_id as string)
    expect((out.data!.refunds as any[])[0]).toMatchObject({ status: "pending", processor_refund_id: refund.refund_id })
    expect((out.data!.dodo_refunds as any)[refund.refund_id].status).toBe("review")
    emulator.settleRefund(refund.refund_id, "succeeded")
    const delivery = emulator.webhookDeliveries().at(-1)!
    expect(delivery.type).toBe("refund.succeeded")
    const outcomes = await service.refundOutcomes({ data: JSON.parse(delivery.body), rawData: Buffer.from(delivery.body), headers: delivery.headers })
    expect(outcomes).toEqual([
      expect.objectContaining({ processor_refund_id: refund.refund_id, status: "succeeded", processor_status: "succeeded", medusa_refund_id: "ref_REVIEW", processor_payment_id: data.payment_id }),
    ])
    const applied = applyRefundOutcomes(out.data!, outcomes)
    expect(applied.changed).toBe(true)
    expect(applied.data.refunds[0].status).toBe("succeeded")
  })

  it("a failed refund frees the amount again: refund.failed webhook, then the same amount can be refunded", async () => {
    const service = provider()
    const data = await paid("50")
    emulator.queueRefundOutcome("pending")
    let out = await service.refundPayment({ amount: "50", data, context: { idempotency_key: "ref_F1" } })
    const [refund] = emulator.listRefunds(data.payment_id as string)
    await expectMedusaError(service.refundPayment({ amount: "1", data: out.data, context: { idempotency_key: "ref_F2" } }), "not_allowed", /already fully refunded/)
    emulator.settleRefund(refund.refund_id, "failed")
    const delivery = emulator.webhookDeliveries().at(-1)!
    const outcomes = await service.refundOutcomes({ data: {}, rawData: delivery.body, headers: delivery.headers })
    expect(outcomes[0]).toMatchObject({ status: "failed", processor_status: "failed" })
    out = { data: applyRefundOutcomes(out.data!, outcomes).data }
    expect(out.data!.refunded_minor).toBe("0")
    const again = await service.refundPayment({ amount: "50", data: out.data, context: { idempotency_key: "ref_F3" } })
    // the failed refund took nothing: the whole payment again, in the full form
    expect(refundPosts().at(-1)!.body).toEqual({ payment_id: data.payment_id, metadata: expect.objectContaining({ medusa_refund_id: "ref_F3" }) })
    expect(emulator.listRefunds(data.payment_id as string).map((r) => [r.status, r.amount])).toEqual([
      ["failed", 5000],
      ["succeeded", 5000],
    ])
    expect(again.data!.refunded_minor).toBe("5000")
  })

  it("a refund Dodo declines in its answer (status failed): a MedusaError with Dodo's word, no Medusa refund, the attempt kept as failed; the amount can be refunded again", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider({}, medusa.cradle())
    const paymentId = medusa.addPayment(await paid("50", { service }))
    emulator.queueRefundOutcome("failed")
    await expectMedusaError(
      medusa.refund(service, paymentId, "20", "ref_DECLINED"),
      "not_allowed",
      /declined the refund of 20(\.00)? USD \(Dodo's answer to refund ref_\w+ says status "failed" and gives no reason\)\. Nothing was refunded/
    )
    const [declined] = emulator.listRefunds()
    expect(declined.status).toBe("failed")
    expect(medusa.refunds.has("ref_DECLINED")).toBe(false) // Medusa deleted its refund: the order shows nothing returned
    const data = medusa.data(paymentId)
    expect(data.refunds).toEqual([
      expect.objectContaining({ processor_refund_id: declined.refund_id, medusa_refund_id: "ref_DECLINED", status: "failed", failure_reason: expect.stringContaining('status "failed"') }),
    ])
    expect(data.refunded_minor).toBe("0")
    const again = await medusa.refund(service, paymentId, "20", "ref_AGAIN")
    expect(again.data.refunded_minor).toBe("2000")
    expect(emulator.listRefunds().map((r) => [r.status, r.amount])).toEqual([
      ["failed", 2000],
      ["succeeded", 2000],
    ])
  })

  it.each([
    ["another amount", { amount: 1900 }, { amount_minor: "1900", discrepancy: expect.objectContaining({ planned_minor: "2000", processor_minor: "1900", processor_currency: "usd" }) }],
    ["another currency", { currency: "EUR" }, { amount_minor: "2000", discrepancy: expect.objectContaining({ planned_currency: "usd", processor_minor: "2000", processor_currency: "eur" }) }],
  ])("Dodo's answer names %s than planned: recorded with Dodo's figures and marked, never thrown (the money moved)", async (_what, patch, entry) => {
    const data = await paid("50")
    emulator.rewrite.push({ method: "POST", path: /^\/refunds$/, body: (b) => ({ ...b, ...patch }), once: true })
    const out = await provider().refundPayment({ amount: "20", data, context: { idempotency_key: "ref_ODD" } })
    expect((out.data!.refunds as any[])[0]).toMatchObject({ medusa_refund_id: "ref_ODD", status: "succeeded", ...entry })
  })

  it("an answer without amount or currency is read back (GET /refunds/{id}) and compared; a failed read-back records it as planned, with a warning", async () => {
    const warnings: string[] = []
    const service = provider({}, { logger: { ...quiet, warn: (m: string) => warnings.push(m) } })
    const noEcho = () => emulator.rewrite.push({ method: "POST", path: /^\/refunds$/, body: (b) => ({ ...b, amount: null, currency: null }), once: true })
    const refundOf = async (key: string) => {
      const out = await service.refundPayment({ amount: "20", data: await paid("50", { service }), context: { idempotency_key: key } })
      return (out.data!.refunds as any[])[0]
    }

    noEcho()
    const agreed = await refundOf("ref_NOECHO")
    const sent = emulator.requests().findIndex((r) => r.method === "POST" && r.path === "/refunds")
    expect(emulator.requests().slice(sent).map((r) => `${r.method} ${r.path}`)).toEqual(["POST /refunds", `GET /refunds/${agreed.processor_refund_id}`])
    expect(agreed).toMatchObject({ amount_minor: "2000", status: "succeeded" })
    expect(agreed.discrepancy).toBeUndefined()

    noEcho()
    emulator.rewrite.push({ method: "GET", path: /^\/refunds\/ref_/, body: (b) => ({ ...b, amount: 1500 }), once: true })
    expect(await refundOf("ref_READBACK")).toMatchObject({ amount_minor: "1500", discrepancy: expect.objectContaining({ planned_minor: "2000", processor_minor: "1500" }) })

    noEcho()
    emulator.failBefore.push({ method: "GET", path: /^\/refunds\/ref_/ })
    const unchecked = await refundOf("ref_NOREAD")
    expect(unchecked).toMatchObject({ amount_minor: "2000", status: "succeeded" })
    expect(unchecked.discrepancy).toBeUndefined()
    expect(warnings).toEqual([expect.stringMatching(/could not read it back/), expect.stringMatching(/gave no amount for it, so it is recorded as planned/)])
  })

  it("a refund status Dodo adds later is read as pending with a warning, in its answer and in later reads of the payment, until it ends", async () => {
    newerThanSpec = true // the answers carry a status spec 1.53.2 does not list
    const warnings: string[] = []
    const service = provider({}, { logger: { ...quiet, warn: (m: string) => warnings.push(m) } })
    const data = await paid("50", { service })
    const later = (refund: any) => ({ ...refund, status: "awaiting_bank" })
    emulator.rewrite.push({ method: "POST", path: /^\/refunds$/, body: later, once: true })
    const out = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_LATER" } })
    const [refund] = emulator.listRefunds()
    expect((out.data!.refunds as any[])[0]).toMatchObject({ processor_refund_id: refund.refund_id, status: "pending" })
    expect((out.data!.dodo_refunds as any)[refund.refund_id].status).toBe("awaiting_bank")

    emulator.rewrite.push({ method: "GET", path: /^\/payments\/pay_\w+$/, body: (p) => ({ ...p, refunds: p.refunds.map(later) }) })
    const read = await service.retrievePayment({ data: out.data! })
    expect((read.data!.refunds as any[])[0].status).toBe("pending")
    expect(warnings.filter((w) => w.includes(`refund ${refund.refund_id} has status "awaiting_bank", which this plugin does not know`))).toHaveLength(2)

    emulator.rewrite = [] // Dodo ends it (the emulator's own status: succeeded)
    const ended = await service.retrievePayment({ data: read.data! })
    expect((ended.data!.refunds as any[])[0].status).toBe("succeeded")
  })

  it("Medusa's refund reason and note reach Dodo's `reason` within its 3000 characters: counted as characters, cut visibly", async () => {
    const refundService = { retrieve: async () => ({ note: "🙂".repeat(4000), refund_reason: { code: "return", label: "Returns" } }) }
    const service = provider({}, { refundService })
    const data = await paid("50", { service })
    await service.refundPayment({ amount: "5", data, context: { idempotency_key: "ref_LONG" } })
    const [req] = refundPosts()
    expect(req.status).toBe(200)
    const reason: string = req.body.reason
    expect([...reason]).toHaveLength(3000)
    expect(reason.startsWith("Returns: 🙂")).toBe(true)
    expect(reason.endsWith("🙂…")).toBe(true)
    expect(/\p{Cs}/u.test(reason)).toBe(false) // no emoji cut in half
    expect(emulator.listRefunds()[0].reason).toBe(reason)
  })

  it("maps Dodo's refund errors to MedusaErrors that say what to do", async () => {
    const service = provider()
    const old = await paid("50")
    emulator.agePayment(old.payment_id as string, 91)
    await expectMedusaError(service.refundPayment({ amount: "5", data: old, context: { idempotency_key: "ref_OLD_PAY" } }), "not_allowed", /REFUND_WINDOW_EXPIRED.*too old/s)

    const data = await paid("50")
    emulator.queueRefundOutcome("pending")
    const first = await service.refundPayment({ amount: "5", data, context: { idempotency_key: "ref_PEND" } })
    await expectMedusaError(service.refundPayment({ amount: "5", data: first.data, context: { idempotency_key: "ref_PEND2" } }), "not_allowed", /EXISTING_REFUND_REQUEST_PROCESSING.*still pending/s)
  })

  it("refuses more than was captured before any refund request", async () => {
    const data = await paid("50")
    await expectMedusaError(provider().refundPayment({ amount: "50.01", data, context: { idempotency_key: "ref_OVER" } }), "invalid_data", /more than the 50.00 USD/)
    expect(refundPosts()).toHaveLength(0)
  })

  describe("bad input: a MedusaError, and nothing refunded", () => {
    let data: Record<string, unknown>
    beforeEach(async () => {
      data = await paid("50")
    })
    afterEach(() => {
      expect(emulator.listRefunds()).toHaveLength(0)
      expect(refundPosts()).toHaveLength(0)
    })
    it.each([
      ["negative", -5, /greater than zero/],
      ["zero", 0, /greater than zero/],
      ["NaN", Number.NaN, /not a finite number/],
      ["text", "ten", /not a decimal number/],
    ])("%s amount", async (_label, amount, text) => {
      await expectMedusaError(provider().refundPayment({ amount: amount as any, data, context: { idempotency_key: "ref_bad" } }), "invalid_data", text)
    })
    it("data without a Dodo payment", async () => {
      await expectMedusaError(
        provider().refundPayment({ amount: "5", data: { ...data, payment_id: undefined }, context: { idempotency_key: "ref_bad" } }),
        "invalid_data",
        /no payment_id/
      )
    })
  })
})

describe("spreadRefund", () => {
  const line = (items_id: string, refundable_amount: number) => ({ items_id, amount: refundable_amount, tax: 0, refundable_amount })

  it("item amounts add up exactly, never exceed an item's balance, and do not depend on Dodo's order", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), left: fc.integer({ min: 0, max: 2_000_000_000 }) }), {
          minLength: 1,
          maxLength: 8,
          selector: (l) => l.id,
        }),
        fc.bigInt({ min: 1n, max: 16_000_000_000n }),
        (lines, minor) => {
          const items = lines.map((l) => line(l.id, l.left))
          const spread = spreadRefund(items, minor)
          const available = lines.reduce((s, l) => s + BigInt(l.left), 0n)
          if (available < minor) return !spread.ok && spread.refundableMinor === available
          if (!spread.ok) return false
          const sum = spread.items.reduce((s, i) => s + BigInt(i.amount), 0n)
          const reversed = spreadRefund([...items].reverse(), minor)
          return (
            sum === minor &&
            spread.items.every((i) => i.amount >= 1 && i.amount <= items.find((l) => l.items_id === i.item_id)!.refundable_amount && i.tax_inclusive) &&
            new Set(spread.items.map((i) => i.item_id)).size === spread.items.length &&
            JSON.stringify(reversed) === JSON.stringify(spread)
          )
        }
      )
    )
  })
})

describe("webhooks", () => {
  const deliver = (service: DodoProviderService, signed: { headers: Record<string, string>; body: string }) =>
    service.getWebhookActionAndData({ data: JSON.parse(signed.body), rawData: Buffer.from(signed.body), headers: signed.headers })

  it("payment.succeeded (Standard Webhooks signed) → captured with the session id and amount; authorize then finds that payment", async () => {
    const service = provider()
    const session = await started("47.34", "usd", service)
    const payment = emulator.pay(session.checkout_session_id as string)
    const delivery = emulator.webhookDeliveries().find((d) => d.type === "payment.succeeded")!
    const result = await deliver(service, delivery)
    expect(result).toEqual({ action: PaymentActions.SUCCESSFUL, data: { session_id: session.session_id, amount: "47.34" } })
    const auth = await service.authorizePayment({ data: session })
    expect(auth.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(auth.data!.payment_id).toBe(payment.payment_id)
  })

  it("answers a duplicate delivery (same webhook-id) with not_supported: Medusa acted on the first", async () => {
    const service = provider()
    const session = await started("10", "usd", service)
    const payment = emulator.pay(session.checkout_session_id as string)
    const first = emulator.signedWebhook("payment.succeeded", payment, { webhookId: "msg_dup" })
    const second = emulator.signedWebhook("payment.failed", { ...payment, status: "failed" }, { webhookId: "msg_dup" })
    expect((await deliver(service, first)).action).toBe(PaymentActions.SUCCESSFUL)
    expect((await deliver(service, second)).action).toBe(PaymentActions.NOT_SUPPORTED)
  })

  it("ignores webhooks with a bad signature, an old timestamp, missing headers or no secret configured", async () => {
    const service = provider()
    const session = await started("10", "usd", service)
    const payment = emulator.pay(session.checkout_session_id as string)
    const forged = emulator.signedWebhook("payment.succeeded", payment, { secret: `whsec_${Buffer.from("not-the-right-secret-32-bytes!!!").toString("base64")}` })
    const stale = emulator.signedWebhook("payment.succeeded", payment, { at: new Date(Date.now() - 6 * 60_000) })
    const good = emulator.signedWebhook("payment.succeeded", payment)
    const tampered = { headers: good.headers, body: good.body.replace('"total_amount":1000', '"total_amount":1') }
    for (const signed of [forged, stale, tampered, { headers: { ...good.headers, "webhook-signature": "" }, body: good.body }]) {
      expect(await deliver(service, signed)).toEqual({ action: PaymentActions.NOT_SUPPORTED })
    }
    expect(await deliver(provider({ webhookSecrets: [] }), good)).toEqual({ action: PaymentActions.NOT_SUPPORTED })
    expect((await deliver(service, good)).action).toBe(PaymentActions.SUCCESSFUL)
  })

  it("answers a payload that is not an object with not_supported and no refund outcomes, never a TypeError", async () => {
    const service = provider()
    for (const payload of [null, undefined, "hello", 42] as any[]) {
      expect(await service.getWebhookActionAndData(payload)).toEqual({ action: PaymentActions.NOT_SUPPORTED })
      expect(await service.refundOutcomes(payload)).toEqual([])
    }
  })

  it("accepts the old and the new secret during a rotation", async () => {
    const next = `whsec_${Buffer.from("the-next-dodo-webhook-secret-key").toString("base64")}`
    const service = provider({ webhookSecrets: `${next}, ${SECRET}` })
    const session = await started("10", "usd", service)
    const payment = emulator.pay(session.checkout_session_id as string)
    expect((await deliver(service, emulator.signedWebhook("payment.succeeded", payment))).action).toBe(PaymentActions.SUCCESSFUL)
    expect((await deliver(service, emulator.signedWebhook("payment.succeeded", payment, { secret: next }))).action).toBe(PaymentActions.SUCCESSFUL)
  })

  it("maps failed, processing and cancelled payments; refund events are not payment actions", async () => {
    const service = provider()
    const session = await started("10", "usd", service)
    const payment = emulator.pay(session.checkout_session_id as string, { status: "processing" })
    const actions = []
    for (const type of ["payment.processing", "payment.failed", "payment.cancelled"] as const) {
      actions.push((await deliver(service, emulator.signedWebhook(type, payment))).action)
    }
    expect(actions).toEqual([PaymentActions.PENDING, PaymentActions.FAILED, PaymentActions.CANCELED])
    const data = await paid("10", { service })
    await service.refundPayment({ amount: "1", data, context: { idempotency_key: "ref_W" } })
    const refundHook = emulator.webhookDeliveries().find((d) => d.type === "refund.succeeded")!
    expect(await deliver(service, refundHook)).toEqual({ action: PaymentActions.NOT_SUPPORTED })
  })
})

describe("zero trust: the storefront's data, and payments proven the session's own", () => {
  const deliver = (service: DodoProviderService, signed: { headers: Record<string, string>; body: string }) =>
    service.getWebhookActionAndData({ data: JSON.parse(signed.body), rawData: Buffer.from(signed.body), headers: signed.headers })

  it("keeps only the storefront's keys: ids the provider writes and dodo_line_items from the shopper come back null", async () => {
    const stored = await started("10", "usd", provider(), {
      payment_id: "pay_ShopperWrote0000001",
      checkout_session_id: "cks_ShopperWrote",
      dodo_line_items: [{ items_id: DEFAULT_DODO_PRODUCT_ID, amount: 99999, tax: 0, refundable_amount: 99999 }],
      payment_status: "succeeded",
      captured_minor: "1000",
      anything: "else",
      dodo_payment_id: "pay_HintFromReturnUrl001",
    })
    expect(stored).toMatchObject({
      payment_id: null,
      dodo_line_items: null,
      payment_status: null,
      anything: null,
      captured_minor: "0",
      dodo_payment_id: "pay_HintFromReturnUrl001",
    })
    expect(stored.checkout_session_id).not.toBe("cks_ShopperWrote")
  })

  it("a shopper-passed payment_id (or hint) of another, smaller payment cannot complete authorization", async () => {
    const service = provider()
    const other = await started("10", "usd", service)
    const otherPayment = emulator.pay(other.checkout_session_id as string)
    for (const shopper of [{ payment_id: otherPayment.payment_id }, { dodo_payment_id: otherPayment.payment_id }]) {
      const mine = await started("465", "usd", service, shopper)
      const auth = await service.authorizePayment({ data: mine })
      expect(auth.status).toBe(PaymentSessionStatus.PENDING_AUTHORIZATION)
      expect(auth.data!.payment_id ?? null).toBeNull()
    }
  })

  it.each([
    ["another session", async (sid: string) => strayPayment(`${sid}_other`, 5000), /does not name this session/],
    ["another currency", async (sid: string) => strayPayment(sid, 5000, "EUR"), /currency EUR is not the session's usd/],
    ["a lower total", async (sid: string) => strayPayment(sid, 4999), /total 4999 is below the session's 5000/],
  ])("a payment of %s in the data is refused by authorize, retrieve and status; nothing is captured", async (_label, make, why) => {
    const service = provider()
    const session = await started("50", "usd", service)
    const stray = await make(session.session_id as string)
    const data = { ...session, payment_id: stray.payment_id }
    await expectMedusaError(service.authorizePayment({ data }), "not_allowed", why)
    await expectMedusaError(service.retrievePayment({ data }), "not_allowed", why)
    await expectMedusaError(service.getPaymentStatus({ data }), "not_allowed", /does not belong to this payment session/)
    expect(refundPosts()).toHaveLength(0)
  })

  it("the customer pays the old checkout link after the cart grew: refused, not captured for less", async () => {
    const service = provider()
    const session = await started("10", "usd", service)
    const grown = mergeLikeMedusa(session, (await service.updatePayment({ data: session, amount: "465", currency_code: "usd" })).data!)
    emulator.pay(session.checkout_session_id as string) // the first link, for 10.00
    await expectMedusaError(service.authorizePayment({ data: grown }), "not_allowed", /total 1000 is below the session's 46500 \(minor units\)\. Nothing was captured/)
    // paying the current link as well: that payment is found and captured
    const right = emulator.pay(grown.checkout_session_id as string)
    const auth = await service.authorizePayment({ data: grown })
    expect(auth).toMatchObject({ status: PaymentSessionStatus.CAPTURED, data: { payment_id: right.payment_id, captured_minor: "46500" } })
  })

  it("a total above the session's by Dodo's own tax (a tax-exclusive product) is accepted; Medusa records the cart total", async () => {
    emulator.createProduct({ productId: "pdt_tax_exclusive", price: 1, currency: "USD", payWhatYouWant: true, taxInclusive: false })
    const service = provider({ productId: "pdt_tax_exclusive" })
    const session = await started("10", "usd", service)
    emulator.pay(session.checkout_session_id as string)
    const auth = await service.authorizePayment({ data: session })
    expect(auth).toMatchObject({ status: PaymentSessionStatus.CAPTURED, data: { captured_minor: "1000", dodo_total_minor: "1100", dodo_tax_minor: "100" } })
  })

  it("a payment webhook is acted on only when the payment proves it belongs to the Medusa session it names", async () => {
    const service = provider()
    const session = await started("465", "usd", service)
    const low = await strayPayment(session.session_id as string, 1000)
    expect(await deliver(service, emulator.signedWebhook("payment.succeeded", low))).toEqual({ action: PaymentActions.NOT_SUPPORTED })
    const unknown = await strayPayment("payses_not_in_medusa", 1000)
    expect(await deliver(service, emulator.signedWebhook("payment.succeeded", unknown))).toEqual({ action: PaymentActions.NOT_SUPPORTED })
  })

  it("return_url reaches Dodo only over https (http on loopback) on a host of returnUrlHosts; else the returnUrl option", async () => {
    const fallback = "https://shop.example/dodo-return"
    const service = provider({ returnUrl: fallback, returnUrlHosts: "shop.example, localhost" })
    for (const [url, allowed] of [
      ["https://evil.example/steal", false],
      ["https://shop.example.evil.example/x", false],
      ["http://shop.example/x", false],
      ["https://user:pw@shop.example/x", false],
      ["javascript:alert(1)//shop.example", false],
      [{ href: "https://shop.example/" }, false],
      ["https://shop.example/thanks?cart=1", true],
      ["http://localhost:8000/return", true],
    ] as const) {
      const stored = await started("10", "usd", service, { return_url: url })
      expect([url, posts("/checkouts").at(-1)!.body.return_url]).toEqual([url, allowed ? url : fallback])
      expect(stored.return_url).toBe(allowed ? url : null)
    }
    await started("10", "usd", provider(), { return_url: "https://evil.example/steal" })
    expect(posts("/checkouts").at(-1)!.body.return_url).toBeUndefined()
  })

  it("the shopper's dodo_line_items never steer a refund: it is spread over Dodo's own items", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider({}, medusa.cradle())
    const session = await started("50", "usd", service, {
      dodo_line_items: [{ items_id: "pdt_shopper_pick", amount: 5000, tax: 0, refundable_amount: 5000 }],
    })
    emulator.pay(session.checkout_session_id as string)
    const paymentId = medusa.addPayment((await service.authorizePayment({ data: session })).data!)
    await medusa.refund(service, paymentId, "5.00", "ref_LINES")
    expect(refundPosts().map((r) => r.body.items)).toEqual([[{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 500, tax_inclusive: true }]])
  })

  it("ids that go into URL paths are checked against Dodo's formats before any request", async () => {
    const service = provider()
    const data = await paid("10", { service })
    for (const bad of ["../refunds", "pay_x/../../refunds", "pay_x?page_size=100", "pay_%2e%2e", "ref_NotAPayment", `pay_${"a".repeat(200)}`]) {
      const before = emulator.requests().length
      const tampered = { ...data, payment_id: bad }
      await expectMedusaError(service.authorizePayment({ data: tampered }), "invalid_data", /not a Dodo Payments id.*nothing was sent/)
      await expectMedusaError(service.retrievePayment({ data: tampered }), "invalid_data", /not a Dodo Payments id/)
      await expectMedusaError(service.refundPayment({ amount: "1", data: tampered, context: { idempotency_key: "ref_PATH" } }), "invalid_data", /not a Dodo Payments id/)
      expect(emulator.requests()).toHaveLength(before)
    }
    const hinted = await started("10", "usd", service, { dodo_payment_id: "pay_1/../../refunds" })
    expect(hinted.dodo_payment_id).toBeNull()
  })

  it("webhook dedupe goes through Medusa's caching module: a second instance recognises the event, a forged one is not remembered", async () => {
    const store = new Map<string, unknown>()
    const caching = {
      get: async ({ key }: { key: string }) => store.get(key) ?? null,
      set: async ({ key, data }: { key: string; data: unknown }) => void store.set(key, data),
    }
    const one = provider({}, { caching })
    const two = provider({}, { caching })
    const session = await started("10", "usd", one)
    const payment = emulator.pay(session.checkout_session_id as string)
    const delivery = emulator.signedWebhook("payment.succeeded", payment)
    const forged = { headers: { ...delivery.headers, "webhook-signature": "v1,Zm9yZ2Vk" }, body: delivery.body }
    expect(await deliver(one, forged)).toEqual({ action: PaymentActions.NOT_SUPPORTED })
    expect(store.size).toBe(0)
    expect((await deliver(one, delivery)).action).toBe(PaymentActions.SUCCESSFUL)
    expect([...store.keys()]).toEqual([expect.stringContaining(delivery.webhookId)])
    expect(await deliver(two, delivery)).toEqual({ action: PaymentActions.NOT_SUPPORTED })

    const data = (await one.authorizePayment({ data: session })).data!
    await one.refundPayment({ amount: "1", data, context: { idempotency_key: "ref_DEDUPE" } })
    const refunded = emulator.webhookDeliveries().find((d) => d.type === "refund.succeeded")!
    const payload = { data: {}, rawData: Buffer.from(refunded.body), headers: refunded.headers }
    expect(await one.refundOutcomes(payload)).toHaveLength(1)
    expect(await two.refundOutcomes(payload)).toEqual([])
  })
})

describe("options", () => {
  it("names every bad option without echoing a secret", () => {
    let error: any
    try {
      new DodoProviderService({ logger: quiet }, { apiKey: "short", webhookSecrets: ["not a secret!"], environment: "staging" })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(MedusaError)
    expect(error.message).toMatch(/`apiKey`/)
    expect(error.message).toMatch(/`productId` is required/)
    expect(error.message).toMatch(/`webhookSecrets.0`/)
    expect(error.message).toMatch(/`environment`/)
    expect(error.message).not.toContain("not a secret!")
  })

  it("webhookDedupeSize is deprecated: accepted, ignored, and the boot log says so", () => {
    const warnings: string[] = []
    new DodoProviderService({ logger: { ...quiet, warn: (m: string) => warnings.push(m) } }, { apiKey: "sk_test_12345678", productId: "pdt_1", webhookDedupeSize: 2000 })
    expect(warnings.filter((w) => w.includes("webhookDedupeSize"))).toEqual([expect.stringContaining("`webhookDedupeSize` option is deprecated and ignored")])
  })

  it("returnUrlHosts takes host names only", () => {
    const base = { apiKey: "sk_test_12345678", productId: "pdt_1" }
    expect(() => new DodoProviderService({ logger: quiet }, { ...base, returnUrlHosts: ["https://shop.example/"] })).toThrow(/`returnUrlHosts.0` must be a host name/)
    expect((new DodoProviderService({ logger: quiet }, { ...base, returnUrlHosts: "Shop.Example, localhost" }) as any).options.returnUrlHosts).toEqual(["shop.example", "localhost"])
  })

  it("uses Dodo's test and live hosts", () => {
    const base = { apiKey: "sk_test_12345678", productId: "pdt_1" }
    expect((new DodoProviderService({ logger: quiet }, { ...base, environment: "sandbox" }) as any).api.http.config.baseURL).toBe("https://test.dodopayments.com")
    expect((new DodoProviderService({ logger: quiet }, { ...base, environment: "production" }) as any).api.http.config.baseURL).toBe("https://live.dodopayments.com")
  })
})
