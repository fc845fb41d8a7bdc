import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type {
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  CancelPaymentInput,
  CancelPaymentOutput,
  CapturePaymentInput,
  CapturePaymentOutput,
  DeletePaymentInput,
  DeletePaymentOutput,
  GetPaymentStatusInput,
  GetPaymentStatusOutput,
  InitiatePaymentInput,
  InitiatePaymentOutput,
  ProviderWebhookPayload,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from "@medusajs/framework/types"
import { ProcessorError } from "../../core/errors"
import { HttpClient } from "../../core/http"
import { minorToMajor, toProcessorAmount, wireAmount } from "../../core/money/convert"
import { Decimal } from "../../core/money/decimal"
import { baseUrlFor, modeOf } from "../../core/options"
import { requireField } from "../../core/payment-data"
import { ProcessorPaymentProvider, type RefundOutcome, type SendRefundInput, type SentRefund } from "../../core/provider"
import { Redactor } from "../../core/redact"
import { reconcileLedger, type ProcessorRefundView } from "../../core/refund-planner"
import { parseWire } from "../../core/wire"
import { RecentKeys } from "./lru"
import { parseProcessOutOptions, type ProcessOutOptions } from "./options"
import {
  classifyProcessOutError,
  createInvoiceRequest,
  isNothingLeftToRefund,
  minorFromWire,
  processoutCurrencies,
  refundReasonFor,
  refundRequest,
  refundStatuses,
  refundView,
  transactionData,
  transactionStatus,
} from "./transformers"
import {
  eventAnswerSchema,
  invoiceAnswerSchema,
  processoutErrorSchema,
  refundAnswerSchema,
  refundListAnswerSchema,
  transactionAnswerSchema,
  webhookBodySchema,
  type ProcessOutEvent,
  type ProcessOutInvoice,
  type ProcessOutRefund,
  type ProcessOutTransaction,
} from "./wire"

/** ProcessOut has one host; sandbox is a test project on it (processors.md §5.1). */
const HOSTS = { sandbox: "https://api.processout.com", production: "https://api.processout.com" }

/** Keys the storefront may put in session data that must not outlive authorization. */
/** Event names that concern refunds (docs: events, transaction events). */
function isRefundEvent(name: string): boolean {
  return name === "transaction.refunded" || name.startsWith("transaction.operation.refund")
}

export class ProcessOutProviderService extends ProcessorPaymentProvider<ProcessOutOptions> {
  static identifier = "processout"
  /** Single-use storefront values (tokens) dropped once used. */
  protected readonly singleUseKeys = ["source"]

  protected readonly profile = processoutCurrencies
  /**
   * Read ProcessOut's refunds (tagged with metadata.medusa_refund_id) before sending one, so a
   * Medusa retry under a new refund id (medusajs/medusa#16681) or a stale Payment.data never
   * refunds twice. The Idempotency-Key covers retries of the same Medusa refund.
   */
  protected readonly reconcileBeforeRefund = true
  protected readonly redactor: Redactor
  protected readonly options: ProcessOutOptions
  protected readonly http: HttpClient
  /** Event ids already acted on, per purpose (in-memory LRU: see README "Webhooks"). */
  private readonly seenEvents: { action: RecentKeys; refunds: RecentKeys }

  static validateOptions(options: Record<string, unknown>): void {
    parseProcessOutOptions(options)
  }

  constructor(cradle: Record<string, unknown>, rawOptions: Record<string, unknown>) {
    const options = parseProcessOutOptions(rawOptions)
    super(cradle, options)
    this.options = options
    const basic = Buffer.from(`${options.projectId}:${options.projectSecret}`).toString("base64")
    const secrets = [options.projectSecret, basic]
    this.redactor = new Redactor(secrets)
    this.seenEvents = { action: new RecentKeys(options.webhookDedupeSize), refunds: new RecentKeys(options.webhookDedupeSize) }
    this.http = new HttpClient({
      processor: "ProcessOut",
      baseURL: baseUrlFor(options.environment, HOSTS),
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      logger: this.logger,
      secrets,
      idempotencyHeader: "Idempotency-Key",
      headers: () => ({ Authorization: `Basic ${basic}`, "API-Version": options.apiVersion }),
      // ProcessOut answers `{ success: false, error_type, message }`, with a 2xx status too (SDK response.ts).
      isFailure: (_status, body) => !(body && typeof body === "object" && (body as { success?: unknown }).success === true),
      parseError: (_status, body) => {
        const parsed = processoutErrorSchema.safeParse(body)
        if (!parsed.success) return {}
        return { code: parsed.data.error_type, message: parsed.data.message }
      },
    })
  }

  protected classifyError(error: ProcessorError) {
    return classifyProcessOutError(error)
  }

  protected isAlreadyRefunded(error: ProcessorError): boolean {
    return isNothingLeftToRefund(error)
  }

  get mode() {
    return modeOf(this.options.environment)
  }

  protected async ping(): Promise<void> {
    await this.http.request({ method: "GET", path: "/invoices", query: { limit: 1 } })
  }

  /** The invoice id: the payment's identity at ProcessOut (its transaction hangs off it). */
  processorPaymentId(data: Record<string, unknown>): string | undefined {
    return typeof data.invoice_id === "string" ? data.invoice_id : undefined
  }

  // ---- HTTP calls -----------------------------------------------------------------------

  private async getInvoice(invoiceId: string): Promise<ProcessOutInvoice> {
    const res = await this.http.request({ method: "GET", path: `/invoices/${encodeURIComponent(invoiceId)}` })
    return parseWire(invoiceAnswerSchema, res.data, "ProcessOut", "invoice").invoice
  }

  private async getTransaction(transactionId: string): Promise<ProcessOutTransaction> {
    const res = await this.http.request({ method: "GET", path: `/transactions/${encodeURIComponent(transactionId)}` })
    return parseWire(transactionAnswerSchema, res.data, "ProcessOut", "transaction").transaction
  }

  private async getRefunds(transactionId: string): Promise<ProcessOutRefund[]> {
    const res = await this.http.request({ method: "GET", path: `/transactions/${encodeURIComponent(transactionId)}/refunds` })
    return parseWire(refundListAnswerSchema, res.data, "ProcessOut", "refund list").refunds ?? []
  }

  /**
   * Events fetched in the last minute, by id: Medusa's webhook subscriber and the plugin's
   * refund-outcome subscriber each verify the same delivery, and ProcessOut is asked once.
   * An event is immutable once ProcessOut has it; a failed fetch is not kept.
   */
  private readonly recentEvents = new Map<string, { at: number; event: Promise<ProcessOutEvent | undefined> }>()

  private getEvent(eventId: string): Promise<ProcessOutEvent | undefined> {
    const now = Date.now()
    const cached = this.recentEvents.get(eventId)
    if (cached && now - cached.at < 60_000) return cached.event
    const event = this.fetchEvent(eventId)
    this.recentEvents.set(eventId, { at: now, event })
    event.catch(() => this.recentEvents.delete(eventId))
    while (this.recentEvents.size > 256) this.recentEvents.delete(this.recentEvents.keys().next().value as string)
    return event
  }

  private async fetchEvent(eventId: string): Promise<ProcessOutEvent | undefined> {
    try {
      const res = await this.http.request({ method: "GET", path: `/events/${encodeURIComponent(eventId)}` })
      return parseWire(eventAnswerSchema, res.data, "ProcessOut", "event").event
    } catch (error) {
      if (error instanceof ProcessorError && error.status === 404) return undefined
      throw error
    }
  }

  private async createInvoice(amount: ReturnType<typeof toProcessorAmount>, sessionId: string | undefined, key: string) {
    const res = await this.http.request({
      method: "POST",
      path: "/invoices",
      idempotencyKey: `invoice-${key}-${amount.minor}${amount.currency}`,
      body: createInvoiceRequest({
        amount,
        sessionId,
        options: this.options,
        name: `${this.options.invoiceNamePrefix} ${sessionId ?? key}`.slice(0, 255),
      }),
    })
    return parseWire(invoiceAnswerSchema, res.data, "ProcessOut", "invoice").invoice
  }

  /** The transaction of the payment: from the data, else from its invoice (an answer was lost). */
  private async transactionOf(data: Record<string, unknown>): Promise<ProcessOutTransaction | undefined> {
    if (typeof data.transaction_id === "string") return this.getTransaction(data.transaction_id)
    if (typeof data.invoice_id !== "string") return undefined
    const invoice = await this.getInvoice(data.invoice_id)
    return invoice.transaction_id ? this.getTransaction(invoice.transaction_id) : undefined
  }

  // ---- Lifecycle --------------------------------------------------------------------------

  protected async initiate(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    const amount = toProcessorAmount(input.amount, input.currency_code, this.profile)
    const data = input.data ?? {}
    const sessionId = typeof data.session_id === "string" ? data.session_id : undefined
    const invoice = await this.createInvoice(amount, sessionId, this.idempotencyKey(input.context))
    return {
      id: invoice.id,
      status: PaymentSessionStatus.PENDING,
      data: {
        ...data,
        processor: "processout",
        environment: this.mode,
        invoice_id: invoice.id,
        currency: amount.currency,
        amount_minor: amount.minor,
        captured_minor: "0",
        refunded_minor: "0",
        refunds: [],
      },
    }
  }

  protected async update(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    const data = input.data ?? {}
    if (data.transaction_id) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "This payment is already authorized at ProcessOut; its amount cannot change. Cancel it and start a new payment."
      )
    }
    const amount = toProcessorAmount(input.amount, input.currency_code, this.profile)
    if (data.invoice_id && data.amount_minor === amount.minor && data.currency === amount.currency) {
      return { status: PaymentSessionStatus.PENDING, data }
    }
    // A ProcessOut invoice's amount is fixed: a new amount gets a new invoice (the old one is never paid).
    const sessionId = typeof data.session_id === "string" ? data.session_id : undefined
    const invoice = await this.createInvoice(amount, sessionId, this.idempotencyKey(input.context ?? { idempotency_key: sessionId }))
    return {
      status: PaymentSessionStatus.PENDING,
      data: { ...data, invoice_id: invoice.id, currency: amount.currency, amount_minor: amount.minor },
    }
  }

  protected async authorize(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id === "string") {
      // Authorized before (Medusa retried): report the transaction's state, charge nothing new.
      const tx = await this.getTransaction(data.transaction_id)
      return { status: transactionStatus(tx), data: this.withoutSingleUse({ ...data, ...transactionData(tx) }) }
    }
    const invoiceId = requireField(data, "invoice_id", "ProcessOut")
    const source = typeof data.source === "string" ? data.source.trim() : ""
    if (!source) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        "No ProcessOut card token in the payment session. The storefront must tokenize the card with ProcessOut.js (card_…) and send it as `source` in the payment session data."
      )
    }
    const automatic = this.options.captureMode === "automatic"
    const res = await this.http.request({
      method: "POST",
      path: `/invoices/${encodeURIComponent(invoiceId)}/${automatic ? "capture" : "authorize"}`,
      idempotencyKey: this.idempotencyKey(input.context),
      body: { source },
    })
    const answer = parseWire(transactionAnswerSchema, res.data, "ProcessOut", "transaction")
    const tx = answer.transaction
    if (answer.customer_action) {
      // 3-D Secure or a redirect: the storefront completes it, then authorizes again.
      return {
        status: PaymentSessionStatus.REQUIRES_MORE,
        data: { ...data, ...transactionData(tx), customer_action: answer.customer_action },
      }
    }
    const status = transactionStatus(tx)
    if (status === PaymentSessionStatus.ERROR) {
      throw new MedusaError(
        MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR,
        `ProcessOut did not approve the payment (${tx.error_code ?? tx.status}: ${tx.error_message ?? "no reason given"}). Ask the customer for another card.`
      )
    }
    return { status, data: this.withoutSingleUse({ ...data, ...transactionData(tx) }) }
  }

  protected async capture(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    const data = input.data ?? {}
    const invoiceId = requireField(data, "invoice_id", "ProcessOut")
    const currency = requireField(data, "currency", "ProcessOut")
    const key = this.idempotencyKey(input.context)
    if (data.capture_key === key) {
      return { data } // this capture was recorded already
    }
    if (new Decimal(String(data.captured_minor ?? "0")).gt(0)) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `This ProcessOut payment is already captured (${minorToMajor(String(data.captured_minor), currency, this.profile).toString()} ${currency.toUpperCase()}). Refund instead of capturing again.`
      )
    }
    // Medusa does not pass the capture amount to providers; read it from its capture record.
    const medusaAmount = await this.medusaCaptureAmount(input.context?.idempotency_key)
    const authorized = requireField(data, "amount_minor", "ProcessOut")
    const partial = medusaAmount !== undefined ? toProcessorAmount(medusaAmount, currency, this.profile, "capture amount") : undefined
    if (partial && new Decimal(partial.minor).gt(authorized)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `The capture of ${partial.major} ${currency.toUpperCase()} is more than ProcessOut authorized (${minorToMajor(authorized, currency, this.profile).toString()}).`
      )
    }
    let tx: ProcessOutTransaction
    try {
      const res = await this.http.request({
        method: "POST",
        path: `/invoices/${encodeURIComponent(invoiceId)}/capture`,
        idempotencyKey: key,
        body: partial && partial.minor !== authorized ? { capture_amount: wireAmount.majorString(partial) } : {},
      })
      tx = parseWire(transactionAnswerSchema, res.data, "ProcessOut", "transaction").transaction
    } catch (error) {
      const adopted = error instanceof ProcessorError && error.code === "request.transaction.already-captured" ? await this.transactionOf(data) : undefined
      if (!adopted?.captured) throw error
      // Captured at ProcessOut already (dashboard, or our answer was lost): take its state.
      tx = adopted
    }
    return { data: { ...data, ...transactionData(tx), capture_key: key } }
  }

  protected async cancel(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.invoice_id !== "string") return { data }
    const tx = await this.transactionOf(data)
    if (!tx) return { data } // nothing was authorized at ProcessOut
    const status = transactionStatus(tx)
    if (status === PaymentSessionStatus.CANCELED || status === PaymentSessionStatus.ERROR) {
      return { data: { ...data, ...transactionData(tx) } }
    }
    if (status === PaymentSessionStatus.CAPTURED) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "This ProcessOut payment is already captured, so it cannot be voided. Refund it instead."
      )
    }
    const res = await this.http.request({
      method: "POST",
      path: `/invoices/${encodeURIComponent(data.invoice_id)}/void`,
      idempotencyKey: `void-${this.idempotencyKey(input.context)}`,
      body: {},
    })
    const voided = parseWire(transactionAnswerSchema, res.data, "ProcessOut", "transaction").transaction
    return { data: { ...data, ...transactionData(voided) } }
  }

  protected async remove(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id === "string" && data.voided !== true && data.transaction_status === "authorized") {
      // A session deleted after authorization: release the customer's funds.
      const out = await this.cancel({ data, context: input.context })
      return { data: this.withoutSingleUse(out.data ?? data) }
    }
    return { data: this.withoutSingleUse(data) }
  }

  protected async retrieve(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    const data = input.data ?? {}
    requireField(data, "invoice_id", "ProcessOut")
    const tx = await this.transactionOf(data)
    if (!tx) return { data }
    const withTx = { ...data, ...transactionData(tx) }
    const refunds = await this.refundViews(tx)
    return { data: reconcileLedger(withTx, refunds).data }
  }

  protected async status(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    const data = input.data ?? {}
    const tx = await this.transactionOf(data)
    if (!tx) return { status: PaymentSessionStatus.PENDING, data }
    return { status: transactionStatus(tx), data: { ...data, ...transactionData(tx) } }
  }

  // ---- Refunds ----------------------------------------------------------------------------

  protected async sendRefund({ data, plan, idempotencyKey, medusaRefundId, refund }: SendRefundInput): Promise<SentRefund> {
    const invoiceId = requireField(data, "invoice_id", "ProcessOut")
    const transactionId = requireField(data, "transaction_id", "ProcessOut")
    const path =
      this.options.refundVia === "transaction"
        ? `/transactions/${encodeURIComponent(transactionId)}/refunds`
        : `/invoices/${encodeURIComponent(invoiceId)}/refunds`
    const res = await this.http.request({
      method: "POST",
      path,
      idempotencyKey,
      body: refundRequest({
        amount: plan.amount,
        reason: refundReasonFor(refund.reasonCode, this.options),
        information: refund.note,
        medusaRefundId,
        sessionId: typeof data.session_id === "string" ? data.session_id : undefined,
      }),
    })
    let created = parseWire(refundAnswerSchema, res.data, "ProcessOut", "refund").refund
    if (!created && medusaRefundId) {
      // `POST /transactions/{id}/refunds` may answer only `{success: true}` (SDK): find ours by its metadata.
      created = (await this.getRefunds(transactionId)).find((r) => (r.metadata as Record<string, unknown> | null)?.medusa_refund_id === medusaRefundId)
    }
    if (!created) return { processorRefundId: null, status: "pending" }
    const sentMinor = minorFromWire(created.amount, plan.amount.currency, "refund amount")
    if (sentMinor !== plan.amount.minor) {
      throw new MedusaError(
        MedusaError.Types.UNEXPECTED_STATE,
        `ProcessOut refunded ${created.amount} ${plan.amount.currency.toUpperCase()} where ${plan.amount.major} was asked (refund ${created.id}). Check the transaction in the ProcessOut dashboard.`
      )
    }
    if (created.has_failed) {
      // Nothing moved: fail the Medusa refund so it is not recorded as paid back.
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `ProcessOut could not refund the payment: its refund ${created.id} of ${plan.amount.major} ${plan.amount.currency.toUpperCase()} failed at the payment provider. Nothing was refunded; try again later or refund another way.`
      )
    }
    // Accepted, not yet seen counted: the refund object has no status, only the transaction's
    // refunded_amount tells, and reading it here would double the refund's cost. The plugin's
    // sync after every refund (and transaction.refunded webhooks) marks it succeeded.
    return { processorRefundId: created.id, status: "pending" }
  }

  private async refundViews(tx: ProcessOutTransaction): Promise<ProcessorRefundView[]> {
    const refunds = await this.getRefunds(tx.id)
    const statuses = refundStatuses(refunds, tx)
    const currency = tx.currency.toLowerCase()
    return refunds.map((r) => refundView(r, currency, statuses.get(r.id) ?? "succeeded"))
  }

  protected async listProcessorRefunds(data: Record<string, unknown>): Promise<ProcessorRefundView[]> {
    return (await this.readForSync(data)).refunds
  }

  /** The refunds' statuses need the transaction anyway: its amounts refresh the payment data too. */
  protected async readForSync(data: Record<string, unknown>): Promise<{ refunds: ProcessorRefundView[]; dataPatch: Record<string, unknown> }> {
    const tx = await this.getTransaction(requireField(data, "transaction_id", "ProcessOut"))
    return { refunds: await this.refundViews(tx), dataPatch: transactionData(tx) }
  }

  // ---- Webhooks ---------------------------------------------------------------------------

  /**
   * ProcessOut does not sign webhooks: the body `{event_id, event_type}` is only a hint.
   * The event is fetched with the store's credentials (`GET /events/{id}`) and only what
   * ProcessOut answers is used. Returns undefined when there is nothing to act on.
   */
  private async trustedEvent(payload: ProviderWebhookPayload["payload"], purpose: "action" | "refunds"): Promise<ProcessOutEvent | undefined> {
    const body = webhookBodySchema.safeParse(payload?.data ?? {})
    if (!body.success) {
      this.logger.warn("[ProcessOut] webhook ignored: the body has no ProcessOut event_id")
      return undefined
    }
    const eventId = body.data.event_id
    if (this.seenEvents[purpose].has(eventId)) {
      this.logger.info(`[ProcessOut] webhook event ${eventId} already handled; duplicate delivery ignored`)
      return undefined
    }
    const event = await this.getEvent(eventId)
    if (!event) {
      this.logger.warn(`[ProcessOut] webhook ignored: ProcessOut does not know the event ${eventId} (forged, or another project's)`)
      return undefined
    }
    if (body.data.event_type && body.data.event_type !== event.name) {
      this.logger.warn(`[ProcessOut] webhook event ${eventId} claimed "${body.data.event_type}" but ProcessOut says "${event.name}"; using ProcessOut's`)
    }
    return event
  }

  protected async webhook(payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult> {
    const notSupported = { action: PaymentActions.NOT_SUPPORTED }
    const event = await this.trustedEvent(payload, "action")
    if (!event) return notSupported
    const result = this.actionFor(event)
    this.seenEvents.action.add(event.id)
    return result ?? notSupported
  }

  private actionFor(event: ProcessOutEvent): WebhookActionResult | undefined {
    const tx = event.data?.transaction
    const sessionId = (tx?.metadata as Record<string, unknown> | null | undefined)?.session_id
    if (!tx || typeof sessionId !== "string") return undefined
    const currency = tx.currency.toLowerCase()
    const major = (amount: string | null | undefined, what: string) =>
      minorToMajor(minorFromWire(amount, currency, what), currency, this.profile).toString()
    switch (event.name) {
      case "transaction.authorized":
        return { action: PaymentActions.AUTHORIZED, data: { session_id: sessionId, amount: major(tx.authorized_amount ?? tx.amount, "authorized amount") } }
      case "transaction.captured":
        return { action: PaymentActions.SUCCESSFUL, data: { session_id: sessionId, amount: major(tx.captured_amount ?? tx.amount, "captured amount") } }
      case "transaction.failed":
        return { action: PaymentActions.FAILED, data: { session_id: sessionId, amount: major(tx.amount, "amount") } }
      case "transaction.voided":
        return { action: PaymentActions.CANCELED, data: { session_id: sessionId, amount: major(tx.amount, "amount") } }
      default:
        return undefined
    }
  }

  /**
   * Refund outcomes of a refund event (`transaction.refunded`, `transaction.operation.refund.*`),
   * read from ProcessOut's current refund list of the event's transaction, not from the body.
   */
  protected async readRefundOutcomes(payload: ProviderWebhookPayload["payload"]): Promise<RefundOutcome[]> {
    const event = await this.trustedEvent(payload, "refunds")
    if (!event) return []
    const eventTx = event.data?.transaction
    if (!isRefundEvent(event.name) || !eventTx) {
      this.seenEvents.refunds.add(event.id)
      return []
    }
    const tx = await this.getTransaction(eventTx.id)
    const refunds = await this.getRefunds(tx.id)
    const statuses = refundStatuses(refunds, tx)
    const sessionId = (tx.metadata as Record<string, unknown> | null | undefined)?.session_id
    const outcomes = refunds.map((r): RefundOutcome => {
      const status = statuses.get(r.id) ?? "succeeded"
      const meta = (r.metadata ?? {}) as Record<string, unknown>
      return {
        processor_refund_id: r.id,
        status,
        ...(status === "failed" ? { failure_reason: "ProcessOut reports the refund failed (has_failed)" } : {}),
        medusa_refund_id: typeof meta.medusa_refund_id === "string" ? meta.medusa_refund_id : null,
        processor_payment_id: tx.invoice_id ?? tx.id,
        ...(typeof sessionId === "string" ? { session_id: sessionId } : {}),
      }
    })
    this.seenEvents.refunds.add(event.id)
    return outcomes
  }

}
