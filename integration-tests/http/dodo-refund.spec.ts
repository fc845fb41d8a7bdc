/**
 * End to end through a real Medusa 2.21 app and the Dodo Payments emulator:
 * checkout with pp_dodo_dodo (a Dodo checkout session for the cart total), the customer pays on
 * the emulator's checkout page, Dodo's signed payment.succeeded webhook reaches Medusa's webhook
 * route and completes the cart (captured), admin return of one of two items, admin refund of
 * exactly what the order owes (Dodo item refund), a second partial refund, the rest, a refused
 * over-refund that never reaches Dodo; and a refund whose answer is lost, retried by the admin
 * under a new Medusa refund id, that Dodo makes only once. The order's and payment's amounts in
 * Medusa along a return and refund are checked for every processor in return-and-refund.spec.ts.
 *
 * Webhooks stay on for the whole test, as at Dodo. Medusa handles a webhook after its webhook
 * delay, so a webhook whose effect the test does not wait for may be handled after the test, on
 * the next test's database (the race an earlier version avoided by turning webhooks off after the
 * order). Here every webhook has an effect the test waits for: the order (payment.succeeded), and
 * the ledger entry of each refund, which Dodo accepts as pending and the test settles, turning
 * succeeded only when refund.succeeded has been applied by the plugin's refund-outcome subscriber.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import type { EmulatorRequest, EmulatorResponse, HookContext } from "../../src/emulators/core/server"
import { DEFAULT_DODO_PRODUCT_ID, DodoEmulator } from "../../src/emulators/dodo"
import {
  completeCart,
  createRefundReason,
  fulfillOrder,
  getOnlyPayment,
  getOrder,
  getPayment,
  prepareCheckout,
  refundPayment,
  returnItems,
  seedStore,
  SeededStore,
  toCents,
  until,
} from "../helpers"
import { useEmulatorForStore } from "../helpers/emulator-env"
import { dodoKit } from "../../src/emulators/kits/dodo"

jest.setTimeout(240_000)

const PROVIDER_ID = "pp_dodo_dodo"

/** Can lose the answer of the next refund (after Dodo made it) and fail the read that follows. */
class FaultyDodo extends DodoEmulator {
  private loseRefundAnswer = false
  private failNextPaymentRead = false
  loseNextRefundAnswer(): void {
    this.loseRefundAnswer = true
  }
  protected async beforeHandle(req: EmulatorRequest, ctx: HookContext): Promise<EmulatorResponse | undefined> {
    if (this.failNextPaymentRead && req.method === "GET" && /^\/payments\/[^/]+$/.test(req.path)) {
      this.failNextPaymentRead = false
      return { status: 503, body: { code: "INTERNAL_SERVER_ERROR", message: "temporarily unavailable" } }
    }
    return super.beforeHandle(req, ctx)
  }
  protected async afterHandle(req: EmulatorRequest, res: EmulatorResponse, ctx: HookContext): Promise<EmulatorResponse> {
    if (this.loseRefundAnswer && req.method === "POST" && req.path === "/refunds" && res.status === 200) {
      this.loseRefundAnswer = false
      this.failNextPaymentRead = true
      ctx.raw.destroy()
    }
    return res
  }
}

