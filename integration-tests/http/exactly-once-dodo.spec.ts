/**
 * Exactly-once refunds through a real Medusa app and the Dodo Payments emulator, under faults and
 * concurrency: the admin's refund happens once at Dodo, or not at all with a clear message.
 * Dodo documents no idempotency key, so the provider never resends a refund POST by itself: after
 * an ambiguous failure it reads the payment's refunds, and before every refund it reconciles with them.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import type { EmulatorRequest, EmulatorResponse, HookContext } from "../../src/emulators/core/server"
import { DEFAULT_DODO_API_KEY, DEFAULT_DODO_PRODUCT_ID, DEFAULT_DODO_WEBHOOK_SECRET, DodoEmulator } from "../../src/emulators/dodo"
import { completeCart, getOnlyPayment, getPayment, prepareCheckout, refundPayment, seedStore, SeededStore, toCents } from "../helpers"

jest.setTimeout(240_000)

const PROVIDER_ID = "pp_dodo_dodo"

/**
 * Can make the payment reads that follow a refund POST fail: the provider looks for a refund whose
 * answer was lost and, when Dodo cannot be read either, the admin's refund fails although Dodo made
 * it (the medusajs/medusa#16681 situation).
 */
class FaultyDodo extends DodoEmulator {
  private failReadsAfterNextRefund = 0
  failPaymentReadsAfterRefund(times: number): void {
    this.failReadsAfterNextRefund = times
  }
  protected async beforeHandle(req: EmulatorRequest, ctx: HookContext): Promise<EmulatorResponse | undefined> {
    if (this.failReadsAfterNextRefund > 0 && req.method === "POST" && req.path === "/refunds") {
      this.injectFault({ method: "GET", path: "/payments/:id", times: this.failReadsAfterNextRefund, fault: { kind: "status", status: 503 } })
      this.failReadsAfterNextRefund = 0
    }
    return super.beforeHandle(req, ctx)
  }
}

const emu = new FaultyDodo()
const saved: Record<string, string | undefined> = {}
const ENV: Record<string, string> = {
  DODO_API_KEY: DEFAULT_DODO_API_KEY,
  DODO_PRODUCT_ID: DEFAULT_DODO_PRODUCT_ID,
  DODO_WEBHOOK_SECRET: DEFAULT_DODO_WEBHOOK_SECRET,
  DODO_TIMEOUT_MS: "400",
  DODO_MAX_RETRIES: "2",
  PAYMENT_PROVIDERS: "dodo",
}

beforeAll(async () => {
  const url = await emu.start()
  for (const k of [...Object.keys(ENV), "DODO_ENVIRONMENT"]) saved[k] = process.env[k]
  Object.assign(process.env, ENV, { DODO_ENVIRONMENT: url })
})
afterAll(async () => {
  await emu.stop()
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})
beforeEach(() => emu.reset())

