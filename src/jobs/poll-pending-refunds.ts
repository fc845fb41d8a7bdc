import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import { providerOf, updatePaymentLedger } from "../core/refunds/ledger-store"
import { ledgerOf } from "../core/payment-data"

/** Refunds still pending after this many minutes are read back from the processor. */
const PENDING_AFTER_MINUTES = Number(process.env.REFUND_POLL_AFTER_MINUTES ?? 15)
/** Only payments refunded in this window are looked at. */
const LOOKBACK_DAYS = Number(process.env.REFUND_POLL_LOOKBACK_DAYS ?? 30)

/**
 * Some processors settle refunds later (Checkout.com, Dodo, ProcessOut) and webhooks can be
 * lost; Fiserv sends none. This asks the processor about refunds the ledger still holds as
 * pending, and records what it says (failed refunds are announced to the admin).
 */
export default async function pollPendingRefunds(container: MedusaContainer) {
  const paymentModule = container.resolve(Modules.PAYMENT) as any
  const logger = container.resolve("logger") as { info(m: string): void; warn(m: string): void }
  const since = new Date(Date.now() - LOOKBACK_DAYS * 86_400_000)
  const staleBefore = Date.now() - PENDING_AFTER_MINUTES * 60_000
  const refunds = await paymentModule.listRefunds({ created_at: { $gte: since } }, { select: ["id", "payment_id"], take: 5000 })
  const paymentIds = [...new Set<string>(refunds.map((r: any) => r.payment_id))]
  let synced = 0
  for (const paymentId of paymentIds) {
    // One payment's unreadable (corrupt) ledger must not stop the poll for the others.
    try {
      const payment = await paymentModule.retrievePayment(paymentId, { select: ["id", "data", "provider_id"] })
      const waiting = ledgerOf(payment.data ?? {}).some((r) => r.status === "pending" && Date.parse(r.created_at) <= staleBefore)
      if (!waiting || !providerOf(container, payment.provider_id)) continue
      await updatePaymentLedger(container, paymentId, (data, provider) => provider.syncRefundLedger(data, paymentId))
      synced++
    } catch (error) {
      logger.warn(`[refund-ledger] could not poll payment ${paymentId}: ${(error as Error).message}`)
    }
  }
  if (synced) logger.info(`[refund-ledger] polled ${synced} payment(s) with pending refunds`)
}

export const config = {
  name: "poll-pending-refunds",
  schedule: process.env.REFUND_POLL_SCHEDULE ?? "*/5 * * * *",
}
