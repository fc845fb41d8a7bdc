import { Modules } from "@medusajs/framework/utils"
import type { ProviderWebhookPayload } from "@medusajs/framework/types"
import { ledgerOf, unfinishedAttemptsOf, attemptsStillUnfinished, UNFINISHED_ATTEMPTS_FIELD, withLedger, type RefundLedgerEntry } from "../payment-data"
import type { RefundOutcome } from "./types"
import type { CurrencyProfile } from "../money/currency-profile"
import { retrievePaymentProvider } from "../payment-provider"

/** What the plugin's subscribers and jobs need from one of its providers. */
export interface LedgerProvider {
  syncRefundLedger(data: Record<string, unknown>, paymentId?: string): Promise<Record<string, unknown>>
  refundOutcomes(payload: ProviderWebhookPayload["payload"]): Promise<RefundOutcome[]>
}

type Container = { resolve<T = any>(key: string): T }

/** The provider instance behind a payment, when it is one of this plugin's. */
export function providerOf(container: Container, providerId: string): LedgerProvider | undefined {
  const provider = retrievePaymentProvider(container, providerId) as Partial<LedgerProvider> | undefined
  return typeof provider?.syncRefundLedger === "function" && typeof provider?.refundOutcomes === "function" ? (provider as LedgerProvider) : undefined
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
      let data = await change(payment.data ?? {}, provider)
      // Medusa writes refund results without our lock: keep what it wrote meanwhile.
      const latest = await paymentModule.retrievePayment(paymentId, { select: ["id", "data"] })
      data = withLedger(data, mergeLedgers(ledgerOf(data), ledgerOf(latest.data ?? {})))
      // Attempts in doubt are written by refunds, not here: keep the list as it is now (one
      // recorded meanwhile stays, one a refund settled stays settled), less those whose refund
      // this ledger now holds. Written out in full: Medusa merges data, a key left out stays.
      data = { ...data, [UNFINISHED_ATTEMPTS_FIELD]: attemptsStillUnfinished(unfinishedAttemptsOf(latest.data ?? {}), ledgerOf(data)) }
      // Refunds the processor made for other figures than planned: the admin is told once.
      const unannounced = ledgerOf(data).filter((entry) => entry.discrepancy && !entry.discrepancy.announced_at)
      if (unannounced.length) {
        const at = new Date().toISOString()
        data = withLedger(data, ledgerOf(data).map((e) => (unannounced.includes(e) ? { ...e, discrepancy: { ...e.discrepancy!, announced_at: at } } : e)))
      }
      await paymentModule.updatePayment({ id: paymentId, data })
      if (unannounced.length) await announceDiscrepancies(container, payment, unannounced)
      const failedNow = ledgerOf(data).filter(
        (entry) => entry.status === "failed" && before.find((b) => sameRefund(b, entry))?.status !== "failed"
      )
      if (failedNow.length) await announceFailedRefunds(container, payment, failedNow)
      return data
    },
    { timeout: 30 }
  )
}

/**
 * Union of two views of one ledger: entries matched by processor refund id (else Medusa
 * refund id); for a matched pair the processor-side state of `ours` wins, and Medusa-side
 * facts (its refund id, the amount it asked for) are kept from whichever has them.
 */
export function mergeLedgers(ours: RefundLedgerEntry[], theirs: RefundLedgerEntry[]): RefundLedgerEntry[] {
  const merged = ours.map((entry) => {
    const other = theirs.find((t) => sameRefund(entry, t))
    if (!other) return entry
    return {
      ...entry,
      medusa_refund_id: entry.medusa_refund_id ?? other.medusa_refund_id,
      requested_amount: entry.requested_amount ?? other.requested_amount,
      origin: entry.medusa_refund_id || other.medusa_refund_id ? ("medusa" as const) : entry.origin,
    }
  })
  for (const other of theirs) {
    if (!merged.some((m) => sameRefund(m, other) || sameRefund(other, m))) merged.push(other)
  }
  return merged
}

