/** Wire types of the ProcessOut API as the emulator serves them. Amounts are decimal strings in major units. */

/** `{ success: false, error_type, message }` (docs.processout.com; SDK networking/response.ts). */
export interface ProcessOutErrorBody {
  success: false
  error_type: string
  message: string
}

export interface ProcessOutInvoice {
  id: string
  project_id: string
  transaction_id?: string
  name: string
  amount: string
  currency: string
  metadata: Record<string, string>
  /** Spec POST /invoices `details`, each with its `iv_det_…` id (spec GET /invoices/{id} 200). */
  details: Array<Record<string, unknown>>
  return_url?: string
  cancel_url: string | null
  webhook_url?: string
  url: string
  sandbox: boolean
  created_at: string
  expires_at: string | null
}

export type ProcessOutTransactionStatus = "waiting" | "authorized" | "completed" | "voided" | "failed"

export interface ProcessOutTransaction {
  id: string
  project_id: string
  invoice_id: string
  name: string
  status: ProcessOutTransactionStatus
  currency: string
  metadata: Record<string, string>
  sandbox: boolean
  created_at: string
  gateway_name: string
  gateway_configuration_id: string
  card_id?: string
  payment_type: string
  error_code: string | null
  error_message: string | null
  amount: string
  amount_local: string
  authorized_amount: string
  authorized_amount_local: string
  captured_amount: string
  captured_amount_local: string
  available_amount: string
  available_amount_local: string
  refunded_amount: string
  refunded_amount_local: string
  voided_amount: string
  voided_amount_local: string
  authorized_at?: string
  captured_at?: string
  refunded_at: string | null
  voided_at: string | null
  attempts_count: number
  authorized: boolean
  captured: boolean
  refunded: boolean
  voided: boolean
  chargedback: boolean
  /** The transaction's refunds (`refunds` in the spec's transaction examples, null or []; always a list here). */
  refunds: ProcessOutRefund[]
  operations: unknown[]
}

export type ProcessOutRefundReason = "customer_request" | "duplicate" | "fraud" | "other"

export interface ProcessOutRefund {
  id: string
  transaction_id: string
  amount: string
  reason: ProcessOutRefundReason
  information: string
  funding_source: string
  has_failed: boolean
  metadata: Record<string, string>
  sandbox: boolean
  created_at: string
  invoice_detail_ids: string[] | null
}

export interface ProcessOutEvent {
  id: string
  project_id: string
  name: string
  data: { name: string; sandbox: boolean; transaction: ProcessOutTransaction }
  sandbox: boolean
  fired_at: string
}

/** What ProcessOut POSTs to a webhook URL: only a pointer to the event (docs: events). */
export interface ProcessOutWebhookBody {
  event_id: string
  event_type: string
}

export interface WebhookDelivery {
  url: string
  body: ProcessOutWebhookBody
  /** HTTP status of the receiver, or undefined when it could not be reached. */
  status?: number
  error?: string
}
