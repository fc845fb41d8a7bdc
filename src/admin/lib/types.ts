/** The JSON the plugin's admin routes answer with (see src/api/admin/refund-processors/helpers.ts). */
export type AdminMode = "live" | "sandbox" | "emulator"
export type RefundStatus = "pending" | "succeeded" | "failed"

export interface AmountPair {
  minor: string | null
  major: string | null
}

export interface LedgerRow {
  processor_refund_id: string | null
  medusa_refund_id: string | null
  in_medusa: boolean
  amount_minor: string
  amount: string | null
  requested_amount: string | null
  status: RefundStatus
  failure_reason: string | null
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
  exponent: number | null
  processor_amounts: { authorized: AmountPair; captured: AmountPair; refunded: AmountPair }
  medusa_amounts: { amount: string; captured: string; refunded: string }
  refunded_difference_minor: string | null
  refunds: LedgerRow[]
  has_failed_refund: boolean
  failed_refunds: Array<{ processor_refund_id: string | null; medusa_refund_id: string | null; amount: string | null; reason: string }>
  pending_refunds: number
  captured_at: string | null
  canceled_at: string | null
}

export interface ProviderView {
  id: string
  processor: string
  mode: AdminMode
  webhook_identifier: string
  webhook_url: string
}

export interface TestResult {
  provider_id: string
  processor: string
  mode: AdminMode
  ok: boolean
  message: string
  duration_ms: number
  checked_at: string
}
