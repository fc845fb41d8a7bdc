import { z } from "zod"

// Clover Ecommerce API wire format (docs.clover.com reference: createcharge, capturecharge,
// refunds, appendix). Answers are checked with these schemas; unknown fields pass through.

/**
 * Clover object ids (charges, refunds): upper-case alphanumerics, 13 characters in Clover's
 * examples ("HGZF4HB58BT62") and 14 in the API reference's ("9ABCDEF1234567"). Checked before
 * an id goes into a URL path; the length range leaves room for what the docs do not pin down.
 */
export const CLOVER_ID = /^[0-9A-Z]{8,32}$/

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

/**
 * A refund list. Its envelope is unconfirmed and the documents disagree (the assembled spec: `elements`; a
 * third-party client: a bare array; the emulator: `data`), so each is read rather than a list misread as empty.
 */
export const cloverRefundListSchema = z.preprocess((value) => {
  if (Array.isArray(value)) return { data: value }
  const list = value as { data?: unknown; elements?: unknown } | null
  return list && typeof list === "object" && list.data === undefined && Array.isArray(list.elements) ? { ...list, data: list.elements } : value
}, z.looseObject({ data: z.array(cloverRefundSchema) }))

/**
 * The answer to POST /v1/refunds, read after Clover may have moved money: only the id is required (without it
 * the refund cannot be recorded); the figures are checked by the caller, and read back when missing.
 * `failure_reason`: named by the createrefund reference as a third-party client reproduces it (README "Refund answers").
 */
export const cloverCreatedRefundSchema = z.looseObject({
  id: z.string().min(1),
  amount: z.unknown().optional(),
  currency: z.unknown().optional(),
  status: z.string().optional(),
  failure_reason: z.string().optional(),
})
export type CloverCreatedRefund = z.output<typeof cloverCreatedRefundSchema>

/**
 * `{"message": "<HTTP status>", "error": {type, code, message, param, charge, decline_code, doc_url}}`
 * (docs.clover.com/dev/docs/ecommerce-api-response-codes-descriptions); `error` may be absent (OAuth-style
 * answers carry only `message`).
 */
export const cloverErrorSchema = z.looseObject({
  message: z.unknown().optional(),
  error: z
    .looseObject({
      type: z.string().optional(),
      code: z.string().optional(),
      message: z.string().optional(),
      param: z.string().optional(),
      decline_code: z.string().optional(),
      charge: z.string().optional(),
    })
    .optional(),
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
