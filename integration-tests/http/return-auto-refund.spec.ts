/**
 * Returns become refunds: a real Medusa 2.21 app and the Clover emulator. With the store's policy
 * on, a return received in the admin refunds exactly the received items' Medusa total, once
 * (a redelivered event refunds nothing more), with the return in refund.metadata; an event for a
 * return where nothing was received refunds nothing; damaged items follow the policy; with the
 * policy off nothing happens until the admin asks ("Refund this return").
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import type { AxiosInstance } from "axios"
import { call, capturePayment, fulfillOrder, getOnlyPayment, getOrder, getPayment, placeOrder, seedStore, SeededStore, toCents, until, type Headers } from "../helpers"
import { capturedOrder as capturedOrderWith, receiveReturn, requestReturn } from "../helpers/returns"
import { CloverEmulator } from "../../src/emulators/clover"
import { processorsUnderTest, refundSends, useProcessorsUnderTest, type ProcessorUnderTest } from "../helpers/exactly-once"
import { KITS_UNDER_TEST } from "../helpers/kits-under-test"
import { REFUND_POLICY_MODULE } from "../../src/modules/refund-policy"

jest.setTimeout(300_000)

// The kits under test behind one app, each on its emulator (the exactly-once harness's table): the plugin's five
// processors and the example processor of test/fixtures (integration-tests/helpers/kits-under-test.ts).
const processors = processorsUnderTest(KITS_UNDER_TEST)
const clover = processors.find((p) => p.name === "clover")!
useProcessorsUnderTest(processors)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const refundRequests = (p: ProcessorUnderTest = clover) => refundSends(p)

async function setPolicy(api: AxiosInstance, admin: Headers, body: Record<string, unknown>) {
  return call("set refund policy", api.post("/admin/refund-processors/policy", body, admin))
}

async function returnRefunds(api: AxiosInstance, admin: Headers, orderId: string): Promise<any[]> {
  const { return_refunds } = await call(
    "list return refunds",
    api.get(`/admin/refund-processors/orders/${orderId}/return-refunds`, admin)
  )
  return return_refunds
}

/** The return's row once it is no longer being worked on. */
async function settledRow(api: AxiosInstance, admin: Headers, orderId: string, returnId: string) {
  return until(`return refund row of ${returnId}`, async () => {
    const row = (await returnRefunds(api, admin, orderId)).find((r) => r.return_id === returnId)
    return row && row.status !== "claimed" ? row : undefined
  })
}

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore
    let admin: Headers

    beforeEach(async () => {
      store = await seedStore(api, getContainer(), {
        providerIds: [...processors.map((p) => p.providerId), "pp_system_default"],
        variants: [
          { title: "Large", sku: "RAR-LARGE", amount: 30 },
          { title: "Small", sku: "RAR-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
      admin = store.adminHeaders
    })

    /** An order of both variants paid with `p`, captured and fulfilled: ready for returns. */
    const capturedOrder = (p: ProcessorUnderTest = clover) => capturedOrderWith({ api, container: getContainer(), store }, p)

    const emitReceived = (orderId: string, returnId: string) =>
      getContainer()
        .resolve(Modules.EVENT_BUS)
        .emit({ name: "order.return_received", data: { order_id: orderId, return_id: returnId } })

    it("starts with the policy off (nothing saved)", async () => {
      expect((await call("read policy", api.get("/admin/refund-processors/policy", admin))).policy).toEqual(
        expect.objectContaining({ auto_refund_on_receipt: false, refund_damaged_items: false, return_shipping: "deduct_from_refund", saved: false })
      )
    })

    for (const p of processors) {
      it(`${p.label}: with the policy on, a received return refunds exactly its items once, even when the event comes again`, async () => {
        await setPolicy(api, admin, { auto_refund_on_receipt: true })
        const { order, payment, paid, small } = await capturedOrder(p)
        expect(refundRequests(p)).toHaveLength(0)

        const returnId = await requestReturn(api, admin, store, order.id, [{ id: small.id, quantity: 1 }])
        await receiveReturn(api, admin, returnId, { items: [{ id: small.id, quantity: 1 }] })

        const row = await settledRow(api, admin, order.id, returnId)
        expect(row).toEqual(
          expect.objectContaining({ status: "refunded", payment_id: payment.id, trigger: "event", attempts: 1, error_message: null })
        )
        expect(toCents(row.amount)).toBe(1234)
        expect(row.refund_id).toMatch(/^ref_/)

        // At the processor: one refund request, one refund of exactly the small item.
        expect(refundRequests(p)).toHaveLength(1)
        expect(p.refundsAt(paid).map((r) => r.minor)).toEqual(["1234"])

        // In Medusa: the refund, with the return in its metadata, and the order settled.
        const pay = await getPayment(api, admin, payment.id)
        expect(pay.refunds).toHaveLength(1)
        expect(toCents(pay.refunds[0].amount)).toBe(1234)
        expect(pay.refunds[0].id).toBe(row.refund_id)
        const refunds = await getContainer().resolve(Modules.PAYMENT).listRefunds({ id: pay.refunds[0].id }, { select: ["id", "metadata"] })
        expect((refunds[0] as any).metadata).toEqual({
          return_id: returnId,
          return_items: [
            {
              item_id: small.id,
              variant_id: small.variant_id,
              sku: expect.stringMatching(/^RAR-SMALL/),
              title: expect.stringContaining("Small"),
              quantity: "1",
              unit_total: "12.34",
              total: "12.34",
              reason_code: null,
              damaged: false,
            },
          ],
        })
        const after = await getOrder(api, admin, order.id)
        expect(toCents(after.summary.pending_difference)).toBe(0)

        // The event again (a redelivery), and the workflow from the admin: no second refund.
        await emitReceived(order.id, returnId)
        await sleep(1500)
        const again = await call("refund this return", api.post(`/admin/refund-processors/returns/${returnId}/refund`, {}, admin))
        expect(again.outcome).toBe("already_handled")
        expect(again.return_refund.status).toBe("refunded")
        expect(refundRequests(p)).toHaveLength(1)
        expect(p.refundsAt(paid)).toHaveLength(1)
        expect((await getPayment(api, admin, payment.id)).refunds).toHaveLength(1)
        expect(await returnRefunds(api, admin, order.id)).toHaveLength(1)
      })
    }

    it("an event for a return where nothing was received refunds nothing; its receipt later does", async () => {
      await setPolicy(api, admin, { auto_refund_on_receipt: true })
      const { order, payment, small } = await capturedOrder()
      const returnId = await requestReturn(api, admin, store, order.id, [{ id: small.id, quantity: 1 }])

      await emitReceived(order.id, returnId)
      const row = await settledRow(api, admin, order.id, returnId)
      expect(row).toEqual(expect.objectContaining({ status: "nothing_to_refund" }))
      expect(toCents(row.amount)).toBe(0)
      expect(refundRequests()).toHaveLength(0)
      expect((await getPayment(api, admin, payment.id)).refunds ?? []).toHaveLength(0)

      // The real receipt takes the row over and refunds.
      await receiveReturn(api, admin, returnId, { items: [{ id: small.id, quantity: 1 }] })
      const done = await until("the refund after receipt", async () => {
        const r = (await returnRefunds(api, admin, order.id)).find((x) => x.return_id === returnId)
        return r?.status === "refunded" ? r : undefined
      })
      expect(toCents(done.amount)).toBe(1234)
      expect(refundRequests()).toHaveLength(1)
    })

    it("damaged items follow the policy: left out when it says so", async () => {
      await setPolicy(api, admin, { auto_refund_on_receipt: true, refund_damaged_items: false })
      const { order, payment, large, small } = await capturedOrder()
      const returnId = await requestReturn(api, admin, store, order.id, [
        { id: large.id, quantity: 1 },
        { id: small.id, quantity: 1 },
      ])
      await receiveReturn(api, admin, returnId, { items: [{ id: large.id, quantity: 1 }], damaged: [{ id: small.id, quantity: 1 }] })

      const row = await settledRow(api, admin, order.id, returnId)
      expect(row.status).toBe("refunded")
      expect(toCents(row.amount)).toBe(3000)
      expect(row.items).toEqual([expect.objectContaining({ item_id: large.id, total: "30", damaged: false })])
      expect(refundRequests().map((r) => (r.body as any)?.amount)).toEqual([3000])
      expect((await getPayment(api, admin, payment.id)).refunds.map((r: any) => toCents(r.amount))).toEqual([3000])
    })

    it("damaged items follow the policy: refunded when it says so", async () => {
      await setPolicy(api, admin, { auto_refund_on_receipt: true, refund_damaged_items: true })
      const { order, small } = await capturedOrder()
      const returnId = await requestReturn(api, admin, store, order.id, [{ id: small.id, quantity: 1 }])
      await receiveReturn(api, admin, returnId, { damaged: [{ id: small.id, quantity: 1 }] })

      const row = await settledRow(api, admin, order.id, returnId)
      expect(row.status).toBe("refunded")
      expect(toCents(row.amount)).toBe(1234)
      expect(row.items).toEqual([expect.objectContaining({ item_id: small.id, damaged: true })])
      expect(refundRequests().map((r) => (r.body as any)?.amount)).toEqual([1234])
    })

    /** A return shipping option of 4.00 (Medusa's `is_return` rule), for the return's shipping method. */
    async function returnShippingOption() {
      const { shipping_option } = await call(
        "create return shipping option",
        api.post(
          "/admin/shipping-options",
          {
            name: "Return shipping",
            service_zone_id: store.serviceZone.id,
            shipping_profile_id: store.shippingProfile.id,
            provider_id: "manual_manual",
            price_type: "flat",
            type: { label: "Return", description: "Return shipping", code: "return" },
            prices: [{ currency_code: store.currencyCode, amount: 4 }],
            rules: [
              { attribute: "enabled_in_store", operator: "eq", value: "true" },
              { attribute: "is_return", operator: "eq", value: "true" },
            ],
          },
          admin
        )
      )
      return shipping_option.id as string
    }

    /** A requested return with a return shipping method, not received. */
    async function requestReturnWithShipping(orderId: string, items: { id: string; quantity: number }[], optionId: string) {
      const { return: ret } = await call(
        "create return",
        api.post("/admin/returns", { order_id: orderId, location_id: store.stockLocation.id }, admin)
      )
      await call("request return items", api.post(`/admin/returns/${ret.id}/request-items`, { items }, admin))
      await call("return shipping", api.post(`/admin/returns/${ret.id}/shipping-method`, { shipping_option_id: optionId }, admin))
      await call("confirm return request", api.post(`/admin/returns/${ret.id}/request`, {}, admin))
      return ret.id as string
    }

    it("a return received in two sessions is refunded once, for its first receipt; the row says what came later", async () => {
      await setPolicy(api, admin, { auto_refund_on_receipt: true })
      const { order, payment, large, small } = await capturedOrder()
      const returnId = await requestReturn(api, admin, store, order.id, [
        { id: large.id, quantity: 1 },
        { id: small.id, quantity: 1 },
      ])
      await receiveReturn(api, admin, returnId, { items: [{ id: small.id, quantity: 1 }] })
      const first = await settledRow(api, admin, order.id, returnId)
      expect([first.status, toCents(first.amount)]).toEqual(["refunded", 1234])

      await receiveReturn(api, admin, returnId, { items: [{ id: large.id, quantity: 1 }] })
      const noted = await until("the note of the later receipt", async () => {
        const r = (await returnRefunds(api, admin, order.id)).find((x) => x.return_id === returnId)
        return r?.error_message ? r : undefined
      })
      expect(noted.status).toBe("refunded")
      expect(noted.error_message).toMatch(/Received after this return's refund: 30 USD was not refunded automatically/)
      expect(refundRequests().map((r) => (r.body as any)?.amount)).toEqual([1234])
      expect((await getPayment(api, admin, payment.id)).refunds.map((r: any) => toCents(r.amount))).toEqual([1234])
    })

    it("return shipping the customer pays is taken off the refund, as Medusa's summary does", async () => {
      await setPolicy(api, admin, { auto_refund_on_receipt: true })
      const optionId = await returnShippingOption()
      const { order, small } = await capturedOrder()
      const returnId = await requestReturnWithShipping(order.id, [{ id: small.id, quantity: 1 }], optionId)
      await receiveReturn(api, admin, returnId, { items: [{ id: small.id, quantity: 1 }] })

      const row = await settledRow(api, admin, order.id, returnId)
      expect(row.status).toBe("refunded")
      expect(toCents(row.amount)).toBe(834) // 12.34 − 4.00
      expect(refundRequests().map((r) => (r.body as any)?.amount)).toEqual([834])
      expect(toCents((await getOrder(api, admin, order.id)).summary.pending_difference)).toBe(0)
    })

    it("return shipping the merchant pays is refunded too", async () => {
      await setPolicy(api, admin, { auto_refund_on_receipt: true, return_shipping: "merchant_pays" })
      const optionId = await returnShippingOption()
      const { order, small } = await capturedOrder()
      const returnId = await requestReturnWithShipping(order.id, [{ id: small.id, quantity: 1 }], optionId)
      await receiveReturn(api, admin, returnId, { items: [{ id: small.id, quantity: 1 }] })

      const row = await settledRow(api, admin, order.id, returnId)
      expect(row.status).toBe("refunded")
      expect(toCents(row.amount)).toBe(1234)
      expect(refundRequests().map((r) => (r.body as any)?.amount)).toEqual([1234])
    })

    it("with the policy off, nothing is refunded until the admin asks, then once, with the refund reason of the return's", async () => {
      const { order, payment, small } = await capturedOrder()
      const { return_reason } = await call("create return reason", api.post("/admin/return-reasons", { value: "wrong_size", label: "Wrong size" }, admin))
      const { refund_reason } = await call("create refund reason", api.post("/admin/refund-reasons", { code: "wrong_size", label: "Wrong size" }, admin))
      const returnId = await requestReturn(api, admin, store, order.id, [{ id: small.id, quantity: 1, reason_id: return_reason.id }])
      await receiveReturn(api, admin, returnId, { items: [{ id: small.id, quantity: 1 }] })
      await sleep(2000) // the subscriber has had its chance
      expect(refundRequests()).toHaveLength(0)
      expect(await returnRefunds(api, admin, order.id)).toHaveLength(0)

      const first = await call("refund this return", api.post(`/admin/refund-processors/returns/${returnId}/refund`, {}, admin))
      expect(first.outcome).toBe("refunded")
      expect(first.return_refund).toEqual(expect.objectContaining({ status: "refunded", trigger: "admin", actor_id: expect.stringMatching(/^user_/) }))
      expect(toCents(first.return_refund.amount)).toBe(1234)
      const second = await call("refund this return", api.post(`/admin/refund-processors/returns/${returnId}/refund`, {}, admin))
      expect(second.outcome).toBe("already_handled")
      expect(refundRequests().map((r) => (r.body as any)?.amount)).toEqual([1234])
      const refunds = (await getPayment(api, admin, payment.id)).refunds
      expect(refunds).toHaveLength(1)
      expect(refunds[0].refund_reason_id).toBe(refund_reason.id)
      expect(first.return_refund.items).toEqual([expect.objectContaining({ item_id: small.id, reason_code: "wrong_size" })])
    })

    it("a refund the processor declines leaves the return received and the row failed; redelivery does not retry, the admin does", async () => {
      await setPolicy(api, admin, { auto_refund_on_receipt: true })
      const { order, payment, small } = await capturedOrder()
      ;(clover.emulator as CloverEmulator).failNextRefund("The refund was declined by the payment gateway.")
      const returnId = await requestReturn(api, admin, store, order.id, [{ id: small.id, quantity: 1 }])
      await receiveReturn(api, admin, returnId, { items: [{ id: small.id, quantity: 1 }] })

      const row = await settledRow(api, admin, order.id, returnId)
      expect(row).toEqual(expect.objectContaining({ status: "failed", payment_id: payment.id, attempts: 1 }))
      expect(row.error_message).toMatch(/declined/i)
      expect(toCents(row.amount)).toBe(1234)
      expect(refundRequests()).toHaveLength(1)
      expect((await getPayment(api, admin, payment.id)).refunds ?? []).toHaveLength(0)
      const { return: ret } = await call("read return", api.get(`/admin/returns/${returnId}?fields=id,status`, admin))
      expect(ret.status).toBe("received")
      // The admin's notification feed (Medusa's default local provider, channel "feed") says the refund is owed and why.
      const feed = await getContainer().resolve(Modules.NOTIFICATION).listNotifications({ channel: "feed" }, { select: ["id", "data"] })
      expect(feed.map((n: any) => n.data)).toEqual([
        expect.objectContaining({ title: expect.stringMatching(/refund/i), description: expect.stringMatching(new RegExp(`${returnId}[\\s\\S]*declined`, "i")) }),
      ])

      // A redelivered event leaves a failed refund to the admin.
      await emitReceived(order.id, returnId)
      await sleep(1500)
      expect(refundRequests()).toHaveLength(1)

      const retried = await call("refund this return", api.post(`/admin/refund-processors/returns/${returnId}/refund`, {}, admin))
      expect(retried.outcome).toBe("refunded")
      expect(retried.return_refund).toEqual(expect.objectContaining({ status: "refunded", attempts: 2, error_message: null, trigger: "admin" }))
      expect(refundRequests()).toHaveLength(2)
      expect((await getPayment(api, admin, payment.id)).refunds.map((r: any) => toCents(r.amount))).toEqual([1234])
    })

    it("an order paid with another provider's payment is not refunded: the row says why", async () => {
      await setPolicy(api, admin, { auto_refund_on_receipt: true })
      const { order: placed } = await placeOrder(api, store, { providerId: "pp_system_default" })
      const payment = await getOnlyPayment(api, admin, placed.id)
      await capturePayment(api, admin, payment.id)
      await fulfillOrder(api, admin, { orderId: placed.id, locationId: store.stockLocation.id })
      const order = await getOrder(api, admin, placed.id)
      const small = order.items.find((i: any) => i.variant_id === store.variants.find((v) => v.title === "Small")!.id)
      const returnId = await requestReturn(api, admin, store, order.id, [{ id: small.id, quantity: 1 }])
      await receiveReturn(api, admin, returnId, { items: [{ id: small.id, quantity: 1 }] })

      const row = await settledRow(api, admin, order.id, returnId)
      expect(row.status).toBe("failed")
      expect(row.error_message).toMatch(/owes 12\.34 USD .*no captured payment of a medusa-refund-processors provider/)
      expect((await getPayment(api, admin, payment.id)).refunds ?? []).toHaveLength(0)
    })

    it("a refund left claimed by a store that stopped mid-refund: the admin takes it over after two hours, never the event, and it refunds once", async () => {
      const { order, payment, small } = await capturedOrder()
      const returnId = await requestReturn(api, admin, store, order.id, [{ id: small.id, quantity: 1 }])
      await receiveReturn(api, admin, returnId, { items: [{ id: small.id, quantity: 1 }] })
      await sleep(1500) // policy off: the subscriber leaves it
      // The stopped store's claim, as its workflow wrote it before calling the processor.
      const claim = await (getContainer().resolve(REFUND_POLICY_MODULE) as any).claimReturnRefund({
        return_id: returnId,
        order_id: order.id,
        trigger: "event",
        status: "claimed",
      })
      expect(claim.claimed).toBe(true)
      const young = await call("refund this return", api.post(`/admin/refund-processors/returns/${returnId}/refund`, {}, admin))
      expect(young.outcome).toBe("already_handled")

      const pg = getContainer().resolve(ContainerRegistrationKeys.PG_CONNECTION) as any
      await pg.raw(`UPDATE return_refund SET updated_at = now() - interval '121 minutes' WHERE return_id = ?`, [returnId])
      await setPolicy(api, admin, { auto_refund_on_receipt: true })
      await emitReceived(order.id, returnId)
      await sleep(1500)
      expect(refundRequests()).toHaveLength(0) // a redelivered event never takes a claim over

      const taken = await call("refund this return", api.post(`/admin/refund-processors/returns/${returnId}/refund`, {}, admin))
      expect(taken.outcome).toBe("refunded")
      expect(taken.return_refund).toEqual(expect.objectContaining({ status: "refunded", trigger: "admin", attempts: 2, error_message: null }))
      expect(refundRequests().map((r) => (r.body as any)?.amount)).toEqual([1234])
      expect((await getPayment(api, admin, payment.id)).refunds.map((r: any) => toCents(r.amount))).toEqual([1234])
    })

    it("three admins asking at once refund the return once", async () => {
      const { order, payment, small } = await capturedOrder()
      const returnId = await requestReturn(api, admin, store, order.id, [{ id: small.id, quantity: 1 }])
      await receiveReturn(api, admin, returnId, { items: [{ id: small.id, quantity: 1 }] })
      const answers = await Promise.all(
        [1, 2, 3].map(() => call("refund this return", api.post(`/admin/refund-processors/returns/${returnId}/refund`, {}, admin)))
      )
      expect(answers.map((a) => a.outcome).sort()).toEqual(["already_handled", "already_handled", "refunded"])
      await sleep(500)
      expect(refundRequests()).toHaveLength(1)
      expect((await getPayment(api, admin, payment.id)).refunds.map((r: any) => toCents(r.amount))).toEqual([1234])
    })

    it("the policy is validated strictly and every change is audited with the admin's id", async () => {
      const bad = await api.post("/admin/refund-processors/policy", { auto_refund_on_receipt: "yes", extra: 1 }, admin).catch((e: any) => e.response)
      expect(bad.status).toBe(400)
      expect(bad.data.message).toMatch(/auto_refund_on_receipt|extra/)
      const badId = await api.post("/admin/refund-processors/returns/not-a-return/refund", {}, admin).catch((e: any) => e.response)
      expect(badId.status).toBe(400)

      await setPolicy(api, admin, { auto_refund_on_receipt: true, return_shipping: "merchant_pays" })
      await setPolicy(api, admin, { auto_refund_on_receipt: true, refund_damaged_items: true })
      const { changes, count } = await call("policy changes", api.get("/admin/refund-processors/policy/changes", admin))
      expect(count).toBe(2)
      expect(changes[0].changes).toEqual({ refund_damaged_items: { before: false, after: true } })
      expect(changes[1].changes).toEqual({
        auto_refund_on_receipt: { before: false, after: true },
        return_shipping: { before: "deduct_from_refund", after: "merchant_pays" },
      })
      expect(changes[0].actor_id).toMatch(/^user_/)
    })
  },
})
