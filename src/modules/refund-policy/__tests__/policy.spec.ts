import { Modules } from "@medusajs/framework/utils"
import { policyBody, parseInput, returnParams } from "../../../api/admin/refund-processors/return-refund-helpers"
import { REFUND_POLICY_MODULE } from "../index"
import { POLICY_DEFAULTS, readRefundPolicy, updateRefundPolicy } from "../policy"

/** The module's service as the policy functions use it, in memory. */
function fakeContainer() {
  const rows: any[] = []
  const changes: any[] = []
  const service = {
    listRefundPolicies: async (filter: any) => rows.filter((r) => r.store_id === filter.store_id),
    createRefundPolicies: async (data: any) => {
      const row = { id: `rfpol_${rows.length + 1}`, ...POLICY_DEFAULTS, ...data, updated_at: new Date() }
      rows.push(row)
      return row
    },
    updateRefundPolicies: async (data: any) => Object.assign(rows.find((r) => r.id === data.id), data, { updated_at: new Date() }),
    createRefundPolicyChanges: async (data: any) => changes.push(data),
  }
  const registry: Record<string, unknown> = {
    [REFUND_POLICY_MODULE]: service,
    [Modules.STORE]: { listStores: async () => [{ id: "store_1" }] },
    logger: { info: () => undefined },
  }
  return { container: { resolve: <T = any>(key: string) => registry[key] as T }, rows, changes }
}

describe("refund policy", () => {
  it("reads the defaults (all off) while nothing is saved", async () => {
    const { container } = fakeContainer()
    expect(await readRefundPolicy(container)).toEqual({
      store_id: "store_1",
      auto_refund_on_receipt: false,
      refund_damaged_items: false,
      return_shipping: "deduct_from_refund",
      reason_map: {},
      processor_settings: {},
      saved: false,
      updated_at: null,
    })
  })

  it("writes only what changed, audited with the actor and each field's before and after", async () => {
    const { container, rows, changes } = fakeContainer()
    const first = await updateRefundPolicy(container, { auto_refund_on_receipt: true, refund_damaged_items: false }, "user_1")
    expect(first.changes).toEqual({ auto_refund_on_receipt: { before: false, after: true } })
    expect(first.policy).toEqual(expect.objectContaining({ auto_refund_on_receipt: true, saved: true }))
    expect(rows).toHaveLength(1)

    const same = await updateRefundPolicy(container, { auto_refund_on_receipt: true }, "user_2")
    expect(same.changes).toEqual({})
    await updateRefundPolicy(container, { return_shipping: "merchant_pays", reason_map: { clover: { damaged: "requested_by_customer" } } }, "user_2")
    expect(rows).toHaveLength(1)
    expect(changes).toEqual([
      { store_id: "store_1", actor_id: "user_1", changes: { auto_refund_on_receipt: { before: false, after: true } } },
      {
        store_id: "store_1",
        actor_id: "user_2",
        changes: {
          return_shipping: { before: "deduct_from_refund", after: "merchant_pays" },
          reason_map: { before: {}, after: { clover: { damaged: "requested_by_customer" } } },
        },
      },
    ])
  })

  it("takes a strict body: unknown fields, wrong types and unknown shipping choices are refused", () => {
    expect(parseInput(policyBody, { auto_refund_on_receipt: true })).toEqual({ auto_refund_on_receipt: true })
    expect(() => parseInput(policyBody, { auto_refund_on_receipt: "yes" })).toThrow(/auto_refund_on_receipt/)
    expect(() => parseInput(policyBody, { api_key: "sk_live_x" })).toThrow(/unknown field\(s\) api_key/)
    expect(() => parseInput(policyBody, { return_shipping: "customer" })).toThrow(/return_shipping/)
    expect(() => parseInput(policyBody, { reason_map: { x: "y".repeat(20_001) } })).toThrow(/20000 characters/)
    // The map's shape is the providers': processor → Medusa reason code → one of the processor's reasons.
    expect(parseInput(policyBody, { reason_map: { clover: { damaged: "fraudulent" }, processout: { pricing_error: "other" } } }).reason_map).toBeTruthy()
    expect(() => parseInput(policyBody, { reason_map: { clover: { damaged: "lost_in_post" } } })).toThrow(/clover\.damaged: must be one of requested_by_customer/)
    expect(() => parseInput(policyBody, { reason_map: { dodo: { damaged: "x" } } })).toThrow(/"dodo" takes no refund reason codes/)
    expect(() => parseInput(policyBody, { reason_map: { damaged: { clover: "fraudulent" } } })).toThrow(/"damaged" takes no refund reason codes/)
    expect(() => parseInput(returnParams, { id: "return_01ABC" })).not.toThrow()
    expect(() => parseInput(returnParams, { id: "order_01ABC" })).toThrow(/return id/)
    expect(() => parseInput(returnParams, { id: "return_1'; drop table" })).toThrow(/return id/)
  })
})
