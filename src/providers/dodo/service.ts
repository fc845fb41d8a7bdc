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
import { Webhook } from "standardwebhooks"
import { ProcessorError } from "../../core/errors"
import { HttpClient } from "../../core/http"
import { minorToMajor, toProcessorAmount } from "../../core/money/convert"
import { baseUrlFor, modeOf } from "../../core/options"
import { requireField } from "../../core/payment-data"
import { ProcessorPaymentProvider, type RefundOutcome, type SendRefundInput, type SentRefund } from "../../core/provider"
import { Redactor } from "../../core/redact"
import { reconcileLedger, type ProcessorRefundView } from "../../core/refund-planner"
import { headerValue, rawBodyText } from "../../core/webhooks"
import { parseWire } from "../../core/wire"
import { parseDodoOptions, type DodoOptions } from "./options"
import {
  checkoutRequest,
  classifyDodoError,
  dodoCurrencies,
  ledgerRefundStatus,
  refundReasonText,
  sessionStatus,
  spreadRefund,
  afterSpread,
  isLineItemRefusal,
  rememberedLineItems,
} from "./transformers"
import {
  dodoCheckoutSessionSchema,
  dodoErrorSchema,
  dodoLineItemsSchema,
  dodoPaymentListSchema,
  dodoPaymentSchema,
  dodoRefundSchema,
  dodoWebhookSchema,
  type DodoPayment,
  type DodoRefund,
  type DodoLineItem,
  type DodoRefundItem,
  type DodoRefundRequest,
  type DodoRefundStatus,
} from "./wire"

const HOSTS = { sandbox: "https://test.dodopayments.com", production: "https://live.dodopayments.com" }
const NAME = "Dodo Payments"
/** Payments are searched from this long before the checkout session was created (clock skew). */
const SEARCH_SKEW_MS = 10 * 60 * 1000

/** Dodo's own view of one refund, kept next to the ledger (the ledger's status has no "review"). */
export interface DodoRefundRecord {
  status: DodoRefundStatus
  /** How the refund was spread over the payment's line items; absent for full refunds. */
  items?: Array<{ item_id: string; amount: number }>
}

/** A refund outcome with Dodo's own status ("review" is reported as pending in `status`). */
export interface DodoRefundOutcome extends RefundOutcome {
  processor_status: DodoRefundStatus
}

/** A small insertion-ordered LRU (in memory, per process). */
class Lru<V> {
  private readonly map = new Map<string, V>()
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }
  set(key: string, value: V): void {
    if (this.max <= 0) return
    this.map.delete(key)
    this.map.set(key, value)
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string)
  }
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined
}

export class DodoProviderService extends ProcessorPaymentProvider<DodoOptions> {
  static identifier = "dodo"

  protected readonly profile = dodoCurrencies
  protected readonly redactor: Redactor
  protected readonly options: DodoOptions
  protected readonly http: HttpClient
  /** Dodo has no idempotency key: read the payment's refunds before sending one (core). */
  protected readonly reconcileBeforeRefund = true
  private readonly webhooks: Webhook[]
  /** webhook-id → the answer given the first time (duplicate deliveries get the same answer). */
  private readonly seenWebhooks: Lru<WebhookActionResult>
  /** Medusa session id → Dodo payment id, learned from verified webhooks (a hint; always re-read). */
  private readonly paymentHints: Lru<string>

  static validateOptions(options: Record<string, unknown>): void {
    parseDodoOptions(options)
  }

  constructor(cradle: Record<string, unknown>, rawOptions: Record<string, unknown>) {
    const options = parseDodoOptions(rawOptions)
    super(cradle, options)
    this.options = options
    this.redactor = new Redactor([options.apiKey, ...options.webhookSecrets])
    this.webhooks = options.webhookSecrets.map((secret) => new Webhook(secret))
    this.seenWebhooks = new Lru(options.webhookDedupeSize)
    this.paymentHints = new Lru(Math.max(options.webhookDedupeSize, 100))
    this.http = new HttpClient({
      processor: NAME,
      baseURL: baseUrlFor(options.environment, HOSTS),
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      logger: this.logger,
      secrets: [options.apiKey, ...options.webhookSecrets],
      // No idempotencyHeader: Dodo documents none, so POSTs are never retried by the client.
      headers: () => ({ Authorization: `Bearer ${options.apiKey}` }),
      parseError: (_status, body) => {
        const parsed = dodoErrorSchema.safeParse(body)
        return parsed.success ? { code: parsed.data.code, message: parsed.data.message } : {}
      },
    })
  }

