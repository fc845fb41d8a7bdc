import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type * as Medusa from "@medusajs/framework/types"
import { stampCartLines, verifiedCartLines, type CartLine } from "../../core/cart-lines"
import { ProcessorError } from "../../core/errors"
import { WebhookEventMemory } from "../../core/event-memory"
import { minorToMajor, toProcessorAmount, wireAmount } from "../../core/money/convert"
import { modeOf } from "../../core/options"
import { webhookDedupeSizeDeprecation } from "../../core/boot-warnings"
import { requireField } from "../../core/payment-data"
import { ProcessorPaymentProvider, type RefundOutcome, type SendRefundInput, type SentRefund } from "../../core/provider"
import { reconcileLedger, type ProcessorRefundView } from "../../core/refunds/planner"
import { refundReturnOf, type RefundReturn } from "../../core/return-items"
import { acceptedStorefrontData, assertPaymentOfSession, sessionIdOf, withoutSingleUse } from "../../core/session-trust"
import { constantTimeEqual, headerValue, WEBHOOK_TOKEN_HEADER } from "../../core/webhooks"
import { ProcessOutApi, processoutSecrets, requireInvoiceId, requireTransactionId } from "./api"
import { answeredMinor, minorFromWire, processoutCurrencies } from "./currencies"
import { parseProcessOutOptions, type ProcessOutOptions } from "./options"
import { processoutRefundReason } from "./reasons"
import {
  classifyProcessOutError,
  createInvoiceRequest,
  invoiceDetails,
  invoiceDetailViews,
  invoiceSeen,
  isNothingLeftToRefund,
  isRateLimited,
  isRefundEvent,
  paymentAmountOf,
  refundInformation,
  refundOutcomes,
  refundReasonFor,
  refundRequest,
  refundViews,
  returnedDetailIds,
  transactionData,
  transactionEventAction,
  transactionSeen,
  transactionStatus,
  type Seen,
} from "./transformers"
import { webhookBodySchema, type ProcessOutEvent, type ProcessOutRefund, type ProcessOutTransaction } from "./wire"

export { WEBHOOK_TOKEN_HEADER }

export class ProcessOutProviderService extends ProcessorPaymentProvider<ProcessOutOptions> {
  static identifier = "processout"
  /**
   * All a ProcessOut storefront sends: the ProcessOut.js card token (`card_…`, or a customer token)
   * as `source`. The invoice, its amount and URLs come from Medusa and the options; every id in the
   * data is written by this provider (README "Storefront data"). The token is single use, dropped once used.
   */
  protected readonly storefront = { keys: ["source"], singleUse: ["source"] }
  /** For the plugin's webhook middleware: where it puts the URL's `?token=`. */
  readonly webhookTokenHeader = WEBHOOK_TOKEN_HEADER

  protected readonly profile = processoutCurrencies
  /**
   * Read ProcessOut's refunds (tagged with metadata.medusa_refund_id) before sending one, so a
   * Medusa retry under a new refund id (medusajs/medusa#16681) or a stale Payment.data never
   * refunds twice. The Idempotency-Key covers retries of the same Medusa refund.
   */
  protected readonly reconcileBeforeRefund = true
  protected readonly api: ProcessOutApi
  /** Event ids already acted on, per purpose, in Medusa's caching module (shared by instances). */
  private readonly events: WebhookEventMemory
  /** Token bucket of webhook event reads (`webhookReadsPerMinute`), per process. */
  private readonly readBudget: { tokens: number; at: number }
  /** Event reads in flight: Medusa's webhook subscriber and the refund-outcome one verify the same delivery at once. */
  private readonly eventReads = new Map<string, Promise<ProcessOutEvent | "unknown" | "skipped">>()
  private readonly warnedAt = new Map<string, number>()

  static validateOptions(options: Record<string, unknown>): void {
    parseProcessOutOptions(options)
  }

