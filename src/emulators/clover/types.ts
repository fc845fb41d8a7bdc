/** Wire types of the Clover Ecommerce API as the emulator serves them. Amounts are integer cents. */

export type CloverErrorType = "card_error" | "invalid_request_error" | "api_error" | "idempotency_error"

/** `{"error": {...}}`: Clover's error envelope (docs.clover.com/docs/appendix, clover-ecomm-sdk lib/Error.js). */
export interface CloverErrorBody {
  error: {
    type: CloverErrorType
    code: string
    message: string
    param?: string
    /** Id of the failed charge, on card errors. */
    charge?: string
    decline_code?: string
  }
}

export interface CloverChargeSource {
  id: string
  brand: string
  first6: string
  last4: string
}

export interface CloverCharge {
  id: string
  object: "charge"
  amount: number
  amount_refunded: number
  amount_captured: number
  currency: string
  /** Unix time in milliseconds. */
  created: number
  captured: boolean
  paid: boolean
  status: "succeeded" | "failed"
  refunded: boolean
  source: CloverChargeSource
  outcome?: { network_status: string; type: string }
  ref_num?: string
  auth_code?: string
  failure_code?: string
  failure_message?: string
  description?: string
  external_reference_id?: string
  metadata?: Record<string, unknown>
  receipt_email?: string
  ecomind?: "ecom" | "moto" | "retail"
}

export type CloverRefundReason = "duplicate" | "fraudulent" | "requested_by_customer"

export interface CloverRefund {
  id: string
  object: "refund"
  amount: number
  charge: string
  /** Unix time in milliseconds. */
  created: number
  status: "succeeded"
  reason?: CloverRefundReason
  external_reference_id?: string
  metadata?: Record<string, unknown>
}

/** Clover app-webhook body (docs.clover.com/docs/webhooks). */
export interface CloverWebhookPayload {
  appId: string
  merchants: Record<string, Array<{ objectId: string; type: "CREATE" | "UPDATE" | "DELETE"; ts: number }>>
}

/** List responses: `{ data: [...] }`, newest first. */
export interface CloverList<T> {
  data: T[]
}
