/** Wire types of Checkout.com's APIs as the emulator serves them. Amounts are integer minor units. */

export interface CheckoutLink {
  href: string
}

export type CheckoutActionType = "Authorization" | "Card Verification" | "Void" | "Capture" | "Refund"

/** GET /payments/{id}/actions item (PaymentAction.yaml). */
export interface CheckoutPaymentAction {
  id: string
  type: CheckoutActionType
  processed_on: string
  amount: number
  approved: boolean
  response_code: string
  response_summary: string
  reference?: string
  metadata?: Record<string, unknown>
}

/** An action as the emulator keeps it: refunds are pending until they settle. */
export interface EmulatedAction extends Omit<CheckoutPaymentAction, "approved" | "response_code" | "response_summary" | "processed_on"> {
  state: "pending" | "processed"
  approved?: boolean
  response_code?: string
  response_summary?: string
  processed_on?: string
  requested_on: string
  /** Epoch ms when a pending refund settles (undefined: only settleRefunds() settles it). */
  due_at?: number
}

export interface CheckoutPaymentRecord {
  id: string
  requested_on: string
  amount: number
  currency: string
  payment_type: string
  reference?: string
  description?: string
  approved: boolean
  status: string
  response_code: string
  response_summary: string
  metadata?: Record<string, unknown>
  customer?: { id: string; email?: string; name?: string }
  source: { type: "card"; id: string; last4: string; bin: string; scheme: string; expiry_month: number; expiry_year: number }
  processing_channel_id?: string
  actions: EmulatedAction[]
  /** Partial captures and partial refunds so far (Checkout.com allows 150). */
  partial_actions: number
}

export interface CheckoutWebhookEvent {
  id: string
  type: string
  version: string
  created_on: string
  data: {
    id: string
    action_id?: string
    amount: number
    currency: string
    reference?: string
    response_code?: string
    response_summary?: string
    processed_on?: string
    metadata?: Record<string, unknown>
  }
  _links: { self: CheckoutLink; payment: CheckoutLink }
}

export interface SignedWebhook {
  event: CheckoutWebhookEvent
  /** The exact bytes to POST. */
  rawBody: string
  /** hex HMAC-SHA256 of rawBody with the signature key. */
  signature: string
  headers: Record<string, string>
}

export interface WebhookDelivery extends SignedWebhook {
  url: string
  /** HTTP status of the receiver, or the network error. */
  status?: number
  error?: string
}

// ---- classic v2 Charges API --------------------------------------------------------------

export interface ClassicChargeRecord {
  id: string
  originalId: string | null
  /** The charge at the head of the chain (the authorization). */
  rootId: string
  liveMode: boolean
  created: string
  value: number
  currency: string
  trackId: string | null
  description: string | null
  email: string | null
  chargeMode: number
  status: string
  autoCapture: "Y" | "N"
  responseCode: string
  responseMessage: string
  responseAdvancedInfo: string
  authCode: string
  /** Seed l.200: "N" in the refund answer. */
  hasChargeback: "Y" | "N"
  metadata: Record<string, string>
  udf1?: string
  udf2?: string
  udf3?: string
  udf4?: string
  udf5?: string
  products?: unknown[]
  card?: { id: string; last4: string; bin: string; paymentMethod: string }
}

export interface ClassicErrorBody {
  errorCode: string
  message: string
  eventId: string
  errors?: string[]
  errorMessageCodes?: string[]
}
