/**
 * Wire types of the Dodo Payments API as the emulator serves them: the official OpenAPI 1.53.2
 * (github dodopayments/dodo-docs openapi/openapi.documented.yml @ 2570212d81c9), the Create Refund page
 * (docs.dodopayments.com/api-reference/refunds/post-refunds, OpenAPI 1.102.0: seed 003; refund `metadata`),
 * and fields the official SDK's types call required (npm dodopayments 2.52.0), marked "SDK".
 * Amounts are integers in the currency's smallest unit, tax included.
 */

/** `{"code", "message"}`: Dodo's error body (docs.dodopayments.com/api-reference/error-codes). */
export interface DodoErrorBody {
  code: string
  message: string
}

export type DodoIntentStatus =
  | "succeeded"
  | "failed"
  | "cancelled"
  | "processing"
  | "requires_customer_action"
  | "requires_merchant_action"
  | "requires_payment_method"
  | "requires_confirmation"
  | "requires_capture"
  | "partially_captured"
  | "partially_captured_and_capturable"

export type DodoRefundStatus = "succeeded" | "failed" | "pending" | "review"

export type DodoTaxCategory = "digital_products" | "saas" | "e_book" | "edtech"

export interface DodoOneTimePrice {
  type: "one_time_price"
  /** Smallest unit; for pay-what-you-want products the minimum. */
  price: number
  currency: string
  discount: number
  purchasing_power_parity: boolean
  pay_what_you_want?: boolean
  suggested_price?: number | null
  tax_inclusive?: boolean | null
}

/** GetProductResponse (one-time prices only). */
export interface DodoProduct {
  product_id: string
  business_id: string
  brand_id: string
  created_at: string
  updated_at: string
  is_recurring: false
  license_key_enabled: boolean
  metadata: Record<string, string>
  name: string | null
  description: string | null
  image: string | null
  price: DodoOneTimePrice
  tax_category: DodoTaxCategory
  addons: string[] | null
}

export interface DodoCustomer {
  customer_id: string
  name: string
  email: string
}

export interface DodoCheckoutCartItem {
  product_id: string
  quantity: number
  amount?: number | null
}

/** A checkout session as the emulator keeps it (not a Dodo wire type: the API only returns its id and URL). */
export interface DodoCheckoutSession {
  session_id: string
  checkout_url: string
  created_at: string
  product_cart: DodoCheckoutCartItem[]
  metadata: Record<string, string>
  billing_currency: string | null
  customer: { name?: string; email?: string; customer_id?: string } | null
  return_url: string | null
  feature_flags: Record<string, boolean>
  /** Set once the customer paid (or tried to): a session makes one payment. */
  payment_id: string | null
}

export interface DodoRefundListItem {
  refund_id: string
  payment_id: string
  business_id: string
  status: DodoRefundStatus
  created_at: string
  is_partial: boolean
  amount: number | null
  currency: string | null
  reason: string | null
}

export interface DodoRefund extends DodoRefundListItem {
  brand_id: string
  customer: DodoCustomer
  metadata: Record<string, string>
}

export interface DodoPaymentLineItem {
  items_id: string
  /** Paid for the line, tax included. */
  amount: number
  /** Tax inside `amount`. */
  tax: number
  /** `amount` minus what refunds that did not fail took from it, tax included. */
  refundable_amount: number
  name: string | null
  description: string | null
}

export interface DodoPaymentLineItems {
  currency: string
  items: DodoPaymentLineItem[]
}

/** CheckoutSessionStatus (SDK: `checkoutSessions.retrieve` → GET /checkouts/{id}; not in spec 1.53.2). */
export interface DodoCheckoutSessionStatus {
  id: string
  created_at: string
  customer_email: string | null
  customer_name: string | null
  payment_id: string | null
  payment_status: DodoIntentStatus | null
}

/** Fields the SDK's Payment and PaymentListResponse types call required that spec 1.53.2 lacks. */
export interface DodoSdkPaymentFields {
  is_multi_subscription: boolean
  payment_provider: "stripe" | "adyen" | "dodo"
  subscription_ids: string[]
}

/** GetPaymentsListResponseItem, plus the SDK's required PaymentListResponse fields. */
export interface DodoPaymentListItem extends DodoSdkPaymentFields {
  payment_id: string
  brand_id: string
  created_at: string
  currency: string
  customer: DodoCustomer
  digital_products_delivered: boolean
  has_license_key: boolean
  metadata: Record<string, string>
  payment_method: string | null
  payment_method_type: string | null
  status: DodoIntentStatus | null
  subscription_id: string | null
  total_amount: number
}

/** PaymentResponse, plus the SDK's required Payment fields. */
export interface DodoPayment extends DodoSdkPaymentFields {
  payment_id: string
  business_id: string
  brand_id: string
  status: DodoIntentStatus | null
  total_amount: number
  tax: number | null
  currency: string
  settlement_amount: number
  settlement_currency: string
  settlement_tax: number | null
  created_at: string
  updated_at: string | null
  customer: DodoCustomer
  billing: { city: string; country: string; state: string; street: string; zipcode: string }
  metadata: Record<string, string>
  product_cart: Array<{ product_id: string; quantity: number }> | null
  refunds: DodoRefundListItem[]
  disputes: unknown[]
  checkout_session_id: string | null
  subscription_id: string | null
  discount_id: string | null
  payment_link: string | null
  payment_method: string | null
  payment_method_type: string | null
  card_last_four: string | null
  card_network: string | null
  card_type: string | null
  card_issuing_country: string | null
  error_code: string | null
  error_message: string | null
  digital_products_delivered: boolean
  is_update_payment_method: boolean
  retry_attempt: number
}

export type DodoEventType =
  | "payment.succeeded"
  | "payment.failed"
  | "payment.processing"
  | "payment.cancelled"
  | "refund.succeeded"
  | "refund.failed"

/** OutgoingWebhook: `data` is the latest object with its `payload_type`. */
export interface DodoWebhookPayload {
  business_id: string
  type: DodoEventType
  timestamp: string
  data: (DodoPayment & { payload_type: "Payment" }) | (DodoRefund & { payload_type: "Refund" })
}

/** One webhook the emulator sent (or would have sent, without a webhook URL). */
export interface DodoWebhookDelivery {
  webhookId: string
  type: DodoEventType
  url: string | null
  headers: Record<string, string>
  body: string
  /** HTTP status of the receiver, or null when not sent or not answered. */
  status: number | null
  error?: string
}
