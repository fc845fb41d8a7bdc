import { model } from "@medusajs/framework/utils"

/**
 * One row per Medusa return: created (claimed) before any refund is sent, and unique on
 * return_id, so a redelivered `order.return_received` finds it and refunds nothing more.
 */
export const ReturnRefund = model
  .define("return_refund", {
    id: model.id({ prefix: "retref" }).primaryKey(),
    return_id: model.text(),
    order_id: model.text(),
    /** The payment(s) refunded, comma-separated when the refund was spread over several. */
    payment_id: model.text().nullable(),
    status: model.enum(["claimed", "refunded", "failed", "nothing_to_refund"]).default("claimed"),
    trigger: model.enum(["event", "admin"]),
    actor_id: model.text().nullable(),
    amount: model.bigNumber().nullable(),
    currency_code: model.text().nullable(),
    /** The return items refunded, in the refund.metadata.return_items form. */
    items: model.json().nullable(),
    /** Medusa refund id(s) (ref_…), comma-separated when spread over several payments. */
    refund_id: model.text().nullable(),
    error_message: model.text().nullable(),
    attempts: model.number().default(0),
  })
  .indexes([
    { name: "IDX_return_refund_return_id_unique", on: ["return_id"], unique: true, where: "deleted_at IS NULL" },
    { name: "IDX_return_refund_order_id", on: ["order_id"], where: "deleted_at IS NULL" },
  ])
