/**
 * The plugin's admin API (src/api/admin/refund-processors), end to end through a real
 * Medusa 2.21 app and the Clover emulator:
 * - the payment view after a return and refund: processor, mode, charge id, captured and
 *   refunded in cents beside Medusa's totals, the refund ledger;
 * - "Sync with processor" after a refund made directly at the emulator (a dashboard refund):
 *   the ledger gains it, and the view shows the difference with Medusa;
 * - the provider list (mode, webhook URL) and "Test connection" with the right key.
 * The wrong-key case is admin-refund-processors-bad-key.spec.ts (its own app, its own key).
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import { CloverEmulator } from "../../src/emulators/clover"
import { updatePaymentLedger } from "../../src/core/refunds/ledger-store"
import { applyRefundOutcomes } from "../../src/core/refunds/planner"
import {
  capturePayment,
  createRefundReason,
  fulfillOrder,
  getOnlyPayment,
  getOrder,
  placeOrder,
  refundPayment,
  returnItems,
  seedStore,
  SeededStore,
  toCents,
} from "../helpers"
import { useEmulatorForStore } from "../helpers/emulator-env"
import { cloverKit } from "../../src/emulators/kits/clover"

jest.setTimeout(180_000)

const PROVIDER_ID = "pp_clover_clover"
const BASE = "/admin/refund-processors"

const emu = new CloverEmulator()
// Started, and medusa-config.ts's variables set, before the runner boots Medusa (helpers/emulator-env.ts).
useEmulatorForStore(emu, (url) => ({
  ...cloverKit.emulatorEnv(url),
  CLOVER_CAPTURE_MODE: "manual",
  REFUND_PROCESSORS_BACKEND_URL: undefined,
  MEDUSA_BACKEND_URL: undefined,
  // Every provider of the plugin is registered: the admin routes must cover all of them.
  PAYMENT_PROVIDERS: undefined,
}))

const cardToken = () => `clv_test_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`

/** A refund made at Clover outside Medusa, as the merchant would in Clover's dashboard. */
async function dashboardRefund(chargeId: string, amount: number) {
  const res = await fetch(`${emu.url}/v1/refunds`, {
    method: "POST",
    headers: { authorization: "Bearer emulator_clover_key", "content-type": "application/json" },
    body: JSON.stringify({ charge: chargeId, amount }),
  })
  expect(res.status).toBe(200)
  return (await res.json()) as { id: string; amount: number }
}

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore

    beforeEach(async () => {
      store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        variants: [
          { title: "Large", sku: "ADM-LARGE", amount: 30 },
          { title: "Small", sku: "ADM-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
    })

    /** Order paid with Clover, captured, shipped, the 12.34 item returned and refunded. */
    async function refundedOrder() {
      const admin = store.adminHeaders
      const small = store.variants.find((v) => v.title === "Small")!
      const { order: placed } = await placeOrder(api, store, {
        providerId: PROVIDER_ID,
        sessionData: { source: cardToken(), customer_ip: "203.0.113.7" },
      })
      const payment = await getOnlyPayment(api, admin, placed.id)
      await capturePayment(api, admin, payment.id)
      await fulfillOrder(api, admin, { orderId: placed.id, locationId: store.stockLocation.id })
      const order = await getOrder(api, admin, placed.id)
      const smallItem = order.items.find((i: any) => i.variant_id === small.id)
      await returnItems(api, admin, {
        orderId: placed.id,
        locationId: store.stockLocation.id,
        items: [{ id: smallItem.id, quantity: 1 }],
      })
      const owed = -Number((await getOrder(api, admin, placed.id)).summary.pending_difference)
      const reason = await createRefundReason(api, admin, { label: "Return", code: "return" })
      const refunded = await refundPayment(api, admin, payment.id, { amount: owed, refund_reason_id: reason.id })
      const chargeId = emu.listCharges().find((c) => c.status === "succeeded")!.id
      return { orderId: placed.id, paymentId: payment.id, chargeId, medusaRefundId: refunded.refunds[0].id as string }
    }

    it("shows the payment in Clover's cents beside Medusa's totals, and syncs a dashboard refund into the ledger", async () => {
      const admin = store.adminHeaders
      const { orderId, paymentId, chargeId, medusaRefundId } = await refundedOrder()
      expect(emu.listRefunds(chargeId).map((r) => r.amount)).toEqual([1234])

      // ---- the view after Medusa's refund
      const { payment: view } = (await api.get(`${BASE}/payments/${paymentId}`, admin)).data
      expect(view).toEqual(
        expect.objectContaining({
          payment_id: paymentId,
          provider_id: PROVIDER_ID,
          processor: "Clover",
          mode: "emulator",
          processor_payment_id: chargeId,
          currency: "usd",
          exponent: 2,
          has_failed_refund: false,
          failed_refunds: [],
          pending_refunds: 0,
          refunded_difference_minor: "0",
          refunded_unexplained_minor: "0",
        })
      )
      expect(view.processor_amounts).toEqual({
        authorized: { minor: "4734", major: "47.34" },
        captured: { minor: "4734", major: "47.34" },
        refunded: { minor: "1234", major: "12.34" },
      })
      expect(toCents(view.medusa_amounts.amount)).toBe(4734)
      expect(toCents(view.medusa_amounts.captured)).toBe(4734)
      expect(toCents(view.medusa_amounts.refunded)).toBe(1234)
      expect(view.refunds).toHaveLength(1)
      expect(view.refunds[0]).toEqual(
        expect.objectContaining({
          processor_refund_id: emu.listRefunds(chargeId)[0].id,
          medusa_refund_id: medusaRefundId,
          in_medusa: true,
          amount_minor: "1234",
          amount: "12.34",
          requested_amount: "12.34",
          status: "succeeded",
          failure_reason: null,
          origin: "medusa",
        })
      )

      // ---- the order's payments, as the widget reads them: the same view
      const byOrder = (await api.get(`${BASE}/orders/${orderId}/payments`, admin)).data
      expect(byOrder.count).toBe(1)
      expect(byOrder.payments[0]).toEqual(view)

      // ---- a refund of 5.00 made in Clover's dashboard: Medusa does not know it yet
      const outside = await dashboardRefund(chargeId, 500)
      const before = (await api.get(`${BASE}/payments/${paymentId}`, admin)).data.payment
      expect(before.refunds).toHaveLength(1)

      const refundReads = () => emu.requests({ method: "GET", path: "/v1/refunds" }).length
      const readsBefore = refundReads()
      const synced = (await api.post(`${BASE}/payments/${paymentId}/sync`, {}, admin)).data
      expect(refundReads()).toBeGreaterThan(readsBefore) // it asked Clover
      expect(synced.synced_at).toEqual(expect.any(String))
      const after = synced.payment
      expect(after.refunds).toHaveLength(2)
      expect(after.refunds.find((r: any) => r.processor_refund_id === outside.id)).toEqual(
        expect.objectContaining({
          medusa_refund_id: null,
          in_medusa: false,
          amount_minor: "500",
          amount: "5.00",
          status: "succeeded",
          origin: "processor",
        })
      )
      expect(after.processor_amounts.refunded).toEqual({ minor: "1734", major: "17.34" })
      expect(toCents(after.medusa_amounts.refunded)).toBe(1234) // Medusa's own records are untouched
      expect(after.refunded_difference_minor).toBe("500")
      expect(after.refunded_unexplained_minor).toBe("500")
      // it was written to Payment.data, under the ledger lock
      const stored = await (getContainer().resolve(Modules.PAYMENT) as any).retrievePayment(paymentId, { select: ["data"] })
      expect(stored.data.refunded_minor).toBe("1734")
      expect(stored.data.refunds).toHaveLength(2)

      // ---- syncing again changes nothing
      const again = (await api.post(`${BASE}/payments/${paymentId}/sync`, {}, admin)).data.payment
      expect(again.refunds).toHaveLength(2)
      expect(again.processor_amounts.refunded.minor).toBe("1734")
      // and no refund was ever sent by the sync
      expect(emu.requests({ method: "POST", path: "/v1/refunds" }).filter((r) => r.status === 200)).toHaveLength(2)

      // ---- a refund the processor declines later (as a webhook outcome records it): flagged
      await updatePaymentLedger(getContainer(), paymentId, async (data) =>
        applyRefundOutcomes(data, [{ processor_refund_id: outside.id, status: "failed", failure_reason: "insufficient_funds" }]).data
      )
      const flagged = (await api.get(`${BASE}/payments/${paymentId}`, admin)).data.payment
      expect(flagged.has_failed_refund).toBe(true)
      expect(flagged.failed_refunds).toEqual([
        { processor_refund_id: outside.id, medusa_refund_id: null, amount: "5.00", reason: "insufficient_funds" },
      ])
      expect(flagged.refunds.find((r: any) => r.processor_refund_id === outside.id)).toEqual(
        expect.objectContaining({ status: "failed", failure_reason: "insufficient_funds" })
      )
      // a failed refund does not count as refunded
      expect(flagged.processor_amounts.refunded).toEqual({ minor: "1234", major: "12.34" })
      expect(flagged.refunded_difference_minor).toBe("0")
      expect(flagged.refunded_unexplained_minor).toBe("0")
    })

    it("lists the configured providers with webhook URLs and tests the connection", async () => {
      const admin = store.adminHeaders
      const list = (await api.get(`${BASE}/providers`, admin)).data
      // every provider of the plugin loaded in this app, none of Medusa's own
      const paymentModule = getContainer().resolve(Modules.PAYMENT) as any
      const registered: string[] = (await paymentModule.listPaymentProviders({ is_enabled: true })).map((p: any) => p.id)
      const ids = list.providers.map((p: any) => p.id)
      expect(ids).toContain(PROVIDER_ID)
      expect(ids).not.toContain("pp_system_default")
      expect(ids.every((id: string) => registered.includes(id))).toBe(true)
      expect(list.count).toBe(ids.length)
      expect(list.backend_url).toMatch(/^http:\/\/localhost:\d+$/)
      for (const p of list.providers) {
        expect(p.webhook_url).toBe(`${list.backend_url}/hooks/payment/${p.id.slice(3)}`)
        expect(["live", "sandbox", "emulator"]).toContain(p.mode)
        expect(p.processor).toEqual(expect.any(String))
      }
      expect(list.providers.find((p: any) => p.id === PROVIDER_ID)).toEqual({
        id: PROVIDER_ID,
        processor: "Clover",
        mode: "emulator",
        webhook_identifier: "clover_clover",
        webhook_url: `${list.backend_url}/hooks/payment/clover_clover`,
      })

      // the webhook URL is Medusa's webhook route for the provider
      const hook = await api.post("/hooks/payment/clover_clover", { type: "ping" })
      expect(hook.status).toBe(200)

      // a public URL from the environment wins over the request's host
      process.env.REFUND_PROCESSORS_BACKEND_URL = "https://shop.example.com/"
      try {
        const configured = (await api.get(`${BASE}/providers`, admin)).data
        expect(configured.providers.find((p: any) => p.id === PROVIDER_ID).webhook_url).toBe(
          "https://shop.example.com/hooks/payment/clover_clover"
        )
      } finally {
        delete process.env.REFUND_PROCESSORS_BACKEND_URL
      }

      // ---- test connection: an authenticated read at the emulator
      const test = (await api.post(`${BASE}/providers/${PROVIDER_ID}/connection-check`, {}, admin)).data
      expect(test).toEqual(
        expect.objectContaining({ provider_id: PROVIDER_ID, processor: "Clover", mode: "emulator", ok: true })
      )
      expect(test.message).toMatch(/Clover accepted the credentials/)
      const reads = emu.requests({ method: "GET", path: "/v1/charges" })
      expect(reads.length).toBeGreaterThan(0)
      expect(reads[reads.length - 1].status).toBe(200)
      expect(reads[reads.length - 1].headers.authorization).toBe("Bearer emulator_clover_key")

      // every other provider answers too (ok or not, with a message; never a server error)
      for (const p of list.providers.filter((x: any) => x.id !== PROVIDER_ID)) {
        const other = (await api.post(`${BASE}/providers/${p.id}/connection-check`, {}, admin)).data
        expect(typeof other.ok).toBe("boolean")
        expect(other.message.length).toBeGreaterThan(0)
      }

      // ---- an unknown provider is a 404 naming the configured ones
      const unknown = await api.post(`${BASE}/providers/pp_nope_nope/connection-check`, {}, admin).catch((e: any) => e.response)
      expect(unknown.status).toBe(404)
      expect(unknown.data.message).toContain(PROVIDER_ID)
    })

    it("validates input, requires an admin, and refuses payments of other providers", async () => {
      const admin = store.adminHeaders
      const unauthenticated = await api.get(`${BASE}/providers`).catch((e: any) => e.response)
      expect(unauthenticated.status).toBe(401)
      const noAuthSync = await api.post(`${BASE}/payments/pay_123/sync`, {}).catch((e: any) => e.response)
      expect(noAuthSync.status).toBe(401)

      const badId = await api.get(`${BASE}/payments/not-a-payment`, admin).catch((e: any) => e.response)
      expect(badId.status).toBe(400)
      expect(badId.data.message).toMatch(/payment id/)
      const badProvider = await api.post(`${BASE}/providers/clover/connection-check`, {}, admin).catch((e: any) => e.response)
      expect(badProvider.status).toBe(400)

      const missing = await api.get(`${BASE}/payments/pay_01NOTHERE`, admin).catch((e: any) => e.response)
      expect(missing.status).toBe(404)

      // a payment of Medusa's system provider is not ours
      const paymentModule = getContainer().resolve(Modules.PAYMENT) as any
      const collection = await paymentModule.createPaymentCollections({ currency_code: "usd", amount: 10 })
      const session = await paymentModule.createPaymentSession(collection.id, {
        provider_id: "pp_system_default",
        currency_code: "usd",
        amount: 10,
        data: {},
      })
      const payment = await paymentModule.authorizePaymentSession(session.id, {})
      const other = await api.get(`${BASE}/payments/${payment.id}`, admin).catch((e: any) => e.response)
      expect(other.status).toBe(404)
      expect(other.data.message).toMatch(/pp_system_default/)
      const otherSync = await api.post(`${BASE}/payments/${payment.id}/sync`, {}, admin).catch((e: any) => e.response)
      expect(otherSync.status).toBe(404)
    })
  },
})
