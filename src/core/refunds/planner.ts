import { MedusaError } from "@medusajs/framework/utils"
import type { BigNumberInput } from "@medusajs/framework/types"
import type { CurrencyProfile } from "../money/currency-profile"
import { fromProcessorMinor, toProcessorAmount, type ProcessorAmount } from "../money/convert"
import { Decimal, shortAmount } from "../money/decimal"
import { refundDifference } from "./difference"
import {
  ledgerOf,
  integerMinorOf,
  refundedMinorOf,
  requireField,
  roundingDriftMinor,
  withLedger,
  type ProcessorPaymentData,
  type RefundLedgerEntry,
  type RefundStatus,
} from "../payment-data"

export interface RefundPlan {
  /**
   * "full": nothing was refunded before and this refund takes everything captured, so a
   * processor that has a full-refund form (no amount) can use it. "partial" otherwise.
   */
  kind: "full" | "partial"
  amount: ProcessorAmount
  /** Also nothing captured less than authorized: the charge is untouched. */
  untouched: boolean
  /** The amount was lowered to exactly the processor's remainder (rounding residue only). */
  clampedToRemainder: boolean
  capturedMinor: string
  refundedBeforeMinor: string
  remainingAfterMinor: string
  /** This Medusa refund is already in the ledger (a retry after the answer was recorded). */
  replay?: RefundLedgerEntry
}

function money(minor: bigint, currency: string, profile: CurrencyProfile): string {
  return `${fromProcessorMinor(minor, currency, profile).major} ${currency.toUpperCase()}`
}

/**
 * Decides what refund to send for a Medusa refund, from Medusa's exact amount and the
 * payment's ledger, before any HTTP call. Invariants (README, "Rounding"):
 * 1. a refund differs from Medusa's amount by at most half a processor step (half-up);
 * 2. refunds sent for a payment never add up to more than the processor captured;
 * 3. a refund that exceeds the remainder only by rounding residue (the total Medusa asked
 *    for, including this one, is within half a step of what was captured, counting the
 *    rounding of earlier refunds) is sent as exactly the remainder; anything more is refused.
 */
