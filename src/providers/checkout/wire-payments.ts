import { z } from "zod"

// Checkout.com unified Payments API wire format (checkout/checkout-api-reference abc_spec and
// nas_spec, 2021; test/contract/specs/checkout-fragments). Answers are checked with these schemas;
// unknown fields pass through. Amounts are integers in Checkout.com's minor units.

const link = z.looseObject({ href: z.string() })

/** 201/202 answer of POST /payments. */
export const paymentResponseSchema = z.looseObject({
  id: z.string().min(1),
  action_id: z.string().optional(),
  amount: z.number().int().optional(),
  currency: z.string().optional(),
  approved: z.boolean().optional(),
  status: z.string(),
  response_code: z.string().optional(),
  response_summary: z.string().optional(),
  reference: z.string().optional(),
  _links: z.looseObject({ redirect: link.optional() }).optional(),
})
export type PaymentResponse = z.output<typeof paymentResponseSchema>

export const paymentBalancesSchema = z.looseObject({
  total_authorized: z.number().int().optional(),
  total_voided: z.number().int().optional(),
  total_captured: z.number().int().optional(),
  total_refunded: z.number().int().optional(),
  available_to_capture: z.number().int().optional(),
  available_to_refund: z.number().int().optional(),
})

/** GET /payments/{id}. */
export const paymentSchema = z.looseObject({
  id: z.string().min(1),
  amount: z.number().int(),
  currency: z.string(),
  status: z.string(),
  approved: z.boolean().optional(),
  reference: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  balances: paymentBalancesSchema.optional(),
})
export type CheckoutPayment = z.output<typeof paymentSchema>

export const paymentActionSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string(),
  amount: z.number().int(),
  approved: z.boolean().optional(),
  response_code: z.string().optional(),
  response_summary: z.string().optional(),
  processed_on: z.string().optional(),
  reference: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
})
export type PaymentAction = z.output<typeof paymentActionSchema>

/** GET /payments/{id}/actions: newest first. */
export const paymentActionsSchema = z.array(paymentActionSchema)

/** 202 answer of captures, refunds and voids. */
export const actionAcceptedSchema = z.looseObject({
  action_id: z.string().min(1),
  reference: z.string().optional(),
})

export const paymentsErrorSchema = z.looseObject({
  request_id: z.string().optional(),
  error_type: z.string().optional(),
  error_codes: z.array(z.string()).optional(),
})

/** A webhook (workflow) notification: `{ id: "evt_…", type, created_on, data: {...} }`. */
export const webhookEventSchema = z.looseObject({
  id: z.string().optional(),
  type: z.string(),
  created_on: z.string().optional(),
  data: z.looseObject({
    id: z.string().optional(),
    action_id: z.string().optional(),
    amount: z.number().int().optional(),
    currency: z.string().optional(),
    reference: z.string().optional(),
    response_code: z.string().optional(),
    response_summary: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
})
export type CheckoutWebhookEvent = z.output<typeof webhookEventSchema>

/** Metadata is one level deep on current accounts: string values only. */
export type FlatMetadata = Record<string, string>

export interface PaymentRequest {
  source: { type: "token"; token: string }
  amount: number
  currency: string
  payment_type: "Regular"
  capture: boolean
  reference?: string
  description?: string
  customer?: { email?: string; name?: string }
  processing_channel_id?: string
  metadata?: FlatMetadata
}

export interface CaptureRequest {
  amount?: number
  /** nas_spec CaptureRequest.yaml: "If set to `Final`, the remaining available-to-capture balance will be voided"; omitted = Final. */
  capture_type?: "Final" | "NonFinal"
  reference?: string
  metadata?: FlatMetadata
}

export interface RefundRequest {
  amount?: number
  reference?: string
  metadata?: FlatMetadata
}

export interface VoidRequest {
  reference?: string
  metadata?: FlatMetadata
}
