import { z } from "zod"

// ProcessOut API wire format: docs.processout.com reference pages (as assembled in
// test/contract/specs/processout-apievangelist-assembled.openapi.json) and the official SDK's
// definitions (processout/processout-node src/*.ts). Every answer is `{ success, ... }`;
// amounts are decimal strings in major units. Unknown fields pass through.

const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, "must be a decimal string")
const metadata = z.record(z.string(), z.unknown()).nullish()

export const processoutErrorSchema = z.looseObject({
  success: z.boolean().optional(),
  error_type: z.string().optional(),
  message: z.string().optional(),
})

export const processoutInvoiceSchema = z.looseObject({
  id: z.string().min(1),
  transaction_id: z.string().nullish(),
  name: z.string().nullish(),
  amount: decimalString,
  currency: z.string(),
  metadata,
  return_url: z.string().nullish(),
  cancel_url: z.string().nullish(),
  url: z.string().nullish(),
  sandbox: z.boolean().optional(),
  /** An array of details with ids in the spec's invoice answers, an object in others: read by invoiceDetailViews. */
  details: z.unknown().optional(),
})
export type ProcessOutInvoice = z.output<typeof processoutInvoiceSchema>

export const processoutRefundSchema = z.looseObject({
  id: z.string().min(1),
  transaction_id: z.string().nullish(),
  amount: decimalString,
  reason: z.string().nullish(),
  information: z.string().nullish(),
  has_failed: z.boolean().nullish(),
  metadata,
  created_at: z.string().nullish(),
  invoice_detail_ids: z.array(z.string()).nullish(),
})
export type ProcessOutRefund = z.output<typeof processoutRefundSchema>

export const processoutTransactionSchema = z.looseObject({
  id: z.string().min(1),
  invoice_id: z.string().nullish(),
  status: z.string(),
  currency: z.string(),
  amount: decimalString,
  authorized_amount: decimalString.nullish(),
  captured_amount: decimalString.nullish(),
  refunded_amount: decimalString.nullish(),
  available_amount: decimalString.nullish(),
  voided_amount: decimalString.nullish(),
  authorized: z.boolean().nullish(),
  captured: z.boolean().nullish(),
  refunded: z.boolean().nullish(),
  voided: z.boolean().nullish(),
  error_code: z.string().nullish(),
  error_message: z.string().nullish(),
  metadata,
  refunds: z.array(processoutRefundSchema).nullish(),
})
export type ProcessOutTransaction = z.output<typeof processoutTransactionSchema>

export const invoiceAnswerSchema = z.looseObject({ success: z.literal(true), invoice: processoutInvoiceSchema })
export const transactionAnswerSchema = z.looseObject({
  success: z.literal(true),
  transaction: processoutTransactionSchema,
  /** 3-D Secure or redirect step the customer must complete (authorize). */
  customer_action: z.looseObject({ type: z.string().optional(), value: z.string().optional() }).nullish(),
})
/** `POST /invoices/{id}/refunds` answers the refund; `POST /transactions/{id}/refunds` may answer only `{success}` (SDK). */
export const refundAnswerSchema = z.looseObject({ success: z.literal(true), refund: processoutRefundSchema.optional() })
export const refundListAnswerSchema = z.looseObject({ success: z.literal(true), refunds: z.array(processoutRefundSchema).nullable() })

export const processoutEventSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  sandbox: z.boolean().optional(),
  fired_at: z.string().nullish(),
  data: z
    .looseObject({
      name: z.string().optional(),
      transaction: processoutTransactionSchema.optional(),
    })
    .nullish(),
})
export type ProcessOutEvent = z.output<typeof processoutEventSchema>
export const eventAnswerSchema = z.looseObject({ success: z.literal(true), event: processoutEventSchema })

/**
 * ProcessOut's ids: a type prefix and letters and digits (32 in every spec example and in the
 * emulator). Only ids of this shape go into a URL path (`tr_op_…`, `iv_det_…` are other objects).
 */
export const PROCESSOUT_IDS = {
  invoice: /^iv_[A-Za-z0-9]{1,64}$/,
  transaction: /^tr_[A-Za-z0-9]{1,64}$/,
  event: /^ev_[A-Za-z0-9]{1,64}$/,
} as const

/** The body ProcessOut POSTs to a webhook URL: only a pointer to the event (docs: events). */
export const webhookBodySchema = z.looseObject({ event_id: z.string().regex(PROCESSOUT_IDS.event), event_type: z.string().optional() })

/** Spec POST /invoices `details` (the fields the plugin sends). */
export interface ProcessOutInvoiceDetailRequest {
  name: string
  amount: string
  quantity: number
  reference: string
  metadata: Record<string, string>
}

export interface ProcessOutCreateInvoiceRequest {
  name: string
  amount: string
  currency: string
  metadata: Record<string, string>
  details?: ProcessOutInvoiceDetailRequest[]
  return_url?: string
  cancel_url?: string
  webhook_url?: string
}

export interface ProcessOutAuthorizeRequest {
  source: string
  capture_amount?: string
  metadata?: Record<string, string>
}

export interface ProcessOutCaptureRequest {
  source?: string
  capture_amount?: string
  metadata?: Record<string, string>
}

export interface ProcessOutRefundRequest {
  amount: string
  reason: "customer_request" | "duplicate" | "fraud" | "other"
  information?: string
  metadata: Record<string, string>
  /** Seed 004 L31: the invoice details the refund is for. */
  invoice_detail_ids?: string[]
}