  constructor(cradle: Record<string, unknown>, rawOptions: Record<string, unknown>) {
    const options = parseProcessOutOptions(rawOptions)
    super(cradle, options, processoutSecrets(options))
    this.events = new WebhookEventMemory("ProcessOut", cradle, this.logger)
    this.readBudget = { tokens: options.webhookReadsPerMinute, at: Date.now() }
    this.warnAboutSetup({
      environment: options.environment,
      // ProcessOut signs no webhook: the secret travels in the webhook URL (?token=<webhookSecret>).
      webhookSecret: { set: !!options.webhookSecret, option: "webhookSecret", env: "PROCESSOUT_WEBHOOK_SECRET" },
      deprecatedOptions: [webhookDedupeSizeDeprecation(options)],
      // Test projects are test-proj_… in ProcessOut's SDK tests (a hint, not a documented rule). One host
      // serves both, so only a custom URL (an emulator, a proxy) is worth the warning.
      liveLookingCredential: {
        looksLive: modeOf(options.environment) === "custom" && !options.projectId.startsWith("test-"),
        option: "projectId",
      },
    })
    this.api = new ProcessOutApi(options, this.logger)
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
    await this.api.ping()
  }

  /** The invoice id: the payment's identity at ProcessOut (its transaction hangs off it). */
  processorPaymentId(data: Record<string, unknown>): string | undefined {
    return typeof data.invoice_id === "string" ? data.invoice_id : undefined
  }

  // ---- Webhook event reads ------------------------------------------------------------------

  /**
   * Reads an event for a webhook, at most `webhookReadsPerMinute` a minute. Concurrent verifiers of
   * one delivery share the read. "skipped": over the budget or rate-limited by ProcessOut (logged).
   */
  private readEvent(eventId: string): Promise<ProcessOutEvent | "unknown" | "skipped"> {
    const pending = this.eventReads.get(eventId)
    if (pending) return pending
    if (!this.takeEventRead()) {
      this.warnAtMostEveryMinute(
        "budget",
        `[ProcessOut] webhook events ignored: more than ${this.options.webhookReadsPerMinute} event reads a minute (\`webhookReadsPerMinute\`); the ledger sync and poll job reconcile them`
      )
      return Promise.resolve("skipped")
    }
    const read = this.fetchEvent(eventId).finally(() => this.eventReads.delete(eventId))
    this.eventReads.set(eventId, read)
    return read
  }

  private takeEventRead(now = Date.now()): boolean {
    const perMinute = this.options.webhookReadsPerMinute
    const budget = this.readBudget
    budget.tokens = Math.min(perMinute, budget.tokens + ((now - budget.at) * perMinute) / 60_000)
    budget.at = now
    if (budget.tokens < 1) return false
    budget.tokens -= 1
    return true
  }

  /**
   * A 429 is not thrown: Medusa would retry the webhook and read again into the limit. The event
   * is dropped (not remembered) and the plugin's ledger sync and poll job reconcile the payment.
   */
  private async fetchEvent(eventId: string): Promise<ProcessOutEvent | "unknown" | "skipped"> {
    try {
      return await this.api.getEvent(eventId)
    } catch (error) {
      if (error instanceof ProcessorError && error.status === 404) return "unknown"
      if (isRateLimited(error)) {
        this.warnAtMostEveryMinute("429", `[ProcessOut] webhook event ${eventId} ignored: ProcessOut rate-limited the event read; the ledger sync and poll job reconcile it`)
        return "skipped"
      }
      throw error
    }
  }

  /** One warning a minute per kind: a flood of webhooks must not flood the log too. */
  private warnAtMostEveryMinute(kind: string, message: string): void {
    const now = Date.now()
    if (now - (this.warnedAt.get(kind) ?? -Infinity) < 60_000) return
    this.warnedAt.set(kind, now)
    this.logger.warn(message)
  }

  private createInvoice(amount: ReturnType<typeof toProcessorAmount>, sessionId: string | undefined, key: string, lines?: CartLine[]) {
    return this.api.createInvoice(
      createInvoiceRequest({
        amount,
        sessionId,
        options: this.options,
        name: `${this.options.invoiceNamePrefix} ${sessionId ?? key}`.slice(0, 255),
        details: lines ? invoiceDetails(lines, amount.currency) : undefined,
      }),
      `invoice-${key}-${amount.minor}${amount.currency}`
    )
  }

