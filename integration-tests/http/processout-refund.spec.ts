/**
 * End to end through a real Medusa 2.21 app and the ProcessOut emulator, in a 2-, a 0- and a
 * 3-decimal currency: checkout with pp_processout_processout (invoice + authorization only),
 * admin capture, admin return of one of two items, admin refund of exactly what the order owes
 * (a decimal string in major units on the wire), refund of the rest, and a refused over-refund
 * that never reaches ProcessOut. Plus a declined card.
 */
import { Modules } from "@medusajs/framework/utils"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { ProcessOutEmulator } from "../../src/emulators/processout"
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
  until,
} from "../helpers"
import { useEmulatorForStore } from "../helpers/emulator-env"
import { processoutKit } from "../../src/emulators/kits/processout"

jest.setTimeout(240_000)

const PROVIDER_ID = "pp_processout_processout"

const emu = new ProcessOutEmulator()
// Started, and medusa-config.ts's variables set, before the runner boots Medusa (helpers/emulator-env.ts).
useEmulatorForStore(emu, (url) => ({
  ...processoutKit.emulatorEnv(url),
  PROCESSOUT_CAPTURE_MODE: "manual",
  PAYMENT_PROVIDERS: "processout",
}))

const cardToken = (kind = "test") => `card_${kind}_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`

