import { model } from "@medusajs/framework/utils"

/** Audit of the policy: who changed which field from what to what (created_at is the when). */
export const RefundPolicyChange = model
  .define("refund_policy_change", {
    id: model.id({ prefix: "rfpolchg" }).primaryKey(),
    store_id: model.text(),
    /** The admin user id (req.auth_context.actor_id). */
    actor_id: model.text(),
    /** { <field>: { before, after } } for the fields that changed. */
    changes: model.json(),
  })
  .indexes([{ name: "IDX_refund_policy_change_store_id", on: ["store_id"], where: "deleted_at IS NULL" }])
