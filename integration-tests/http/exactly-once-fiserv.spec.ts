/**
 * Exactly-once refunds through a real Medusa app and the Fiserv Commerce Hub emulator (default
 * configuration: reference-transaction endpoints, refunds of the captured transaction), under faults
 * and concurrency: the admin's refund happens once at Fiserv, or not at all with a clear message.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import type { EmulatorRequest, EmulatorResponse, HookContext } from "../../src/emulators/core/server"
import { FiservEmulator } from "../../src/emulators/fiserv"
import { capturePayment, getOnlyPayment, getPayment, placeOrder, refundPayment, seedStore, SeededStore, toCents } from "../helpers"

jest.setTimeout(180_000)

const PROVIDER_ID = "pp_fiserv_fiserv"
const REFUNDS = "/payments/v1/refunds"
const INQUIRY = "/payments/v1/transaction-inquiry"

/**
 * Can make the transaction inquiries that follow a refund fail: the provider looks for a refund whose
 * answer was lost (inquiry by merchantTransactionId) and, when Fiserv cannot be read either, the
 * admin's refund fails although Fiserv made it (the medusajs/medusa#16681 situation).
 */
class FaultyFiserv extends FiservEmulator {
  private failInquiriesAfterNextRefund = 0
  failInquiriesAfterRefund(times: number): void {
    this.failInquiriesAfterNextRefund = times
  }
  protected async beforeHandle(req: EmulatorRequest, ctx: HookContext): Promise<EmulatorResponse | undefined> {
    if (this.failInquiriesAfterNextRefund > 0 && req.method === "POST" && req.path === REFUNDS) {
      this.injectFault({ method: "POST", path: INQUIRY, times: this.failInquiriesAfterNextRefund, fault: { kind: "status", status: 503 } })
      this.failInquiriesAfterNextRefund = 0
    }
    return super.beforeHandle(req, ctx)
  }
}

const emu = new FaultyFiserv()
const saved: Record<string, string | undefined> = {}
const ENV: Record<string, string> = {
  FISERV_API_KEY: "emulator_fiserv_api_key",
  FISERV_API_SECRET: "emulator_fiserv_api_secret",
  FISERV_CAPTURE_MODE: "manual",
  FISERV_ENDPOINT_STYLE: "reference",
  FISERV_REFUND_REFERENCE: "transaction",
  FISERV_TIMEOUT_MS: "400",
  FISERV_MAX_RETRIES: "2",
  PAYMENT_PROVIDERS: "fiserv",
}

beforeAll(async () => {
  const url = await emu.start()
  for (const k of [...Object.keys(ENV), "FISERV_ENVIRONMENT", "FISERV_MERCHANT_ID", "FISERV_TERMINAL_ID"]) saved[k] = process.env[k]
  Object.assign(process.env, ENV, { FISERV_ENVIRONMENT: url, FISERV_MERCHANT_ID: emu.merchantId, FISERV_TERMINAL_ID: emu.terminalId })
})
afterAll(async () => {
  await emu.stop()
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})
beforeEach(() => emu.reset())

