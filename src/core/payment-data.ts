import { MedusaError } from "@medusajs/framework/utils"
import { Decimal } from "./money/decimal"

export type RefundStatus = "pending" | "succeeded" | "failed"

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

export function ledgerOf(data: Record<string, unknown> | undefined): RefundLedgerEntry[] {
  const refunds = (data as { refunds?: unknown } | undefined)?.refunds
  return Array.isArray(refunds) ? (refunds as RefundLedgerEntry[]) : []
}

/**
 * Sum of refunds that count against the captured amount (pending and succeeded), in minor
 * units. Ledger amounts are integer strings and add exactly in BigInt; a corrupt entry falls
 * back to Decimal so a ledger write never fails on it (the planner refuses such a sum).
 */
export function refundedMinorOf(ledger: readonly RefundLedgerEntry[]): string {
  let sum = 0n
  for (const r of ledger) {
    if (r.status === "failed") continue
    const minor = integerMinorOf(r.amount_minor)
    if (minor === undefined) {
      return ledger.reduce((total, e) => (e.status === "failed" ? total : total.plus(e.amount_minor)), new Decimal(0)).toFixed()
    }
    sum += minor
  }
  return sum.toString()
}

/** An integer minor-unit amount as stored in payment data (integer text), or undefined. */
export function integerMinorOf(value: unknown): bigint | undefined {
  return typeof value === "string" && /^-?\d+$/.test(value) ? BigInt(value) : undefined
}

/**
 * What rounding to the processor's unit added to the refunds Medusa asked for, in minor units
 * (exact; negative when amounts were rounded down): the sum over refunds that did not fail of
 * the amount sent minus Medusa's exact amount. Refunds made outside Medusa have none.
 */
export function roundingDriftMinor(ledger: readonly RefundLedgerEntry[], exponent: number, except?: RefundLedgerEntry): Decimal {
  return ledger.reduce(
    (sum, r) =>
      r.status === "failed" || r.requested_amount === null || r.requested_amount === undefined || r === except
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
 * (the provider then reads the processor before the payment's next refund).
 */
export const REFUNDS_IN_DOUBT = "refunds_in_doubt"

export interface RefundInDoubt {
  medusa_refund_id: string | null
  amount_minor: string
  at: string
}

export function refundsInDoubtOf(data: Record<string, unknown> | undefined): RefundInDoubt[] {
  const value = data?.[REFUNDS_IN_DOUBT]
  return Array.isArray(value) ? (value as RefundInDoubt[]) : []
}

/**
 * The attempts still in doubt once a payment's ledger is known. An attempt whose Medusa refund
 * is in the ledger has its outcome recorded. After a read of the processor that started at
 * `readStartedAt`, so has every attempt that had ended before it, whatever it sent being in the
 * read: one whose Medusa refund no longer exists (Medusa deletes a refund once its provider call
 * has failed; `liveRefundIds` were read before the processor), and one recorded more than
 * `attemptBoundMs` earlier.
 */
export function remainingDoubts(
  doubts: readonly RefundInDoubt[],
  ledger: readonly RefundLedgerEntry[],
  settled: { refundId?: string; readStartedAt?: number; attemptBoundMs?: number; liveRefundIds?: ReadonlySet<string> } = {}
): RefundInDoubt[] {
  const recorded = new Set(ledger.map((r) => r.medusa_refund_id).filter(Boolean))
  const read = settled.readStartedAt !== undefined
  const endedBy = read ? settled.readStartedAt! - (settled.attemptBoundMs ?? 0) : undefined
  return doubts.filter((d) => {
    const id = d.medusa_refund_id
    if (id && (id === settled.refundId || recorded.has(id))) return false
    if (read && id && settled.liveRefundIds && !settled.liveRefundIds.has(id)) return false
    const at = Date.parse(d.at)
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