export function planRefund(input: {
  amount: BigNumberInput | unknown
  data: Record<string, unknown> | undefined
  profile: CurrencyProfile
  medusaRefundId?: string
  /** `amount` already converted (toProcessorAmount) in the payment's currency, when the caller has it. */
  requested?: ProcessorAmount
}): RefundPlan {
  const { data, profile } = input
  const processor = profile.processor
  const currency = requireField(data, "currency", processor)
  // Minor units are integers: BigInt keeps them exact and is cheap; Decimal only where a
  // major-unit amount meets them (the rounding-residue check below).
  const capturedText = requireField(data, "captured_minor", processor)
  const captured = integerMinor(capturedText, "captured_minor", processor)
  const authorizedText = data?.amount_minor
  const authorized =
    typeof authorizedText === "string" || typeof authorizedText === "number"
      ? integerMinor(String(authorizedText), "amount_minor", processor)
      : captured
  const ledger = ledgerOf(data)

  const replay = input.medusaRefundId
    ? ledger.find((r) => r.medusa_refund_id === input.medusaRefundId && r.status !== "failed")
    : undefined

  const requested = input.requested ?? toProcessorAmount(input.amount, currency, profile, "refund amount")
  const refunded = integerMinor(refundedMinorOf(replay ? ledger.filter((r) => r !== replay) : ledger), "refunds", processor)
  const remainder = captured - refunded

  if (captured <= 0n) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Nothing has been captured at ${processor} for this payment, so there is nothing to refund. Cancel the payment instead.`
    )
  }
  if (remainder <= 0n) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `This payment is already fully refunded at ${processor} (${money(refunded, currency, profile)} of ` +
        `${money(captured, currency, profile)} captured). No refund was sent.`
    )
  }

  let amount = requested
  let clamped = false
  if (BigInt(requested.minor) > remainder) {
    // Rounding drift of earlier refunds: what was sent minus what Medusa asked, in minor units.
    const drift = roundingDriftMinor(ledger, requested.exponent, replay)
    const askedMinor = new Decimal(requested.requested).shiftedBy(requested.exponent)
    const tolerance = new Decimal(profile.step(currency)).dividedBy(2)
    const remainderDecimal = new Decimal(remainder.toString())
    if (askedMinor.lte(remainderDecimal.plus(drift).plus(tolerance))) {
      amount = { ...fromProcessorMinor(remainder, currency, profile), requested: requested.requested }
      amount.residueMinor = remainderDecimal.minus(askedMinor).toFixed()
      clamped = true
    } else {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `The refund of ${shortAmount(requested.requested)} ${currency.toUpperCase()} is more than the ` +
          `${money(remainder, currency, profile)} that remains refundable at ${processor} ` +
          `(captured ${money(captured, currency, profile)}, already refunded ${money(refunded, currency, profile)}). ` +
          `Refund at most ${money(remainder, currency, profile)}.`
      )
    }
  }

  const amountMinor = BigInt(amount.minor)
  const full = refunded === 0n && amountMinor === captured
  return {
    kind: full ? "full" : "partial",
    amount,
    untouched: full && captured === authorized,
    clampedToRemainder: clamped,
    capturedMinor: captured.toString(),
    refundedBeforeMinor: refunded.toString(),
    remainingAfterMinor: (remainder - amountMinor).toString(),
    replay,
  }
}

/**
 * A minor-unit amount from payment data, as plain non-negative integer text (as ledger amounts);
 * anything else ("-5000", "1e3", "0100") is a broken record, not a number to guess at.
 */
function integerMinor(text: string, field: string, processor: string): bigint {
  const minor = integerMinorOf(text)
  if (minor === undefined) {
    throw new MedusaError(
      MedusaError.Types.UNEXPECTED_STATE,
      `The payment's ${processor} data holds ${field} "${shortAmount(text)}", which is not a plain non-negative whole number of minor units. ` +
        `No refund was sent; check the payment at ${processor} and correct the payment's data before refunding again.`
    )
  }
  return minor
}

/** A refund as the processor reports it, for reconciliation. */
export interface ProcessorRefundView {
  id: string
  amount_minor: string
  status: RefundStatus
  /** Our Medusa refund id when the processor kept it (metadata, idempotency key). */
  medusa_refund_id?: string | null
  /** What this provider stored on the refund to link it to a Medusa refund (see refundTag). */
  tag?: string | null
  /** The processor's reason, for failed refunds. */
  failure_reason?: string
  created_at?: string
  /** Lower-case ISO code, when the processor's listing carries one. */
  currency?: string
  /**
   * What the processor says this refund moved, where its listing tells it apart from a missing figure (which
   * `amount_minor` reads as "0"); a field left out is unknown. Compared with the plan when the refund is recorded in place of a lost answer.
   */
  refunded?: { amountMinor?: string; currency?: string }
}

function ledgerCurrency(data: Record<string, unknown>): string | undefined {
  return typeof data.currency === "string" ? data.currency.toLowerCase() : undefined
}

/**
 * Adds refunds the processor knows and the ledger does not (made in the processor's
 * dashboard, or sent by an attempt whose answer was lost), and updates statuses of known
 * ones. Returns the new data and the entries it added.
 */
