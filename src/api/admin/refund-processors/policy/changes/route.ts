import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { REFUND_POLICY_MODULE } from "../../../../../modules/refund-policy"
import { storeIdOf } from "../../../../../modules/refund-policy/policy"
import type RefundPolicyModuleService from "../../../../../modules/refund-policy/service"
import { changesQuery, parseInput } from "../../return-refund-helpers"

/**
 * GET /admin/refund-processors/policy/changes?limit=&offset=
 * The policy's audit: newest first, each with the admin user id and the fields' before/after.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const { limit, offset } = parseInput(changesQuery, req.query, "query")
  const service = req.scope.resolve<RefundPolicyModuleService>(REFUND_POLICY_MODULE)
  const [changes, count] = await service.listAndCountRefundPolicyChanges(
    { store_id: await storeIdOf(req.scope) },
    { take: limit, skip: offset, order: { created_at: "DESC" } }
  )
  res.json({ changes, count, limit, offset })
}
