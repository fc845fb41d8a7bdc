import { z } from "zod"

// Dodo Payments wire format (official OpenAPI 1.53.2; refund `metadata` and `reason` ≤ 3000 characters from
// the Create Refund page, docs.dodopayments.com/api-reference/refunds/post-refunds, OpenAPI 1.102.0). Answers
// are checked with these schemas; unknown fields pass through. Amounts are int32 in the currency's smallest
// unit, tax included.

const int = z.number().int()
const metadata = z.record(z.string(), z.string())

/** RefundStatus as documented (Create Refund page, OpenAPI 1.102.0). */
export const DODO_REFUND_STATUSES = ["succeeded", "failed", "pending", "review"] as const
/**
 * Any status, not only the documented ones: a status Dodo adds later must not make every read of the
 * payment (which embeds its refunds) a parse error; it is read as pending, with a warning.
 */
export const dodoRefundStatusSchema = z.string()
export type DodoRefundStatus = (typeof DODO_REFUND_STATUSES)[number] | (string & {})

export const dodoCheckoutSessionSchema = z.looseObject({
  session_id: z.string().min(1),
  checkout_url: z.string().min(1),
})
export type DodoCheckoutSession = z.output<typeof dodoCheckoutSessionSchema>

export const dodoRefundListItemSchema = z.looseObject({
  refund_id: z.string().min(1),
  payment_id: z.string(),
  status: dodoRefundStatusSchema,
  amount: int.nullish(),
  currency: z.string().nullish(),
  is_partial: z.boolean().optional(),
  created_at: z.string().optional(),
  reason: z.string().nullish(),
})

export const dodoRefundSchema = dodoRefundListItemSchema.extend({
  metadata: metadata.nullish(),
})
export type DodoRefund = z.output<typeof dodoRefundSchema>

export const dodoPaymentSchema = z.looseObject({
  payment_id: z.string().min(1),
  status: z.string().nullish(),
  total_amount: int,
  tax: int.nullish(),
  currency: z.string(),
  metadata: metadata.nullish(),
  checkout_session_id: z.string().nullish(),
  refunds: z.array(dodoRefundListItemSchema).default([]),
  created_at: z.string().optional(),
  error_code: z.string().nullish(),
  error_message: z.string().nullish(),
})
export type DodoPayment = z.output<typeof dodoPaymentSchema>

export const dodoPaymentListSchema = z.looseObject({
  items: z.array(
    z.looseObject({
      payment_id: z.string().min(1),
      status: z.string().nullish(),
      metadata: metadata.nullish(),
      created_at: z.string().optional(),
    })
  ),
})
export type DodoPaymentList = z.output<typeof dodoPaymentListSchema>

export const dodoLineItemsSchema = z.looseObject({
  currency: z.string(),
  items: z.array(
    z.looseObject({
      items_id: z.string().min(1),
      amount: int,
      tax: int,
      refundable_amount: int.min(0),
    })
  ),
})
export type DodoLineItems = z.output<typeof dodoLineItemsSchema>
export type DodoLineItem = DodoLineItems["items"][number]

export const dodoErrorSchema = z.looseObject({
  code: z.string().optional(),
  message: z.string().optional(),
})

export const dodoWebhookSchema = z.looseObject({
  business_id: z.string().optional(),
  type: z.string(),
  timestamp: z.string().optional(),
  data: z.looseObject({ payload_type: z.string().optional() }),
})

// ---- Requests -------------------------------------------------------------------------

export interface DodoCheckoutRequest {
  product_cart: Array<{ product_id: string; quantity: number; amount: number }>
  billing_currency: string
  metadata: Record<string, string>
  customer?: { name: string; email: string }
  return_url?: string
  show_saved_payment_methods: boolean
  feature_flags: {
    allow_currency_selection: boolean
    allow_discount_code: boolean
  }
}

export interface DodoRefundItem {
  item_id: string
  amount: number
  tax_inclusive: true
}

export interface DodoRefundRequest {
  payment_id: string
  items?: DodoRefundItem[]
  reason?: string
  metadata: Record<string, string>
}
