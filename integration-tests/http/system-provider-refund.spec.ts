/**
 * Smoke test of the whole return-and-refund flow with Medusa's built-in system provider
 * (pp_system_default): proves the store seed, checkout, capture, return and refund
 * helpers work against the real 2.21 admin/store API before any processor is involved.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import {
  capturePayment,
  createRefundReason,
  fulfillOrder,
  getOnlyPayment,
  getOrder,
  getPayment,
  placeOrder,
  refundPayment,
  returnItems,
  seedStore,
  SeededStore,
  toCents,
} from "../helpers"

jest.setTimeout(180_000)

const PROVIDER_ID = "pp_system_default"

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore

    beforeEach(async () => {
      store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        variants: [
          { title: "Large", sku: "SYS-LARGE", amount: 30 },
          { title: "Small", sku: "SYS-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
    })

    it("captures, takes one item back and refunds exactly what the order owes", async () => {
      const admin = store.adminHeaders
      const small = store.variants.find((v) => v.title === "Small")!

      const { order: placed } = await placeOrder(api, store, { providerId: PROVIDER_ID })

      let order = await getOrder(api, admin, placed.id)
      // 30.00 + 12.34 + 5.00 shipping, no tax region => no tax
      expect(toCents(order.total)).toBe(4734)
      expect(order.items).toHaveLength(2)

      const payment = await getOnlyPayment(api, admin, placed.id)
      expect(payment.provider_id).toBe(PROVIDER_ID)
      expect(toCents(payment.amount)).toBe(4734)
      expect(payment.captured_at).toBeFalsy()

      const captured = await capturePayment(api, admin, payment.id)
      expect(captured.captures).toHaveLength(1)
      expect(toCents(captured.captures[0].amount)).toBe(4734)

      order = await getOrder(api, admin, placed.id)
      expect(toCents(order.summary.pending_difference)).toBe(0)

      // ship everything, then the customer sends the small one back
      await fulfillOrder(api, admin, { orderId: placed.id, locationId: store.stockLocation.id })

      const smallItem = order.items.find((i: any) => i.variant_id === small.id)
      await returnItems(api, admin, {
        orderId: placed.id,
        locationId: store.stockLocation.id,
        items: [{ id: smallItem.id, quantity: 1 }],
      })

      order = await getOrder(api, admin, placed.id)
      // negative pending difference = the merchant owes the customer
      expect(toCents(order.summary.pending_difference)).toBe(-1234)
      const owed = -Number(order.summary.pending_difference)

      const reason = await createRefundReason(api, admin, { label: "Return", code: "return" })
      const refunded = await refundPayment(api, admin, payment.id, {
        amount: owed,
        refund_reason_id: reason.id,
        note: "returned the small one",
      })
      expect(refunded.refunds).toHaveLength(1)
      expect(toCents(refunded.refunds[0].amount)).toBe(1234)
      expect(refunded.refunds[0].note).toBe("returned the small one")

      const after = await getPayment(api, admin, payment.id)
      expect(after.refunds).toHaveLength(1)
      expect(after.refunds[0]).toEqual(
        expect.objectContaining({ refund_reason_id: reason.id, note: "returned the small one" })
      )
      expect(after.refunds[0].id).toMatch(/^ref_/)

      order = await getOrder(api, admin, placed.id)
      expect(toCents(order.summary.pending_difference)).toBe(0)
    })
  },
})
