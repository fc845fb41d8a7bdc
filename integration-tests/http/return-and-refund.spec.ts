/**
 * The return-and-refund flow every processor shares, table-driven over the kits under test
 * (integration-tests/helpers/kits-under-test.ts: the plugin's five processors and the example processor of
 * test/fixtures, the proof that a new processor needs nothing here) behind one Medusa 2.21 app: an order of 30.00 + 12.34 (shipping 5.00) paid
 * and captured, fulfilled; the 12.34 item returned and received in the admin (auto-refund policy off,
 * its default, so the return alone refunds nothing); the admin refunds exactly 12.34, then the rest,
 * and a further 0.01 is refused without reaching the processor. Checked at the processor (refunds in
 * minor units, refund requests) and in Medusa (the payment's refunds, the order's summary).
 * What is particular to one processor (wire format, currencies, async refunds, webhooks, endpoint
 * styles) stays in its own spec.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { getOrder, getPayment, refundPayment, seedStore, SeededStore, toCents } from "../helpers"
import { processorsUnderTest, refundSends, useProcessorsUnderTest } from "../helpers/exactly-once"
import { capturedOrder, receiveReturn, requestReturn } from "../helpers/returns"
import { KITS_UNDER_TEST } from "../helpers/kits-under-test"

jest.setTimeout(300_000)

const processors = processorsUnderTest(KITS_UNDER_TEST)

useProcessorsUnderTest(processors)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const cents = (refunds: any[] | undefined) => (refunds ?? []).map((r: any) => toCents(r.amount)).sort((a: number, b: number) => a - b)

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore

    beforeEach(async () => {
      store = await seedStore(api, getContainer(), {
        providerIds: processors.map((p) => p.providerId),
        variants: [
          { title: "Large", sku: "RR-LARGE", amount: 30 },
          { title: "Small", sku: "RR-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
    })

    it.each(processors.map((p) => [p.label, p] as const))(
      "%s: a received return is refunded exactly when the admin asks, then the rest; one cent more is refused before the processor",
      async (_label, p) => {
        const admin = store.adminHeaders
        const { order, payment, paid, small } = await capturedOrder({ api, container: getContainer(), store }, p)

        // ---- paid and captured with this processor, nothing refunded yet
        expect(toCents(order.total)).toBe(4734) // 30.00 + 12.34 + 5.00 shipping
        expect(payment.provider_id).toBe(p.providerId)
        expect(toCents(payment.amount)).toBe(4734)
        expect(cents((await getPayment(api, admin, payment.id)).captures)).toEqual([4734])
        expect(refundSends(p)).toHaveLength(0)
        expect(p.refundsAt(paid)).toEqual([])

        // ---- the 12.34 item back, received: the order owes it, and (policy off) nobody refunded it
        const returnId = await requestReturn(api, admin, store, order.id, [{ id: small.id, quantity: 1 }])
        await receiveReturn(api, admin, returnId, { items: [{ id: small.id, quantity: 1 }] })
        expect(toCents((await getOrder(api, admin, order.id)).summary.pending_difference)).toBe(-1234)
        await sleep(1000) // the plugin's return_received subscriber has had its chance
        expect(refundSends(p)).toHaveLength(0)
        expect(p.refundsAt(paid)).toEqual([])
        expect((await getPayment(api, admin, payment.id)).refunds ?? []).toHaveLength(0)

        // ---- the admin refunds exactly the returned item
        const afterFirst = await refundPayment(api, admin, payment.id, { amount: 12.34, note: "small item returned" })
        expect(cents(afterFirst.refunds)).toEqual([1234])
        expect(afterFirst.refunds[0].id).toMatch(/^ref_/)
        expect(refundSends(p)).toHaveLength(1)
        expect(p.refundsAt(paid).map((r) => r.minor)).toEqual(["1234"])
        const settledFirst = await getOrder(api, admin, order.id)
        expect(toCents(settledFirst.summary.pending_difference)).toBe(0)
        expect(toCents(settledFirst.summary.refunded_total)).toBe(1234)

        // ---- then the rest of what was captured
        const p1 = await getPayment(api, admin, payment.id)
        const rest = cents(p1.captures).reduce((s, c) => s + c, 0) - cents(p1.refunds).reduce((s, c) => s + c, 0)
        expect(rest).toBe(3500)
        const afterSecond = await refundPayment(api, admin, payment.id, { amount: rest / 100, note: "the rest" })
        expect(cents(afterSecond.refunds)).toEqual([1234, 3500])
        expect(refundSends(p)).toHaveLength(2)
        expect(p.refundsAt(paid).map((r) => r.minor)).toEqual(["1234", "3500"])
        const settledAll = await getOrder(api, admin, order.id)
        expect(toCents(settledAll.summary.refunded_total)).toBe(4734)
        expect(toCents(settledAll.summary.transaction_total)).toBe(0)

        // ---- nothing left: 0.01 more is refused and never reaches the processor. Medusa lets a refund
        // exceed what remains by one unit of its precision, so the provider's own guard refuses this one.
        const sendsBefore = refundSends(p).length
        const err = await refundPayment(api, admin, payment.id, { amount: 0.01, note: "one more" }).then(
          () => undefined,
          (e: any) => e
        )
        expect(err?.response?.status).toBe(400)
        expect(err.response.data.message).toBe(
          `This payment is already fully refunded at ${p.label} (47.34 USD of 47.34 USD captured). No refund was sent.`
        )
        await sleep(500)
        expect(refundSends(p)).toHaveLength(sendsBefore)
        expect(p.refundsAt(paid).map((r) => r.minor)).toEqual(["1234", "3500"])
        expect(cents((await getPayment(api, admin, payment.id)).refunds)).toEqual([1234, 3500])
      }
    )
  },
})
