import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { adminMode, parseParams, processorName, providerParams, requireProvider } from "../../../helpers"

/**
 * POST /admin/refund-processors/providers/:id/connection-check ("Test connection")
 * An authenticated read at the processor with the configured credentials. Answers 200 with
 * `ok: false` and the processor's reason when it fails: the route worked, the credentials did not.
 */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  const { id } = parseParams(providerParams, req.params)
  const provider = await requireProvider(req.scope, id)
  const started = Date.now()
  const result = await provider.testConnection()
  res.json({
    provider_id: id,
    processor: processorName(provider, id),
    mode: adminMode(provider),
    ok: result.ok,
    message: result.message,
    duration_ms: Date.now() - started,
    checked_at: new Date().toISOString(),
  })
}
