import type { HttpClient } from "../../core/http"
import { defineProcessorClient } from "../../core/processor-client"
import { requirePathId } from "../../core/session-trust"
import { parseWire } from "../../core/wire"
import type { DodoOptions } from "./options"
import {
  dodoCheckoutSessionSchema,
  dodoErrorSchema,
  dodoLineItemsSchema,
  dodoPaymentListSchema,
  dodoPaymentSchema,
  dodoRefundSchema,
  type DodoCheckoutRequest,
  type DodoCheckoutSession,
  type DodoLineItems,
  type DodoPayment,
  type DodoPaymentList,
  type DodoRefund,
  type DodoRefundRequest,
} from "./wire"

// Operations of Dodo's official OpenAPI 1.53.2 (test/contract/specs/dodopayments-1.53.2.openapi.yml), named by
// operationId on each call below.

export const PROCESSOR = "Dodo Payments"

/** Dodo's ids: a type prefix and letters and digits (`pay_gUHcgg81JkW1sbH0zbykQ` in its spec). */
export const PAYMENT_ID = /^pay_[A-Za-z0-9]{1,64}$/
export const REFUND_ID = /^ref_[A-Za-z0-9]{1,64}$/

export const dodoClient = defineProcessorClient<DodoOptions>({
  processor: PROCESSOR,
  hosts: { sandbox: "https://test.dodopayments.com", production: "https://live.dodopayments.com" },
  secrets: (options) => [options.apiKey, ...options.webhookSecrets],
  // No idempotencyHeader: Dodo documents none, so POSTs are never retried by the client.
  headers: (options) => () => ({ Authorization: `Bearer ${options.apiKey}` }),
  parseError: (_status, body) => {
    const parsed = dodoErrorSchema.safeParse(body)
    return parsed.success ? { code: parsed.data.code, message: parsed.data.message } : {}
  },
})

/** `GET /payments` filters: `page_size` "default is 10 max is 100", `page_number` "default is 0" (list_payments_handler). */
export type DodoPaymentQuery = {
  created_at_gte?: string
  page_size: number
  page_number?: number
}

/** Dodo's calls, each answer checked against its wire schema. */
export class DodoApi {
  constructor(readonly http: HttpClient) {}

  /** One authenticated read, answer unread (the admin's "Test connection"). */
  async ping(): Promise<void> {
    await this.http.request({ method: "GET", path: "/payments", query: { page_size: 1 } })
  }

  /** list_payments_handler. */
  async listPayments(query: DodoPaymentQuery): Promise<DodoPaymentList> {
    const res = await this.http.request({ method: "GET", path: "/payments", query })
    return parseWire(dodoPaymentListSchema, res.data, PROCESSOR, "payment list")
  }

  /** get_payment_handler: the payment with its refunds embedded. */
  async getPayment(paymentId: string): Promise<DodoPayment> {
    const id = requirePathId(PROCESSOR, "payment id", paymentId, PAYMENT_ID)
    const res = await this.http.request({ method: "GET", path: `/payments/${id}` })
    return parseWire(dodoPaymentSchema, res.data, PROCESSOR, "payment")
  }

  /** get_payment_line_items_handler: each item's `refundable_amount`, for partial refunds. */
  async getLineItems(paymentId: string): Promise<DodoLineItems> {
    const id = requirePathId(PROCESSOR, "payment id", paymentId, PAYMENT_ID)
    const res = await this.http.request({ method: "GET", path: `/payments/${id}/line-items` })
    return parseWire(dodoLineItemsSchema, res.data, PROCESSOR, "line items")
  }

  /** get_refund_handler: the one read that carries a refund's metadata. */
  async getRefund(refundId: string): Promise<DodoRefund> {
    const id = requirePathId(PROCESSOR, "refund id", refundId, REFUND_ID)
    const res = await this.http.request({ method: "GET", path: `/refunds/${id}` })
    return parseWire(dodoRefundSchema, res.data, PROCESSOR, "refund")
  }

  /** create_session. No idempotency key at Dodo: a lost answer leaves an unused checkout session, which moves no money. */
  async createCheckout(body: DodoCheckoutRequest): Promise<DodoCheckoutSession> {
    const res = await this.http.request({ method: "POST", path: "/checkouts", body })
    return parseWire(dodoCheckoutSessionSchema, res.data, PROCESSOR, "checkout session")
  }

  /** create_refund_handler (Create Refund page, docs.dodopayments.com/api-reference/refunds/post-refunds). Sent once: no idempotency key. */
  async createRefund(body: DodoRefundRequest): Promise<DodoRefund> {
    const res = await this.http.request({ method: "POST", path: "/refunds", body })
    return parseWire(dodoRefundSchema, res.data, PROCESSOR, "refund")
  }
}