function sameRefund(a: RefundLedgerEntry, b: RefundLedgerEntry): boolean {
  return a.processor_refund_id !== null ? a.processor_refund_id === b.processor_refund_id : a.medusa_refund_id === b.medusa_refund_id
}

/**
 * A refund the processor declined after Medusa recorded it: the customer did not get the money.
 * Logged as an error and sent to the admin's notification feed (when a feed channel exists).
 */
async function announceFailedRefunds(container: Container, payment: { id: string; provider_id: string }, failed: RefundLedgerEntry[]) {
  for (const entry of failed) {
    await announce(
      container,
      "Refund declined by the processor",
      `Refund ${entry.medusa_refund_id ?? entry.processor_refund_id} of payment ${payment.id} was declined by the processor ` +
        `(${entry.failure_reason ?? "no reason given"}). The customer has not received this money: refund them another way.`
    )
  }
}

/** Refunds the processor made for other figures than planned: logged and sent to the admin's feed. */
async function announceDiscrepancies(container: Container, payment: { id: string }, entries: RefundLedgerEntry[]) {
  for (const entry of entries) {
    await announce(
      container,
      "Refund differs at the processor",
      `Refund ${entry.medusa_refund_id ?? entry.processor_refund_id} of payment ${payment.id}: ${entry.discrepancy?.note ?? "the processor's figures differ from the plan"}`
    )
  }
}

async function announce(container: Container, title: string, text: string) {
  const logger = container.resolve("logger") as { error(m: string): void }
  logger.error(`[refund-ledger] ${text}`)
  try {
    const notifications = container.resolve(Modules.NOTIFICATION) as any
    await notifications.createNotifications({ to: "", channel: "feed", template: "admin-ui", data: { title, description: text } })
  } catch {
    // No notification module or no feed channel: the log line above stands.
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

/**
 * What the plugin's admin routes need from one of its providers; the base class
 * (ProcessorPaymentProvider) has all of it, so every processor is covered the same way.
 */
export interface AdminProvider extends LedgerProvider {
  readonly mode: "live" | "sandbox" | "custom"
  processorPaymentId(data: Record<string, unknown>): string | undefined
  dashboardUrl(data: Record<string, unknown>): string | undefined
  testConnection(): Promise<{ ok: boolean; message: string }>
}

/** The provider behind a provider id, with what the admin shows, when it is one of this plugin's. */
export function adminProviderOf(container: Container, providerId: string): AdminProvider | undefined {
  const provider = providerOf(container, providerId) as (LedgerProvider & Partial<AdminProvider>) | undefined
  return provider && typeof provider.testConnection === "function" && typeof provider.processorPaymentId === "function"
    ? (provider as AdminProvider)
    : undefined
}

/**
 * The provider's currency profile (its units), to render minor amounts in major units.
 * It is a protected field of the base class; read here so the admin needs no per-processor code.
 */
export function currencyProfileOf(provider: AdminProvider): CurrencyProfile | undefined {
  const profile = (provider as unknown as { profile?: CurrencyProfile }).profile
  return profile && typeof profile.processor === "string" && profile.exponents ? profile : undefined
}

/** Ids (pp_…) of the payment providers loaded in this app that are this plugin's, sorted. */
export async function pluginProviderIds(container: Container): Promise<string[]> {
  const paymentModule = container.resolve(Modules.PAYMENT) as any
  let ids: string[] | undefined
  try {
    // The keys the payment module registered at this boot (stale database rows excluded).
    const loaded = paymentModule?.paymentProviderService_?.__container__?.payment_providers
    if (Array.isArray(loaded)) ids = loaded.filter((id: unknown): id is string => typeof id === "string")
  } catch {
    ids = undefined
  }
  if (!ids) {
    const rows = await paymentModule.listPaymentProviders({ is_enabled: true }, { select: ["id"] })
    ids = rows.map((row: { id: string }) => row.id)
  }
  return [...new Set(ids)].filter((id) => adminProviderOf(container, id)).sort()
}
