import type { z } from "zod"
import type { HttpClient, Logger } from "../../core/http"
import { defineProcessorClient } from "../../core/processor-client"
import { requirePathId } from "../../core/session-trust"
import { parseWire } from "../../core/wire"
import type { ProcessOutOptions } from "./options"
import {
  eventAnswerSchema,
  invoiceAnswerSchema,
  processoutErrorSchema,
  PROCESSOUT_IDS,
  refundAnswerSchema,
  refundListAnswerSchema,
  transactionAnswerSchema,
  type ProcessOutAuthorizeRequest,
  type ProcessOutCaptureRequest,
  type ProcessOutCreateInvoiceRequest,
  type ProcessOutEvent,
  type ProcessOutInvoice,
  type ProcessOutRefund,
  type ProcessOutRefundRequest,
  type ProcessOutTransaction,
} from "./wire"

/** ProcessOut has one host (docs.processout.com/refs); a sandbox is a test project on it, chosen by its credentials. */
const HOSTS = { sandbox: "https://api.processout.com", production: "https://api.processout.com" }

/** Basic auth: the project id is the user name, the project secret the password. */
function basicCredentials(options: Pick<ProcessOutOptions, "projectId" | "projectSecret">): string {
  return Buffer.from(`${options.projectId}:${options.projectSecret}`).toString("base64")
}

/** Option values (and the Basic credentials made of them) scrubbed from every log line and error. */
export function processoutSecrets(options: ProcessOutOptions): Array<string | undefined> {
  return [options.projectSecret, basicCredentials(options), options.webhookSecret]
}

export const processoutClient = defineProcessorClient<ProcessOutOptions>({
  processor: "ProcessOut",
  hosts: HOSTS,
  secrets: processoutSecrets,
  headers: (options) => {
    const basic = basicCredentials(options)
    return () => ({ Authorization: `Basic ${basic}`, "API-Version": options.apiVersion })
  },
  idempotencyHeader: "Idempotency-Key",
  // ProcessOut answers `{ success: false, error_type, message }`, with a 2xx status too (SDK response.ts).
  isFailure: (_status, body) => !(body && typeof body === "object" && (body as { success?: unknown }).success === true),
  parseError: (_status, body) => {
    const parsed = processoutErrorSchema.safeParse(body)
    if (!parsed.success) return {}
    return { code: parsed.data.error_type, message: parsed.data.message }
  },
})

/** Ids go into URL paths only in ProcessOut's own shape (README "Payments are proven to be the session's"). */
export function requireInvoiceId(value: unknown): string {
  return requirePathId("ProcessOut", "invoice id", value, PROCESSOUT_IDS.invoice)
}

export function requireTransactionId(value: unknown): string {
  return requirePathId("ProcessOut", "transaction id", value, PROCESSOUT_IDS.transaction)
}

export type ProcessOutTransactionAnswer = z.output<typeof transactionAnswerSchema>

/** ProcessOut's calls the provider makes, each answering the parsed wire object. */
export class ProcessOutApi {
  private readonly http: HttpClient
  /** Event reads for webhooks: never retried (a 429 or failure is not worth more reads; see the service's fetchEvent). */
  private readonly eventHttp: HttpClient

  constructor(options: ProcessOutOptions, logger: Logger) {
    this.http = processoutClient(options, logger)
    this.eventHttp = processoutClient(options, logger, { maxRetries: 0 })
  }

  /** A cheap authenticated read, for "Test connection". */
  async ping(): Promise<void> {
    await this.http.request({ method: "GET", path: "/invoices", query: { limit: 1 } })
  }

  async createInvoice(body: ProcessOutCreateInvoiceRequest, idempotencyKey: string): Promise<ProcessOutInvoice> {
    const res = await this.http.request({ method: "POST", path: "/invoices", idempotencyKey, body })
    return parseWire(invoiceAnswerSchema, res.data, "ProcessOut", "invoice").invoice
  }

  async getInvoice(invoiceId: unknown): Promise<ProcessOutInvoice> {
    const res = await this.http.request({ method: "GET", path: `/invoices/${requireInvoiceId(invoiceId)}` })
    return parseWire(invoiceAnswerSchema, res.data, "ProcessOut", "invoice").invoice
  }

  /** Pays the invoice with the card, authorizing only. */
  async authorizeInvoice(invoiceId: unknown, body: ProcessOutAuthorizeRequest, idempotencyKey: string): Promise<ProcessOutTransactionAnswer> {
    const res = await this.http.request({ method: "POST", path: `/invoices/${requireInvoiceId(invoiceId)}/authorize`, idempotencyKey, body })
    return parseWire(transactionAnswerSchema, res.data, "ProcessOut", "transaction")
  }

  /** Captures the invoice's transaction, or pays and captures at once when given a `source`. */
  async captureInvoice(invoiceId: unknown, body: ProcessOutCaptureRequest, idempotencyKey: string): Promise<ProcessOutTransactionAnswer> {
    const res = await this.http.request({ method: "POST", path: `/invoices/${requireInvoiceId(invoiceId)}/capture`, idempotencyKey, body })
    return parseWire(transactionAnswerSchema, res.data, "ProcessOut", "transaction")
  }

  async voidInvoice(invoiceId: unknown, idempotencyKey: string): Promise<ProcessOutTransaction> {
    const res = await this.http.request({ method: "POST", path: `/invoices/${requireInvoiceId(invoiceId)}/void`, idempotencyKey, body: {} })
    return parseWire(transactionAnswerSchema, res.data, "ProcessOut", "transaction").transaction
  }

  async getTransaction(transactionId: unknown): Promise<ProcessOutTransaction> {
    const res = await this.http.request({ method: "GET", path: `/transactions/${requireTransactionId(transactionId)}` })
    return parseWire(transactionAnswerSchema, res.data, "ProcessOut", "transaction").transaction
  }

  async listRefunds(transactionId: unknown): Promise<ProcessOutRefund[]> {
    const res = await this.http.request({ method: "GET", path: `/transactions/${requireTransactionId(transactionId)}/refunds` })
    return parseWire(refundListAnswerSchema, res.data, "ProcessOut", "refund list").refunds ?? []
  }

  /**
   * Sends a refund on the invoice (`POST /invoices/{id}/refunds`) or its transaction. The answer is read
   * without throwing, as the money may have moved: undefined when it carries no readable refund
   * (`POST /transactions/{id}/refunds` answers only `{success}`, SDK refund.ts).
   */
  async createRefund(
    on: { invoiceId: string } | { transactionId: string },
    body: ProcessOutRefundRequest,
    idempotencyKey: string
  ): Promise<ProcessOutRefund | undefined> {
    const path = "invoiceId" in on ? `/invoices/${requireInvoiceId(on.invoiceId)}/refunds` : `/transactions/${requireTransactionId(on.transactionId)}/refunds`
    const res = await this.http.request({ method: "POST", path, idempotencyKey, body })
    const answered = refundAnswerSchema.safeParse(res.data)
    return answered.success ? answered.data.refund : undefined
  }

  /** Reads an event on the client that never retries. */
  async getEvent(eventId: unknown): Promise<ProcessOutEvent> {
    const id = requirePathId("ProcessOut", "event id", eventId, PROCESSOUT_IDS.event)
    const res = await this.eventHttp.request({ method: "GET", path: `/events/${id}` })
    return parseWire(eventAnswerSchema, res.data, "ProcessOut", "event").event
  }
}
