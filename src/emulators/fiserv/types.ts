/** Shapes the Fiserv Commerce Hub emulator keeps and answers with (see README "Fiserv Commerce Hub emulator"). */

export type FiservTransactionType = "CHARGE" | "CAPTURE" | "REFUND" | "CANCEL"
export type FiservTransactionState = "AUTHORIZED" | "CAPTURED" | "DECLINED" | "VOIDED"
export type FiservApprovalStatus = "APPROVED" | "DECLINED"
export type FiservOrderStatus = "AUTHORIZED" | "CAPTURED" | "VOIDED" | "DECLINED"

/** One gateway transaction. Amounts are exact major-unit decimal strings at Fiserv's precision ("10.50"). */
export interface FiservTransaction {
  transactionId: string
  orderId: string
  type: FiservTransactionType
  state: FiservTransactionState
  approvalStatus: FiservApprovalStatus
  currency: string
  total: string
  clientRequestId: string
  merchantTransactionId?: string
  merchantOrderId?: string
  /** The transaction this one refers to (capture, refund, cancel). */
  referenceTransactionId?: string
  captureFlag?: boolean
  reversalReasonCode?: string
  paymentDescription?: string
  createdAt: string
  /** The batch a captured transaction joined (spec TransactionBatch). */
  batch?: { julianDay: string; batchNumber: string; sequenceNumber: string }
  card?: { bin: string; last4: string; scheme: string; expirationMonth: string; expirationYear: string }
  sourceType?: string
}

/** An order groups a charge and everything done to it (capture, refunds, cancel). Amounts as exact decimals. */
export interface FiservOrder {
  orderId: string
  merchantOrderId?: string
  currency: string
  /** Fiserv's decimals for the currency. */
  decimals: number
  status: FiservOrderStatus
  authorized: string
  captured: string
  refunded: string
  /** Captured and not yet refunded. */
  refundable: string
  settled: boolean
  chargeTransactionId: string
  captureTransactionId?: string
  transactionIds: string[]
}

export interface FiservErrorItem {
  type: "GATEWAY" | "HOST" | "NETWORK" | "APIM"
  code: string
  field?: string
  message: string
}
