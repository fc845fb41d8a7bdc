/**
 * Excerpts of Fiserv's public Commerce Hub documents, copied so the conformance suite needs nothing outside this
 * repository. Each names its source; quotes are verbatim (JSON examples byte for byte where marked).
 */

const REPO = "https://github.com/Fiserv/Commerce-Hub/blob"

/**
 * The seed: Refund.md as of 2021-06-25.
 * https://github.com/Fiserv/Commerce-Hub/blob/97248cbfcc814ed7ee5084adb0fed5146d15d704/docs/Resources/API-Documents/Payments/Refund.md
 */
export const SEED = {
  source: `${REPO}/97248cbfcc814ed7ee5084adb0fed5146d15d704/docs/Resources/API-Documents/Payments/Refund.md`,
  /** Line 10. */
  settledRule:
    "Refund Request can be initiated against a [charge](?path=docs/Resources/API-Documents/Payments/Charges.md) only if it is already been [captured](?path=docs/Resources/API-Documents/Payments/Capture.md) and settled, otherwise submit a [cancel](?path=docs/Resources/API-Documents/Payments/Cancel.md) request.",
  /** Lines 23-24. */
  partialRefund: "A request submitted with the `amount` object for a partial `total`.",
  fullRefund: "Can be submitted without the `amount` object to refund the full `total`, or submitted with the `amount` object for the full `total`.",
  /** Lines 33-34: the `amount` table (variable, type, maximum length). */
  amountTable: { total: { type: "number", maxLength: 12 }, currency: { type: "string", maxLength: 3 } },
  /** Lines 45 and 47. */
  endpoints: ["/payments/v1/charges/{transactionId}/refund", "/payments/v1/charges/orders/{orderId}/refund"],
  /** Lines 60-67, byte for byte: "Example of a Parital Refund Payload Request." */
  exampleRequest: `{
  "amount": {
    "total": "1.50",
    "currency": "USD"
  }
}`,
  /** Lines 83-144, byte for byte: "Example of a Partial Refund (200: Success) Response." */
  exampleResponse: `{
  "gatewayResponse": {
    "orderId": "R-3b83fca8-2f9c-4364-86ae-12c91f1fcf16",
    "transactionType": "refund",
    "transactionState": "authorized",
    "transactionOrigin": "ecom",
    "transactionProcessingDetails": {
      "transactionDate": "2016-04-16",
      "transactionTime": "2016-04-16T16:06:05Z",
      "apiTraceId": "rrt-0bd552c12342d3448-b-ea-1142-12938318-7",
      "clientRequestId": "30dd879c-ee2f-11db-8314-0800200c9a66",
      "transactionId": "838916029301"
    }
  },
  "amount": {
    "total": "1.50",
    "currency": "USD"
  },
  "source": {
    "sourceType": "PaymentToken"
  },
  "transactionDetails": {
    "captureFlag": "TRUE",
    "accountVerification": "FALSE",
    "processingCode": "000000",
    "merchantTransactionId": "1343678765",
    "merchantOrderId": "845366457890-TODO",
    "receiptEmail": "abc@gmail.com",
    "paymentDescription": ""
  },
  "transactionProcessingDetails": {
    "transactionDate": "2016-04-16",
    "transactionTime": "2016-04-16T16:06:05Z",
    "apiTraceId": "rrt-0bd552c12342d3448-b-ea-1142-12938318-7",
    "clientRequestId": "30dd879c-ee2f-11db-8314-0800200c9a66",
    "transactionId": "838916029301"
  },
  "paymentReceipt": {
    "approvedAmount": {
      "total": "1.50",
      "currency": "USD"
    },
    "processorResponseDetails": {
      "approvalStatus": "APPROVED",
      "approvalCode": "OK3483",
      "referenceNumber": "845366457890-TODO",
      "schemeTransactionId": "019078743804756",
      "feeProgramIndicator": "",
      "processor": "fiserv",
      "responseCode": "00",
      "responseMessage": "APPROVAL",
      "hostResponseCode": "54022",
      "hostResponseMessage": "",
      "localTimestamp": "2016-04-16T16:06:05Z",
      "bankAssociationDetails": {
        "associationResponseCode": "000",
        "transactionTimestamp": "2016-04-16T16:06:05Z"
      }
    }
  }
}`,
}

