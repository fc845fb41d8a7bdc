import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { parseParams, paymentParams, paymentView } from "../../helpers"

/**
 * GET /admin/refund-processors/payments/:id
 * A payment of one of the plugin's providers: processor, mode, processor payment id and
 * dashboard link, captured and refunded amounts in the processor's unit beside Medusa's,
 * and the refund ledger with statuses and failure reasons.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const { id } = parseParams(paymentParams, req.params)
  res.json({ payment: await paymentView(req.scope, id) })
}
