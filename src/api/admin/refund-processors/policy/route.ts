import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { readRefundPolicy, updateRefundPolicy } from "../../../../modules/refund-policy/policy"
import { REASON_CATALOGUE } from "../reason-catalogue"
import { actorOf, parseInput, policyBody } from "../return-refund-helpers"

/**
 * GET /admin/refund-processors/policy
 * The store's return-to-refund policy (the defaults while none was saved: automatic refunds off).
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  res.json({ policy: await readRefundPolicy(req.scope), reasons: REASON_CATALOGUE })
}

/**
 * POST /admin/refund-processors/policy
 * Changes the fields given (strict body), recording who changed what from what to what.
 */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  const patch = parseInput(policyBody, req.body)
  const { policy, changes } = await updateRefundPolicy(req.scope, patch, actorOf(req))
  res.json({ policy, changed: Object.keys(changes) })
}
