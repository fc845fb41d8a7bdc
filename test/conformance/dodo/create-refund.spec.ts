/**
 * The Dodo emulator's POST /refunds against Dodo's "Create Refund" page alone (fixtures/create-refund.seed.yml,
 * lines cited as l.N): its own example requests, each documented field, limit and answer.
 * What the page does not say is not asserted: where it documents both 400 "Invalid Request Parameters" and 422
 * "Invalid Request Object or Parameters" (l.66-69), either is accepted.
 */
import { DEFAULT_DODO_PRODUCT_ID, emulatorHarness, loadDocument, type Answer } from "./support"

const page = loadDocument("create-refund.seed.yml")
const { call, paidPayment, refundsOf } = emulatorHarness()

const refundOk = (answer: Answer) => {
  expect([answer.status, page.errors("RefundResponse", answer.body)]).toEqual([200, []])
  return answer.body
}
/** A documented error answer (l.66-69), and nothing refunded. */
async function refused(answer: Answer, paymentId: string) {
  expect([400, 422]).toContain(answer.status)
  expect(await refundsOf(paymentId)).toEqual([])
}

describe("Create Refund (docs.dodopayments.com/api-reference/refunds/post-refunds, API 1.102.0)", () => {
  it("the page's own example, { payment_id } (JavaScript l.85-86, and every other sample), refunds the whole payment", async () => {
    const payment = await paidPayment(4734)
    const refund = refundOk(await call("POST", "/refunds", { payment_id: payment.payment_id }))
    // The sample prints refund.business_id (l.89); RefundResponse's required fields (l.221-230) are checked above.
    expect(refund).toMatchObject({ payment_id: payment.payment_id, business_id: expect.any(String), amount: 4734, is_partial: false })
  })

  it("the PHP sample's request (l.169-174: items with item_id, amount, tax_inclusive; metadata; reason) is a partial refund of the item", async () => {
    const payment = await paidPayment(1000)
    const sample = { payment_id: payment.payment_id, items: [{ item_id: "item_id", amount: 0, tax_inclusive: true }], metadata: { foo: "string" }, reason: "reason" }
    expect(page.errors("CreateRefundRequest", sample)).toEqual([])
    // As printed, its item id names no item of the payment and its amount is 0: a documented error, nothing refunded.
    await refused(await call("POST", "/refunds", sample), payment.payment_id)
    const real = { ...sample, items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 250, tax_inclusive: true }] }
    const refund = refundOk(await call("POST", "/refunds", real))
    // metadata and reason come back as given (l.260-262, l.266-270); a part of the payment is partial (l.257-259).
    expect(refund).toMatchObject({ amount: 250, is_partial: true, metadata: { foo: "string" }, reason: "reason" })
  })

  it("payment_id is required (l.196-198)", async () => {
    const payment = await paidPayment(1000)
    await refused(await call("POST", "/refunds", { reason: "no payment" }), payment.payment_id)
  })

  it("reason: at most 3000 characters (l.218-219), counted as characters; null is allowed (l.214-216)", async () => {
    const payment = await paidPayment(1000)
    const item = [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 1 }]
    await refused(await call("POST", "/refunds", { payment_id: payment.payment_id, items: item, reason: "r".repeat(3001) }), payment.payment_id)
    expect(refundOk(await call("POST", "/refunds", { payment_id: payment.payment_id, items: item, reason: "r".repeat(3000) })).reason).toHaveLength(3000)
    const emoji = "€🙂".repeat(1500) // 3000 characters, 4500 UTF-16 units
    expect(refundOk(await call("POST", "/refunds", { payment_id: payment.payment_id, items: item, reason: emoji })).reason).toBe(emoji)
    expect(refundOk(await call("POST", "/refunds", { payment_id: payment.payment_id, items: item, reason: null })).reason).toBeNull()
  })

  it("metadata maps names to string values (l.294-299): stored with the refund and read back (l.260-262)", async () => {
    const payment = await paidPayment(1000)
    await refused(await call("POST", "/refunds", { payment_id: payment.payment_id, metadata: { count: 5 } }), payment.payment_id)
    const refund = refundOk(await call("POST", "/refunds", { payment_id: payment.payment_id, metadata: { order: "o_1", note: "" } }))
    expect(refund.metadata).toEqual({ order: "o_1", note: "" })
    const read = await call("GET", `/refunds/${refund.refund_id}`)
    expect([read.status, page.errors("RefundResponse", read.body), read.body.metadata]).toEqual([200, [], { order: "o_1", note: "" }])
  })

  it("items (l.200-206): null is no items (l.201-203); each item needs item_id (l.278-279); amounts are int32 (l.286)", async () => {
    const payment = await paidPayment(1000)
    for (const items of [[{ amount: 10 }], [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 1.5 }], [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 2 ** 31 }]]) {
      await refused(await call("POST", "/refunds", { payment_id: payment.payment_id, items }), payment.payment_id)
    }
    expect(refundOk(await call("POST", "/refunds", { payment_id: payment.payment_id, items: null }))).toMatchObject({ amount: 1000, is_partial: false })
  })

  it('an item without amount: "if None the whole item is refunded" (l.287)', async () => {
    const payment = await paidPayment(1000)
    expect(refundOk(await call("POST", "/refunds", { payment_id: payment.payment_id, items: [{ item_id: DEFAULT_DODO_PRODUCT_ID }] }))).toMatchObject({ amount: 1000 })
  })

  it('tax_inclusive: "Default true" (l.291-293): an item amount without it refunds what tax_inclusive: true refunds', async () => {
    const [a, b] = [await paidPayment(1000), await paidPayment(1000)]
    const omitted = refundOk(await call("POST", "/refunds", { payment_id: a.payment_id, items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 500 }] }))
    const inclusive = refundOk(await call("POST", "/refunds", { payment_id: b.payment_id, items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 500, tax_inclusive: true }] }))
    expect([omitted.amount, inclusive.amount]).toEqual([500, 500])
  })

  it("a refund is in the payment's currency, for the payment's customer (l.245-256), with a documented status (l.472-478)", async () => {
    const payment = await paidPayment(1000, "EUR")
    const refund = refundOk(await call("POST", "/refunds", { payment_id: payment.payment_id, items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 100 }] }))
    expect(refund).toMatchObject({ currency: "EUR", customer: { customer_id: payment.customer.customer_id, email: payment.customer.email } })
    expect(page.doc.components.schemas.RefundStatus.enum).toContain(refund.status)
  })

  it("the API key is a Bearer token (l.72-73, l.479-482): without it, or with another, nothing is refunded", async () => {
    const payment = await paidPayment(1000)
    for (const key of [null, "not_a_key"]) {
      const answer = await call("POST", "/refunds", { payment_id: payment.payment_id }, key)
      expect(answer.status).toBeGreaterThanOrEqual(400)
    }
    expect(await refundsOf(payment.payment_id)).toEqual([])
  })
})
