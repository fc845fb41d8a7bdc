import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { backendUrl, providerViews } from "../helpers"

/**
 * GET /admin/refund-processors/providers
 * The plugin's providers loaded in this app: id, processor, mode, and the webhook URL to
 * paste into the processor's dashboard (`<backend url>/hooks/payment/<identifier>_<id>`).
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const providers = await providerViews(req)
  res.json({ providers, count: providers.length, backend_url: backendUrl(req) })
}
