/**
 * The refund guard (src/api/middlewares.ts, src/api/refund-guard.ts) through a real Medusa 2.21
 * app and the Clover emulator, the admin driven with Medusa's js-sdk.
 *
 * Medusa's refundPaymentWorkflow calls the processor first and only then records the refund on
 * the order, as an order transaction plus, for what is above what the order owes, a credit line
 * order change. With another order change open, that change is refused after the money moved and
 * the order transaction is rolled back: the processor and Medusa's payment show a refund the
 * order's summary leaves out. The guard refuses such a refund before anything reaches the
 * processor, and serialises refunds per order so two at once cannot race the order changes.
 */
import Medusa from "@medusajs/js-sdk"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { CloverEmulator } from "../../src/emulators/clover"
import { capturePayment, fulfillOrder, getOnlyPayment, getOrder, getPayment, placeOrder, returnItems, seedStore, type SeededStore, toCents } from "../helpers"
import { useEmulatorForStore } from "../helpers/emulator-env"
import { cloverKit } from "../../src/emulators/kits/clover"

jest.setTimeout(240_000)

const PROVIDER_ID = "pp_clover_clover"
const REFUNDS_PATH = "/v1/refunds"

const emu = new CloverEmulator()
// Started, and medusa-config.ts's variables set, before the runner boots Medusa (helpers/emulator-env.ts).
useEmulatorForStore(emu, (url) => ({
  ...cloverKit.emulatorEnv(url),
  CLOVER_CAPTURE_MODE: "manual",
  PAYMENT_PROVIDERS: "clover",
}))

const sumCents = (rows: Array<{ amount: number | string }> | undefined) => (rows ?? []).reduce((s, r) => s + toCents(r.amount), 0)

