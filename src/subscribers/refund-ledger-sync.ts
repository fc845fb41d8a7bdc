import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { PaymentEvents } from "@medusajs/framework/utils"
import { updatePaymentLedger } from "../core/refunds/ledger-store"

/**
 * Medusa writes a payment's data after each provider call, outside its own lock, so two
 * refunds that overlap can each write a ledger without the other's refund. After every
 * refund, this reads the processor's refunds and writes the merged ledger, one writer at a
 * time per payment.
 */
export default async function refundLedgerSync({ event, container }: SubscriberArgs<{ id: string }>) {
  const paymentId = event.data?.id
  if (!paymentId) return
  try {
    await updatePaymentLedger(container, paymentId, (data, provider) => provider.syncRefundLedger(data, paymentId))
  } catch (error) {
    container.resolve("logger").warn(`[refund-ledger] could not sync payment ${paymentId}: ${(error as Error).message}`)
  }
}

export const config: SubscriberConfig = {
  event: PaymentEvents.REFUNDED,
  context: { subscriberId: "refund-ledger-sync" },
}
