/**
 * The store's reason map (Settings → Refund processors) reaches the processor: an admin saves
 * `{ clover: { pricing_error: "duplicate" } }` through the plugin's policy route, then refunds with
 * the refund reason "pricing_error"; Clover gets `reason: "duplicate"` instead of its default, and a change
 * saved by another instance is followed by the next refund.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { CloverEmulator } from "../../src/emulators/clover"
import { REFUND_POLICY_MODULE } from "../../src/modules/refund-policy"
import { capturePayment, createRefundReason, getOnlyPayment, placeOrder, refundPayment, seedStore } from "../helpers"

jest.setTimeout(180_000)

const PROVIDER_ID = "pp_clover_clover"
const emu = new CloverEmulator()
const saved: Record<string, string | undefined> = {}
const ENV = { CLOVER_API_KEY: "emulator_clover_key", CLOVER_CAPTURE_MODE: "manual" } as Record<string, string>

// Top-level hooks run before the runner's own beforeAll, which loads medusa-config.ts.
beforeAll(async () => {
  ENV.CLOVER_ENVIRONMENT = await emu.start()
  for (const [k, v] of Object.entries(ENV)) (saved[k] = process.env[k]), (process.env[k] = v)
})
afterAll(async () => {
  await emu.stop()
  for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v)
})

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    it("a refund's reason is mapped by the store's saved reason map", async () => {
      const store = await seedStore(api, getContainer(), { providerIds: [PROVIDER_ID], variants: [{ title: "One", sku: "RM-1", amount: 30 }], shippingAmount: 5 })
      const admin = store.adminHeaders
      const { order } = await placeOrder(api, store, { providerId: PROVIDER_ID, sessionData: { source: `clv_test_${Date.now()}` } })
      const payment = await getOnlyPayment(api, admin, order.id)
      await capturePayment(api, admin, payment.id)
      const reason = await createRefundReason(api, admin, { label: "Pricing error", code: "pricing_error" })

      await refundPayment(api, admin, payment.id, { amount: 1, refund_reason_id: reason.id })
      await api.post("/admin/refund-processors/policy", { reason_map: { clover: { pricing_error: "duplicate" } } }, admin)
      await refundPayment(api, admin, payment.id, { amount: 2, refund_reason_id: reason.id })
      // Another instance changes the map (written straight to the module, as that instance would): the refund
      // route reads the saved policy before each refund, so this process follows.
      const policies = getContainer().resolve(REFUND_POLICY_MODULE) as any
      const [row] = await policies.listRefundPolicies({}, { take: 1 })
      await policies.updateRefundPolicies({ id: row.id, reason_map: { clover: { pricing_error: "fraudulent" } } })
      await refundPayment(api, admin, payment.id, { amount: 3, refund_reason_id: reason.id })

      const sent = emu.requests({ method: "POST", path: "/v1/refunds" }).map((r) => [(r.body as any).amount, (r.body as any).reason])
      expect(sent).toEqual([
        [100, "requested_by_customer"],
        [200, "duplicate"],
        [300, "fraudulent"],
      ])
    })
  },
})