  protected classifyError(error: ProcessorError) {
    return classifyDodoError(error)
  }

  protected isAlreadyRefunded(error: ProcessorError): boolean {
    return ["PAYMENT_ALREADY_REFUNDED", "PAYMENT_HAS_BEEN_REFUNDED", "NOTHING_TO_REFUND", "LINE_ITEM_FULLY_REFUNDED"].includes(error.code ?? "")
  }

  /** "live", "sandbox" or "custom" (an emulator or proxy URL). */
  get mode() {
    return modeOf(this.options.environment)
  }

  /** For the admin's "Test connection": one authenticated read. */
  protected async ping(): Promise<void> {
    await this.http.request({ method: "GET", path: "/payments", query: { page_size: 1 } })
  }

  processorPaymentId(data: Record<string, unknown>): string | undefined {
    return str(data.payment_id)
  }

  // ---- HTTP calls -----------------------------------------------------------------------

  private async getPayment(paymentId: string): Promise<DodoPayment> {
    const res = await this.http.request({ method: "GET", path: `/payments/${encodeURIComponent(paymentId)}` })
    return parseWire(dodoPaymentSchema, res.data, NAME, "payment")
  }

  private async getRefund(refundId: string): Promise<DodoRefund> {
    const res = await this.http.request({ method: "GET", path: `/refunds/${encodeURIComponent(refundId)}` })
    return parseWire(dodoRefundSchema, res.data, NAME, "refund")
  }

  /** A payment the data names (or hints at) that really belongs to this session, or undefined. */
  private async paymentIfOurs(paymentId: string, data: Record<string, unknown>): Promise<DodoPayment | undefined> {
    let payment: DodoPayment
    try {
      payment = await this.getPayment(paymentId)
    } catch (error) {
      if (error instanceof ProcessorError && error.status === 404) return undefined
      throw error
    }
    if (this.belongsToSession(payment, data)) return payment
    this.logger.warn(`[${NAME}] payment ${paymentId} does not belong to payment session ${str(data.session_id) ?? "?"}; ignored`)
    return undefined
  }

  private belongsToSession(payment: DodoPayment, data: Record<string, unknown>): boolean {
    const sessionId = str(data.session_id)
    const checkoutId = str(data.checkout_session_id)
    if (!sessionId && !checkoutId) return false
    if (sessionId && payment.metadata?.session_id !== sessionId) return false
    if (checkoutId && payment.checkout_session_id && payment.checkout_session_id !== checkoutId) return false
    return true
  }

  /**
   * The Dodo payment of this session: the id stored at authorization; else an id the storefront
   * passed back from the checkout's return URL, or one a verified webhook named (both checked
   * against the session); else a search of Dodo's payment list since the checkout was created,
   * by `metadata.session_id`. Undefined while the customer has not paid.
   */
  private async findPayment(data: Record<string, unknown>): Promise<DodoPayment | undefined> {
    const stored = str(data.payment_id)
    if (stored) return this.getPayment(stored)
    const sessionId = str(data.session_id)
    const hints = [str(data.dodo_payment_id), sessionId ? this.paymentHints.get(sessionId) : undefined].filter(
      (id): id is string => !!id
    )
    for (const id of [...new Set(hints)]) {
      const payment = await this.paymentIfOurs(id, data)
      if (payment) return payment
    }
    if (!sessionId || !str(data.checkout_session_id)) return undefined
    const createdAt = Date.parse(str(data.checkout_created_at) ?? "")
    const since = new Date((Number.isNaN(createdAt) ? Date.now() - 24 * 3_600_000 : createdAt) - SEARCH_SKEW_MS).toISOString()
    for (let page = 0; page < this.options.paymentSearchMaxPages; page++) {
      const res = await this.http.request({
        method: "GET",
        path: "/payments",
        query: { created_at_gte: since, page_size: 100, page_number: page },
      })
      const list = parseWire(dodoPaymentListSchema, res.data, NAME, "payment list")
      const matches = list.items.filter((p) => p.metadata?.session_id === sessionId)
      // One checkout session makes one payment; prefer a succeeded one if Dodo lists several.
      matches.sort((a, b) => Number(b.status === "succeeded") - Number(a.status === "succeeded"))
      for (const match of matches) {
        const payment = await this.paymentIfOurs(match.payment_id, data)
        if (payment) return payment
      }
      if (list.items.length < 100) return undefined
    }
    this.logger.warn(
      `[${NAME}] payment of session ${sessionId} not found in ${this.options.paymentSearchMaxPages} pages of payments; raise paymentSearchMaxPages or pass dodo_payment_id from the return URL`
    )
    return undefined
  }