export function reconcileLedger<T extends Record<string, unknown>>(
  data: T,
  processorRefunds: readonly ProcessorRefundView[]
): { data: T & Pick<ProcessorPaymentData, "refunds" | "refunded_minor">; added: RefundLedgerEntry[] } {
  const ledger = ledgerOf(data).map((r) => ({ ...r }))
  const added: RefundLedgerEntry[] = []
  for (const seen of processorRefunds) {
    const known =
      ledger.find((r) => r.processor_refund_id === seen.id) ??
      // A refund recorded before the processor gave its id (an answer without the refund object).
      ledger.find(
        (r) => r.processor_refund_id === null && !!seen.medusa_refund_id && r.medusa_refund_id === seen.medusa_refund_id && r.amount_minor === seen.amount_minor
      )
    if (known) {
      known.processor_refund_id = seen.id
      known.status = seen.status
      if (seen.failure_reason) known.failure_reason = seen.failure_reason
      // The processor settled other figures than the ledger holds: its figures, marked (once).
      if (!known.discrepancy) {
        const planned = { minor: known.amount_minor, currency: ledgerCurrency(data) ?? seen.currency ?? "" }
        const difference = refundDifference(planned, { amountMinor: seen.amount_minor, currency: seen.currency })
        if (difference) {
          if (difference.amount_minor !== undefined) known.amount_minor = difference.amount_minor
          known.discrepancy = difference.discrepancy
        }
      }
      continue
    }
    const entry: RefundLedgerEntry = {
      processor_refund_id: seen.id,
      medusa_refund_id: seen.medusa_refund_id ?? null,
      amount_minor: seen.amount_minor,
      requested_amount: null,
      status: seen.status,
      ...(seen.failure_reason ? { failure_reason: seen.failure_reason } : {}),
      origin: seen.medusa_refund_id ? "medusa" : "processor",
      created_at: seen.created_at ?? new Date().toISOString(),
    }
    ledger.push(entry)
    added.push(entry)
  }
  return { data: withLedger(data, ledger), added }
}

/**
 * When the processor says a payment is already refunded, decides whether this Medusa
 * refund is covered by refunds made outside Medusa that no Medusa refund is linked to yet
 * (Medusa's Stripe provider records such refunds instead of failing: "charge_already_refunded").
 * Links them to this refund id and returns the new data, or undefined when the refund
 * is not covered (a real error).
 */
export function linkOutsideRefunds<T extends Record<string, unknown>>(
  data: T,
  amount: Pick<ProcessorAmount, "minor" | "currency">,
  medusaRefundId: string | undefined,
  profile: CurrencyProfile
): T | undefined {
  const ledger = ledgerOf(data).map((r) => ({ ...r }))
  const unlinked = ledger.filter((r) => r.origin === "processor" && !r.medusa_refund_id && r.status !== "failed")
  const available = unlinked.reduce((sum, r) => sum.plus(r.amount_minor), new Decimal(0))
  const needed = new Decimal(amount.minor).minus(new Decimal(profile.step(amount.currency)).dividedBy(2))
  if (unlinked.length === 0 || available.lt(needed)) return undefined
  let covered = new Decimal(0)
  for (const entry of unlinked) {
    if (covered.gte(needed)) break
    entry.medusa_refund_id = medusaRefundId ?? null
    entry.requested_amount = entry.requested_amount ?? null
    covered = covered.plus(entry.amount_minor)
  }
  return withLedger(data, ledger)
}

/** Applies processor-reported refund outcomes to the ledger; unknown refund ids are ignored. */
export function applyRefundOutcomes<T extends Record<string, unknown>>(
  data: T,
  outcomes: ReadonlyArray<{ processor_refund_id: string; status: RefundStatus; failure_reason?: string }>
): { data: T & Pick<ProcessorPaymentData, "refunds" | "refunded_minor">; changed: boolean } {
  let changed = false
  const ledger = ledgerOf(data).map((entry) => {
    const outcome = outcomes.find((o) => o.processor_refund_id === entry.processor_refund_id)
    if (!outcome || (outcome.status === entry.status && outcome.failure_reason === entry.failure_reason)) return entry
    changed = true
    return { ...entry, status: outcome.status, ...(outcome.failure_reason ? { failure_reason: outcome.failure_reason } : {}) }
  })
  return { data: withLedger(data, ledger), changed }
}
