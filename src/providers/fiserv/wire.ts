import { z } from "zod"
import type { JsonDecimal } from "../../core/json"

// Commerce Hub wire format (specs fiserv-commerce-hub-1.24.11 and the 1.0.0 URI-style legacy spec). Answers are
// checked with these schemas; unknown fields pass through. Totals are JSON numbers in major units; the HTTP
// client reads answers with JSON.parse, so they are read back through their shortest decimal text (exact up
// to 15 significant digits; README "Fiserv", amounts). Our own amounts never come from answers.

const amountSchema = z.looseObject({
  total: z.union([z.number(), z.string()]).optional(),
  currency: z.string().optional(),
})

export const fiservTransactionSchema = z.looseObject({
  gatewayResponse: z.looseObject({
    transactionType: z.string().optional(),
    transactionState: z.string().optional(),
    transactionOrigin: z.string().optional(),
    transactionProcessingDetails: z.looseObject({
      orderId: z.string().optional(),
      transactionId: z.string().min(1),
      transactionTimestamp: z.string().optional(),
      clientRequestId: z.string().optional(),
      apiTraceId: z.string().optional(),
    }),
  }),
  paymentReceipt: z
    .looseObject({
      approvedAmount: amountSchema.optional(),
      processorResponseDetails: z
        .looseObject({
          approvalStatus: z.string().optional(),
          approvalCode: z.string().optional(),
          responseCode: z.string().optional(),
          responseMessage: z.string().optional(),
          hostResponseCode: z.string().optional(),
          hostResponseMessage: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
  transactionDetails: z
    .looseObject({
      captureFlag: z.union([z.boolean(), z.string()]).optional(),
      merchantTransactionId: z.string().optional(),
      merchantOrderId: z.string().optional(),
      reversalReasonCode: z.string().optional(),
    })
    .optional(),
  referenceTransactionDetails: z.looseObject({ referenceTransactionId: z.string().optional() }).optional(),
  /** spec TransactionBatch: the batch a captured transaction joined (settled when the batch closes). */
  transactionBatch: z.looseObject({ julianDay: z.string().optional(), batchNumber: z.string().optional() }).optional(),
})
export type FiservTransaction = z.output<typeof fiservTransactionSchema>

export const fiservInquirySchema = z.array(fiservTransactionSchema)

const errorItemSchema = z.looseObject({
  type: z.string().optional(),
  code: z.string().optional(),
  field: z.string().optional(),
  message: z.string().optional(),
})

const errorEnvelope = z.looseObject({
  gatewayResponse: z.looseObject({ transactionState: z.string().optional() }).optional(),
  error: z.array(errorItemSchema).optional(),
})

/** Both documented error shapes: `error[]` at the top (spec) or inside `errorResponse` (error-response guide). */
export const fiservErrorSchema = z.union([z.looseObject({ errorResponse: errorEnvelope }), errorEnvelope])

// ---- Requests ------------------------------------------------------------------------------------

export interface FiservAmount {
  total: JsonDecimal
  currency: string
}

export interface FiservMerchantDetails {
  merchantId: string
  terminalId: string
}

export interface FiservReference {
  referenceTransactionId?: string
  referenceMerchantTransactionId?: string
  referenceOrderId?: string
  referenceMerchantOrderId?: string
}

export type FiservSource =
  | { sourceType: "PaymentToken"; tokenData: string; tokenSource?: string; card?: { expirationMonth?: string; expirationYear?: string } }
  | { sourceType: "PaymentSession"; sessionId: string }

export interface FiservChargeRequest {
  amount: FiservAmount
  source: FiservSource
  transactionDetails: { captureFlag: boolean; merchantOrderId?: string; merchantTransactionId?: string }
  transactionInteraction: { origin: "ECOM"; eciIndicator: string; posConditionCode: string }
  merchantDetails: FiservMerchantDetails
}

export interface FiservCaptureRequest {
  amount?: FiservAmount
  transactionDetails: { captureFlag: true }
  referenceTransactionDetails?: FiservReference
  merchantDetails: FiservMerchantDetails
}

export interface FiservCancelRequest {
  amount?: FiservAmount
  referenceTransactionDetails?: FiservReference
  transactionDetails: { reversalReasonCode: "VOID" | "PARTIAL"; merchantTransactionId?: string; paymentDescription?: string }
  merchantDetails: FiservMerchantDetails
}

export interface FiservRefundRequest {
  amount?: FiservAmount
  referenceTransactionDetails?: FiservReference
  transactionDetails: { captureFlag: boolean; merchantTransactionId?: string; paymentDescription?: string }
  merchantDetails: FiservMerchantDetails
}

export interface FiservInquiryRequest {
  referenceTransactionDetails: FiservReference
  merchantDetails: FiservMerchantDetails
}
