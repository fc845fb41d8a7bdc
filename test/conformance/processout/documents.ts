/**
 * Excerpts of ProcessOut's documents, copied so the conformance suite stands alone (nothing outside this
 * repository is read). Two sources:
 *
 * SEED: ProcessOut's page on refunds ("After a customer has made a payment on an invoice, you have the option to
 *   refund…", with the "Refund object" field list), from docs.processout.com, as copied in the project's seed
 *   004_afdedcaab45cf32f.txt. The seed does not record the page's exact URL; line numbers ("L7") are the seed's.
 * SPEC: the OpenAPI assembly of ProcessOut's API-reference pages by API Evangelist (third party),
 *   https://github.com/api-evangelist/processout/blob/6c5f2fe8aa2d0b44e6c2596f5ab2d95eaf01e9b9/openapi/_original/processout-openapi.json
 *   Each operation's `operationId` is the slug of its reference page: https://docs.processout.com/reference/<operationId>.
 *   Examples are copied verbatim, answers trimmed to the fields the suite compares (marked "trimmed");
 *   descriptions are quoted with their markdown removed.
 */

/** SEED L7. */
export const SEED_MAJOR_UNITS =
  "Note that you should specify the amount in the major unit of your currency rather than the minor unit (so this would mean dollars rather than cents if the currency is USD, for example)."

/** SEED L1 and L5: a part or the total; several partial refunds. */
export const SEED_PART_OR_TOTAL = "you have the option to refund a part or the total of the amount they paid"

/** SEED L13-31, "Refund object / List of fields": name, type, readonly, description. */
export const SEED_REFUND_OBJECT: ReadonlyArray<{ field: string; type: "string" | "boolean" | "object" | "datetime" | "[]string"; readonly: boolean; line: number; text: string }> = [
  { field: "id", type: "string", readonly: true, line: 14, text: "String value that uniquely identifies the refund." },
  { field: "transaction_id", type: "string", readonly: false, line: 17, text: "(Expandable) Transaction for which the refund was issued." },
  { field: "reason", type: "string", readonly: false, line: 18, text: "Reason for the refund (customer_request, duplicate or fraud)." },
  { field: "information", type: "string", readonly: false, line: 19, text: "Extra information about the refund." },
  { field: "amount", type: "string", readonly: false, line: 20, text: "Refund amount applied to the transaction." },
  { field: "has_failed", type: "boolean", readonly: true, line: 21, text: "Denotes whether or not this refund failed asynchronously." },
  { field: "metadata", type: "object", readonly: false, line: 24, text: "Metadata related to the refund, in the form of key-value pairs (string - string)." },
  { field: "sandbox", type: "boolean", readonly: true, line: 25, text: "Denotes whether or not this refund was created in the sandbox testing environment." },
  { field: "created_at", type: "datetime", readonly: true, line: 28, text: "Date and time when this refund was created." },
  { field: "invoice_detail_ids", type: "[]string", readonly: false, line: 31, text: "List of invoice detail IDs for which the refund is made." },
]

/** SPEC, every operation's 401 example (identical on each). */
export const SPEC_401 = {
  success: false,
  message:
    "Could not read your project ID. Please make sure to use Basic HTTP authentication using your project ID as the username. If you have any questions, feel free to ask for help at help@processout.com!",
  error_type: "request.authentication.invalid",
}

/** SPEC, every operation's 4XX example: the error envelope. */
export const SPEC_4XX = { error_type: "*Error code*", message: "*Error message*", success: false }

/** SPEC 404 examples: fetch-an-invoice, authorizing-an-invoice, capture-an-invoice, refund-an-invoice; fetching-a-transaction; fetching-an-event. */
export const SPEC_404_INVOICE = { error_type: "resource.invoice.not-found", message: "The invoice could not be found.", success: false }
export const SPEC_404_TRANSACTION = { error_type: "resource.transaction.not-found", message: "The transaction could not be found.", success: false }
export const SPEC_404_EVENT = { error_type: "resource.event.not-found", message: "The event could not be found.", success: false }

