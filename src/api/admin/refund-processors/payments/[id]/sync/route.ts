import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { updatePaymentLedger } from "../../../../../../core/refunds/ledger-store"
import { parseParams, paymentParams, paymentView } from "../../../helpers"

/**
 * POST /admin/refund-processors/payments/:id/sync ("Sync with processor")
 * Reads the payment's refunds at the processor and writes the reconciled ledger under
 * Medusa's locking module (refunds made in the processor's dashboard are added, statuses
 * updated, newly failed refunds announced), then answers with the payment view.
 */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  const { id } = parseParams(paymentParams, req.params)
  await paymentView(req.scope, id) // 404 for unknown payments and payments of other providers
  const data = await updatePaymentLedger(req.scope, id, (current, provider) => provider.syncRefundLedger(current, id))
  if (!data) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Payment ${id} is not handled by medusa-refund-processors.`)
  }
  res.json({ payment: await paymentView(req.scope, id), synced_at: new Date().toISOString() })
}
