/**
 * End to end through a real Medusa 2.21 app and the Clover emulator:
 * checkout with pp_clover_clover (authorize only), admin capture, admin return of one
 * of two items, admin refund of exactly what the order owes, refund of the rest, and a
 * refused over-refund that never reaches Clover. The amounts in Medusa and at Clover along
 * that flow are checked for every processor in return-and-refund.spec.ts; this spec checks
 * Clover's side: the charge, its states, the requests and their idempotency keys.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { uuidFromKey } from "../../src/core/idempotency"
import { CloverEmulator } from "../../src/emulators/clover"
import {
  capturePayment,
  completeCart,
  createRefundReason,
  fulfillOrder,
  getOnlyPayment,
  getOrder,
  getPayment,
  placeOrder,
  prepareCheckout,
  returnItems,
  refundPayment,
  seedStore,
  SeededStore,
  toCents,
} from "../helpers"
import { useEmulatorForStore } from "../helpers/emulator-env"
import { cloverKit } from "../../src/emulators/kits/clover"

jest.setTimeout(180_000)

const PROVIDER_ID = "pp_clover_clover"
const REFUNDS_PATH = "/v1/refunds"

const emu = new CloverEmulator()
// Started, and medusa-config.ts's variables set, before the runner boots Medusa (helpers/emulator-env.ts).
useEmulatorForStore(emu, (url) => ({
  ...cloverKit.emulatorEnv(url),
  CLOVER_CAPTURE_MODE: "manual",
  PAYMENT_PROVIDERS: undefined,
}))

function cardToken(kind = "test"): string {
  return `clv_${kind}_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`
}

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore

    beforeEach(async () => {
      store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        variants: [
          { title: "Large", sku: "CLV-LARGE", amount: 30 },
          { title: "Small", sku: "CLV-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
    })

    it("refunds a returned item exactly, then the rest, then refuses more: Clover's charge, requests and keys", async () => {
      const admin = store.adminHeaders
      const small = store.variants.find((v) => v.title === "Small")!
      const token = cardToken()

      // ---- checkout: the provider authorizes a charge without capturing it
      const { order: placed } = await placeOrder(api, store, {
        providerId: PROVIDER_ID,
        sessionData: { source: token, customer_ip: "203.0.113.7" },
      })

      let order = await getOrder(api, admin, placed.id)

      const charges = emu.listCharges().filter((c) => c.status === "succeeded")
      expect(charges).toHaveLength(1)
      const chargeId = charges[0].id
      expect(charges[0]).toEqual(
        expect.objectContaining({ amount: 4734, currency: "usd", captured: false, amount_refunded: 0 })
      )
      const chargeRequests = emu.requests({ method: "POST", path: "/v1/charges" })
      expect(chargeRequests.filter((r) => r.status === 200)).toHaveLength(1)
      const chargeRequest = chargeRequests[chargeRequests.length - 1]
      expect(chargeRequest.body).toEqual(
        expect.objectContaining({ amount: 4734, currency: "usd", source: token, capture: false })
      )
      // Clover requires the shopper's IP: the request's, stamped by the plugin's store middleware;
      // the customer_ip the storefront put in the session data is not used.
      expect(chargeRequest.headers["x-forwarded-for"]).toMatch(/^127\.0\.0\.1$|^::1$/)

      const payment = await getOnlyPayment(api, admin, placed.id)

      // ---- admin capture
      await capturePayment(api, admin, payment.id)
      expect(emu.getCharge(chargeId)).toEqual(
        expect.objectContaining({ captured: true, amount_captured: 4734, amount_refunded: 0, refunded: false })
      )

      // ---- ship both, take the 12.34 one back
      await fulfillOrder(api, admin, { orderId: placed.id, locationId: store.stockLocation.id })
      const smallItem = order.items.find((i: any) => i.variant_id === small.id)
      await returnItems(api, admin, {
        orderId: placed.id,
        locationId: store.stockLocation.id,
        items: [{ id: smallItem.id, quantity: 1 }],
      })

      order = await getOrder(api, admin, placed.id)
      const owed = -Number(order.summary.pending_difference)

      // ---- refund what the order owes
      const reason = await createRefundReason(api, admin, { label: "Return", code: "return" })
      const journalBefore = emu.requests().length
      const afterFirst = await refundPayment(api, admin, payment.id, {
        amount: owed,
        refund_reason_id: reason.id,
        note: "small item returned",
      })
      const medusaRefund1 = afterFirst.refunds[0]
      expect(emu.getCharge(chargeId)).toEqual(
        expect.objectContaining({ amount_refunded: 1234, refunded: false })
      )

      const refundRequests1 = emu.requests({ method: "POST", path: REFUNDS_PATH })
      // Medusa's records prove the ledger current (no other refund, none in doubt): the refund is
      // one request, without a read of Clover's refunds first.
      const sinceRefund = emu.requests().slice(journalBefore)
      const postAt = sinceRefund.findIndex((r) => r.method === "POST" && r.path.startsWith(REFUNDS_PATH))
      expect(sinceRefund.slice(0, postAt).map((r) => `${r.method} ${r.path}`)).toEqual([])
      expect(refundRequests1[0].status).toBe(200)
      // Clover's key form (a UUID v4), derived from Medusa's refund id: the same refund always sends the same key.
      expect(refundRequests1[0].headers["idempotency-key"]).toBe(uuidFromKey(medusaRefund1.id))
      expect(refundRequests1[0].body).toEqual(expect.objectContaining({ charge: chargeId, amount: 1234 }))

      // ---- refund the rest of what was captured
      const p1 = await getPayment(api, admin, payment.id)
      const capturedCents = p1.captures.reduce((s: number, c: any) => s + toCents(c.amount), 0)
      const refundedCents = p1.refunds.reduce((s: number, r: any) => s + toCents(r.amount), 0)
      const restCents = capturedCents - refundedCents

      const afterSecond = await refundPayment(api, admin, payment.id, {
        amount: restCents / 100,
        refund_reason_id: reason.id,
        note: "goodwill: rest of the order",
      })
      const medusaRefund2 = afterSecond.refunds.find((r: any) => r.id !== medusaRefund1.id)

      const charge = emu.getCharge(chargeId)!
      expect(charge.refunded).toBe(true)
      expect(charge.amount_refunded).toBe(charge.amount)
      expect(charge.amount_refunded).toBe(4734)

      const refundRequests2 = emu.requests({ method: "POST", path: REFUNDS_PATH })
      expect(refundRequests2[1].headers["idempotency-key"]).toBe(uuidFromKey(medusaRefund2.id))

      // ---- nothing left: a further 1.00 is refused by Medusa's own guard before it reaches Clover
      // (return-and-refund.spec.ts refuses 0.01, which Medusa lets through to the provider's guard).
      const err = await refundPayment(api, admin, payment.id, {
        amount: 1,
        refund_reason_id: reason.id,
        note: "one more",
      }).then(
        () => undefined,
        (e: any) => e
      )
      expect(err).toBeDefined()
      expect(err.response?.status).toBe(400)
      expect(err.response?.data?.message).toMatch(/not allowed to refund more than the captured amount/i)
      expect(emu.requests({ method: "POST", path: REFUNDS_PATH })).toHaveLength(2)
      expect(emu.listRefunds(chargeId)).toHaveLength(2)

      const p3 = await getPayment(api, admin, payment.id)
      expect(p3.refunds).toHaveLength(2)
    })

    it("a declined card creates no order; the customer can retry with another card", async () => {
      const admin = store.adminHeaders
      const declined = cardToken("decline")
      const ready = await prepareCheckout(api, store, {
        providerId: PROVIDER_ID,
        sessionData: { source: declined, customer_ip: "203.0.113.7" },
      })

      // Medusa answers 200 with the cart and the error when authorization fails
      const failed = await completeCart(api, store, ready.cart.id)
      expect(failed.type).toBe("cart")
      expect(failed.order).toBeUndefined()
      expect(failed.cart.completed_at).toBeNull()
      expect(failed.error?.type).toBe("payment_authorization_error")
      expect(failed.error?.message).toMatch(/declined/i)

      let chargeRequests = emu.requests({ method: "POST", path: "/v1/charges" })
      expect(chargeRequests).toHaveLength(1)
      expect(chargeRequests[0].status).toBe(402)
      expect(emu.listCharges().filter((c) => c.status === "succeeded")).toHaveLength(0)

      const { orders } = (await api.get("/admin/orders?fields=id", admin)).data
      expect(orders).toHaveLength(0)

      // new card, new session on the same payment collection, then complete again
      const good = cardToken()
      await api.post(
        `/store/payment-collections/${ready.paymentCollection.id}/payment-sessions`,
        { provider_id: PROVIDER_ID, data: { source: good, customer_ip: "203.0.113.7" } },
        store.storeHeaders
      )
      const ok = await completeCart(api, store, ready.cart.id)
      expect(ok.type).toBe("order")
      expect(toCents(ok.order.total)).toBe(4734)

      chargeRequests = emu.requests({ method: "POST", path: "/v1/charges" })
      expect(chargeRequests.map((r) => r.status)).toEqual([402, 200])
      expect(chargeRequests[1].body).toEqual(expect.objectContaining({ source: good, amount: 4734 }))
      const charges = emu.listCharges().filter((c) => c.status === "succeeded")
      expect(charges).toHaveLength(1)
      expect(charges[0]).toEqual(expect.objectContaining({ amount: 4734, captured: false }))
    })
  },
})