/** The js-sdk's error as { status, message }, or the result. */
async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; status?: number; message: string }> {
  try {
    return { ok: true, value: await p }
  } catch (e: any) {
    return { ok: false, status: e?.status, message: String(e?.message ?? e) }
  }
}

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore
    let admin: Medusa

    beforeEach(async () => {
      store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        variants: [
          { title: "Large", sku: "GRD-LARGE", amount: 30 },
          { title: "Small", sku: "GRD-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
      admin = new Medusa({ baseUrl: api.defaults.baseURL!, globalHeaders: store.adminHeaders.headers })
    })

    /** A Clover order of 47.34, captured in full and shipped. */
    async function paidOrder() {
      const { order } = await placeOrder(api, store, {
        providerId: PROVIDER_ID,
        sessionData: { source: `clv_test_${Date.now()}_${Math.random().toString(36).slice(2, 8)}` },
      })
      const payment = await getOnlyPayment(api, store.adminHeaders, order.id)
      await capturePayment(api, store.adminHeaders, payment.id)
      await fulfillOrder(api, store.adminHeaders, { orderId: order.id, locationId: store.stockLocation.id })
      const chargeId = emu.listCharges().filter((c) => c.status === "succeeded")[0].id
      return { order: await getOrder(api, store.adminHeaders, order.id), payment, chargeId }
    }

    /** Refunded in cents at Clover, in Medusa's payment, and in the order's summary. */
    async function refundedEverywhere(orderId: string, paymentId: string, chargeId: string) {
      const order = await getOrder(api, store.adminHeaders, orderId)
      const payment = await getPayment(api, store.adminHeaders, paymentId)
      return {
        processor: emu.listRefunds(chargeId).reduce((s, r) => s + r.amount, 0),
        payment: sumCents(payment.refunds),
        order_summary: toCents(order.summary.refunded_total),
      }
    }

    it("refuses a refund the order cannot record while a return is being created; refunds once after the return is cancelled", async () => {
      const { order, payment, chargeId } = await paidOrder()
      expect(toCents(order.summary.pending_difference)).toBe(0)

      // The admin opens "Create Return" and adds an item: an order change stays active.
      const small = order.items.find((i: any) => toCents(i.unit_price) === 1234)
      const { return: ret } = await admin.admin.return.initiateRequest({ order_id: order.id, location_id: store.stockLocation.id })
      await admin.admin.return.addReturnItem(ret.id, { items: [{ id: small.id, quantity: 1 }] })
      const { order_changes } = await admin.admin.order.listChanges(order.id)
      const open = order_changes.filter((c: any) => c.status === "pending" || c.status === "requested")
      expect(open).toHaveLength(1)

      // 1.00 is above what the order owes (nothing): Medusa would need a credit line order change.
      const journal = emu.requests().length
      const refused = await settle(admin.admin.payment.refund(payment.id, { amount: 1 }))
      // Nothing reached Clover (no refund request, no read either), and Clover, the payment and the order agree.
      expect(emu.requests().slice(journal).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([])
      expect(await refundedEverywhere(order.id, payment.id, chargeId)).toEqual({ processor: 0, payment: 0, order_summary: 0 })
      expect(refused).toEqual(expect.objectContaining({ ok: false, status: 400 }))
      if (refused.ok) return
      expect(refused.message).toContain(`has a return being requested (order change ${open[0].id}, status ${open[0].status})`)
      expect(refused.message).toContain("Confirm or cancel that return request, then refund")

      // Cancel the return: the same refund goes through, once.
      await admin.admin.return.cancelRequest(ret.id)
      const done = await settle(admin.admin.payment.refund(payment.id, { amount: 1 }))
      expect(done.ok ? "refunded" : done.message).toBe("refunded")
      const refundRequests = emu.requests({ method: "POST", path: REFUNDS_PATH })
      expect(refundRequests.map((r) => [r.status, (r.body as any)?.amount])).toEqual([[200, 100]])
      expect(await refundedEverywhere(order.id, payment.id, chargeId)).toEqual({ processor: 100, payment: 100, order_summary: 100 })
    })

    it("cancelling an order while an order edit is open refunds nothing and says what to finish; once the edit is cancelled the cancel refunds once", async () => {
      // Captured, not shipped: an order Medusa lets the admin cancel. Its cancel refunds the captured payment, then
      // records the refund as a credit line order change, which an open order edit blocks.
      const { order: placed } = await placeOrder(api, store, {
        providerId: PROVIDER_ID,
        sessionData: { source: `clv_test_${Date.now()}_${Math.random().toString(36).slice(2, 8)}` },
      })
      const payment = await getOnlyPayment(api, store.adminHeaders, placed.id)
      await capturePayment(api, store.adminHeaders, payment.id)
      const chargeId = emu.listCharges().filter((c) => c.status === "succeeded")[0].id
      const { order_change: edit } = await admin.admin.orderEdit.initiateRequest({ order_id: placed.id })

      const journal = emu.requests().length
      const refused = await settle(admin.admin.order.cancel(placed.id))
      expect(emu.requests().slice(journal).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([])
      expect(await refundedEverywhere(placed.id, payment.id, chargeId)).toEqual({ processor: 0, payment: 0, order_summary: 0 })
      expect(refused).toEqual(expect.objectContaining({ ok: false, status: 400 }))
      if (refused.ok) return
      expect(refused.message).toContain(`has an order edit in progress (order change ${edit.id}, status ${edit.status})`)
      expect(refused.message).toContain("Confirm or cancel that order edit, then cancel the order")
      expect((await getOrder(api, store.adminHeaders, placed.id)).status).not.toBe("canceled")

      await admin.admin.orderEdit.cancelRequest(placed.id)
      const done = await settle(admin.admin.order.cancel(placed.id))
      expect(done.ok ? "canceled" : done.message).toBe("canceled")
      // One refund request (the whole untouched charge: Clover's full refund, no amount), 47.34 at Clover and in Medusa.
      expect(emu.requests({ method: "POST", path: REFUNDS_PATH }).map((r) => r.status)).toEqual([200])
      expect(emu.listRefunds(chargeId).map((r) => r.amount)).toEqual([4734])
      expect(sumCents((await getPayment(api, store.adminHeaders, payment.id)).refunds)).toBe(4734)
      expect((await getOrder(api, store.adminHeaders, placed.id)).status).toBe("canceled")
    })

    it("the same refused refund goes through once after the return request is confirmed", async () => {
      const { order, payment, chargeId } = await paidOrder()
      const small = order.items.find((i: any) => toCents(i.unit_price) === 1234)
      const { return: ret } = await admin.admin.return.initiateRequest({ order_id: order.id, location_id: store.stockLocation.id })
      await admin.admin.return.addReturnItem(ret.id, { items: [{ id: small.id, quantity: 1 }] })

      const refused = await settle(admin.admin.payment.refund(payment.id, { amount: 1 }))
      expect(emu.requests({ method: "POST", path: REFUNDS_PATH }).map((r) => `${r.status} ${(r.body as any)?.amount}`)).toEqual([])
      expect(refused).toEqual(expect.objectContaining({ ok: false, status: 400 }))

      await admin.admin.return.confirmRequest(ret.id, {})
      const done = await settle(admin.admin.payment.refund(payment.id, { amount: 1 }))
      expect(done.ok ? "refunded" : done.message).toBe("refunded")
      expect(emu.requests({ method: "POST", path: REFUNDS_PATH }).map((r) => [r.status, (r.body as any)?.amount])).toEqual([[200, 100]])
      expect(await refundedEverywhere(order.id, payment.id, chargeId)).toEqual({ processor: 100, payment: 100, order_summary: 100 })
    })

    it("while another return is open, refunds up to what the order owes and refuses a cent more", async () => {
      const { order, payment, chargeId } = await paidOrder()
      const small = order.items.find((i: any) => toCents(i.unit_price) === 1234)
      const large = order.items.find((i: any) => toCents(i.unit_price) === 3000)
      // The small item comes back in full: the order owes 12.34.
      await returnItems(api, store.adminHeaders, { orderId: order.id, locationId: store.stockLocation.id, items: [{ id: small.id, quantity: 1 }] })
      expect(toCents((await getOrder(api, store.adminHeaders, order.id)).summary.pending_difference)).toBe(-1234)
      // A second return is being created.
      const { return: ret } = await admin.admin.return.initiateRequest({ order_id: order.id, location_id: store.stockLocation.id })
      await admin.admin.return.addReturnItem(ret.id, { items: [{ id: large.id, quantity: 1 }] })

      const over = await settle(admin.admin.payment.refund(payment.id, { amount: 12.35 }))
      expect(emu.requests({ method: "POST", path: REFUNDS_PATH }).map((r) => `${r.status} ${(r.body as any)?.amount}`)).toEqual([])
      expect(await refundedEverywhere(order.id, payment.id, chargeId)).toEqual({ processor: 0, payment: 0, order_summary: 0 })
      expect(over).toEqual(expect.objectContaining({ ok: false, status: 400 }))
      expect(over.ok ? "" : over.message).toMatch(/the 0\.01 USD of this refund that is above what the order owes \(12\.34 USD\).*or refund at most 12\.34 USD now\.$/)

      const owed = await settle(admin.admin.payment.refund(payment.id, { amount: 12.34 }))
      expect(owed.ok ? "refunded" : owed.message).toBe("refunded")
      expect(emu.requests({ method: "POST", path: REFUNDS_PATH }).map((r) => (r.body as any)?.amount)).toEqual([1234])
      expect(await refundedEverywhere(order.id, payment.id, chargeId)).toEqual({ processor: 1234, payment: 1234, order_summary: 1234 })
    })

    it("malformed requests are Medusa's validator's to refuse, and never reach the processor", async () => {
      const { order, payment, chargeId } = await paidOrder()
      const post = (path: string, body: unknown) => api.post(path, body, store.adminHeaders).then((r: any) => r, (e: any) => e.response)

      for (const body of [{ amount: "1e999999" }, { amount: -1 }, { amount: null }, { amount: { value: "1" } }, [1], { amount: 1, extra: true }]) {
        const res = await post(`/admin/payments/${payment.id}/refund`, body)
        expect({ body, status: res.status, type: res.data?.type }).toEqual({ body, status: 400, type: "invalid_data" })
      }
      for (const id of ["pay_missing", "pay_'; drop table payment;--", "x".repeat(300)]) {
        const res = await post(`/admin/payments/${encodeURIComponent(id)}/refund`, { amount: 1 })
        expect({ id, status: res.status }).toEqual({ id, status: 404 })
      }
      expect(emu.requests({ method: "POST", path: REFUNDS_PATH })).toHaveLength(0)
      expect(await refundedEverywhere(order.id, payment.id, chargeId)).toEqual({ processor: 0, payment: 0, order_summary: 0 })
    })

    it("two refunds of one order at once: Clover, the payment and the order summary agree", async () => {
      const { order, payment, chargeId } = await paidOrder()

      // Together within what was captured: both go through, one after the other.
      const both = await Promise.all([
        settle(admin.admin.payment.refund(payment.id, { amount: 10 })),
        settle(admin.admin.payment.refund(payment.id, { amount: 10 })),
      ])
      expect(await refundedEverywhere(order.id, payment.id, chargeId)).toEqual({ processor: 2000, payment: 2000, order_summary: 2000 })
      expect(both.map((r) => (r.ok ? "refunded" : r.message))).toEqual(["refunded", "refunded"])

      // Together above what is left (27.34): one goes through, the other is refused before Clover.
      const race = await Promise.all([
        settle(admin.admin.payment.refund(payment.id, { amount: 20 })),
        settle(admin.admin.payment.refund(payment.id, { amount: 20 })),
      ])
      expect(await refundedEverywhere(order.id, payment.id, chargeId)).toEqual({ processor: 4000, payment: 4000, order_summary: 4000 })
      expect(emu.requests({ method: "POST", path: REFUNDS_PATH }).map((r) => r.status)).toEqual([200, 200, 200])
      expect(race.filter((r) => r.ok)).toHaveLength(1)
      const refusedRace = race.find((r) => !r.ok) as { status?: number; message: string }
      expect(refusedRace.status).toBe(400)
      expect(refusedRace.message).toMatch(/refund more than/i)
    })
  },
})
