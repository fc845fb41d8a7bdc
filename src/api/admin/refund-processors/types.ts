/**
 * The JSON the plugin's admin routes answer with: one definition for the routes
 * (helpers.ts) and the admin extensions (src/admin/lib/types.ts re-exports it). Types only,
 * so the admin bundle takes nothing of the server code.
 */
import type { RefundStatus } from "../../../core/payment-data"

export type { RefundStatus }
export type AdminMode = "live" | "sandbox" | "emulator"

export interface AmountPair {
  /** Integer string in the processor's minor units, or null when the data has none. */
  minor: string | null
  /** The same in major units at the currency's precision ("12.34"), or null. */
  major: string | null
}

export interface LedgerRow {
  processor_refund_id: string | null
  medusa_refund_id: string | null
  /** Whether Medusa still holds a refund with medusa_refund_id. */
  in_medusa: boolean
  amount_minor: string
  amount: string | null
  requested_amount: string | null
  status: RefundStatus
  failure_reason: string | null
  /** What the processor refunded where the plan said otherwise (the amount above is the processor's); null when they agree. */
  discrepancy: string | null
  origin: "medusa" | "processor"
  created_at: string
}

export interface PaymentView {
  payment_id: string
  provider_id: string
  processor: string
  mode: AdminMode
  processor_payment_id: string | null
  dashboard_url: string | null
  currency: string
  /** Decimals of the processor's unit for this currency (2 for cents). */
  exponent: number | null
  processor_amounts: { authorized: AmountPair; captured: AmountPair; refunded: AmountPair }
  /** Medusa's own records of the payment, in major units. */
  medusa_amounts: { amount: string; captured: string; refunded: string }
  /**
   * Refunded at the processor minus refunded in Medusa, in processor minor units (Medusa's
   * total rounded half-up); null when unknown. Non-zero beyond rounding means refunds made
   * outside Medusa (the processor's dashboard) or a refund the processor declined.
   */
  refunded_difference_minor: string | null
  /**
   * The same difference less what rounding each refund to the processor's unit accounts for
   * (recorded in the ledger): "0" when the processor and Medusa agree; null when unknown.
   */
  refunded_unexplained_minor: string | null
  refunds: LedgerRow[]
  has_failed_refund: boolean
  failed_refunds: Array<{ processor_refund_id: string | null; medusa_refund_id: string | null; amount: string | null; reason: string }>
  /** Refunds the processor made for other figures than planned. */
  discrepancies: Array<{ processor_refund_id: string | null; medusa_refund_id: string | null; note: string }>
  pending_refunds: number
  captured_at: string | null
  canceled_at: string | null
}

export interface ProviderView {
  id: string
  processor: string
  mode: AdminMode
  /** `pp_` stripped: the `:provider` of Medusa's webhook route. */
  webhook_identifier: string
  webhook_url: string
}

/** POST /admin/refund-processors/providers/:id/connection-check */
export interface TestResult {
  provider_id: string
  processor: string
  mode: AdminMode
  ok: boolean
  message: string
  duration_ms: number
  checked_at: string
}
