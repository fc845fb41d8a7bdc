/** Wire types of the Clover Ecommerce API as the emulator serves them. Amounts are integer cents. */

/**
 * Error types listed in docs.clover.com/dev/docs/ecommerce-api-response-codes-descriptions (`type`);
 * `api_connection_error` is the client's own and never answered.
 */
export type CloverErrorType =
  | "card_error"
  | "invalid_request_error"
  | "api_error"
  | "idempotency_error"
  | "authentication_error"
  | "rate_limit_error"

/**
 * `{"message": "<HTTP status>", "error": {...}}`. The response-codes page lists the answer's message as the HTTP
 * status ("400 Bad Request") and the error's variables (type, code, message, param, charge, decline_code,
 * doc_url); clover-ecomm-sdk 1.0.0 (lib/net/Resources.js `_responseHandler`) raises only when the body has a
 * top-level `message`, and builds the error from `error` by its `type`.
 */
export interface CloverErrorBody {
  message: string
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
  /** "succeeded" or "failed" (docs.clover.com/docs/ecommerce-refunding-payments: "succeeded or failed"). */
  status: "succeeded" | "failed"
  /**
   * "Explanation of why the refund cannot be performed": the createrefund reference's field as the goparrot
   * clover-api-client reproduces it (ICloverRefundRes); not in the seed or the assembled spec.
   */
  failure_reason?: string
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
