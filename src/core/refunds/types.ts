import type { ProcessorError } from "../errors"
import type { CurrencyProfile } from "../money/currency-profile"
import type { RefundStatus } from "../payment-data"
import type { ProcessorRefundView, RefundPlan } from "./planner"

/** What Medusa knows about the refund being sent, read from its own records. */
export interface MedusaRefundInfo {
  note?: string | null
  reasonCode?: string | null
  reasonLabel?: string | null
  /** The refund's `metadata` as Medusa stores it: written by whoever created the refund, so untrusted. */
  metadata?: Record<string, unknown> | null
}

/** The refund being sent, as Medusa's payment module holds it. */
export interface MedusaRefundContext {
  info: MedusaRefundInfo
  /** Medusa's payment the refund belongs to. */
  paymentId?: string
  /** The payment's other Medusa refunds (ids); undefined when they could not be read. */
  otherRefundIds?: string[]
  /** The payment's data as stored now (read in the same query). */
  paymentData?: Record<string, unknown>
}

export interface SendRefundInput {
  data: Record<string, unknown>
  plan: RefundPlan
  /** Medusa's refund id (ref_…), or a generated key when Medusa gave none. */
  idempotencyKey: string
  medusaRefundId?: string
  refund: MedusaRefundInfo
  /**
   * True when Medusa's records proved the ledger holds every refund the processor can have for
   * this payment, with no earlier attempt unfinished: a processor's own checks for refunds the
   * ledger does not know (Checkout.com's balances) may be skipped.
   */
  ledgerCurrent: boolean
}

export interface SentRefund {
  processorRefundId: string | null
  /** "failed": the processor declined it in its answer; the coordinator records the attempt and throws. */
  status: RefundStatus
  failureReason?: string
  /**
   * What the processor says it refunded (its answer, or a read-back when the answer carries no
   * amount): the coordinator compares it with the plan and records the processor's figures.
   */
  refunded?: { amountMinor?: string; currency?: string }
  /** Processor fields to merge into the payment data (charge state after the refund). */
  dataPatch?: Record<string, unknown>
}

/**
 * A refund's outcome reported by a processor after the refund call (Checkout.com, Dodo and
 * ProcessOut settle refunds asynchronously). Medusa has no webhook action for refunds; the
 * plugin applies these to the payment's refund ledger.
 */
export interface RefundOutcome {
  processor_refund_id: string
  status: RefundStatus
  failure_reason?: string
  /** Our Medusa refund id when the processor echoes it (metadata). */
  medusa_refund_id?: string | null
  /** The processor's payment id the refund belongs to, to find the Medusa payment. */
  processor_payment_id?: string
  /** Medusa's payment session id when the processor echoes it (metadata.session_id). */
  session_id?: string
}

/** What a processor hands the refund coordinator: its calls and the facts only it knows. */
export interface ProcessorRefunds {
  /** Display name in messages ("Clover"). */
  readonly processor: string
  readonly profile: CurrencyProfile
  /**
   * Read the processor's refunds before sending when Medusa's records cannot prove the ledger
   * current (processors whose refund call takes no idempotency key, or keeps it for a short time).
   */
  readonly readsBeforeSending: boolean
  /** Sends the planned refund; throws ProcessorError on refusal. */
  send(input: SendRefundInput): Promise<SentRefund>
  /**
   * Set by processors whose refund can be lost without a trace in Medusa (no idempotency key, or one
   * the processor keeps for minutes): after a send whose outcome is unknown, the coordinator reads the
   * processor's refunds for this one before the error stands or anything is sent again.
   */
  readonly readBack?: UnknownOutcomeReadBack
  /** The processor's refunds of this payment. */
  listRefunds(data: Record<string, unknown>): Promise<ProcessorRefundView[]>
  /** What the ledger sync reads: the refunds, and processor fields to refresh (ProcessOut reads them with the payment). */
  readForSync(data: Record<string, unknown>): Promise<{ refunds: ProcessorRefundView[]; dataPatch?: Record<string, unknown> }>
  /** What a processor refund carries to link it to its Medusa refund (metadata, reference); `tag` in listRefunds. */
  tag(medusaRefundId: string): string
  /** True when the processor's refusal says the payment is already (fully) refunded. */
  isAlreadyRefunded(error: ProcessorError): boolean
  /** The longest one refund attempt can run, with every retry timing out. */
  attemptBoundMs(): number
}

/** How a processor's refund is looked for after a send whose outcome is unknown (see ProcessorRefunds.readBack). */
export interface UnknownOutcomeReadBack {
  /** True when the failed send may have made the refund (core's mayHaveApplied, plus the processor's own codes). */
  outcomeUnknown(error: ProcessorError): boolean
  /**
   * The wait before sending again when the read finds no refund and the error ended the request at the
   * processor (a 429 or 5xx answer); undefined: the error stands. Only for processors without an idempotency key.
   */
  resendDelayMs?(error: ProcessorError, resends: number): number | undefined
  /** Payment data the lost answer would have updated, merged when the refund found stands in for it. */
  dataPatch?: Record<string, unknown>
}