/** Dodo's refunds of a payment that count (failed ones refund nothing), in cents. */
const centsAtDodo = (paymentId: string) => emu.listRefunds(paymentId).filter((r) => r.status !== "failed").map((r) => r.amount)
const refundPosts = () => emu.requests({ method: "POST", path: "/refunds" })

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = await read()
    if (value !== undefined) return value
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore

    beforeEach(async () => {
      emu.setWebhookUrl(`${api.defaults.baseURL}/hooks/payment/dodo_dodo`)
      store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        variants: [
          { title: "Large", sku: "ONCE-DODO-LARGE", amount: 30 },
          { title: "Small", sku: "ONCE-DODO-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
    })

    /** Checkout until the customer has paid on Dodo's page and the webhook completed the cart (captured). */
    async function paidPayment() {
      const admin = store.adminHeaders
      const ready = await prepareCheckout(api, store, { providerId: PROVIDER_ID })
      const paid = await fetch(`${ready.paymentSession.data.checkout_url}/pay`, { method: "POST" })
      expect(paid.status).toBe(200)
      await emu.flushWebhooks()
      const orderId = await until("the order created by the payment.succeeded webhook", async () => {
        const { orders } = (await api.get("/admin/orders?fields=id", admin)).data
        return orders[0]?.id as string | undefined
      })
      const completed = await completeCart(api, store, ready.cart.id)
      expect(completed.type).toBe("order")
      // Refund webhooks are not delivered from here on (Medusa would process them after its webhook delay).
      emu.setWebhookUrl(undefined)
      const payment = await getOnlyPayment(api, admin, orderId)
      expect(toCents(payment.captures[0].amount)).toBe(4734)
      return { payment, dodoPaymentId: emu.listPayments()[0]!.payment_id }
    }

    async function ledgerOf(paymentId: string) {
      const payment = await getContainer().resolve(Modules.PAYMENT).retrievePayment(paymentId, { select: ["id", "data"] })
      return (payment.data?.refunds ?? []) as Array<{ medusa_refund_id: string | null; amount_minor: string }>
    }

    it("a lost answer, then the admin's retry with a new refund id: one refund at Dodo (medusajs/medusa#16681)", async () => {
      const { payment, dodoPaymentId } = await paidPayment()
      // The refund reaches Dodo, no answer comes back in time, and the reads that would find it fail too.
      emu.injectFault({ method: "POST", path: "/refunds", fault: { kind: "timeout_after_apply", holdMs: 2_000 } })
      emu.failPaymentReadsAfterRefund(3)
      const failed = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 }).then(
        () => undefined,
        (e: any) => e
      )
      expect(failed?.response?.status).toBe(500)
      expect(failed.response.data.message).toMatch(/did not answer in time\. The operation may have been applied/)
      expect((await getPayment(api, store.adminHeaders, payment.id)).refunds).toHaveLength(0) // Medusa dropped its refund
      expect(centsAtDodo(dodoPaymentId)).toEqual([1234])
      expect(refundPosts()).toHaveLength(1) // never resent without an idempotency key

      // The admin tries again: Medusa sends a new refund id; the provider adopts Dodo's refund.
      const retried = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 })
      expect(retried.refunds).toHaveLength(1)
      expect(centsAtDodo(dodoPaymentId)).toEqual([1234])
      expect(refundPosts()).toHaveLength(1) // nothing was sent for the retry
      expect(await ledgerOf(payment.id)).toEqual([expect.objectContaining({ medusa_refund_id: retried.refunds[0].id, amount_minor: "1234" })])
    })

    it("a lost answer found by the provider's own read: one refund, the admin's first attempt succeeds", async () => {
      const { payment, dodoPaymentId } = await paidPayment()
      emu.injectFault({ method: "POST", path: "/refunds", fault: { kind: "timeout_after_apply", holdMs: 2_000 } })
      const refunded = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 })
      expect(refunded.refunds).toHaveLength(1)
      expect(centsAtDodo(dodoPaymentId)).toEqual([1234])
      expect(refundPosts()).toHaveLength(1)
      expect(await ledgerOf(payment.id)).toEqual([expect.objectContaining({ medusa_refund_id: refunded.refunds[0].id, amount_minor: "1234" })])
    })

    it("a transient 503 (not applied): no refund at either and a clear message; the admin's retry makes one", async () => {
      const { payment, dodoPaymentId } = await paidPayment()
      emu.injectFault({ method: "POST", path: "/refunds", fault: { kind: "status", status: 503 } })
      const failed = await refundPayment(api, store.adminHeaders, payment.id, { amount: 5 }).then(
        () => undefined,
        (e: any) => e
      )
      expect(failed?.response?.status).toBe(500)
      expect(failed.response.data.message).toMatch(/HTTP 503/)
      expect(centsAtDodo(dodoPaymentId)).toEqual([])
      expect((await getPayment(api, store.adminHeaders, payment.id)).refunds).toHaveLength(0)

      const refunded = await refundPayment(api, store.adminHeaders, payment.id, { amount: 5 })
      expect(refunded.refunds).toHaveLength(1)
      expect(refundPosts().map((r) => r.status)).toEqual([503, 200])
      expect(centsAtDodo(dodoPaymentId)).toEqual([500])
      expect((await ledgerOf(payment.id)).map((e) => [e.medusa_refund_id, e.amount_minor])).toEqual([[refunded.refunds[0].id, "500"]])
    })

    it("20 concurrent partial refunds: the same total at Dodo and in Medusa, never over the capture, none lost from the ledger", async () => {
      const { payment, dodoPaymentId } = await paidPayment()
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => refundPayment(api, store.adminHeaders, payment.id, { amount: 3 }))
      )
      const failures = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[]
      for (const f of failures) {
        // A refund Medusa could not take (over the capture, or its 3 s lock) is refused with a message.
        expect(typeof f.reason?.response?.data?.message).toBe("string")
      }
      const medusa = await getPayment(api, store.adminHeaders, payment.id)
      const medusaCents = medusa.refunds.reduce((s: number, r: any) => s + toCents(r.amount), 0)
      const dodoCents = centsAtDodo(dodoPaymentId).reduce((s: number, c) => s + (c ?? 0), 0)
      expect(dodoCents).toBe(medusaCents)
      expect(dodoCents).toBeLessThanOrEqual(4734)
      expect(medusa.refunds.length).toBeGreaterThanOrEqual(1)
      expect(4734 - emu.lineItems(dodoPaymentId)!.items.reduce((s, i) => s + i.refundable_amount, 0)).toBe(dodoCents)

      // The ledger converges on every refund once the per-refund syncs have run.
      const ids = medusa.refunds.map((r: any) => r.id).sort()
      let ledger: Awaited<ReturnType<typeof ledgerOf>> = []
      for (let i = 0; i < 50; i++) {
        ledger = await ledgerOf(payment.id)
        if (ledger.length === ids.length && ledger.every((e) => e.medusa_refund_id)) break
        await new Promise((r) => setTimeout(r, 200))
      }
      expect(ledger.map((e) => e.medusa_refund_id).sort()).toEqual(ids)
      expect(ledger.reduce((s, e) => s + Number(e.amount_minor), 0)).toBe(dodoCents)
    })
  },
})
