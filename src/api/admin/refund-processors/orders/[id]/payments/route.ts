import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { orderParams, orderPaymentViews, parseParams } from "../../../helpers"

/**
 * GET /admin/refund-processors/orders/:id/payments
 * The payment view of each of the order's payments made with the plugin's providers
 * (what the order widget shows); payments of other providers are left out.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const { id } = parseParams(orderParams, req.params)
  const payments = await orderPaymentViews(req.scope, id)
  res.json({ payments, count: payments.length })
}
