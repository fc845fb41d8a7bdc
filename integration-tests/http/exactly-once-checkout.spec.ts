/**
 * Exactly-once refunds through a real Medusa app and the Checkout.com emulator (Payments API,
 * asynchronous refunds: 202 + action id), under faults and concurrency: the admin's refund
 * happens once at Checkout.com, or not at all with a clear message.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import { CheckoutEmulator, DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY } from "../../src/emulators/checkout"
import { capturePayment, getOnlyPayment, getPayment, placeOrder, refundPayment, seedStore, SeededStore, toCents } from "../helpers"

jest.setTimeout(180_000)

const PROVIDER_ID = "pp_checkout_checkout"
const REFUNDS = "/payments/:id/refunds"
// Refunds settle at once (refundDelayMs 0), as Checkout.com's sandbox does within moments.
const emu = new CheckoutEmulator({ refundDelayMs: 0 })
const saved: Record<string, string | undefined> = {}
const ENV: Record<string, string> = {
  CHECKOUT_API: "payments",
  CHECKOUT_CAPTURE_MODE: "manual",
  CHECKOUT_WEBHOOK_SIGNATURE_KEY: DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY,
  CHECKOUT_TIMEOUT_MS: "400",
  CHECKOUT_MAX_RETRIES: "2",
  PAYMENT_PROVIDERS: "checkout",
}

beforeAll(async () => {
  const url = await emu.start()
  for (const k of [...Object.keys(ENV), "CHECKOUT_ENVIRONMENT", "CHECKOUT_SECRET_KEY"]) saved[k] = process.env[k]
  Object.assign(process.env, ENV, { CHECKOUT_ENVIRONMENT: url })
  delete process.env.CHECKOUT_SECRET_KEY // the config's default is the emulator's key
})
afterAll(async () => {
  await emu.stop()
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})
beforeEach(() => {
  emu.reset()
  emu.refundDelayMs = 0
})

const token = () => `tok_once_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`

/** Checkout.com's refunds of a payment that count: approved or still pending (declined ones refund nothing). */
const refundsAtCheckout = (paymentId: string) => emu.listRefunds(paymentId).filter((r: any) => r.approved !== false)

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore

    beforeEach(async () => {
      store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        variants: [
          { title: "Large", sku: "ONCE-CKO-LARGE", amount: 30 },
          { title: "Small", sku: "ONCE-CKO-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
    })

    async function capturedPayment() {
      const { order } = await placeOrder(api, store, { providerId: PROVIDER_ID, sessionData: { token: token() } })
      const payment = await getOnlyPayment(api, store.adminHeaders, order.id)
      await capturePayment(api, store.adminHeaders, payment.id)
      const ckoPaymentId = emu.listPayments()[0]!.id
      expect(emu.balances(ckoPaymentId)).toEqual(expect.objectContaining({ total_captured: 4734 }))
      return { payment, ckoPaymentId }
    }

    async function ledgerOf(paymentId: string) {
      const payment = await getContainer().resolve(Modules.PAYMENT).retrievePayment(paymentId, { select: ["id", "data"] })
      return (payment.data?.refunds ?? []) as Array<{ medusa_refund_id: string | null; amount_minor: string; status: string }>
    }

    it("a lost answer, then the admin's retry with a new refund id: one refund at Checkout.com (medusajs/medusa#16681)", async () => {
      const { payment, ckoPaymentId } = await capturedPayment()
      // Every attempt of the first refund reaches Checkout.com, but no answer comes back in time.
      emu.injectFault({ method: "POST", path: REFUNDS, times: 3, fault: { kind: "timeout_after_apply", holdMs: 2_000 } })
      const failed = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 }).then(
        () => undefined,
        (e: any) => e
      )
      expect(failed?.response?.status).toBe(500)
      expect(failed.response.data.message).toMatch(/Checkout\.com did not answer in time\. The operation may have been applied/)
      expect((await getPayment(api, store.adminHeaders, payment.id)).refunds).toHaveLength(0) // Medusa dropped its refund
      expect(refundsAtCheckout(ckoPaymentId).map((r) => r.amount)).toEqual([1234])

      // The admin tries again: Medusa sends a new refund id; the provider adopts Checkout.com's refund.
      const retried = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 })
      expect(retried.refunds).toHaveLength(1)
      expect(refundsAtCheckout(ckoPaymentId).map((r) => r.amount)).toEqual([1234])
      const retryPosts = emu.requests({ method: "POST", path: /\/payments\/[^/]+\/refunds$/ }).filter((r) => r.headers["cko-idempotency-key"] === retried.refunds[0].id)
      expect(retryPosts).toHaveLength(0) // nothing was sent for the retry
      expect(await ledgerOf(payment.id)).toEqual([expect.objectContaining({ medusa_refund_id: retried.refunds[0].id, amount_minor: "1234" })])
    })

    it("a lost answer while Checkout.com still holds the refund pending: the retry is refused with a message, then adopts it once settled", async () => {
      const { payment, ckoPaymentId } = await capturedPayment()
      emu.refundDelayMs = null // refunds stay pending (not among the payment's actions) until settled
      emu.injectFault({ method: "POST", path: REFUNDS, times: 3, fault: { kind: "timeout_after_apply", holdMs: 2_000 } })
      const failed = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 }).then(
        () => undefined,
        (e: any) => e
      )
      expect(failed?.response?.status).toBe(500)
      expect(refundsAtCheckout(ckoPaymentId).map((r) => [r.amount, r.state])).toEqual([[1234, "pending"]])

      const refused = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 }).then(
        () => undefined,
        (e: any) => e
      )
      // Refused before sending, and the admin reads why (a CONFLICT would reach the admin as Medusa's
      // generic "The request conflicted with another request" instead).
      expect(refused?.response?.status).toBe(400)
      expect(refused.response.data.message).toMatch(/a refund Medusa does not know is still being processed.*Sync/s)
      expect(refundsAtCheckout(ckoPaymentId)).toHaveLength(1) // nothing more was sent
      expect((await getPayment(api, store.adminHeaders, payment.id)).refunds).toHaveLength(0)

      emu.settleRefunds()
      const retried = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 })
      expect(retried.refunds).toHaveLength(1)
      expect(refundsAtCheckout(ckoPaymentId).map((r) => r.amount)).toEqual([1234])
      expect(await ledgerOf(payment.id)).toEqual([expect.objectContaining({ medusa_refund_id: retried.refunds[0].id, amount_minor: "1234" })])
    })

    it("a transient 503 is retried with the same key: one refund, recorded once", async () => {
      const { payment, ckoPaymentId } = await capturedPayment()
      emu.injectFault({ method: "POST", path: REFUNDS, fault: { kind: "status", status: 503 } })
      const refunded = await refundPayment(api, store.adminHeaders, payment.id, { amount: 5 })
      const keys = emu.requests({ method: "POST", path: /\/payments\/[^/]+\/refunds$/ }).map((r) => r.headers["cko-idempotency-key"])
      expect(keys).toEqual([refunded.refunds[0].id, refunded.refunds[0].id])
      expect(refundsAtCheckout(ckoPaymentId).map((r) => r.amount)).toEqual([500])
      expect((await ledgerOf(payment.id)).map((e) => [e.medusa_refund_id, e.amount_minor])).toEqual([[refunded.refunds[0].id, "500"]])
    })

    it("20 concurrent partial refunds: the same total at Checkout.com (pending included) and in Medusa, never over the capture, none lost from the ledger", async () => {
      const { payment, ckoPaymentId } = await capturedPayment()
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => refundPayment(api, store.adminHeaders, payment.id, { amount: 3 }))
      )
      const failures = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[]
      for (const f of failures) {
        // Refused with a message: over the capture, Medusa's 3 s lock / active order change, or a
        // concurrent refund Checkout.com still holds pending that the stale ledger does not know yet.
        expect(typeof f.reason?.response?.data?.message).toBe("string")
      }
      const medusa = await getPayment(api, store.adminHeaders, payment.id)
      const medusaCents = medusa.refunds.reduce((s: number, r: any) => s + toCents(r.amount), 0)
      const ckoCents = refundsAtCheckout(ckoPaymentId).reduce((s, r) => s + r.amount, 0)
      expect(ckoCents).toBe(medusaCents)
      expect(ckoCents).toBeLessThanOrEqual(4734)
      expect(medusa.refunds.length).toBeGreaterThanOrEqual(1)
      const balances = emu.balances(ckoPaymentId)!
      expect(balances.total_captured - balances.available_to_refund).toBe(ckoCents)

      // The ledger converges on every refund once the per-refund syncs have run.
      const ids = medusa.refunds.map((r: any) => r.id).sort()
      let ledger: Awaited<ReturnType<typeof ledgerOf>> = []
      for (let i = 0; i < 50; i++) {
        ledger = await ledgerOf(payment.id)
        if (ledger.length === ids.length && ledger.every((e) => e.medusa_refund_id)) break
        await new Promise((r) => setTimeout(r, 200))
      }
      expect(ledger.map((e) => e.medusa_refund_id).sort()).toEqual(ids)
      expect(ledger.reduce((s, e) => s + Number(e.amount_minor), 0)).toBe(ckoCents)
    })
  },
})