const emu = new FaultyDodo()
// Started, and medusa-config.ts's variables set, before the runner boots Medusa (helpers/emulator-env.ts).
useEmulatorForStore(emu, (url) => ({
  ...dodoKit.emulatorEnv(url),
  ...dodoKit.webhookEnv,
  // No read retries, so a failed read after a lost answer fails the refund (as an outage would).
  DODO_MAX_RETRIES: "0",
  PAYMENT_PROVIDERS: "dodo",
}))

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore

    beforeEach(async () => {
      // Dodo's webhooks go to this app's webhook route.
      emu.setWebhookUrl(`${api.defaults.baseURL}/hooks/payment/dodo_dodo`)
      store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        variants: [
          { title: "Large", sku: "DODO-LARGE", amount: 30 },
          { title: "Small", sku: "DODO-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
    })

    /** Checkout until the customer has paid on Dodo's page and the webhook completed the cart. */
    async function paidOrder() {
      const admin = store.adminHeaders
      const ready = await prepareCheckout(api, store, { providerId: PROVIDER_ID })
      const session = ready.paymentSession
      expect(session.data).toEqual(
        expect.objectContaining({ amount_minor: "4734", currency: "usd", checkout_url: expect.stringContaining("/checkout/cks_") })
      )
      const [checkout] = emu.requests({ method: "POST", path: "/checkouts" })
      expect(checkout.body).toEqual(
        expect.objectContaining({
          product_cart: [{ product_id: DEFAULT_DODO_PRODUCT_ID, quantity: 1, amount: 4734 }],
          billing_currency: "USD",
          metadata: { session_id: session.id },
        })
      )

      // ---- the customer pays on Dodo's hosted page
      const paid = await fetch(`${session.data.checkout_url}/pay`, { method: "POST" })
      expect(paid.status).toBe(200)
      await emu.flushWebhooks()
      const hook = emu.webhookDeliveries().find((d) => d.type === "payment.succeeded")!
      expect(hook.status).toBe(200)

      // ---- the webhook (Medusa processes it after its webhook delay) completes the cart
      const orderId = await until("the order created by the payment.succeeded webhook", async () => {
        const { orders } = (await api.get("/admin/orders?fields=id", admin)).data
        return orders[0]?.id as string | undefined
      }, 60_000, 500)
      // the storefront's own completion afterwards finds the cart completed
      const completed = await completeCart(api, store, ready.cart.id)
      expect(completed.type).toBe("order")
      expect(completed.order.id).toBe(orderId)
      return { orderId, paymentId: emu.listPayments()[0]!.payment_id }
    }

    /** Payment.data as the provider last returned it (the admin API does not show it). */
    async function paymentData(paymentId: string): Promise<Record<string, any>> {
      const payment = await (getContainer().resolve(Modules.PAYMENT) as any).retrievePayment(paymentId, { select: ["id", "data"] })
      return payment.data
    }

    async function ledgerEntry(paymentId: string, dodoRefundId: string): Promise<Record<string, any> | undefined> {
      return ((await paymentData(paymentId)).refunds ?? []).find((r: any) => r.processor_refund_id === dodoRefundId)
    }

    /** The Medusa refund, made while Dodo answers refunds "pending"; returns Dodo's refund. */
    async function pendingRefund(paymentId: string, body: Record<string, unknown>) {
      emu.queueRefundOutcome("pending")
      const after = await refundPayment(api, store.adminHeaders, paymentId, body)
      const dodoRefund = emu.listRefunds().at(-1)!
      expect(dodoRefund.status).toBe("pending")
      return { after, dodoRefund }
    }

    /**
     * Dodo settles a pending refund and posts refund.succeeded to Medusa's webhook route; waits
     * until the refund-outcome subscriber has marked the ledger entry succeeded.
     */
    async function settleAtDodo(paymentId: string, dodoRefundId: string) {
      expect(await ledgerEntry(paymentId, dodoRefundId)).toEqual(expect.objectContaining({ status: "pending" }))
      emu.settleRefund(dodoRefundId, "succeeded")
      await emu.flushWebhooks()
      const hook = emu.webhookDeliveries().find((d) => d.type === "refund.succeeded" && JSON.parse(d.body).data.refund_id === dodoRefundId)
      expect(hook?.status).toBe(200)
      return until(`refund.succeeded of ${dodoRefundId} in the ledger`, async () => {
        const entry = await ledgerEntry(paymentId, dodoRefundId)
        return entry?.status === "succeeded" ? entry : undefined
      }, 60_000, 500)
    }

    it("pays through a checkout session and webhook, then refunds a return, a second part and the rest exactly", async () => {
      const admin = store.adminHeaders
      const small = store.variants.find((v) => v.title === "Small")!
      const { orderId, paymentId: dodoPaymentId } = await paidOrder()

      const order = await getOrder(api, admin, orderId)
      const payment = await getOnlyPayment(api, admin, orderId)
      expect(emu.getPayment(dodoPaymentId)).toEqual(expect.objectContaining({ status: "succeeded", total_amount: 4734, currency: "USD" }))

      // ---- ship both, take the 12.34 one back
      await fulfillOrder(api, admin, { orderId, locationId: store.stockLocation.id })
      const smallItem = order.items.find((i: any) => i.variant_id === small.id)
      await returnItems(api, admin, { orderId, locationId: store.stockLocation.id, items: [{ id: smallItem.id, quantity: 1 }] })

      // ---- refund what the order owes: a partial refund, as item amounts
      const reason = await createRefundReason(api, admin, { label: "Return", code: "return" })
      const first = await pendingRefund(payment.id, { amount: 12.34, refund_reason_id: reason.id, note: "small item returned" })
      const medusaRefund1 = first.after.refunds[0]
      let posts = emu.requests({ method: "POST", path: "/refunds" })
      expect(posts).toHaveLength(1)
      expect(posts[0].status).toBe(200)
      expect(posts[0].body).toEqual({
        payment_id: dodoPaymentId,
        items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 1234, tax_inclusive: true }],
        reason: "Return: small item returned",
        metadata: { medusa_refund_id: medusaRefund1.id, session_id: expect.stringMatching(/^payses_/) },
      })
      expect(await settleAtDodo(payment.id, first.dodoRefund.refund_id)).toEqual(
        expect.objectContaining({ medusa_refund_id: medusaRefund1.id, amount_minor: "1234", status: "succeeded" })
      )

      // ---- a second partial refund (goodwill), then the rest
      const goodwill = await pendingRefund(payment.id, { amount: 10.01, refund_reason_id: reason.id, note: "goodwill" })
      await settleAtDodo(payment.id, goodwill.dodoRefund.refund_id)
      const p1 = await getPayment(api, admin, payment.id)
      const rest = p1.captures.reduce((s: number, c: any) => s + toCents(c.amount), 0) - p1.refunds.reduce((s: number, r: any) => s + toCents(r.amount), 0)
      expect(rest).toBe(2499)
      const last = await pendingRefund(payment.id, { amount: rest / 100, refund_reason_id: reason.id, note: "rest of the order" })
      await settleAtDodo(payment.id, last.dodoRefund.refund_id)

      posts = emu.requests({ method: "POST", path: "/refunds" })
      expect(posts.map((p) => (p.body as any).items)).toEqual([
        [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 1234, tax_inclusive: true }],
        [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 1001, tax_inclusive: true }],
        [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 2499, tax_inclusive: true }],
      ])
      const dodoRefunds = emu.listRefunds(dodoPaymentId)
      expect(dodoRefunds.map((r) => [r.amount, r.status])).toEqual([
        [1234, "succeeded"],
        [1001, "succeeded"],
        [2499, "succeeded"],
      ])
      expect(emu.lineItems(dodoPaymentId)!.items.map((i) => i.refundable_amount)).toEqual([0])
      const p2 = await getPayment(api, admin, payment.id)
      expect(p2.refunds.map((r: any) => toCents(r.amount)).sort((a: number, b: number) => a - b)).toEqual([1001, 1234, 2499])
      expect(new Set(dodoRefunds.map((r) => r.metadata.medusa_refund_id))).toEqual(new Set(p2.refunds.map((r: any) => r.id)))
      // the provider's ledger in Payment.data agrees
      expect(await paymentData(payment.id)).toEqual(expect.objectContaining({ refunded_minor: "4734", captured_minor: "4734", payment_id: dodoPaymentId }))

      // ---- nothing left: refused before it reaches Dodo
      const err = await refundPayment(api, admin, payment.id, { amount: 1, refund_reason_id: reason.id }).then(
        () => undefined,
        (e: any) => e
      )
      expect(err?.response?.status).toBe(400)
      expect(emu.requests({ method: "POST", path: "/refunds" })).toHaveLength(3)
      // every webhook of the test reached Medusa, and its effect was waited for above
      expect(emu.webhookDeliveries().map((d) => [d.type, d.status])).toEqual([
        ["payment.succeeded", 200],
        ["refund.succeeded", 200],
        ["refund.succeeded", 200],
        ["refund.succeeded", 200],
      ])
    })

    it("a refund whose answer was lost, retried by the admin under a new refund id, is made once", async () => {
      const admin = store.adminHeaders
      const { orderId, paymentId: dodoPaymentId } = await paidOrder()
      const payment = await getOnlyPayment(api, admin, orderId)

      // Dodo makes the refund (pending), the answer is lost, and the read that would find it fails too
      emu.loseNextRefundAnswer()
      emu.queueRefundOutcome("pending")
      const failed = await refundPayment(api, admin, payment.id, { amount: 20 }).then(
        () => undefined,
        (e: any) => e
      )
      expect(failed?.response?.status).toBeGreaterThanOrEqual(400)
      expect(emu.listRefunds(dodoPaymentId).map((r) => r.amount)).toEqual([2000])
      const orphanId = emu.listRefunds(dodoPaymentId)[0]!.metadata.medusa_refund_id
      const p = await getPayment(api, admin, payment.id)
      expect(p.refunds).toHaveLength(0) // Medusa deleted its refund after the error

      // the admin tries again: a new Medusa refund id; the provider finds Dodo's refund and adopts it
      const after = await refundPayment(api, admin, payment.id, { amount: 20 })
      expect(after.refunds).toHaveLength(1)
      expect(after.refunds[0].id).not.toBe(orphanId)
      expect(emu.requests({ method: "POST", path: "/refunds" })).toHaveLength(1)
      expect(emu.listRefunds(dodoPaymentId).map((r) => r.amount)).toEqual([2000])
      const adopted = emu.listRefunds(dodoPaymentId)[0]!.refund_id
      await settleAtDodo(payment.id, adopted)
      expect((await paymentData(payment.id)).refunds).toEqual([
        expect.objectContaining({ medusa_refund_id: after.refunds[0].id, amount_minor: "2000", status: "succeeded" }),
      ])

      // and the rest is refunded normally
      const rest = await pendingRefund(payment.id, { amount: 27.34 })
      await settleAtDodo(payment.id, rest.dodoRefund.refund_id)
      expect(emu.listRefunds(dodoPaymentId).map((r) => r.amount)).toEqual([2000, 2734])
      expect(emu.lineItems(dodoPaymentId)!.items.map((i) => i.refundable_amount)).toEqual([0])
      expect(emu.webhookDeliveries().map((d) => [d.type, d.status])).toEqual([
        ["payment.succeeded", 200],
        ["refund.succeeded", 200],
        ["refund.succeeded", 200],
      ])
    })
  },
})
