/**
 * Checkout.com's own example requests and answers, copied (data only) so the conformance suites stand
 * alone. Each names its public source.
 */

/**
 * Classic v2 Charges API, "Refund a payment" (Checkout.com's classic docs; copied into this project as
 * seed 001_582b7c543957e3ce.txt, whose public address was not recorded: UNCONFIRMED, formerly under
 * docs.checkout.com / archive.docs.checkout.com). `CLASSIC_SEED_LINE` in the suites cites its line numbers.
 * Request example, lines 71-92 (curl -d body).
 */
export const SEED_REFUND_REQUEST = {
  value: "2000",
  trackId: "TRK12345",
  description: "The T-Shirt Store",
  products: [
    {
      description: "T-Shirt ladies medium",
      image: null,
      name: "T-Shirt ladies",
      price: 2000,
      quantity: 1,
      shippingCost: 0,
      sku: "tee123",
      trackingUrl: "https://www.example.com",
    },
  ],
  udf1: "null",
  udf2: "null",
  udf3: "null",
  udf4: "null",
  udf5: "null",
}

/** Same page, "Response example", lines 186-221. */
export const SEED_REFUND_RESPONSE = {
  id: "charge_test_8C5A496E242M73BD0AE1",
  originalId: "charge_test_8F3A796E242G73BD0AC3",
  liveMode: false,
  created: "2018-03-22T18:03:13Z",
  value: 2000,
  currency: "USD",
  trackId: "TRK12345",
  description: "The T-Shirt Store",
  chargeMode: 1,
  responseMessage: "Approved",
  responseAdvancedInfo: "Approved",
  responseCode: "10000",
  status: "Refunded",
  hasChargeback: "N",
  metadata: { product: "T-Shirt" },
  products: [
    {
      name: "T-Shirt ladies",
      description: "T-Shirt ladies medium",
      sku: "tee123",
      price: 2000,
      quantity: 1,
      image: null,
      shippingCost: 0,
      trackingUrl: "https://www.example.com",
    },
  ],
  udf1: "null",
  udf2: "null",
  udf3: "null",
  udf4: "null",
  udf5: "null",
}

const SPEC = "https://github.com/checkout/checkout-api-reference/blob/2fc946cd22e9a6b8e3a33db3c5f4be4d3fe7d74c"

/** Source files of the Payments API examples below (checkout/checkout-api-reference, 2021-07-20). */
export const SPEC_SOURCES = {
  paymentRequest: `${SPEC}/nas_spec/paths/payments.yaml`,
  captureRequest: `${SPEC}/nas_spec/components/schemas/Payments/CaptureRequest.yaml`,
  refundRequest: `${SPEC}/nas_spec/components/schemas/Payments/RefundRequest.yaml`,
  voidRequest: `${SPEC}/nas_spec/components/schemas/Payments/VoidRequest.yaml`,
  actions: `${SPEC}/nas_spec/components/schemas/Payments/PaymentActionsResponse.yaml`,
  captureGuide: "https://www.checkout.com/docs/payments/manage-payments/capture-a-payment",
  amountFormat: "https://www.checkout.com/docs/payments/accept-payments/format-the-amount-value",
}

/** POST /payments (requestAPaymentOrPayout), request example "Payment": nas_spec/paths/payments.yaml. */
export const SPEC_PAYMENT_REQUEST = {
  source: { type: "token", token: "tok_4gzeau5o2uqubbk6fufs3m7p54" },
  amount: 6540,
  currency: "USD",
  payment_type: "Recurring",
  reference: "ORD-5023-4E89",
  description: "Set of 3 masks",
  capture: true,
  capture_on: "2019-09-10T10:11:12Z",
  customer: { id: "cus_udst2tfldj6upmye2reztkmm4i", email: "jokershere@gmail.com", name: "Jack Napier" },
  billing_descriptor: { name: "SUPERHEROES.COM", city: "GOTHAM" },
  shipping: {
    address: { address_line1: "Checkout.com", address_line2: "90 Tottenham Court Road", city: "London", state: "London", zip: "W1T 4TJ", country: "GB" },
    phone: { country_code: "+1", number: "415 555 2671" },
  },
  "3ds": { enabled: true, attempt_n3d: true, eci: "05", cryptogram: "AgAAAAAAAIR8CQrXcIhbQAAAAAA=", xid: "MDAwMDAwMDAwMDAwMDAwMzIyNzY=", version: "2.0.1" },
  previous_payment_id: "pay_fun26akvvjjerahhctaq2uzhu4",
  risk: { enabled: false },
  success_url: "http://example.com/payments/success",
  failure_url: "http://example.com/payments/fail",
  payment_ip: "90.197.169.245",
  recipient: { dob: "1985-05-15", account_number: "5555554444", zip: "W1T", last_name: "Jones" },
  metadata: { coupon_code: "NY2018", partner_id: 123989 },
}

/** PaymentResponse.yaml `required` (201) and its status enum; Payment.yaml `required` (GET /payments/{id}). */
export const SPEC_PAYMENT_RESPONSE_REQUIRED = ["id", "action_id", "amount", "currency", "approved", "status", "response_code", "processed_on", "_links"]
export const SPEC_PAYMENT_RESPONSE_STATUSES = ["Authorized", "Pending", "Card Verified", "Captured", "Declined", "Paid"]
export const SPEC_PAYMENT_REQUIRED = ["id", "requested_on", "amount", "currency", "status", "approved", "_links"]
export const SPEC_PAYMENT_STATUSES = [
  "Pending", "Authorized", "Card Verified", "Voided", "Partially Captured", "Captured", "Partially Refunded", "Refunded", "Declined", "Canceled", "Expired", "Paid",
]

/** CaptureRequest.yaml, RefundRequest.yaml and VoidRequest.yaml property examples, as one request each. */
export const SPEC_CAPTURE_REQUEST = { amount: 6540, capture_type: "Final", reference: "ORD-5023-4E89", metadata: { coupon_code: "NY2018", partner_id: 123989 } }
export const SPEC_REFUND_REQUEST = { amount: 6540, reference: "ORD-5023-4E89", metadata: { coupon_code: "NY2018", partner_id: 123989 } }
export const SPEC_VOID_REQUEST = { reference: "ORD-5023-4E89", metadata: { coupon_code: "NY2018", partner_id: 123989 } }

/** The capture guide's request example (SPEC_SOURCES.captureGuide). */
export const GUIDE_CAPTURE_REQUEST = { amount: 100, reference: "ORD-752-814", capture_type: "Final" }

/** PaymentActionsResponse.yaml example (ids and processing details left out): latest first. */
export const SPEC_ACTIONS_EXAMPLE = [
  { type: "Refund", amount: 1000, approved: true, response_code: "10000", response_summary: "Approved" },
  { type: "Capture", amount: 6540, approved: true, response_code: "10000", response_summary: "Approved", metadata: { shipping_ref: "MQIBN2" } },
  { type: "Authorization", amount: 6540, approved: true, response_code: "10000", response_summary: "Approved", reference: "ORD-5023-4E89" },
]
/** PaymentAction.yaml `required` and its type enum. */
export const SPEC_ACTION_REQUIRED = ["id", "type", "amount", "response_code", "processed_on"]
export const SPEC_ACTION_TYPES = ["Authorization", "Card Verification", "Void", "Capture", "Refund", "Payout", "Return"]