/** SPEC authorizing-an-invoice and capture-an-invoice, 410 "Transaction error". */
export const SPEC_410_DECLINE = { error_type: "card.do-not-honor", message: "The bank has returned a do-not-honor error", success: false }

/** SPEC refund-an-invoice, 400. */
export const SPEC_400_NOTHING_TO_REFUND = {
  error_type: "request.validation.invalid-amount",
  message: "No amount is available on the transaction to be refunded.",
  success: false,
}

/** SPEC create-an-invoice request body: `required` and the field descriptions the suite checks. */
export const SPEC_CREATE_INVOICE = {
  required: ["name", "amount", "currency"],
  amount: "Amount to be paid. Maximum 4 decimal places supported as per ISO 4217.",
  currency: "Currency for payment of the invoice, in ISO 4217 format (for example, USD). Must be a valid ISO 4217 currency code with 3 characters",
  return_url: "For APMs, this is the URL to return to the app after payment is accepted. Must be a valid URL",
  webhook_url: "Custom webhook URL for this purchase. Must be a valid URL",
  metadata: "Custom key/value pair (string/string) metadata that can be used to identify the transaction.",
}

/** SPEC create-an-invoice 200 (trimmed). Its request is not in the spec; the suite sends these same fields. */
export const SPEC_CREATE_INVOICE_200 = {
  invoice: {
    id: "iv_MyNUnrEwNf7mrXZO1x6x8eeCoTWC8OQG",
    project_id: "proj_IFCgGTmyClrgTOzsschN1y7GJttHVQ7S",
    transaction_id: "tr_Cln3zmZ31m5Crcgz5sfggomIiMm3Mmbm",
    name: "Amazing Product",
    amount: "29",
    currency: "EUR",
    metadata: { fruit: "banana" },
    return_url: "https://mycompany.com/return-url",
    cancel_url: null,
    webhook_url: "https://mycompany.com/webhook",
    sandbox: true,
    url: "https://checkout.processout.com/test-proj_IFCgGTmyClrgTOzsschN1y7GJttHVQ7S/iv_MyNUnrEwNf7mrXZO1x6x8eeCoTWC8OQG",
    created_at: "2023-04-21T17:57:22.807583563Z",
    expires_at: null,
  },
  success: true,
}

/** SPEC authorizing-an-invoice request field `source` and the capture-an-invoice fields the suite uses. */
export const SPEC_AUTHORIZE_SOURCE = "Source used to authorization the payment. Can be a card, a token or a gateway request."
export const SPEC_CAPTURE_SOURCE = "Source used to capture the payment. Can be a card, a token or a gateway request."
export const SPEC_CAPTURE_AMOUNT = "Amount to capture partially the transaction"
/** SPEC, the `Idempotency-Key` header of every operation. */
export const SPEC_IDEMPOTENCY_KEY = "Unique key to your request that will be used for idempotency"

/** SPEC authorizing-an-invoice 200 (trimmed): an authorized transaction. */
export const SPEC_AUTHORIZE_200 = {
  success: true,
  transaction: {
    id: "tr_7FPylQ0EOrLpcYw3E6OhdCEVnRCdFqoZ",
    project_id: "proj_IFCgGTmyClrgTOzsschN1y7GJttHVQ7S",
    invoice_id: "iv_RRW65C1I2jAGiFuwhEtW5UGU1tMkBRBS",
    name: "Amazing Product",
    currency: "EUR",
    metadata: { fruit: "banana" },
    sandbox: true,
    created_at: "2023-04-21T20:24:37.850357Z",
    status: "authorized",
    card_id: "card_TVeLAxjOaiHzru3m7T1o0ZLUg6cXIQe8",
    error_code: null,
    error_message: null,
    amount: "29",
    authorized_amount: "29",
    captured_amount: "0",
    available_amount: "0",
    refunded_amount: "0",
    authorized: true,
    captured: false,
    refunded: false,
    voided: false,
    attempts_count: 1,
    refunds: null,
  },
}