const paymentToken = () => `fiserv_tok_once_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`
/** Fiserv's approved refunds of an order, in cents. */
const centsAtFiserv = (orderId: string) => emu.listRefunds(orderId).filter((t) => t.approvalStatus === "APPROVED").map((t) => toCents(t.total))
const refundPosts = () => emu.requests({ method: "POST", path: REFUNDS })

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore

    beforeEach(async () => {
      store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        variants: [
          { title: "Large", sku: "ONCE-FSV-LARGE", amount: 30 },
          { title: "Small", sku: "ONCE-FSV-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
    })

    async function capturedPayment() {
      const { order } = await placeOrder(api, store, { providerId: PROVIDER_ID, sessionData: { payment_token: paymentToken() } })
      const payment = await getOnlyPayment(api, store.adminHeaders, order.id)
      await capturePayment(api, store.adminHeaders, payment.id)
      const orderId = emu.listOrders()[0]!.orderId
      expect(emu.getOrder(orderId)).toMatchObject({ status: "CAPTURED", captured: "47.34" })
      return { payment, orderId }
    }

    async function ledgerOf(paymentId: string) {
      const payment = await getContainer().resolve(Modules.PAYMENT).retrievePayment(paymentId, { select: ["id", "data"] })
      return (payment.data?.refunds ?? []) as Array<{ medusa_refund_id: string | null; amount_minor: string }>
    }

    it("a lost answer, then the admin's retry with a new refund id: one refund at Fiserv (medusajs/medusa#16681)", async () => {
      const { payment, orderId } = await capturedPayment()
      // Every attempt of the first refund reaches Fiserv, no answer comes back in time, and the inquiry
      // that would find the refund fails too: the admin's refund fails although Fiserv made it.
      emu.injectFault({ method: "POST", path: REFUNDS, times: 3, fault: { kind: "timeout_after_apply", holdMs: 2_000 } })
      emu.failInquiriesAfterRefund(3)
      const failed = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 }).then(
        () => undefined,
        (e: any) => e
      )
      expect(failed?.response?.status).toBe(500)
      expect(failed.response.data.message).toMatch(/Fiserv did not answer in time\. The operation may have been applied/)
      expect((await getPayment(api, store.adminHeaders, payment.id)).refunds).toHaveLength(0) // Medusa dropped its refund
      expect(centsAtFiserv(orderId)).toEqual([1234])
      const postsBefore = refundPosts().length

      // The admin tries again: Medusa sends a new refund id; the provider adopts Fiserv's refund.
      const retried = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 })
      expect(retried.refunds).toHaveLength(1)
      expect(centsAtFiserv(orderId)).toEqual([1234])
      expect(refundPosts()).toHaveLength(postsBefore) // nothing was sent for the retry
      expect(emu.getOrder(orderId)).toMatchObject({ refunded: "12.34" })
      expect(await ledgerOf(payment.id)).toEqual([expect.objectContaining({ medusa_refund_id: retried.refunds[0].id, amount_minor: "1234" })])
    })

    it("a lost answer found by the provider's own inquiry: one refund, the admin's first attempt succeeds", async () => {
      const { payment, orderId } = await capturedPayment()
      emu.injectFault({ method: "POST", path: REFUNDS, times: 3, fault: { kind: "timeout_after_apply", holdMs: 2_000 } })
      const refunded = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 })
      expect(refunded.refunds).toHaveLength(1)
      expect(centsAtFiserv(orderId)).toEqual([1234])
      expect(await ledgerOf(payment.id)).toEqual([expect.objectContaining({ medusa_refund_id: refunded.refunds[0].id, amount_minor: "1234" })])
    })

    it("a transient 503 is retried with the same Client-Request-Id: one refund, recorded once", async () => {
      const { payment, orderId } = await capturedPayment()
      emu.injectFault({ method: "POST", path: REFUNDS, fault: { kind: "status", status: 503 } })
      const refunded = await refundPayment(api, store.adminHeaders, payment.id, { amount: 5 })
      const posts = refundPosts()
      expect(posts.map((r) => r.status)).toEqual([503, 201])
      expect(new Set(posts.map((r) => r.headers["client-request-id"])).size).toBe(1)
      expect(posts.map((r) => (r.body as any).transactionDetails?.merchantTransactionId)).toEqual([refunded.refunds[0].id, refunded.refunds[0].id])
      expect(centsAtFiserv(orderId)).toEqual([500])
      expect((await ledgerOf(payment.id)).map((e) => [e.medusa_refund_id, e.amount_minor])).toEqual([[refunded.refunds[0].id, "500"]])
    })

    it("20 concurrent partial refunds: the same total at Fiserv and in Medusa, never over the capture, none lost from the ledger", async () => {
      const { payment, orderId } = await capturedPayment()
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
      const fiservCents = centsAtFiserv(orderId).reduce((s, c) => s + c, 0)
      expect(fiservCents).toBe(medusaCents)
      expect(fiservCents).toBeLessThanOrEqual(4734)
      expect(medusa.refunds.length).toBeGreaterThanOrEqual(1)
      expect(toCents(emu.getOrder(orderId)!.refunded)).toBe(fiservCents)

      // The ledger converges on every refund once the per-refund syncs have run.
      const ids = medusa.refunds.map((r: any) => r.id).sort()
      let ledger: Awaited<ReturnType<typeof ledgerOf>> = []
      for (let i = 0; i < 50; i++) {
        ledger = await ledgerOf(payment.id)
        if (ledger.length === ids.length && ledger.every((e) => e.medusa_refund_id)) break
        await new Promise((r) => setTimeout(r, 200))
      }
      expect(ledger.map((e) => e.medusa_refund_id).sort()).toEqual(ids)
      expect(ledger.reduce((s, e) => s + Number(e.amount_minor), 0)).toBe(fiservCents)
    })
  },
})