  /** The payment's state as kept in the payment data (minor units as integer strings). */
  private paymentData(data: Record<string, unknown>, payment: DodoPayment): Record<string, unknown> {
    const out: Record<string, unknown> = {
      ...data,
      payment_id: payment.payment_id,
      payment_status: payment.status ?? null,
      dodo_total_minor: String(payment.total_amount),
      dodo_tax_minor: payment.tax === null || payment.tax === undefined ? null : String(payment.tax),
    }
    delete out.dodo_payment_id
    if (payment.status === "succeeded") {
      const amount = requireField(data, "amount_minor", NAME)
      const currency = requireField(data, "currency", NAME)
      if (payment.currency.toLowerCase() !== currency) {
        throw new MedusaError(
          MedusaError.Types.UNEXPECTED_STATE,
          `${NAME} payment ${payment.payment_id} was made in ${payment.currency.toUpperCase()}, not in the cart's ${currency.toUpperCase()}. ` +
            `Medusa cannot record it: refund it in the Dodo dashboard, and check the product's currency and adaptive pricing.`
        )
      }
      // Medusa records the cart total as captured; Dodo's total differs only if the product adds
      // tax on top (it should be tax-inclusive). Refunds never exceed either.
      const total = BigInt(payment.total_amount)
      const captured = total < BigInt(amount) ? total : BigInt(amount)
      if (total !== BigInt(amount)) {
        this.logger.warn(
          `[${NAME}] payment ${payment.payment_id} total ${payment.total_amount} differs from the cart's ${amount} (minor units); ` +
            `make the product tax-inclusive so customers pay exactly the cart total`
        )
      }
      out.captured_minor = captured.toString()
    }
    return out
  }

  // ---- Lifecycle --------------------------------------------------------------------------

  protected async initiate(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    const amount = toProcessorAmount(input.amount, input.currency_code, this.profile)
    const data = input.data ?? {}
    const sessionId = str(data.session_id) ?? this.idempotencyKey(input.context)
    const checkout = await this.createCheckout(data, amount, sessionId, input.context?.customer)
    return {
      id: checkout.checkout_session_id,
      status: PaymentSessionStatus.PENDING,
      data: {
        ...data,
        session_id: sessionId,
        processor: "dodo",
        environment: this.mode,
        currency: amount.currency,
        amount_minor: amount.minor,
        captured_minor: "0",
        refunded_minor: "0",
        refunds: [],
        ...checkout,
      },
    }
  }

  private async createCheckout(
    data: Record<string, unknown>,
    amount: ReturnType<typeof toProcessorAmount>,
    sessionId: string,
    customer: { email?: string | null; first_name?: string | null; last_name?: string | null } | undefined
  ) {
    const email = str(customer?.email ?? undefined)
    const name = [customer?.first_name, customer?.last_name].filter((p) => typeof p === "string" && p.trim()).join(" ") || email
    const returnUrl = str(data.return_url) && /^https?:\/\//.test(String(data.return_url)) ? String(data.return_url) : this.options.returnUrl
    // No idempotency key at Dodo: a lost answer leaves an unused checkout session, which moves no money.
    const res = await this.http.request({
      method: "POST",
      path: "/checkouts",
      body: checkoutRequest({
        productId: this.options.productId,
        amount,
        sessionId,
        customer: email && name ? { email, name } : undefined,
        returnUrl,
        showSavedPaymentMethods: this.options.showSavedPaymentMethods,
      }),
    })
    const session = parseWire(dodoCheckoutSessionSchema, res.data, NAME, "checkout session")
    return {
      checkout_session_id: session.session_id,
      // For the storefront: send the customer here to pay.
      checkout_url: session.checkout_url,
      checkout_created_at: new Date().toISOString(),
    }
  }