/** SPEC fetching-a-transaction 200 "Payout Items expanded" (trimmed): a captured transaction. */
export const SPEC_TRANSACTION_CAPTURED_200 = {
  success: true,
  transaction: {
    id: "tr_RbYZcNz86hRLVNOGKOGmIyyibguwFds5",
    invoice_id: "iv_xILrHuS1UQQCGSkbTxf6v6YF6DHzMT3Z",
    currency: "EUR",
    status: "completed",
    amount: "40",
    authorized_amount: "40",
    captured_amount: "40",
    available_amount: "40",
    refunded_amount: "0",
    voided_amount: "0",
    authorized: true,
    captured: true,
    refunded: false,
    voided: false,
    captured_at: "2024-02-26T08:20:50Z",
    refunds: null,
  },
}

/** SPEC refund-an-invoice 200, verbatim. */
export const SPEC_REFUND_200 = {
  refund: {
    id: "refd_F5rkWLrLw2KmzwTovfqG5YcRvtrxrjOb",
    transaction_id: "tr_WlfUgjdJRXGzNy6EQqPuQYpjkXwqogYM",
    amount: "29",
    metadata: {},
    reason: "customer_request",
    information: "",
    funding_source: "",
    has_failed: false,
    sandbox: true,
    created_at: "2023-04-24T16:19:42.771525314Z",
    invoice_detail_ids: null,
  },
  success: true,
}

/** SPEC refund-an-invoice request body: required `amount`; `reason` enum and default. */
export const SPEC_REFUND_REQUEST = {
  required: ["amount"],
  reasons: ["customer_request", "duplicate", "fraud", "other"],
  reasonDefault: "other",
  reason: "Reason for the refund (`customer_request`, `duplicate`, `fraud` or `other`).",
}

/** SPEC fetching-an-event 200 (trimmed): the event of a failed transaction. */
export const SPEC_EVENT_200 = {
  event: {
    id: "ev_rV1yRUxr8IZ4p5sumcW2fbLxRy4FTB3C",
    project_id: "proj_jhgTvqTxNmyJVwAaKHDk3C4wqFFPah8r",
    webhooks: null,
    name: "transaction.failed",
    data: {
      name: "transaction.failed",
      sandbox: true,
      transaction: { id: "tr_NcIZWFdUQhfOQdfefQov14vN77tRa2Yn", invoice_id: "iv_gDvoOlsMlUSlGbBf7XEaZtNhMu3qcxRB", status: "failed", currency: "EUR", amount: "10", error_code: "card.failed-cvc", error_message: "Bad Track Data", authorized: false, captured: false },
    },
    sandbox: true,
    fired_at: "2023-04-22T15:48:57.55294073Z",
  },
  success: true,
}

/**
 * Spec GET /invoices/{invoice_id} (fetch-an-invoice) and POST /invoices (create-an-invoice) 200 examples: the
 * invoice's `details`, an array of items, each with its `iv_det_…` id (the detail a refund names: seed 004 L31).
 * The request's `details` fields and limits are the spec's POST /invoices schema (name "Maximum 80 characters long").
 */
export const SPEC_INVOICE_DETAIL = {
  id: "iv_det_M2LqRkMXxkTSu4CWTMY0X4QKrzz2Urbu",
  name: "iPhone 14 Pro",
  type: "Smartphone",
  amount: "1000",
  quantity: 1,
  reference: "12221341242",
  description: "iPhone 11 Pro 256Gb Red blablabla",
  brand: "Apple",
  model: "14 Pro",
  discount_amount: "0",
  condition: "new",
  marketplace_merchant: null,
  marketplace_merchant_is_business: null,
  marketplace_merchant_created_at: null,
  category: "technology",
  metadata: {},
}