  /**
   * The transaction of the payment: from the data, else from its invoice (an answer was lost).
   * Each is proven to be this session's before anything uses it.
   */
  private async transactionOf(data: Record<string, unknown>): Promise<ProcessOutTransaction | undefined> {
    if (typeof data.transaction_id === "string") return this.ownTransaction(data, await this.api.getTransaction(data.transaction_id))
    if (typeof data.invoice_id !== "string") return undefined
    const invoice = await this.api.getInvoice(data.invoice_id)
    this.assertOwn(data, invoiceSeen(invoice))
    return invoice.transaction_id ? this.ownTransaction(data, await this.api.getTransaction(invoice.transaction_id)) : undefined
  }

  private ownTransaction(data: Record<string, unknown>, tx: ProcessOutTransaction): ProcessOutTransaction {
    this.assertOwn(data, transactionSeen(tx))
    return tx
  }

  /**
   * Refuses an invoice or transaction that is not this session's: it must be on the session's
   * invoice, name the session in its metadata (createInvoice writes `session_id`; the transaction
   * inherits it) and carry the session's amount and currency.
   */
  private assertOwn(data: Record<string, unknown>, seen: Seen): void {
    if (typeof data.invoice_id !== "string" || seen.invoiceId !== data.invoice_id) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `ProcessOut ${seen.what} ${seen.id.slice(0, 40)} does not belong to this payment session: it is not on the session's invoice. Nothing was captured; the customer must pay again.`
      )
    }
    let amountMinor: string | undefined
    try {
      amountMinor = minorFromWire(seen.amount, seen.currency.toLowerCase(), "amount")
    } catch {
      amountMinor = undefined // not readable in its currency: refused below
    }
    assertPaymentOfSession(
      "ProcessOut",
      { sessionId: sessionIdOf(data), currency: data.currency, amountMinor: data.amount_minor },
      { id: seen.id, sessionRef: sessionIdOf(seen.metadata ?? undefined), currency: seen.currency, amountMinor }
    )
  }

  // ---- Lifecycle --------------------------------------------------------------------------

  /**
   * For the plugin's store middleware (src/api/stamp-cart-lines.ts): the cart's lines, read server-side,
   * with a proof keyed by a hash of the project secret, bound to the payment collection's amount and currency.
   */
  stampCartLines(lines: CartLine[], collection: { amount: unknown; currency: unknown }): Record<string, string> {
    return stampCartLines(this.options.projectSecret, lines, collection)
  }

  protected async initiate(input: Medusa.InitiatePaymentInput): Promise<Medusa.InitiatePaymentOutput> {
    const amount = toProcessorAmount(input.amount, input.currency_code, this.profile)
    const sessionId = sessionIdOf(input.data)
    // Only lines the middleware stamped for this amount become invoice details; the shopper's own are dropped
    // (acceptedStorefrontData sets every key but `source` to null).
    const lines = verifiedCartLines(this.options.projectSecret, input.data, { amount: input.amount, currency: input.currency_code })
    const invoice = await this.createInvoice(amount, sessionId, this.idempotencyKey(input.context), lines)
    return {
      id: invoice.id,
      status: PaymentSessionStatus.PENDING,
      data: {
        ...acceptedStorefrontData(input.data, this.storefront),
        ...(sessionId ? { session_id: sessionId } : {}),
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

  /**
   * Returns only the storefront's keys, the amount and a new invoice's id: Medusa merges the answer
   * into the stored data, so no id the caller passes is stored. Data that lies about the stored
   * invoice's amount is caught by authorize's invoice check.
   */
  protected async update(input: Medusa.UpdatePaymentInput): Promise<Medusa.UpdatePaymentOutput> {
    const data = input.data ?? {}
    if (data.transaction_id) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "This payment is already authorized at ProcessOut; its amount cannot change. Cancel it and start a new payment."
      )
    }
    const amount = toProcessorAmount(input.amount, input.currency_code, this.profile)
    const kept = Object.fromEntries(Object.entries(acceptedStorefrontData(data, this.storefront)).filter(([, v]) => v !== null))
    const amounts = { currency: amount.currency, amount_minor: amount.minor }
    if (data.invoice_id && data.amount_minor === amount.minor && data.currency === amount.currency) {
      return { status: PaymentSessionStatus.PENDING, data: { ...kept, ...amounts } }
    }
    // A ProcessOut invoice's amount is fixed: a new amount gets a new invoice (the old one is never paid).
    const sessionId = sessionIdOf(data)
    const invoice = await this.createInvoice(amount, sessionId, this.idempotencyKey(input.context ?? { idempotency_key: sessionId }))
    return { status: PaymentSessionStatus.PENDING, data: { ...kept, invoice_id: invoice.id, ...amounts } }
  }

  protected async authorize(input: Medusa.AuthorizePaymentInput): Promise<Medusa.AuthorizePaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id === "string") {
      // Authorized before (Medusa retried): report the transaction's state, charge nothing new.
      const tx = this.ownTransaction(data, await this.api.getTransaction(data.transaction_id))
      return { status: transactionStatus(tx), data: withoutSingleUse({ ...data, ...transactionData(tx) }, this.storefront) }
    }
    const invoiceId = requireInvoiceId(requireField(data, "invoice_id", "ProcessOut"))
    const source = typeof data.source === "string" ? data.source.trim() : ""
    if (!source) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        "No ProcessOut card token in the payment session. The storefront must tokenize the card with ProcessOut.js (card_…) and send it as `source` in the payment session data."
      )
    }
    // The card pays whatever the invoice says (and is captured at once in automatic mode): prove
    // the invoice is this session's, for its amount and currency, before paying it.
    this.assertOwn(data, invoiceSeen(await this.api.getInvoice(invoiceId)))
    const key = this.idempotencyKey(input.context)
    const answer =
      this.options.captureMode === "automatic" ? await this.api.captureInvoice(invoiceId, { source }, key) : await this.api.authorizeInvoice(invoiceId, { source }, key)
    const tx = answer.transaction
    if (tx.invoice_id !== data.invoice_id || tx.currency.toLowerCase() !== data.currency || minorFromWire(paymentAmountOf(tx), data.currency, "authorized amount") !== data.amount_minor) {
      // An answer for another invoice or amount (less than the session's, say) is never reported as paid.
      throw new MedusaError(
        MedusaError.Types.UNEXPECTED_STATE,
        `ProcessOut answered the payment of invoice ${data.invoice_id} with transaction ${tx.id.slice(0, 40)} of ${paymentAmountOf(tx).slice(0, 24)} ${tx.currency.slice(0, 3)}, not this session's amount. Check that transaction in the ProcessOut dashboard and void or refund it.`
      )
    }
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
    return { status, data: withoutSingleUse({ ...data, ...transactionData(tx) }, this.storefront) }
  }

  protected async capture(input: Medusa.CapturePaymentInput): Promise<Medusa.CapturePaymentOutput> {
    const data = input.data ?? {}
    const invoiceId = requireInvoiceId(requireField(data, "invoice_id", "ProcessOut"))
    const currency = requireField(data, "currency", "ProcessOut")
    const key = this.idempotencyKey(input.context)
    if (data.capture_key === key) {
      return { data } // this capture was recorded already
    }
    const { amount, partial } = await this.planCapture(input, "ProcessOut captures an invoice's transaction once")
    let tx: ProcessOutTransaction
    try {
      tx = (await this.api.captureInvoice(invoiceId, partial ? { capture_amount: wireAmount.majorString(partial) } : {}, key)).transaction
    } catch (error) {
      const capturedBefore = error instanceof ProcessorError && error.code === "request.transaction.already-captured" ? await this.transactionOf(data) : undefined
      if (!capturedBefore?.captured) throw error
      // Captured at ProcessOut already (dashboard, or our answer was lost): take its state.
      tx = capturedBefore
    }
    const patch = transactionData(tx)
    const asked = amount.minor
    if (tx.currency.toLowerCase() !== currency || (patch.captured_minor !== undefined && patch.captured_minor !== asked)) {
      // Captured already: never thrown. ProcessOut's figures are kept (they bound refunds); the admin is told.
      this.logger.error(
        `[ProcessOut] capture of invoice ${String(data.invoice_id)}: ProcessOut captured ${String(patch.captured_minor ?? "?")} ${tx.currency.slice(0, 3)} (minor units) where ${asked} ${currency.toUpperCase()} was asked. Check the transaction in the ProcessOut dashboard.`
      )
    }
    return { data: { ...data, ...patch, capture_key: key } }
  }

  protected async cancel(input: Medusa.CancelPaymentInput): Promise<Medusa.CancelPaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.invoice_id !== "string") return { data }
    const invoiceId = requireInvoiceId(data.invoice_id)
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
    const voided = await this.api.voidInvoice(invoiceId, `void-${this.idempotencyKey(input.context)}`)
    return { data: { ...data, ...transactionData(voided) } }
  }

  protected async remove(input: Medusa.DeletePaymentInput): Promise<Medusa.DeletePaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id === "string" && data.voided !== true && data.transaction_status === "authorized") {
      // A session deleted after authorization: release the customer's funds.
      const out = await this.cancel({ data, context: input.context })
      return { data: withoutSingleUse(out.data ?? data, this.storefront) }
    }
    return { data: withoutSingleUse(data, this.storefront) }
  }

  protected async retrieve(input: Medusa.RetrievePaymentInput): Promise<Medusa.RetrievePaymentOutput> {
    const data = input.data ?? {}
    requireField(data, "invoice_id", "ProcessOut")
    const tx = await this.transactionOf(data)
    if (!tx) return { data }
    const withTx = { ...data, ...transactionData(tx) }
    const refunds = await this.readRefundViews(tx)
    return { data: reconcileLedger(withTx, refunds).data }
  }

  protected async status(input: Medusa.GetPaymentStatusInput): Promise<Medusa.GetPaymentStatusOutput> {
    const data = input.data ?? {}
    const tx = await this.transactionOf(data)
    if (!tx) return { status: PaymentSessionStatus.PENDING, data }
    return { status: transactionStatus(tx), data: { ...data, ...transactionData(tx) } }
  }

  // ---- Refunds ----------------------------------------------------------------------------

  protected async sendRefund({ data, plan, idempotencyKey, medusaRefundId, refund }: SendRefundInput): Promise<SentRefund> {
    const invoiceId = requireInvoiceId(requireField(data, "invoice_id", "ProcessOut"))
    const transactionId = requireTransactionId(requireField(data, "transaction_id", "ProcessOut"))
    const returned = refundReturnOf(refund as { metadata?: unknown }, this.logger, `refund ${medusaRefundId ?? ""}`.trim())
    const answered = await this.api.createRefund(
      this.options.refundVia === "transaction" ? { transactionId } : { invoiceId },
      refundRequest({
        amount: plan.amount,
        reason: processoutRefundReason(refund, this.options, { returned, override: this.refundReasonOverrides(), logger: this.logger }, (code) =>
          refundReasonFor(code, this.options)
        ),
        information: refundInformation(refund),
        medusaRefundId,
        sessionId: typeof data.session_id === "string" ? data.session_id : undefined,
        invoiceDetailIds: await this.returnedDetailIds(invoiceId, returned, medusaRefundId),
        returnId: returned?.returnId,
      }),
      idempotencyKey
    )
    // The money may have moved from here: nothing below throws. What ProcessOut says it refunded goes to
    // the base, which records its figures and marks a difference from the plan. The refund object carries
    // an amount but no currency (seed 004 L13-31): it is in its transaction's, checked on every read.
    const created = answered ?? (await this.findRefund(transactionId, medusaRefundId))
    if (!created) return { processorRefundId: null, status: "pending" } // the ledger sync finds it by its tag
    const refunded = { amountMinor: answeredMinor(created.amount, plan.amount.currency) }
    if (created.has_failed) {
      // Declined in the answer: nothing moved. The base keeps the attempt as failed and throws.
      return { processorRefundId: created.id, status: "failed", failureReason: `ProcessOut answered its refund ${created.id} with has_failed: true, giving no reason`, refunded }
    }
    // Accepted, not yet seen counted: the refund object has no status, and reading the transaction here
    // would double the refund's cost. The plugin's sync after every refund (and refund webhooks) settles it.
    return { processorRefundId: created.id, status: "pending", refunded }
  }

  /**
   * The invoice details a refund of a Medusa return is for (refund metadata, src/core/return-items.ts), read from
   * the invoice ProcessOut holds (its details carry their ids and our references). Best effort: without return
   * items nothing is read; a failed read sends the refund without ids (logged).
   */
  private async returnedDetailIds(invoiceId: unknown, returned: RefundReturn | undefined, medusaRefundId: string | undefined): Promise<string[] | undefined> {
    if (!returned?.items.length) return undefined
    let details
    try {
      details = invoiceDetailViews((await this.api.getInvoice(invoiceId)).details)
    } catch (error) {
      this.logger.warn(`[ProcessOut] refund ${medusaRefundId ?? ""}: the invoice's details could not be read (${(error as Error).message}); sent without invoice_detail_ids`)
      return undefined
    }
    const { ids, partial, unmatched } = returnedDetailIds(returned.items, details)
    if (partial || unmatched) {
      this.logger.info(
        `[ProcessOut] refund ${medusaRefundId ?? ""}: ${partial} returned line(s) come back in part (a refund names whole invoice details only) and ${unmatched} match no single invoice detail; no detail id sent for them`
      )
    }
    return ids
  }

  /**
   * Our refund in the transaction's refund list, found by its `metadata.medusa_refund_id` (for an answer
   * without a readable refund object: `POST /transactions/{id}/refunds` answers only `{success}`, SDK
   * refund.ts). Undefined when it cannot be read: logged, not thrown, as the refund was already sent.
   */
  private async findRefund(transactionId: unknown, medusaRefundId: string | undefined): Promise<ProcessOutRefund | undefined> {
    if (!medusaRefundId) return undefined
    try {
      return (await this.api.listRefunds(transactionId)).find((r) => r.metadata?.medusa_refund_id === medusaRefundId)
    } catch (error) {
      this.logger.warn(`[ProcessOut] refund ${medusaRefundId} was sent but could not be read back (${(error as Error).message}); recorded as pending until the ledger sync finds it`)
      return undefined
    }
  }

  private async readRefundViews(tx: ProcessOutTransaction): Promise<ProcessorRefundView[]> {
    return refundViews(await this.api.listRefunds(tx.id), tx)
  }

  protected async listProcessorRefunds(data: Record<string, unknown>): Promise<ProcessorRefundView[]> {
    return (await this.readForSync(data)).refunds
  }

  /** The refunds' statuses need the transaction anyway: its amounts refresh the payment data too. */
  protected async readForSync(data: Record<string, unknown>): Promise<{ refunds: ProcessorRefundView[]; dataPatch: Record<string, unknown> }> {
    const tx = this.ownTransaction(data, await this.api.getTransaction(requireField(data, "transaction_id", "ProcessOut")))
    return { refunds: await this.readRefundViews(tx), dataPatch: transactionData(tx) }
  }

  // ---- Webhooks ---------------------------------------------------------------------------

  /**
   * For the plugin's webhook middleware (and this provider): true when `token` is this store's
   * `webhookSecret`, compared in constant time. Always false without a secret: ProcessOut signs
   * nothing, so an unauthenticated webhook would cost the store a read at ProcessOut.
   */
  verifyWebhookToken(token: string | undefined): boolean {
    const secret = this.options.webhookSecret
    return !!secret && typeof token === "string" && constantTimeEqual(token, secret)
  }

  /**
   * ProcessOut does not sign webhooks: the body `{event_id, event_type}` is only a hint. After the
   * URL's token, the event is read with the store's credentials (`GET /events/{id}`) and only what
   * ProcessOut answers is used. Undefined when there is nothing to act on (the reason is logged).
   */
  private async trustedEvent(payload: Medusa.ProviderWebhookPayload["payload"], purpose: "action" | "refunds"): Promise<ProcessOutEvent | undefined> {
    if (!this.verifyWebhookToken(headerValue(payload?.headers as Record<string, unknown> | undefined, WEBHOOK_TOKEN_HEADER))) {
      this.warnAtMostEveryMinute(
        "token",
        this.options.webhookSecret
          ? "[ProcessOut] webhook ignored: its URL token is missing or wrong (the webhook URL must end in ?token=<webhookSecret>)"
          : "[ProcessOut] webhook ignored: no `webhookSecret` option is set, so no webhook can be authenticated"
      )
      return undefined
    }
    const body = webhookBodySchema.safeParse(payload?.data ?? {})
    if (!body.success) {
      this.logger.warn("[ProcessOut] webhook ignored: the body has no ProcessOut event_id")
      return undefined
    }
    const eventId = body.data.event_id
    if (await this.events.has(purpose, eventId)) {
      this.logger.info(`[ProcessOut] webhook event ${eventId} already handled; duplicate delivery ignored`)
      return undefined
    }
    const event = await this.readEvent(eventId)
    if (event === "skipped") return undefined
    if (event === "unknown") {
      this.logger.warn(`[ProcessOut] webhook ignored: ProcessOut does not know the event ${eventId} (forged, or another project's)`)
      return undefined
    }
    if (body.data.event_type && body.data.event_type !== event.name) {
      this.logger.warn(`[ProcessOut] webhook event ${eventId} claimed "${body.data.event_type.slice(0, 60)}" but ProcessOut says "${event.name}"; using ProcessOut's`)
    }
    return event
  }

  /**
   * The Medusa payment session a webhook's transaction belongs to, read from Medusa: the session
   * its metadata names, holding its invoice, amount and currency. Undefined (logged) otherwise.
   */
  private async sessionOfTransaction(tx: ProcessOutTransaction, eventId: string): Promise<string | undefined> {
    const sessionId = sessionIdOf(tx.metadata ?? undefined)
    if (!sessionId) return undefined
    const sessions = this.container?.paymentSessionService as
      | { retrieve(id: string, config?: Record<string, unknown>): Promise<{ id: string; data?: Record<string, unknown> | null }> }
      | undefined
    if (typeof sessions?.retrieve !== "function") {
      this.logger.warn(`[ProcessOut] webhook event ${eventId} ignored: Medusa's payment sessions cannot be read to check the transaction`)
      return undefined
    }
    let stored: { id: string; data?: Record<string, unknown> | null } | undefined
    try {
      stored = await sessions.retrieve(sessionId, { select: ["id", "data"] })
    } catch (error) {
      if (!(error instanceof MedusaError && error.type === MedusaError.Types.NOT_FOUND)) throw error
    }
    try {
      if (!stored) throw new Error(`it names no payment session of this store`)
      this.assertOwn({ ...(stored.data ?? {}), session_id: stored.id }, transactionSeen(tx))
      return stored.id
    } catch (error) {
      this.logger.warn(`[ProcessOut] webhook event ${eventId} ignored: ${(error as Error).message}`)
      return undefined
    }
  }

  protected async webhook(payload: Medusa.ProviderWebhookPayload["payload"]): Promise<Medusa.WebhookActionResult> {
    const notSupported = { action: PaymentActions.NOT_SUPPORTED }
    const event = await this.trustedEvent(payload, "action")
    if (!event) return notSupported
    const result = await this.actionFor(event)
    await this.events.remember("action", event.id)
    return result ?? notSupported
  }

  private async actionFor(event: ProcessOutEvent): Promise<Medusa.WebhookActionResult | undefined> {
    const found = transactionEventAction(event)
    if (!found) return undefined
    const { action, amount, transaction: tx } = found
    const sessionId = await this.sessionOfTransaction(tx, event.id)
    if (!sessionId) return undefined
    const currency = tx.currency.toLowerCase()
    const major = minorToMajor(minorFromWire(amount, currency, "amount"), currency, this.profile).toString()
    return { action, data: { session_id: sessionId, amount: major } }
  }

  /**
   * Refund outcomes of a refund event (`transaction.refunded`, `transaction.operation.refund.*`),
   * read from ProcessOut's current refund list of the event's transaction, not from the body.
   */
  protected async readRefundOutcomes(payload: Medusa.ProviderWebhookPayload["payload"]): Promise<RefundOutcome[]> {
    const event = await this.trustedEvent(payload, "refunds")
    if (!event) return []
    const eventTx = event.data?.transaction
    if (!isRefundEvent(event.name) || !eventTx) {
      await this.events.remember("refunds", event.id)
      return []
    }
    const tx = await this.api.getTransaction(eventTx.id)
    const sessionId = await this.sessionOfTransaction(tx, event.id)
    if (!sessionId) {
      await this.events.remember("refunds", event.id)
      return []
    }
    const outcomes = refundOutcomes(await this.api.listRefunds(tx.id), tx, sessionId)
    await this.events.remember("refunds", event.id)
    return outcomes
  }
}
