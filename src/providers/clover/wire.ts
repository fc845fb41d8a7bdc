import { z } from "zod"

// Clover Ecommerce API wire format (docs.clover.com reference: createcharge, capturecharge,
// refunds, appendix). Answers are checked with these schemas; unknown fields pass through.

export const cloverChargeSchema = z.looseObject({
  id: z.string().min(1),
  amount: z.number().int(),
  amount_refunded: z.number().int().optional(),
  amount_captured: z.number().int().optional(),
  currency: z.string(),
  captured: z.boolean().optional(),
  paid: z.boolean().optional(),
  refunded: z.boolean().optional(),
  status: z.string().optional(),
  failure_code: z.string().optional(),
  failure_message: z.string().optional(),
  metadata: z.unknown().optional(),
  created: z.number().optional(),
})
export type CloverCharge = z.output<typeof cloverChargeSchema>

export const cloverRefundSchema = z.looseObject({
  id: z.string().min(1),
  amount: z.number().int(),
  charge: z.string(),
  status: z.string().optional(),
  reason: z.string().optional(),
  external_reference_id: z.string().optional(),
  created: z.number().optional(),
  metadata: z.unknown().optional(),
})
export type CloverRefund = z.output<typeof cloverRefundSchema>

export const cloverRefundListSchema = z.looseObject({ data: z.array(cloverRefundSchema) })

export const cloverErrorSchema = z.looseObject({
  error: z.looseObject({
    type: z.string().optional(),
    code: z.string().optional(),
    message: z.string().optional(),
    param: z.string().optional(),
    decline_code: z.string().optional(),
    charge: z.string().optional(),
  }),
})

export interface CloverCreateChargeRequest {
  amount: number
  currency: string
  source: string
  capture: boolean
  description?: string
  metadata?: Record<string, string>
  ecomind: "ecom"
}

export interface CloverCaptureRequest {
  amount?: number
}

export interface CloverRefundRequest {
  charge: string
  amount?: number
  reason: "requested_by_customer" | "duplicate" | "fraudulent"
  external_reference_id?: string
}
