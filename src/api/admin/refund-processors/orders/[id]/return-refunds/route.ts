import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { REFUND_POLICY_MODULE } from "../../../../../../modules/refund-policy"
import type RefundPolicyModuleService from "../../../../../../modules/refund-policy/service"
import { orderParams, parseParams } from "../../../helpers"

/**
 * GET /admin/refund-processors/orders/:id/return-refunds
 * The order's return refunds (one row per return: status, amount, items, refund id, error), for
 * the order widget.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const { id } = parseParams(orderParams, req.params)
  const service = req.scope.resolve<RefundPolicyModuleService>(REFUND_POLICY_MODULE)
  const return_refunds = await service.listReturnRefunds({ order_id: id }, { order: { created_at: "ASC" } })
  res.json({ return_refunds, count: return_refunds.length })
}
