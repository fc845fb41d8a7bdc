import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { refundReceivedReturnWorkflow } from "../../../../../../workflows/refund-received-return"
import { actorOf, parseInput, refundReturnBody, returnParams } from "../../../return-refund-helpers"

/**
 * POST /admin/refund-processors/returns/:id/refund ("Refund this return")
 * Runs the same workflow as the automatic refund, for the signed-in admin, whatever the policy's
 * automatic setting: the received items' Medusa total, once. A return refunded before answers
 * with its row (outcome "already_handled"); a failed one is retried.
 */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  const { id } = parseInput(returnParams, req.params, "params")
  parseInput(refundReturnBody, req.body)
  const { result } = await refundReceivedReturnWorkflow(req.scope).run({
    input: { return_id: id, trigger: "admin", actor_id: actorOf(req) },
  })
  res.json(result)
}
