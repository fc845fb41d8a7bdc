import type { HttpClient, Logger } from "../../core/http"
import { defineProcessorClient } from "../../core/processor-client"
import { requirePathId } from "../../core/session-trust"
import { parseWire } from "../../core/wire"
import type { CloverOptions } from "./options"
import {
  CLOVER_ID,
  cloverChargeSchema,
  cloverCreatedRefundSchema,
  cloverErrorSchema,
  cloverRefundListSchema,
  cloverRefundSchema,
  type CloverCaptureRequest,
  type CloverCharge,
  type CloverCreateChargeRequest,
  type CloverCreatedRefund,
  type CloverRefund,
  type CloverRefundRequest,
} from "./wire"

// Clover Ecommerce API (docs.clover.com reference: createcharge, capturecharge, createrefund, appendix).

const PROCESSOR = "Clover"

const HOSTS = { sandbox: "https://scl-sandbox.dev.clover.com", production: "https://scl.clover.com" }

/** Option values scrubbed from every log line and error. */
export function cloverSecrets(options: CloverOptions): Array<string | undefined> {
  return [options.apiKey, options.webhookAuthCode]
}

export const cloverClient = defineProcessorClient<CloverOptions>({
  processor: PROCESSOR,
  hosts: HOSTS,
  secrets: cloverSecrets,
  // The Ecommerce private key (PAKMS) or an OAuth token, as a Bearer token.
  headers: (options) => () => ({ Authorization: `Bearer ${options.apiKey}` }),
  // A version 4 UUID on every POST (README "Idempotency keys").
  idempotencyHeader: "idempotency-key",
  // `{"message": "<HTTP status>", "error": {type, code, message, decline_code, …}}`, or only a top-level `message`.
  parseError: (_status, body) => {
    const parsed = cloverErrorSchema.safeParse(body)
    if (!parsed.success) return {}
    const e = parsed.data.error
    const top = typeof parsed.data.message === "string" ? parsed.data.message : undefined
    return { code: e?.code, type: e?.type, message: e?.message ?? top, declineCode: e?.decline_code }
  },
})

/** Charge ids go into URL paths only in Clover's own shape (README "Ids in URL paths"). */
export function requireChargeId(value: unknown): string {
  return requirePathId(PROCESSOR, "charge id", value, CLOVER_ID)
}

export function requireRefundId(value: unknown): string {
  return requirePathId(PROCESSOR, "refund id", value, CLOVER_ID)
}

/** What a charge or capture POST carries besides its body: Clover requires the customer's IP on both. */
export interface CloverPostContext {
  /** A version 4 UUID. */
  idempotencyKey: string
  /** The customer's IP, sent as x-forwarded-for. */
  clientIp: string
}

/** Clover's calls the provider makes, each answering the parsed wire object. */
export class CloverApi {
  readonly http: HttpClient

  constructor(options: CloverOptions, logger: Logger) {
    this.http = cloverClient(options, logger)
  }

  /** A cheap authenticated read, for "Test connection". */
  async ping(): Promise<void> {
    await this.http.request({ method: "GET", path: "/v1/charges", query: { limit: 1 } })
  }

  /** POST /v1/charges. */
  async createCharge(body: CloverCreateChargeRequest, context: CloverPostContext): Promise<CloverCharge> {
    const res = await this.http.request({
      method: "POST",
      path: "/v1/charges",
      idempotencyKey: context.idempotencyKey,
      headers: { "x-forwarded-for": context.clientIp },
      body,
    })
    return parseWire(cloverChargeSchema, res.data, PROCESSOR, "charge")
  }

  /** GET /v1/charges/{id}. */
  async getCharge(chargeId: unknown): Promise<CloverCharge> {
    const res = await this.http.request({ method: "GET", path: `/v1/charges/${requireChargeId(chargeId)}` })
    return parseWire(cloverChargeSchema, res.data, PROCESSOR, "charge")
  }

  /** POST /v1/charges/{id}/capture: the whole authorization without an amount, or a part of it. */
  async captureCharge(chargeId: unknown, body: CloverCaptureRequest, context: CloverPostContext): Promise<CloverCharge> {
    const res = await this.http.request({
      method: "POST",
      path: `/v1/charges/${requireChargeId(chargeId)}/capture`,
      idempotencyKey: context.idempotencyKey,
      headers: { "x-forwarded-for": context.clientIp },
      body,
    })
    return parseWire(cloverChargeSchema, res.data, PROCESSOR, "charge")
  }

  /**
   * POST /v1/refunds for a refund. Money may have moved once Clover answers, so only the id is required of the
   * answer; its figures are the caller's to check (cloverCreatedRefundSchema).
   */
  async createRefund(body: CloverRefundRequest, idempotencyKey: string): Promise<CloverCreatedRefund> {
    const res = await this.http.request({ method: "POST", path: "/v1/refunds", idempotencyKey, body })
    return parseWire(cloverCreatedRefundSchema, res.data, PROCESSOR, "refund")
  }

  /**
   * Reverses a whole uncaptured authorization. Clover's Ecommerce API documents no void endpoint; a refund
   * without an amount on an uncaptured charge releases it (README: "Clover", choices).
   */
  async reverseAuthorization(chargeId: string, idempotencyKey: string): Promise<CloverRefund> {
    const body: CloverRefundRequest = { charge: chargeId, reason: "requested_by_customer" }
    const res = await this.http.request({ method: "POST", path: "/v1/refunds", idempotencyKey, body })
    return parseWire(cloverRefundSchema, res.data, PROCESSOR, "refund")
  }

  /** GET /v1/refunds/{id}, unparsed: read back for the figures a refund answer lacked (refundedFigures). */
  async getRefund(refundId: unknown): Promise<Record<string, unknown>> {
    const res = await this.http.request({ method: "GET", path: `/v1/refunds/${requireRefundId(refundId)}` })
    return (res.data ?? {}) as Record<string, unknown>
  }

  /** The charge's refunds (GET /v1/refunds?charge=…): any other charge's in the answer are left out. */
  async listRefunds(chargeId: string): Promise<CloverRefund[]> {
    const res = await this.http.request({ method: "GET", path: "/v1/refunds", query: { charge: chargeId, limit: 100 } })
    return parseWire(cloverRefundListSchema, res.data, PROCESSOR, "refund list").data.filter((r) => r.charge === chargeId)
  }
}