/** Per currency: prices (major units), and what must go over the wire (exact strings). */
const CASES = [
  { currency: "usd", country: "us", large: 30, small: 12.34, shipping: 5, total: "47.34", smallWire: "12.34", restWire: "35.00", rest: 35 },
  { currency: "jpy", country: "jp", large: 3000, small: 1234, shipping: 500, total: "4734", smallWire: "1234", restWire: "3500", rest: 3500 },
  { currency: "kwd", country: "kw", large: 30.125, small: 12.345, shipping: 5, total: "47.47", smallWire: "12.345", restWire: "35.125", rest: 35.125 },
] as const

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    describe.each(CASES)("in $currency", (c) => {
      let store: SeededStore

      beforeEach(async () => {
        store = await seedStore(api, getContainer(), {
          providerIds: [PROVIDER_ID],
          currencyCode: c.currency,
          countryCode: c.country,
          variants: [
            { title: "Large", sku: `PO-LARGE-${c.currency}`, amount: c.large },
            { title: "Small", sku: `PO-SMALL-${c.currency}`, amount: c.small },
          ],
          shippingAmount: c.shipping,
        })
      })

      it("refunds a returned item exactly, then the rest, then refuses more", async () => {
        const admin = store.adminHeaders
        const small = store.variants.find((v) => v.title === "Small")!
        const token = cardToken()

        // ---- checkout: an invoice, then an authorization without capture
        const { order: placed } = await placeOrder(api, store, { providerId: PROVIDER_ID, sessionData: { source: token } })
        let order = await getOrder(api, admin, placed.id)
        expect(String(order.total)).toBe(c.total)

        const [invoice] = emu.listInvoices()
        expect(emu.listInvoices()).toHaveLength(1)
        const invoicePost = emu.requests({ method: "POST", path: "/invoices" })[0] as { body: any }
        expect(invoicePost.body).toEqual(
          expect.objectContaining({ currency: c.currency.toUpperCase(), metadata: { session_id: expect.stringMatching(/^payses_/) } })
        )
        // At the currency's ISO precision, exact: "47.34", "4734", "47.470".
        expect(invoicePost.body.amount).toBe(c.currency === "kwd" ? "47.470" : c.total)
        const authorizeRequests = emu.requests({ method: "POST", path: `/invoices/${invoice.id}/authorize` })
        expect(authorizeRequests).toHaveLength(1)
        expect(authorizeRequests[0].body).toEqual({ source: token })
        const tx = emu.transactionOfInvoice(invoice.id)!
        expect(tx).toMatchObject({ status: "authorized", captured_amount: "0" })

        const payment = await getOnlyPayment(api, admin, placed.id)
        expect(payment.provider_id).toBe(PROVIDER_ID)
        expect(payment.data).toMatchObject({ invoice_id: invoice.id, transaction_id: tx.id })
        expect(JSON.stringify(payment.data)).not.toContain("key_sandbox_emulator")

        // ---- admin capture
        const captured = await capturePayment(api, admin, payment.id)
        expect(captured.captures).toHaveLength(1)
        expect(emu.getTransaction(tx.id)).toMatchObject({ status: "completed", captured_amount: c.total, available_amount: c.total })
        expect(emu.requests({ method: "POST", path: /\/refunds$/ })).toHaveLength(0)

        // ---- ship both, take the small one back
        await fulfillOrder(api, admin, { orderId: placed.id, locationId: store.stockLocation.id })
        const smallItem = order.items.find((i: any) => i.variant_id === small.id)
        await returnItems(api, admin, { orderId: placed.id, locationId: store.stockLocation.id, items: [{ id: smallItem.id, quantity: 1 }] })
        order = await getOrder(api, admin, placed.id)
        expect(Number(order.summary.pending_difference)).toBe(-c.small)
        expect(emu.requests({ method: "POST", path: /\/refunds$/ })).toHaveLength(0) // a return alone never reaches ProcessOut

        /** Payment.data, read from the payment module (the admin API does not expose data). */
        const paymentData = async () =>
          ((await getContainer().resolve(Modules.PAYMENT).retrievePayment(payment.id, { select: ["id", "data"] })).data ?? {}) as Record<string, any>
        /**
         * refundPayment records the refund pending and sends only its POST (Medusa's records prove the
         * ledger current on every refund here). The plugin's ledger sync after the refund reads the
         * transaction and its refunds, marks the refund succeeded and refreshes the transaction's
         * amounts in the data.
         */
        const syncedAfterRefund = async (medusaRefundId: string, journalFrom: number) => {
          const data = await until(`the ledger sync marking the refund succeeded`, async () => {
            const d = await paymentData()
            return d.refunds?.find((r: any) => r.medusa_refund_id === medusaRefundId)?.status === "succeeded" ? d : undefined
          })
          const reads = [`GET /transactions/${tx.id}`, `GET /transactions/${tx.id}/refunds`]
          expect(emu.requests().slice(journalFrom).map((r) => `${r.method} ${r.path}`)).toEqual([
            `POST /invoices/${invoice.id}/refunds`, // refundPayment's last request
            ...reads, // the sync
          ])
          expect(data.processor_refunded_minor).toBe(data.refunded_minor)
          return data
        }

        // ---- refund what the order owes
        const reason = await createRefundReason(api, admin, { label: "Return", code: `return_${c.currency}` })
        const beforeFirst = emu.requests().length
        const afterFirst = await refundPayment(api, admin, payment.id, {
          amount: -Number(order.summary.pending_difference),
          refund_reason_id: reason.id,
          note: "small item returned",
        })
        expect(afterFirst.refunds).toHaveLength(1)
        const medusaRefund1 = afterFirst.refunds[0]
        const refundPosts1 = emu.requests({ method: "POST", path: `/invoices/${invoice.id}/refunds` })
        expect(refundPosts1).toHaveLength(1)
        expect(refundPosts1[0].status).toBe(200)
        expect(refundPosts1[0].headers["idempotency-key"]).toBe(medusaRefund1.id)
        expect(refundPosts1[0].body).toEqual({
          amount: c.smallWire,
          reason: "customer_request",
          information: "Return: small item returned",
          metadata: { medusa_refund_id: medusaRefund1.id, session_id: expect.stringMatching(/^payses_/) },
        })
        expect(emu.listRefunds(tx.id).map((r) => r.amount)).toEqual([String(c.small)])
        await syncedAfterRefund(medusaRefund1.id, beforeFirst)
        order = await getOrder(api, admin, placed.id)
        expect(Number(order.summary.pending_difference)).toBe(0)

        // ---- refund the rest of what was captured
        // Medusa merges a provider's returned data into the stored data: the first refund's attempt
        // record is gone only because its answer lists the attempts still in doubt in full. With none
        // left and every Medusa refund in the ledger, this refund sends without reading first.
        expect((await paymentData()).refunds_in_doubt).toEqual([])
        const beforeSecond = emu.requests().length
        const afterSecond = await refundPayment(api, admin, payment.id, { amount: c.rest, refund_reason_id: reason.id, note: "goodwill" })
        expect(afterSecond.refunds).toHaveLength(2)
        const medusaRefund2 = afterSecond.refunds.find((r: any) => r.id !== medusaRefund1.id)
        const refundPosts2 = emu.requests({ method: "POST", path: `/invoices/${invoice.id}/refunds` })
        expect(refundPosts2).toHaveLength(2)
        expect(refundPosts2[1].headers["idempotency-key"]).toBe(medusaRefund2.id)
        expect((refundPosts2[1].body as any).amount).toBe(c.restWire)
        expect(emu.getTransaction(tx.id)).toMatchObject({ refunded_amount: c.total, available_amount: "0", refunded: true })

        // The refund ledger in Payment.data, once synced: both succeeded, the transaction's amounts current.
        const stored = await syncedAfterRefund(medusaRefund2.id, beforeSecond)
        expect(stored.refunds.map((r: any) => [r.medusa_refund_id, r.status])).toEqual([
          [medusaRefund1.id, "succeeded"],
          [medusaRefund2.id, "succeeded"],
        ])
        expect(stored).toMatchObject({ refunded_minor: stored.captured_minor, available_minor: "0" })

        // ---- nothing left: a further refund is refused before it reaches ProcessOut
        const err = await refundPayment(api, admin, payment.id, { amount: 1, refund_reason_id: reason.id, note: "one more" }).then(
          () => undefined,
          (e: any) => e
        )
        expect(err?.response?.status).toBe(400)
        expect(emu.requests({ method: "POST", path: /\/refunds$/ })).toHaveLength(2)
        expect(emu.listRefunds(tx.id)).toHaveLength(2)
        expect((await getPayment(api, admin, payment.id)).refunds).toHaveLength(2)
      })
    })

    describe("declines", () => {
      let store: SeededStore
      beforeEach(async () => {
        store = await seedStore(api, getContainer(), {
          providerIds: [PROVIDER_ID],
          variants: [
            { title: "Large", sku: "PO-LARGE", amount: 30 },
            { title: "Small", sku: "PO-SMALL", amount: 12.34 },
          ],
          shippingAmount: 5,
        })
      })

      it("a declined card creates no order; the customer can retry with another card", async () => {
        const ready = await prepareCheckout(api, store, { providerId: PROVIDER_ID, sessionData: { source: cardToken("declined") } })
        const failed = await completeCart(api, store, ready.cart.id)
        expect(failed.type).toBe("cart")
        expect(failed.error?.type).toBe("payment_authorization_error")
        expect(failed.error?.message).toMatch(/card\.declined.*declined/s)
        expect(emu.requests({ method: "POST", path: /\/authorize$/ }).map((r) => r.status)).toEqual([410])

        await api.post(
          `/store/payment-collections/${ready.paymentCollection.id}/payment-sessions`,
          { provider_id: PROVIDER_ID, data: { source: cardToken() } },
          store.storeHeaders
        )
        const ok = await completeCart(api, store, ready.cart.id)
        expect(ok.type).toBe("order")
        expect(emu.requests({ method: "POST", path: /\/authorize$/ }).map((r) => r.status)).toEqual([410, 200])
      })
    })
  },
})
