import { MedusaError } from "@medusajs/framework/utils"
import { AMOUNT_LIMITS, Decimal, shortAmount } from "./money/decimal"

export type RefundStatus = "pending" | "succeeded" | "failed"

/** What the processor refunded where the plan said otherwise; the admin is told once (`announced_at`). */
export interface RefundDiscrepancy {
  planned_minor: string
  planned_currency: string
  processor_minor: string | null
  processor_currency: string | null
  note: string
  announced_at?: string
}

/** One refund as the processor knows it, kept in Payment.data so nothing Medusa overwrites loses it. */
export interface RefundLedgerEntry {
  /** The processor's refund (or action) id; null only while a processor has not given one. */
  processor_refund_id: string | null
  /** Medusa's refund id (ref_…), also the idempotency key it was sent with. */
  medusa_refund_id: string | null
  /** Amount sent, in the processor's minor units (integer string). */
  amount_minor: string
  /** Medusa's exact amount in major units; null for refunds made outside Medusa. */
  requested_amount: string | null
  status: RefundStatus
  failure_reason?: string
  /** Set when the processor refunded other than what was planned (its figures are the ones above). */
  discrepancy?: RefundDiscrepancy
  /** "medusa": sent by this provider; "processor": found at the processor (its dashboard, another system). */
  origin: "medusa" | "processor"
  created_at: string
}

/**
 * What every provider keeps in a payment's data (the session's and then Payment.data).
 * Medusa replaces Payment.data with whatever a method returns, so every method returns
 * the incoming data merged with these fields. Nothing secret goes in here: the storefront
 * can read session data.
 */
export interface ProcessorPaymentData {
  /** Set by Medusa on the session; echoed back in processor metadata for webhooks. */
  session_id?: string
  processor: string
  /** Lower-case ISO code. */
  currency: string
  /** Authorized amount, processor minor units. */
  amount_minor: string
  captured_minor: string
  /** Sum of the ledger's refunds that did not fail (kept for readers; derived by withLedger). */
  refunded_minor: string
  refunds: RefundLedgerEntry[]
  [key: string]: unknown
}

/**
 * The refund ledger of a payment's data. Every entry is checked as it is read: a corrupt amount
 * ("-100.00", "1e3", "0x64", "0100") would otherwise move the refundable remainder, so the
 * whole ledger is refused (a MedusaError saying which entry) and nothing is sent.
 */
export function ledgerOf(data: Record<string, unknown> | undefined): RefundLedgerEntry[] {
  const refunds = (data as { refunds?: unknown } | undefined)?.refunds
  if (refunds === undefined || refunds === null) return []
  if (!Array.isArray(refunds)) throw corruptLedger(`it is ${typeof refunds === "object" ? "an object" : `the ${typeof refunds} ${shortAmount(refunds)}`}, not a list`)
  refunds.forEach(checkLedgerEntry)
  return refunds as RefundLedgerEntry[]
}

/** Plain integer text: no sign, padding, exponent or radix prefix; at most AMOUNT_LIMITS.length digits. */
const PLAIN_MINOR = new RegExp(`^(0|[1-9]\\d{0,${AMOUNT_LIMITS.length - 1}})$`)
/** Medusa's exact amount as the planner writes it: plain non-negative decimal text. */
const PLAIN_MAJOR = /^(0|[1-9]\d*)(\.\d+)?$/
/** toDecimal's longest text, expanded by its largest exponent. */
const MAX_MAJOR_TEXT = AMOUNT_LIMITS.length + AMOUNT_LIMITS.exponent + 2

function checkLedgerEntry(entry: unknown, index: number, ledger: readonly unknown[]): void {
  const where = `entry ${index + 1} of ${ledger.length}`
  if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw corruptLedger(`${where} is not a refund record`)
  const r = entry as Partial<Record<keyof RefundLedgerEntry, unknown>>
  const id = typeof r.processor_refund_id === "string" ? r.processor_refund_id : typeof r.medusa_refund_id === "string" ? r.medusa_refund_id : undefined
  const which = id ? `${where} (refund ${shortAmount(id)})` : where
  if (typeof r.amount_minor !== "string" || !PLAIN_MINOR.test(r.amount_minor)) {
    throw corruptLedger(`${which} has amount_minor ${quoted(r.amount_minor)}, not a plain non-negative whole number of minor units`)
  }
  const requested = r.requested_amount
  if (requested !== null && requested !== undefined && (typeof requested !== "string" || requested.length > MAX_MAJOR_TEXT || !PLAIN_MAJOR.test(requested))) {
    throw corruptLedger(`${which} has requested_amount ${quoted(requested)}, not a plain non-negative decimal amount`)
  }
}

function quoted(value: unknown): string {
  return typeof value === "string" ? `"${shortAmount(value)}"` : shortAmount(value)
}

function corruptLedger(why: string): MedusaError {
  return new MedusaError(
    MedusaError.Types.UNEXPECTED_STATE,
    `This payment's refund ledger (its data's \`refunds\`) is corrupt: ${why}. No refund was sent. ` +
      `Compare the refunds in the processor's dashboard with the payment's data and correct the entry before refunding again.`
  )
}

/**
 * Sum of refunds that count against the captured amount (pending and succeeded), in minor
 * units, exact in BigInt. A corrupt entry is refused as ledgerOf refuses it.
 */
