/**
 * End to end through a real Medusa 2.21 app and the ProcessOut emulator: the store middleware
 * `stampCartLines` (src/api/stamp-cart-lines.ts) reads the cart's lines on the real container
 * (query.graph, payment collection → cart), the payment session created with its stamp makes an
 * invoice with the lines as `details`, and a refund whose metadata names a returned whole line
 * sends that detail's id (`invoice_detail_ids`). The middleware is called as Medusa's router would
 * call it (its route entry belongs in src/api/middlewares.ts).
 */
import { Modules } from "@medusajs/framework/utils"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { ProcessOutEmulator } from "../../src/emulators/processout"
import { stampCartLines } from "../../src/api/stamp-cart-lines"
import { capturePayment, completeCart, getOnlyPayment, getOrder, prepareCheckout, seedStore } from "../helpers"
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

const cardToken = () => `card_test_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    it("invoice details from the server-read cart; a returned whole line's detail id on the refund", async () => {
      const store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        currencyCode: "usd",
        countryCode: "us",
        variants: [
          { title: "Large", sku: "CL-LARGE", amount: 30 },
          { title: "Small", sku: "CL-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
      const large = store.variants.find((v) => v.title === "Large")!
      const small = store.variants.find((v) => v.title === "Small")!
      const ready = await prepareCheckout(api, store, {
        providerId: PROVIDER_ID,
        sessionData: { source: cardToken() },
        items: [
          { variantId: large.id, quantity: 2 },
          { variantId: small.id, quantity: 1 },
        ],
      })
      // The store's own route (the plugin's middleware) stamped the cart's lines: the first invoice has them.
      expect((emu.requests({ method: "POST", path: "/invoices" })[0] as { body: any }).body.details).toEqual([
        expect.objectContaining({ quantity: 2, reference: large.id }),
        expect.objectContaining({ quantity: 1, reference: small.id }),
      ])

      // The request a storefront sends, through the middleware on the real container: a forged line is dropped.
      const collectionId = ready.paymentCollection.id
      const req = {
        body: { provider_id: PROVIDER_ID, data: { source: cardToken(), cart_lines: JSON.stringify([{ id: "x", title: "Free TV", quantity: "1", unit_price: "0" }]) } },
        params: { id: collectionId },
        scope: getContainer(),
      }
      let nextCalls = 0
      await stampCartLines(req as any, {} as any, () => void nextCalls++)
      expect(nextCalls).toBe(1)
      expect((req.body.data as any).cart_lines_proof).toEqual(expect.any(String))
      await api.post(`/store/payment-collections/${collectionId}/payment-sessions`, req.body, store.storeHeaders)

      const posts = emu.requests({ method: "POST", path: "/invoices" }) as Array<{ body: any }>
      const details = posts[posts.length - 1].body.details
      expect(details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: expect.stringContaining("Large"), amount: "30.00", quantity: 2, reference: large.id }),
          expect.objectContaining({ name: expect.stringContaining("Small"), amount: "12.34", quantity: 1, reference: small.id }),
        ])
      )
      expect(details).toHaveLength(2)

      const completed = await completeCart(api, store, ready.cart.id)
      expect(completed.type).toBe("order")
      const admin = store.adminHeaders
      const payment = await getOnlyPayment(api, admin, completed.order.id)
      await capturePayment(api, admin, payment.id)
      const order = await getOrder(api, admin, completed.order.id)
      const largeLine = order.items.find((i: any) => i.variant_id === large.id)
      const smallLine = order.items.find((i: any) => i.variant_id === small.id)

      // A refund of a return, as the return-refund workflow creates it: Medusa stores the metadata on the refund.
      const invoice = emu.listInvoices().pop()! // the stamped session's invoice, the last one made
      const paymentModule = getContainer().resolve(Modules.PAYMENT) as any
      const returnItem = (line: any, quantity: string, total: string) => ({
        item_id: line.id,
        variant_id: line.variant_id,
        sku: line.variant_sku ?? null,
        title: line.title,
        quantity,
        unit_total: line.variant_id === large.id ? "30" : "12.34",
        total,
        reason_code: "damaged",
        damaged: true,
      })
      await paymentModule.refundPayment({
        payment_id: payment.id,
        amount: 72.34,
        metadata: { return_id: "ret_cart_lines", return_items: [returnItem(largeLine, "2", "60"), returnItem(smallLine, "1", "12.34")] },
      })
      const refund = emu.requests({ method: "POST", path: /\/refunds$/ })[0] as { status: number; body: any }
      expect(refund.status).toBe(200)
      const ids = invoice.details.map((d) => d.id)
      expect([...refund.body.invoice_detail_ids].sort()).toEqual([...ids].sort())
      expect(refund.body.reason).toBe("customer_request")
    })
  },
})
