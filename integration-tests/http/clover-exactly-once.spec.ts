/**
 * Exactly-once refunds through a real Medusa app and the Clover emulator, under faults and
 * concurrency: the admin's refund happens once at Clover, or not at all with a clear message.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import { CloverEmulator } from "../../src/emulators/clover"
import { capturePayment, getOnlyPayment, getPayment, placeOrder, refundPayment, seedStore, SeededStore, toCents } from "../helpers"

jest.setTimeout(180_000)

const PROVIDER_ID = "pp_clover_clover"
const emu = new CloverEmulator()
const saved: Record<string, string | undefined> = {}
const ENV = { CLOVER_API_KEY: "emulator_clover_key", CLOVER_CAPTURE_MODE: "manual", CLOVER_TIMEOUT_MS: "400", CLOVER_MAX_RETRIES: "2", PAYMENT_PROVIDERS: "clover" }

beforeAll(async () => {
  const url = await emu.start()
  for (const k of [...Object.keys(ENV), "CLOVER_ENVIRONMENT"]) saved[k] = process.env[k]
  Object.assign(process.env, ENV, { CLOVER_ENVIRONMENT: url })
})
afterAll(async () => {
  await emu.stop()
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})
beforeEach(() => emu.reset())

const token = () => `clv_once_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore

    beforeEach(async () => {
      store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        variants: [
          { title: "Large", sku: "ONCE-LARGE", amount: 30 },
          { title: "Small", sku: "ONCE-SMALL", amount: 12.34 },
        ],
        shippingAmount: 5,
      })
    })

    async function capturedPayment() {
      const { order } = await placeOrder(api, store, { providerId: PROVIDER_ID, sessionData: { source: token(), customer_ip: "203.0.113.7" } })
      const payment = await getOnlyPayment(api, store.adminHeaders, order.id)
      await capturePayment(api, store.adminHeaders, payment.id)
      const chargeId = emu.listCharges().find((c) => c.status === "succeeded" && c.captured)!.id
      return { payment, chargeId }
    }

    async function ledgerOf(paymentId: string) {
      const payment = await getContainer().resolve(Modules.PAYMENT).retrievePayment(paymentId, { select: ["id", "data"] })
      return (payment.data?.refunds ?? []) as Array<{ medusa_refund_id: string | null; amount_minor: string }>
    }

    it("a lost answer, then the admin's retry with a new refund id: one refund at Clover (medusajs/medusa#16681)", async () => {
      const { payment, chargeId } = await capturedPayment()
      // Every attempt of the first refund reaches Clover, but no answer comes back in time.
      emu.injectFault({ method: "POST", path: "/v1/refunds", times: 3, fault: { kind: "timeout_after_apply", holdMs: 2_000 } })
      const failed = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 }).then(
        () => undefined,
        (e: any) => e
      )
      expect(failed?.response?.status).toBe(500)
      expect(failed.response.data.message).toMatch(/Clover did not answer in time\. The operation may have been applied/)
      expect((await getPayment(api, store.adminHeaders, payment.id)).refunds).toHaveLength(0) // Medusa dropped its refund
      expect(emu.listRefunds(chargeId).map((r) => r.amount)).toEqual([1234])

      // The admin tries again: Medusa sends a new refund id; the provider adopts Clover's refund.
      const retried = await refundPayment(api, store.adminHeaders, payment.id, { amount: 12.34 })
      expect(retried.refunds).toHaveLength(1)
      expect(emu.listRefunds(chargeId).map((r) => r.amount)).toEqual([1234])
      const retryPosts = emu.requests({ method: "POST", path: "/v1/refunds" }).filter((r) => r.headers["idempotency-key"] === retried.refunds[0].id)
      expect(retryPosts).toHaveLength(0) // nothing was sent for the retry
      expect(await ledgerOf(payment.id)).toEqual([expect.objectContaining({ medusa_refund_id: retried.refunds[0].id, amount_minor: "1234" })])
    })

    it("a transient 503 is retried with the same key: one refund, recorded once", async () => {
      const { payment, chargeId } = await capturedPayment()
      emu.injectFault({ method: "POST", path: "/v1/refunds", fault: { kind: "status", status: 503 } })
      const refunded = await refundPayment(api, store.adminHeaders, payment.id, { amount: 5 })
      const keys = emu.requests({ method: "POST", path: "/v1/refunds" }).map((r) => r.headers["idempotency-key"])
      expect(keys).toEqual([refunded.refunds[0].id, refunded.refunds[0].id])
      expect(emu.listRefunds(chargeId).map((r) => r.amount)).toEqual([500])
    })

    it("20 concurrent partial refunds: the same total at Clover and in Medusa, never over the capture, none lost from the ledger", async () => {
      const { payment, chargeId } = await capturedPayment()
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => refundPayment(api, store.adminHeaders, payment.id, { amount: 3 }))
      )
      const failures = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[]
      for (const f of failures) {
        // A refund Medusa could not take (over the capture, or its 3 s row lock) is refused with a message.
        expect(typeof f.reason?.response?.data?.message).toBe("string")
      }
      const medusa = await getPayment(api, store.adminHeaders, payment.id)
      const medusaCents = medusa.refunds.reduce((s: number, r: any) => s + toCents(r.amount), 0)
      const cloverCents = emu.listRefunds(chargeId).reduce((s, r) => s + r.amount, 0)
      expect(cloverCents).toBe(medusaCents)
      expect(cloverCents).toBeLessThanOrEqual(4734)
      expect(medusa.refunds.length).toBeGreaterThanOrEqual(15) // 15 × 3.00 fit in 47.34
      expect(emu.getCharge(chargeId)!.amount_refunded).toBe(cloverCents)

      // The ledger converges on every refund once the per-refund syncs have run.
      const ids = medusa.refunds.map((r: any) => r.id).sort()
      let ledger: Awaited<ReturnType<typeof ledgerOf>> = []
      for (let i = 0; i < 50; i++) {
        ledger = await ledgerOf(payment.id)
        if (ledger.length === ids.length && ledger.every((e) => e.medusa_refund_id)) break
        await new Promise((r) => setTimeout(r, 200))
      }
      expect(ledger.map((e) => e.medusa_refund_id).sort()).toEqual(ids)
      expect(ledger.reduce((s, e) => s + Number(e.amount_minor), 0)).toBe(cloverCents)
    })
  },
})