/**
 * The Commerce Hub OpenAPI spec 1.24.11.
 * https://github.com/Fiserv/Commerce-Hub/blob/8f8573860f67764e33db768ca054c2eda9bfe754/reference/1.24.11/openapi.yaml
 */
export const SPEC = {
  source: `${REPO}/8f8573860f67764e33db768ca054c2eda9bfe754/reference/1.24.11/openapi.yaml`,
  /** components/schemas/TransactionDetails/properties/captureFlag/description. */
  captureFlagDefault:
    "Designates if the transaction should be captured. Set to false for authorization or true for capture. If not provided in a charges or refunds request, it defaults to true.",
  /** Success statuses of the operations (paths: responses). */
  statuses: { charges: 201, cancels: 200, refunds: 201, inquiry: 201 },
  /** components/schemas/Amount/properties/total/maximum. */
  totalMaximum: "999999999999999999.999",
  /** maxLength of components/schemas/ReferenceTransactionDetails and TransactionDetails properties. */
  maxLength: {
    referenceTransactionId: 40,
    referenceMerchantTransactionId: 128,
    merchantTransactionId: 128,
    merchantOrderId: 128,
    reversalReasonCode: 22,
    paymentDescription: 1024,
  },
  /** components/examples/SecondaryRequestWithReferenceTransactionId (refunds and cancels), as YAML there. */
  secondaryRequest: {
    referenceTransactionDetails: { referenceTransactionId: "362866ac81864d7c9d1ff8b5aa6e98db" },
    amount: { total: 12.04, currency: "USD" },
    transactionDetails: { merchantInvoiceNumber: "123456789012" },
    merchantDetails: { terminalId: "10000001", merchantId: "100008000003683" },
  },
  /** components/examples/TransactionInquiryByMerchantOrderIdRequest. */
  inquiryByMerchantOrderId: {
    referenceTransactionDetails: { referenceMerchantOrderId: "RKOrdID-822715036" },
    merchantDetails: { merchantId: "100008000003683" },
  },
  /** components/examples/CancelResponse, gatewayResponse (transactionProcessingDetails left out). */
  cancelResponseGateway: { transactionType: "CANCEL", transactionState: "AUTHORIZED", transactionOrigin: "ECOM" },
  /** components/examples/RefundResponse, gatewayResponse (transactionProcessingDetails left out). */
  refundResponseGateway: { transactionType: "REFUND", transactionState: "AUTHORIZED", transactionOrigin: "ECOM" },
  /** components/responses/BadRequest example: the error answer's shape. */
  errorShape: { gatewayResponse: { transactionProcessingDetails: ["apiTraceId", "clientRequestId"] }, error: ["type", "code", "field", "message"] },
}

/** Fiserv/Commerce-Hub docs at 8f8573860f67764e33db768ca054c2eda9bfe754 (2024-10-24). */
const DOCS = `${REPO}/8f8573860f67764e33db768ca054c2eda9bfe754/docs`