export function refundedMinorOf(ledger: readonly RefundLedgerEntry[]): string {
  let sum = 0n
  ledger.forEach((r, index) => {
    checkLedgerEntry(r, index, ledger)
    if (r.status !== "failed") sum += BigInt(r.amount_minor)
  })
  return sum.toString()
}

/** A minor-unit amount as stored in payment data (plain non-negative integer text), or undefined. */
export function integerMinorOf(value: unknown): bigint | undefined {
  return typeof value === "string" && PLAIN_MINOR.test(value) ? BigInt(value) : undefined
}

/**
 * A minor-unit amount the provider itself wrote in payment data (`amount_minor`, `captured_minor`),
 * read strictly: anything but plain non-negative integer text is a broken record, refused before
 * any request. A missing field counts as `fallback` when one is given.
 */
export function paymentMinor(data: Record<string, unknown>, field: string, processor: string, fallback?: bigint): bigint {
  const value = data[field]
  if ((value === undefined || value === null) && fallback !== undefined) return fallback
  const minor = integerMinorOf(value)
  if (minor !== undefined) return minor
  throw new MedusaError(
    MedusaError.Types.UNEXPECTED_STATE,
    `The payment's ${processor} data holds ${field} ${value === undefined ? "(missing)" : `"${shortAmount(String(value))}"`}, which is not a plain non-negative whole number of minor units. ` +
      `Nothing was sent to ${processor}; check the payment at ${processor} and correct the payment's data.`
  )
}

/**
 * What rounding to the processor's unit added to the refunds Medusa asked for, in minor units
 * (exact; negative when amounts were rounded down): the sum over refunds that did not fail of
 * the amount sent minus Medusa's exact amount. Refunds made outside Medusa have none.
 */
export function roundingDriftMinor(ledger: readonly RefundLedgerEntry[], exponent: number, except?: RefundLedgerEntry): Decimal {
  return ledger.reduce(
    (sum, r) =>
      r.status === "failed" || r.requested_amount === null || r.requested_amount === undefined || r === except || !!r.discrepancy
        ? sum
        : sum.plus(new Decimal(r.amount_minor).minus(new Decimal(r.requested_amount).shiftedBy(exponent))),
    new Decimal(0)
  )
}

/** Returns data with a new ledger and the refunded total derived from it. */
export function withLedger<T extends Record<string, unknown>>(data: T, ledger: RefundLedgerEntry[]): T & { refunds: RefundLedgerEntry[]; refunded_minor: string } {
  return { ...data, refunds: ledger, refunded_minor: refundedMinorOf(ledger) }
}

/**
 * Where payment data records refund attempts that may have reached the processor unanswered
 * (the provider then reads the processor before the payment's next refund). The stored name is
 * kept from earlier releases, whose payments hold it.
 */
export const UNFINISHED_ATTEMPTS_FIELD = "refunds_in_doubt"

export interface UnfinishedRefundAttempt {
  medusa_refund_id: string | null
  amount_minor: string
  at: string
}

export function unfinishedAttemptsOf(data: Record<string, unknown> | undefined): UnfinishedRefundAttempt[] {
  const value = data?.[UNFINISHED_ATTEMPTS_FIELD]
  return Array.isArray(value) ? (value as UnfinishedRefundAttempt[]) : []
}

/**
 * The attempts still unfinished once a payment's ledger is known. An attempt whose Medusa refund
 * is in the ledger has its outcome recorded. After a read of the processor that started at
 * `readStartedAt`, so has every attempt that had ended before it, whatever it sent being in the
 * read: one whose Medusa refund no longer exists (Medusa deletes a refund once its provider call
 * has failed; `liveRefundIds` were read before the processor), and one recorded more than
 * `attemptBoundMs` earlier.
 */
export function attemptsStillUnfinished(
  attempts: readonly UnfinishedRefundAttempt[],
  ledger: readonly RefundLedgerEntry[],
  settled: { refundId?: string; readStartedAt?: number; attemptBoundMs?: number; liveRefundIds?: ReadonlySet<string> } = {}
): UnfinishedRefundAttempt[] {
  const recorded = new Set(ledger.map((r) => r.medusa_refund_id).filter(Boolean))
  const read = settled.readStartedAt !== undefined
  const endedBy = read ? settled.readStartedAt! - (settled.attemptBoundMs ?? 0) : undefined
  return attempts.filter((attempt) => {
    const id = attempt.medusa_refund_id
    if (id && (id === settled.refundId || recorded.has(id))) return false
    if (read && id && settled.liveRefundIds && !settled.liveRefundIds.has(id)) return false
    const at = Date.parse(attempt.at)
    return endedBy === undefined || Number.isNaN(at) || at >= endedBy
  })
}

/** Reads a required field of the stored payment data, with a message an admin can act on. */
export function requireField(data: Record<string, unknown> | undefined, field: string, processor: string): string {
  const value = data?.[field]
  if (typeof value === "string" && value.length > 0) return value
  if (typeof value === "number" && Number.isFinite(value)) return String(value)
  throw new MedusaError(
    MedusaError.Types.INVALID_DATA,
    `This payment's data has no ${field}, so ${processor} cannot be asked about it. ` +
      `The payment was not made through the ${processor} provider, or its data was changed. ` +
      `Check the payment at ${processor} and record the refund manually if needed.`
  )
}
