import { z } from "zod"

// Checkout.com classic v2 Charges API wire format (no published spec; the official legacy SDKs
// checkout/checkout-java-library and checkout/checkout-php-library are the source: models Charge,
// ChargeRefund, ChargeCapture, ChargeVoid, ChargeHistory, ResponseError). Every action creates a
// new charge id; `originalId` points at the charge it acted on.

/** A charge, or the record of an action on one (capture, void, refund). */
export const classicChargeSchema = z.looseObject({
  id: z.string().min(1),
  originalId: z.string().nullish(),
  liveMode: z.boolean().optional(),
  created: z.string().optional(),
  // The Java model types value as a String; the PHP library and the live API use a number.
  value: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  currency: z.string(),
  trackId: z.string().nullish(),
  description: z.string().nullish(),
  status: z.string(),
  responseCode: z.string().optional(),
  responseMessage: z.string().nullish(),
  responseAdvancedInfo: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
})
export type ClassicCharge = z.output<typeof classicChargeSchema>

export const classicHistorySchema = z.looseObject({ charges: z.array(classicChargeSchema) })

export const classicErrorSchema = z.looseObject({
  errorCode: z.string().optional(),
  message: z.string().optional(),
  eventId: z.string().optional(),
  errors: z.array(z.string()).optional(),
  errorMessageCodes: z.array(z.string()).optional(),
})

type Udf = { udf1?: string; udf2?: string; udf3?: string; udf4?: string; udf5?: string }

export interface ClassicChargeRequest extends Udf {
  cardToken: string
  value: number
  currency: string
  autoCapture: "Y" | "N"
  trackId?: string
  email?: string
  description?: string
  metadata?: Record<string, string>
}

export interface ClassicCaptureRequest extends Udf {
  value?: number
  trackId?: string
  description?: string
  metadata?: Record<string, string>
}

export interface ClassicVoidRequest extends Udf {
  trackId?: string
  description?: string
  metadata?: Record<string, string>
}

export interface ClassicProduct {
  name: string
  productId?: string
  sku?: string
  price?: number
  quantity?: number
  description?: string
}

export interface ClassicRefundRequest extends Udf {
  /** Minor units; left out for a full refund. */
  value?: number
  trackId?: string
  description?: string
  metadata?: Record<string, string>
  products?: ClassicProduct[]
}
