import { Modules } from "@medusajs/framework/utils"
import type { ProviderWebhookPayload } from "@medusajs/framework/types"
import { ledgerOf, type RefundLedgerEntry } from "./payment-data"
import type { RefundOutcome } from "./provider"

/** What the plugin's subscribers and jobs need from one of its providers. */
export interface LedgerProvider {
  syncRefundLedger(data: Record<string, unknown>, paymentId?: string): Promise<Record<string, unknown>>
  refundOutcomes(payload: ProviderWebhookPayload["payload"]): Promise<RefundOutcome[]>
}

type Container = { resolve<T = any>(key: string): T }

/** The provider instance behind a payment, when it is one of this plugin's. */
export function providerOf(container: Container, providerId: string): LedgerProvider | undefined {
  try {
    // The payment module keeps providers in its own container; its provider service resolves them.
    const paymentModule = container.resolve(Modules.PAYMENT) as any
    const provider = paymentModule?.paymentProviderService_?.retrieveProvider?.(providerId)
    return typeof provider?.syncRefundLedger === "function" && typeof provider?.refundOutcomes === "function" ? provider : undefined
  } catch {
    return undefined
  }
}

/**
 * Rewrites one payment's data under Medusa's locking module (in-process by default, Redis
 * when the store runs several instances), so two writers never lose each other's ledger
 * entries. Refunds that turn failed are announced to the admin. Returns the new data.
 */
export async function updatePaymentLedger(
  container: Container,
  paymentId: string,
  change: (data: Record<string, unknown>, provider: LedgerProvider) => Promise<Record<string, unknown>>
): Promise<Record<string, unknown> | undefined> {
  const paymentModule = container.resolve(Modules.PAYMENT) as any
  const locking = container.resolve(Modules.LOCKING) as {
    execute<T>(keys: string | string[], job: () => Promise<T>, args?: { timeout?: number }): Promise<T>
  }
  return locking.execute(
    `refund-ledger:${paymentId}`,
    async () => {
      const payment = await paymentModule.retrievePayment(paymentId, { select: ["id", "data", "provider_id", "currency_code"] })
      const provider = providerOf(container, payment.provider_id)
      if (!provider) return undefined
      const before = ledgerOf(payment.data ?? {})
      const data = await change(payment.data ?? {}, provider)
      await paymentModule.updatePayment({ id: paymentId, data })
      const failedNow = ledgerOf(data).filter(
        (entry) => entry.status === "failed" && before.find((b) => sameRefund(b, entry))?.status !== "failed"
      )
      if (failedNow.length) await announceFailedRefunds(container, payment, failedNow)
      return data
    },
    { timeout: 30 }
  )
}

function sameRefund(a: RefundLedgerEntry, b: RefundLedgerEntry): boolean {
  return a.processor_refund_id !== null ? a.processor_refund_id === b.processor_refund_id : a.medusa_refund_id === b.medusa_refund_id
}

/**
 * A refund the processor declined after Medusa recorded it: the customer did not get the money.
 * Logged as an error and sent to the admin's notification feed (when a feed channel exists).
 */
async function announceFailedRefunds(container: Container, payment: { id: string; provider_id: string }, failed: RefundLedgerEntry[]) {
  const logger = container.resolve("logger") as { error(m: string): void }
  for (const entry of failed) {
    const text =
      `Refund ${entry.medusa_refund_id ?? entry.processor_refund_id} of payment ${payment.id} was declined by the processor ` +
      `(${entry.failure_reason ?? "no reason given"}). The customer has not received this money: refund them another way.`
    logger.error(`[refund-ledger] ${text}`)
    try {
      const notifications = container.resolve(Modules.NOTIFICATION) as any
      await notifications.createNotifications({
        to: "",
        channel: "feed",
        template: "admin-ui",
        data: { title: "Refund declined by the processor", description: text },
      })
    } catch {
      // No notification module or no feed channel: the log line above stands.
    }
  }
}

/** Finds the Medusa payment a processor refund outcome belongs to. */
export async function paymentIdForOutcome(container: Container, outcome: RefundOutcome): Promise<string | undefined> {
  const paymentModule = container.resolve(Modules.PAYMENT) as any
  if (outcome.medusa_refund_id) {
    const [refund] = await paymentModule.listRefunds({ id: outcome.medusa_refund_id }, { select: ["id", "payment_id"] })
    if (refund?.payment_id) return refund.payment_id
  }
  if (outcome.session_id) {
    const [payment] = await paymentModule.listPayments({ payment_session_id: outcome.session_id }, { select: ["id"] })
    if (payment?.id) return payment.id
  }
  return undefined
}