export const CANCEL_MD = {
  source: `${DOCS}/Resources/API-Documents/Payments/Cancel.md`,
  rule: "A cancel request can be initiated against an [authorization](?path=docs/Resources/API-Documents/Payments/Charges.md) that has not been [captured](?path=docs/Resources/API-Documents/Payments/Capture.md), or a [sale](?path=docs/Resources/API-Documents/Payments/Charges.md) that has not been settled *(batched)*, otherwise submit a [reversal request](?path=docs/Resources/API-Documents/Payments/Refund.md).",
  types: [
    "- **Partial:** A request submitted with the `amount` object for a partial `total`.",
    "- **Full:** Can be submitted without the `amount` object to cancel the full `total`, or submitted with the `amount` object for the full `total`.",
  ],
  partialOnly:
    "Commerce Hub currently only supports partial cancels for [terminal direct](?path=docs/Resources/FAQs-Glossary/Glossary.md#direct-capture) and [gateway](?path=docs/Resources/FAQs-Glossary/Glossary.md#gateway-capture) settlement on the Nashville front-end processor.",
  /** The minimum request, as in the document (ids are the document's). */
  exampleRequest: {
    referenceTransactionDetails: { referenceTransactionId: "84356531348" },
    transactionDetails: { reversalReasonCode: "VOID" },
    merchantDetails: { merchantId: "100008000003683", terminalId: "10000001" },
  },
  reversalReasonCodes: { VOID: "A transaction that is used to cancel or fully reverse a previous transaction.", PARTIAL: "A reversal transaction where the amount is less than the original authorization amount." },
}

export const REFUND_AUTH_CAPTURE_MD = {
  source: `${DOCS}/Resources/API-Documents/Payments/Refund-Auth-Capture.md`,
  rule: "All online refunds not submitted with `captureFlag` *true* require a subsequent [Refunds API capture request](#submit-a-refunds-api-capture-request) to complete the settlement of the authorized refund.",
  /** Its pre-authorization request (answer: transactionState AUTHORIZED) and capture request (answer: CAPTURED). */
  authorizationRequest: {
    referenceTransactionDetails: { referenceTransactionId: "84356531348" },
    amount: { total: 12.04, currency: "USD" },
    transactionDetails: { captureFlag: false },
    merchantDetails: { merchantId: "100008000003683", terminalId: "10000001" },
  },
  captureRequest: {
    referenceTransactionDetails: { referenceTransactionId: "84356531348" },
    transactionDetails: { captureFlag: true },
    merchantDetails: { merchantId: "100008000003683", terminalId: "10000001" },
  },
}

export const REFUND_TAGGED_MD = {
  source: `${DOCS}/Resources/API-Documents/Payments/Refund-Tagged.md`,
  singleReference: "Only a single transaction identifier should be passed within the request.",
}

/** Error-Code.md: the codes this suite expects, with Fiserv's messages. */
export const ERROR_CODES = {
  source: `${DOCS}/Resources/Guides/Response-Codes/Error-Code.md`,
  codes: {
    "105": "Invalid Amount or Currency",
    "131": "Missing Referenced Transaction",
    "740": "Partial Reversal Not Allowed For The Endpoint",
    "764": "Referenced transaction not found",
    "804": "Currency Mismatch",
    "810": "Amount is Greater Than Refund/Void",
    "816": "Duplicate Refund",
    "829": "Unable to Cancel: Transaction Settled",
    "836": "Amount Must Be >$0",
    "837": "Unable to Refund: Transaction Not in a Captured or Authorized Status",
  },
}

export const CURRENCY_CODE_MD = {
  source: `${DOCS}/Resources/Master-Data/Currency-Code.md`,
  rule: "When submitting the `total` ensure the correct precision usage; e.g. 10 GBP is submitted as 10.00, 10 JPY is submitted as 10, and 10 JOD is submitted as 10.000.",
}

export const AUTHENTICATION_MD = {
  source: `${DOCS}/Resources/API-Documents/Authentication-Header.md`,
  /** Its JavaScript sample's signed string; "Signature algorithm: SHA256 HMAC", "Signature encoding: Base64". */
  rawSignature: "var rawSignature = apiKey + clientRequestId + timeStamp + requestBody;",
}

export const IDEMPOTENCY_MD = {
  source: `${DOCS}/Resources/Guides/Idempotency.md`,
  window: "validated against all `Client-Request-Ids` received by Commerce Hub within a predetermined time frame *(five minutes is the default)*",
  rule: "Commerce Hub will verify the status of the original request and if the original request received a response from the host will send the original response back to the merchant.",
}
