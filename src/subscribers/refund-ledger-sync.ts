import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { Modules, PaymentEvents } from "@medusajs/framework/utils"

type LedgerSyncing = { syncRefundLedger(data: Record<string, unknown>, paymentId?: string): Promise<Record<string, unknown>> }

/**
 * Medusa writes a payment's data after each provider call, outside its own lock, so two
 * refunds that overlap can each write a ledger without the other's refund. After every
 * refund, this reads the processor's refunds and writes the merged ledger, one writer at a
 * time per payment (Medusa's locking module: in-process by default, Redis across instances).
 */
export default async function refundLedgerSync({ event, container }: SubscriberArgs<{ id: string }>) {
  const paymentId = event.data?.id
  if (!paymentId) return
  const logger = container.resolve("logger") as { warn(m: string): void }
  const paymentModule = container.resolve(Modules.PAYMENT) as any
  const locking = container.resolve(Modules.LOCKING) as {
    execute<T>(keys: string | string[], job: () => Promise<T>, args?: { timeout?: number }): Promise<T>
  }
  await locking.execute(
    `refund-ledger:${paymentId}`,
    async () => {
      const payment = await paymentModule.retrievePayment(paymentId, { select: ["id", "data", "provider_id"] })
      const provider = providerOf(paymentModule, payment.provider_id)
      if (!provider) return
      try {
        const data = await provider.syncRefundLedger(payment.data ?? {}, paymentId)
        await paymentModule.updatePayment({ id: paymentId, data })
      } catch (error) {
        logger.warn(`[refund-ledger] could not sync payment ${paymentId}: ${(error as Error).message}`)
      }
    },
    { timeout: 30 }
  )
}

/** The provider instance for a payment, when it is one of this plugin's (it can sync its ledger). */
export function providerOf(paymentModule: any, providerId: string): LedgerSyncing | undefined {
  try {
    // The payment module keeps providers in its own container; its provider service resolves them.
    const provider = paymentModule?.paymentProviderService_?.retrieveProvider?.(providerId)
    return typeof provider?.syncRefundLedger === "function" ? provider : undefined
  } catch {
    return undefined
  }
}

export const config: SubscriberConfig = {
  event: PaymentEvents.REFUNDED,
  context: { subscriberId: "refund-ledger-sync" },
}