  protected async update(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    const data = input.data ?? {}
    const amount = toProcessorAmount(input.amount, input.currency_code, this.profile)
    if (amount.currency === data.currency && amount.minor === data.amount_minor && str(data.checkout_session_id)) {
      return { status: PaymentSessionStatus.PENDING, data }
    }
    const paid = str(data.payment_id) ? await this.getPayment(String(data.payment_id)) : await this.findPayment(data)
    if (paid && paid.status !== "failed" && paid.status !== "cancelled") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `The customer already paid this session at ${NAME} (payment ${paid.payment_id}, ${paid.status ?? "processing"}); its amount cannot change. Complete the cart, or refund the payment in Dodo and start a new session.`
      )
    }
    // A checkout session's amount is fixed: make a new one. The old link stays payable until Dodo
    // expires it (Dodo has no API to close it); its payment would not match this session's.
    const sessionId = str(data.session_id) ?? this.idempotencyKey(input.context)
    const checkout = await this.createCheckout(data, amount, sessionId, input.context?.customer)
    return {
      status: PaymentSessionStatus.PENDING,
      data: { ...data, currency: amount.currency, amount_minor: amount.minor, ...checkout },
    }
  }

  protected async authorize(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const data = input.data ?? {}
    if (!str(data.checkout_session_id) && !str(data.payment_id)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `This payment session has no ${NAME} checkout session. It was not started by the ${NAME} provider; start a new payment session.`
      )
    }
    const payment = await this.findPayment(data)
    if (!payment) {
      // The customer has not paid on Dodo's checkout page (yet).
      return { status: PaymentSessionStatus.PENDING_AUTHORIZATION, data }
    }
    const status = sessionStatus(payment.status)
    if (status === PaymentSessionStatus.ERROR) {
      throw new MedusaError(
        MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR,
        `${NAME} did not accept the payment (${payment.error_code ?? "failed"}: ${payment.error_message ?? "no reason given"}). ` +
          `The checkout session is used up: start a new payment session and ask the customer to pay again.`
      )
    }
    return { status, data: this.paymentData(data, payment) }
  }

  protected async capture(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    const data = input.data ?? {}
    if (data.payment_status === "succeeded") {
      // Dodo has no capture: a succeeded payment is captured.
      return { data }
    }
    const payment = await this.findPayment(data)
    if (payment?.status === "succeeded") return { data: this.paymentData(data, payment) }
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `${NAME} has no capture: a payment is captured when it succeeds, and this one ${payment ? `is ${payment.status ?? "processing"}` : "has not been paid yet"}. Wait for the customer to pay.`
    )
  }

  protected async cancel(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const data = input.data ?? {}
    const payment = str(data.checkout_session_id) || str(data.payment_id) ? await this.findPayment(data) : undefined
    if (!payment || payment.status === "failed" || payment.status === "cancelled") {
      // Nothing was charged. Dodo has no API to expire a checkout session; its link stays open until Dodo expires it.
      return { data: payment ? { ...data, payment_id: payment.payment_id, payment_status: payment.status } : { ...data, canceled_before_payment: true } }
    }
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `${NAME} cannot cancel or void a payment (payment ${payment.payment_id} is ${payment.status ?? "processing"}); it has no such API. Refund it instead once it has succeeded.`
    )
  }

  protected async remove(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    const data = input.data ?? {}
    if (!str(data.checkout_session_id) && !str(data.payment_id)) return { data }
    const payment = await this.findPayment(data)
    if (payment && payment.status !== "failed" && payment.status !== "cancelled") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `The customer already paid this session at ${NAME} (payment ${payment.payment_id}, ${payment.status ?? "processing"}), so it cannot be deleted. Complete the cart, or refund the payment in Dodo first.`
      )
    }
    // Nothing to undo at Dodo: an unpaid checkout session cannot be closed through the API.
    return { data }
  }

  protected async retrieve(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    const data = input.data ?? {}
    const payment = await this.findPayment(data)
    if (!payment) return { data }
    const withPayment = this.paymentData(data, payment)
    const refunds = await this.listProcessorRefunds(withPayment)
    const reconciled = reconcileLedger(withPayment, refunds).data
    return { data: { ...reconciled, dodo_refunds: await this.refundRecords(reconciled, payment) } }
  }

  protected async status(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    const data = input.data ?? {}
    const payment = await this.findPayment(data)
    if (!payment) return { status: PaymentSessionStatus.PENDING_AUTHORIZATION, data }
    return { status: sessionStatus(payment.status), data: this.paymentData(data, payment) }
  }

  /** Dodo's status of every refund of the payment, keeping the item splits we recorded. */
  private async refundRecords(data: Record<string, unknown>, payment: DodoPayment): Promise<Record<string, DodoRefundRecord>> {
    const known = (data.dodo_refunds ?? {}) as Record<string, DodoRefundRecord>
    const out: Record<string, DodoRefundRecord> = { ...known }
    for (const r of payment.refunds) out[r.refund_id] = { ...(known[r.refund_id] ?? {}), status: r.status }
    return out
  }

  // ---- Refunds ----------------------------------------------------------------------------

  protected async sendRefund({ data, plan, idempotencyKey, medusaRefundId, refund, ledgerCurrent }: SendRefundInput): Promise<SentRefund> {
    const paymentId = requireField(data, "payment_id", NAME)
    const tag = this.refundTag(medusaRefundId ?? idempotencyKey)
    const minor = BigInt(plan.amount.minor)
    const body: DodoRefundRequest = {
      payment_id: paymentId,
      metadata: { medusa_refund_id: tag, ...(str(data.session_id) ? { session_id: String(data.session_id) } : {}) },
    }
    const reason = refundReasonText(refund)
    if (reason) body.reason = reason
    // The whole payment, nothing refunded before (the ledger is current: read from Dodo or proven by
    // Medusa's records just before): Dodo's documented full refund, without items. Otherwise spread
    // over the items.
    const full = plan.kind === "full" && str(data.dodo_total_minor) === plan.amount.minor
    // What the items have left, as this provider's last refund left them: trusted only when
    // Medusa's records prove no refund happened since; a refusal falls back to Dodo's own view.
    let remembered = !full && ledgerCurrent ? rememberedLineItems(data) : undefined
    const fromMemory = remembered ? spreadRefund(remembered, minor) : undefined
    let lines: DodoLineItem[] | undefined
    if (fromMemory?.ok) {
      lines = remembered
      body.items = fromMemory.items
    } else if (!full) {
      remembered = undefined
      lines = await this.lineItems(paymentId)
      body.items = this.spreadOrRefuse(lines, minor, paymentId, plan)
    }

    let created: DodoRefund | undefined
    for (let attempt = 0; !created; attempt++) {
      try {
        const res = await this.http.request({ method: "POST", path: "/refunds", body })
        created = parseWire(dodoRefundSchema, res.data, NAME, "refund")
      } catch (error) {
        if (remembered && isLineItemRefusal(error)) {
          // Dodo refused a spread made from remembered items (a refund in its dashboard, or one
          // that failed since): nothing moved; spread over its current items and send once more.
          remembered = undefined
          lines = await this.lineItems(paymentId)
          body.items = this.spreadOrRefuse(lines, minor, paymentId, plan)
          continue
        }
        const rateLimited = error instanceof ProcessorError && error.status === 429
        if (!this.isAmbiguous(error) && !rateLimited) throw error
        // No idempotency key at Dodo: look before anyone sends again.
        let seen: ProcessorRefundView[]
        try {
          seen = await this.listProcessorRefunds(data)
        } catch (readError) {
          this.logger.warn(`[${NAME}] refund ${tag}: could not read the payment's refunds after a failed send (${readError instanceof Error ? readError.message : String(readError)})`)
          throw error // the send's own failure: it may have been applied, and a retry will find it
        }
        const found = seen.find((r) => r.tag === tag && r.status !== "failed")
        if (found) {
          this.logger.warn(`[${NAME}] refund ${tag}: the answer was lost but Dodo made refund ${found.id}; recorded it`)
          created = await this.getRefund(found.id)
          break
        }
        // Not made. Send again only after an answer that ends the request at Dodo (429, 5xx);
        // after a timeout or a dropped connection Dodo may still be making it.
        const finished = error instanceof ProcessorError && error.kind === "http"
        if (!finished || attempt >= this.options.maxRetries) throw error
        await new Promise((resolve) => setTimeout(resolve, Math.min((error as ProcessorError).retryAfterMs ?? 250 * 2 ** attempt, 5_000)))
      }
    }
    if (created.amount !== null && created.amount !== undefined && BigInt(created.amount) !== minor) {
      throw new MedusaError(
        MedusaError.Types.UNEXPECTED_STATE,
        `${NAME} refunded ${created.amount} minor units where ${plan.amount.minor} were planned (refund ${created.refund_id}). Check the payment in the Dodo dashboard.`
      )
    }
    const records = (data.dodo_refunds ?? {}) as Record<string, DodoRefundRecord>
    return {
      processorRefundId: created.refund_id,
      status: ledgerRefundStatus(created.status),
      dataPatch: {
        dodo_refunds: {
          ...records,
          [created.refund_id]: {
            status: created.status,
            ...(body.items ? { items: body.items.map(({ item_id, amount }) => ({ item_id, amount })) } : {}),
          },
        },
        ...(lines && body.items ? { dodo_line_items: afterSpread(lines, body.items) } : {}),
      },
    }
  }

  private async lineItems(paymentId: string): Promise<DodoLineItem[]> {
    const res = await this.http.request({ method: "GET", path: `/payments/${encodeURIComponent(paymentId)}/line-items` })
    return parseWire(dodoLineItemsSchema, res.data, NAME, "line items").items
  }

  /** The refund spread over the items, or the reason it cannot be (nothing or too little left). */
  private spreadOrRefuse(lines: readonly DodoLineItem[], minor: bigint, paymentId: string, plan: SendRefundInput["plan"]): DodoRefundItem[] {
    const spread = spreadRefund(lines, minor)
    if (spread.ok) return spread.items
    if (spread.refundableMinor === 0n) {
      // Dodo has nothing left: the base provider records refunds made outside Medusa, or refuses.
      throw new ProcessorError({
        processor: NAME,
        kind: "http",
        code: "NOTHING_TO_REFUND",
        processorMessage: "the payment's line items have nothing left to refund (read from Dodo; no refund was sent)",
        message: `${NAME} line items of ${paymentId} have nothing left to refund`,
      })
    }
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `${NAME} has only ${minorToMajor(spread.refundableMinor, plan.amount.currency, this.profile).toString()} ${plan.amount.currency.toUpperCase()} ` +
        `left to refund on this payment's items, less than the ${plan.amount.major} asked. Refunds were made outside Medusa: check the payment in the Dodo dashboard and refund at most what remains. No refund was sent.`
    )
  }

  /** No answer, or a server error: Dodo may or may not have made the refund. */
  private isAmbiguous(error: unknown): boolean {
    if (!(error instanceof ProcessorError)) return false
    return error.kind === "timeout" || error.kind === "network" || error.kind === "invalid_response" || (error.status ?? 0) >= 500
  }

  /**
   * The payment's refunds as Dodo reports them (GET /payments/{id} embeds them). Dodo's refund
   * list cannot be filtered by payment, and its list items carry no metadata, so each refund the
   * ledger does not know is read once (GET /refunds/{id}) for the Medusa refund id we stored in
   * its metadata.
   */
  protected async listProcessorRefunds(data: Record<string, unknown>): Promise<ProcessorRefundView[]> {
    const paymentId = requireField(data, "payment_id", NAME)
    const payment = await this.getPayment(paymentId)
    const known = new Set(
      (Array.isArray(data.refunds) ? (data.refunds as Array<{ processor_refund_id?: string | null }>) : []).map((r) => r.processor_refund_id)
    )
    const views: ProcessorRefundView[] = []
    for (const item of payment.refunds) {
      let amount = item.amount
      let tag: string | null = null
      if (!known.has(item.refund_id) && (item.status !== "failed" || amount === null || amount === undefined)) {
        const full = await this.getRefund(item.refund_id)
        tag = str(full.metadata?.medusa_refund_id) ?? null
        amount = full.amount ?? amount
      }
      views.push({
        id: item.refund_id,
        amount_minor: String(amount ?? 0),
        status: ledgerRefundStatus(item.status),
        medusa_refund_id: null,
        tag,
        created_at: item.created_at,
      })
    }
    return views
  }

  // ---- Webhooks ---------------------------------------------------------------------------

  /**
   * Standard Webhooks verification with the `standardwebhooks` package: webhook-id,
   * webhook-timestamp (±5 minutes) and v1 signatures over the exact raw body, against every
   * configured secret (rotation). Returns the parsed body, or undefined when it is not Dodo's.
   */
  private verify(payload: ProviderWebhookPayload["payload"]): { webhookId: string; body: unknown } | undefined {
    if (this.webhooks.length === 0) {
      this.logger.warn(`[${NAME}] webhook ignored: set the \`webhookSecrets\` option (DODO_WEBHOOK_SECRET) to accept Dodo webhooks`)
      return undefined
    }
    // Medusa always passes an object; anything else is simply not a Dodo webhook.
    const raw = rawBodyText(payload?.rawData)
    const webhookId = headerValue(payload?.headers, "webhook-id")
    const headers = {
      "webhook-id": webhookId ?? "",
      "webhook-timestamp": headerValue(payload?.headers, "webhook-timestamp") ?? "",
      "webhook-signature": headerValue(payload?.headers, "webhook-signature") ?? "",
    }
    if (raw === undefined || !webhookId) {
      this.logger.warn(`[${NAME}] webhook ignored: no raw body or webhook-id`)
      return undefined
    }
    let lastError = ""
    for (const webhook of this.webhooks) {
      try {
        return { webhookId, body: webhook.verify(raw, headers) }
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error)
      }
    }
    this.logger.warn(`[${NAME}] webhook ${webhookId} ignored: ${lastError}`)
    return undefined
  }

  protected async webhook(payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult> {
    const notSupported = { action: PaymentActions.NOT_SUPPORTED }
    const verified = this.verify(payload)
    if (!verified) return notSupported
    const seen = this.seenWebhooks.get(verified.webhookId)
    if (seen) {
      this.logger.debug?.(`[${NAME}] webhook ${verified.webhookId} delivered again; same answer as the first time`)
      return seen
    }
    const result = this.webhookAction(verified.body)
    this.seenWebhooks.set(verified.webhookId, result)
    return result
  }

  private webhookAction(body: unknown): WebhookActionResult {
    const notSupported = { action: PaymentActions.NOT_SUPPORTED }
    const parsed = dodoWebhookSchema.safeParse(body)
    if (!parsed.success || !parsed.data.type.startsWith("payment.")) return notSupported
    const payment = dodoPaymentSchema.safeParse(parsed.data.data)
    if (!payment.success) return notSupported
    const sessionId = str(payment.data.metadata?.session_id)
    if (!sessionId) return notSupported // not a payment this plugin started
    this.paymentHints.set(sessionId, payment.data.payment_id)
    let amount: string
    try {
      amount = minorToMajor(payment.data.total_amount, payment.data.currency, this.profile).toString()
    } catch {
      return notSupported
    }
    const data = { session_id: sessionId, amount }
    switch (parsed.data.type) {
      case "payment.succeeded":
        // Medusa authorizes the session (authorizePayment reads the payment: captured) and records the capture.
        return { action: PaymentActions.SUCCESSFUL, data }
      case "payment.failed":
        return { action: PaymentActions.FAILED, data }
      case "payment.processing":
        return { action: PaymentActions.PENDING, data }
      case "payment.cancelled":
        return { action: PaymentActions.CANCELED, data }
      default:
        return notSupported
    }
  }

  /** refund.succeeded / refund.failed, verified like any webhook, as ledger outcomes. */
  protected async readRefundOutcomes(payload: ProviderWebhookPayload["payload"]): Promise<DodoRefundOutcome[]> {
    return this.verifiedRefundOutcomes(payload)
  }

  private verifiedRefundOutcomes(payload: ProviderWebhookPayload["payload"]): DodoRefundOutcome[] {
    const verified = this.verify(payload)
    if (!verified) return []
    const parsed = dodoWebhookSchema.safeParse(verified.body)
    if (!parsed.success || !parsed.data.type.startsWith("refund.")) return []
    const refund = dodoRefundSchema.safeParse(parsed.data.data)
    if (!refund.success) return []
    return [
      {
        processor_refund_id: refund.data.refund_id,
        status: ledgerRefundStatus(refund.data.status),
        processor_status: refund.data.status,
        ...(refund.data.status === "failed" ? { failure_reason: `${NAME} reported the refund as failed` } : {}),
        medusa_refund_id: str(refund.data.metadata?.medusa_refund_id) ?? null,
        processor_payment_id: refund.data.payment_id,
        ...(str(refund.data.metadata?.session_id) ? { session_id: String(refund.data.metadata?.session_id) } : {}),
      },
    ]
  }
}
