import { model } from "@medusajs/framework/utils"

/**
 * The store's return-to-refund policy: one row per store (the store id is the key), read with
 * the defaults below when none was saved. Credentials never go here: they stay in the
 * environment and medusa-config.ts.
 */
export const RefundPolicy = model
  .define("refund_policy", {
    id: model.id({ prefix: "rfpol" }).primaryKey(),
    store_id: model.text(),
    /** Off by default: a received return refunds itself only when the merchant turns this on. */
    auto_refund_on_receipt: model.boolean().default(false),
    /** Items received as damaged (Medusa's dismissed items) are refunded only when this is on. */
    refund_damaged_items: model.boolean().default(false),
    /**
     * Who pays the return's shipping method: "deduct_from_refund" (the customer: its total is
     * taken off the refund, as Medusa's order summary does) or "merchant_pays".
     */
    return_shipping: model.enum(["deduct_from_refund", "merchant_pays"]).default("deduct_from_refund"),
    /** Medusa return/refund reason code → { <processor>: <processor reason value> }. */
    reason_map: model.json().default({}),
    /** Per-processor settings of the policy (no credentials). */
    processor_settings: model.json().default({}),
  })
  .indexes([{ name: "IDX_refund_policy_store_id_unique", on: ["store_id"], unique: true, where: "deleted_at IS NULL" }])
