import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import type { ProviderWebhookPayload } from "@medusajs/framework/types"
import { PaymentWebhookEvents } from "@medusajs/framework/utils"
import { paymentIdForOutcome, providerOf, updatePaymentLedger } from "../core/refunds/ledger-store"
import { applyRefundOutcomes } from "../core/refunds/planner"

/**
 * Medusa's own webhook subscriber only acts on authorized and captured payments; a refund
 * the processor later declines would stay "refunded" in the store. This one asks the
 * provider to verify the webhook and read refund outcomes from it, and writes them to the
 * payment's refund ledger (failed refunds are announced to the admin).
 */
export default async function refundOutcomes({ event, container }: SubscriberArgs<ProviderWebhookPayload>) {
  const input = event.data
  if (!input?.provider || !input.payload) return
  const payload = { ...input.payload }
  const raw = payload.rawData as unknown as { type?: string; data?: number[] }
  if (raw && raw.type === "Buffer" && Array.isArray(raw.data)) payload.rawData = Buffer.from(raw.data)
  const providerId = input.provider.startsWith("pp_") ? input.provider : `pp_${input.provider}`
  const provider = providerOf(container, providerId)
  if (!provider) return
  const logger = container.resolve("logger") as { warn(m: string): void }
  const outcomes = await provider.refundOutcomes(payload).catch((error: Error) => {
    logger.warn(`[refund-ledger] ${providerId} webhook not applied: ${error.message}`)
    return []
  })
  for (const outcome of outcomes) {
    const paymentId = await paymentIdForOutcome(container, outcome)
    if (!paymentId) {
      logger.warn(`[refund-ledger] no Medusa payment for ${providerId} refund ${outcome.processor_refund_id}`)
      continue
    }
    await updatePaymentLedger(container, paymentId, async (data) => applyRefundOutcomes(data, [outcome]).data)
  }
}

export const config: SubscriberConfig = {
  event: PaymentWebhookEvents.WebhookReceived,
  context: { subscriberId: "refund-outcomes" },
}
