/**
 * Exactly-once refunds through a real Medusa app and the ProcessOut emulator, under faults and
 * concurrency: the admin's refund happens once at ProcessOut, or not at all with a clear message.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import { ProcessOutEmulator } from "../../src/emulators/processout"
import { capturePayment, getOnlyPayment, getPayment, placeOrder, refundPayment, seedStore, SeededStore, toCents } from "../helpers"

jest.setTimeout(180_000)

const PROVIDER_ID = "pp_processout_processout"
const REFUNDS = "/invoices/:id/refunds"
const REFUND_POSTS = /^\/(invoices|transactions)\/[^/]+\/refunds$/
const emu = new ProcessOutEmulator()
const saved: Record<string, string | undefined> = {}
const ENV: Record<string, string> = {
  PROCESSOUT_PROJECT_ID: "test-proj_emulator",
  PROCESSOUT_PROJECT_SECRET: "key_sandbox_emulator",
  PROCESSOUT_CAPTURE_MODE: "manual",
  PROCESSOUT_TIMEOUT_MS: "400",
  PROCESSOUT_MAX_RETRIES: "2",
  PAYMENT_PROVIDERS: "processout",
}

beforeAll(async () => {
  const url = await emu.start()
  for (const k of [...Object.keys(ENV), "PROCESSOUT_ENVIRONMENT"]) saved[k] = process.env[k]
  Object.assign(process.env, ENV, { PROCESSOUT_ENVIRONMENT: url })
})
afterAll(async () => {
  await emu.stop()
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})
beforeEach(() => emu.reset())

const cardToken = () => `card_test_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`
/** ProcessOut's refunds of a transaction that count (failed ones refund nothing), in cents. */
const centsAtProcessOut = (txId: string) => emu.listRefunds(txId).filter((r) => !r.has_failed).map((r) => toCents(r.amount))

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore

    beforeEach(async () => {
      store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        variants: [
          { title: "Large", sku: "ONCE-PO-LARGE", amount: 30 },
          { title: "Small", sku: "ONCE-PO-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
    })

    async function capturedPayment() {
      const { order } = await placeOrder(api, store, { providerId: PROVIDER_ID, sessionData: { source: cardToken() } })
      const payment = await getOnlyPayment(api, store.adminHeaders, order.id)
      await capturePayment(api, store.adminHeaders, payment.id)
      const [invoice] = emu.listInvoices()
      const txId = emu.transactionOfInvoice(invoice.id)!.id
      expect(emu.getTransaction(txId)).toMatchObject({ status: "completed", captured_amount: "47.34" })
      return { payment, txId }
    }

    async function ledgerOf(paymentId: string) {
      const payment = await getContainer().resolve(Modules.PAYMENT).retrievePayment(paymentId, { select: ["id", "data"] })
      return (payment.data?.refunds ?? []) as Array<{ medusa_refund_id: string | null; amount_minor: string }>
    }

    it("a lost answer, then the admin's retry with a new refund id: one refund at ProcessOut (medusajs/medusa#16681)", async () => {
      const { payment, txId } = await capturedPayment()
      // Every attempt of the first refund reaches ProcessOut, but no answer comes back in time.
      emu.injectFault({ method: "POST", path: REFUNDS, times: 3, fault: { kind: "timeout_after_apply", holdMs: 2_000 } })
      const failed = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 }).then(
        () => undefined,
        (e: any) => e
      )
      expect(failed?.response?.status).toBe(500)
      expect(failed.response.data.message).toMatch(/ProcessOut did not answer in time\. The operation may have been applied/)
      expect((await getPayment(api, store.adminHeaders, payment.id)).refunds).toHaveLength(0) // Medusa dropped its refund
      expect(centsAtProcessOut(txId)).toEqual([1234])

      // The admin tries again: Medusa sends a new refund id; the provider adopts ProcessOut's refund.
      const retried = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 })
      expect(retried.refunds).toHaveLength(1)
      expect(centsAtProcessOut(txId)).toEqual([1234])
      const retryPosts = emu.requests({ method: "POST", path: REFUND_POSTS }).filter((r) => r.headers["idempotency-key"] === retried.refunds[0].id)
      expect(retryPosts).toHaveLength(0) // nothing was sent for the retry
      expect(await ledgerOf(payment.id)).toEqual([expect.objectContaining({ medusa_refund_id: retried.refunds[0].id, amount_minor: "1234" })])
    })

    it("a transient 503 is retried with the same key: one refund, recorded once", async () => {
      const { payment, txId } = await capturedPayment()
      emu.injectFault({ method: "POST", path: REFUNDS, fault: { kind: "status", status: 503 } })
      const refunded = await refundPayment(api, store.adminHeaders, payment.id, { amount: 5 })
      const keys = emu.requests({ method: "POST", path: REFUND_POSTS }).map((r) => r.headers["idempotency-key"])
      expect(keys).toEqual([refunded.refunds[0].id, refunded.refunds[0].id])
      expect(centsAtProcessOut(txId)).toEqual([500])
      expect((await ledgerOf(payment.id)).map((e) => [e.medusa_refund_id, e.amount_minor])).toEqual([[refunded.refunds[0].id, "500"]])
    })

    it("20 concurrent partial refunds: the same total at ProcessOut and in Medusa, never over the capture, none lost from the ledger", async () => {
      const { payment, txId } = await capturedPayment()
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
      const poCents = centsAtProcessOut(txId).reduce((s, c) => s + c, 0)
      expect(poCents).toBe(medusaCents)
      expect(poCents).toBeLessThanOrEqual(4734)
      expect(medusa.refunds.length).toBeGreaterThanOrEqual(1)
      expect(toCents(emu.getTransaction(txId)!.refunded_amount)).toBe(poCents)

      // The ledger converges on every refund once the per-refund syncs have run.
      const ids = medusa.refunds.map((r: any) => r.id).sort()
      let ledger: Awaited<ReturnType<typeof ledgerOf>> = []
      for (let i = 0; i < 50; i++) {
        ledger = await ledgerOf(payment.id)
        if (ledger.length === ids.length && ledger.every((e) => e.medusa_refund_id)) break
        await new Promise((r) => setTimeout(r, 200))
      }
      expect(ledger.map((e) => e.medusa_refund_id).sort()).toEqual(ids)
      expect(ledger.reduce((s, e) => s + Number(e.amount_minor), 0)).toBe(poCents)
    })
  },
})
