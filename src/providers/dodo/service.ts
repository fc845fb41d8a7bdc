import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type * as Medusa from "@medusajs/framework/types"
import { Webhook } from "standardwebhooks"
import { ProcessorError } from "../../core/errors"
import { WebhookEventMemory } from "../../core/event-memory"
import { minorToMajor, toProcessorAmount } from "../../core/money/convert"
import { modeOf } from "../../core/options"
import { webhookDedupeSizeDeprecation } from "../../core/boot-warnings"
import { requireField, type RefundStatus } from "../../core/payment-data"
import { newPaymentData } from "../../core/session-data"
import { acceptedStorefrontData, requirePathId, sessionIdOf } from "../../core/session-trust"
import { ProcessorPaymentProvider, type RefundOutcome, type SendRefundInput, type SentRefund, type UnknownOutcomeReadBack } from "../../core/provider"
import { reconcileLedger, type ProcessorRefundView } from "../../core/refunds/planner"
import { headerValue, rawBodyText } from "../../core/webhooks"
import { DodoApi, dodoClient, PAYMENT_ID, PROCESSOR as NAME } from "./api"
import { dodoCurrencies } from "./currencies"
import { parseDodoOptions, type DodoOptions } from "./options"
import {
  afterSpread,
  checkoutRequest,
  classifyDodoError,
  allowedReturnUrl,
  isAmbiguous,
  isKnownRefundStatus,
  isLineItemRefusal,
  ledgerRefundStatus,
  paymentEventAction,
  paymentOwnershipError,
  refundRecords,
  refundRequest,
  rememberedLineItems,
  sessionStatus,
  spreadRefund,
  str,
  type DodoRefundRecord,
} from "./transformers"
import {
  dodoPaymentSchema,
  dodoRefundSchema,
  dodoWebhookSchema,
  type DodoPayment,
  type DodoRefund,
  type DodoLineItem,
  type DodoRefundItem,
  type DodoRefundStatus,
} from "./wire"

/** Payments are searched from this long before the checkout session was created (clock skew). */
const SEARCH_SKEW_MS = 10 * 60 * 1000

/** A refund outcome with Dodo's own status ("review" is reported as pending in `status`). */
export interface DodoRefundOutcome extends RefundOutcome {
  processor_status: DodoRefundStatus
}


export class DodoProviderService extends ProcessorPaymentProvider<DodoOptions> {
  static identifier = "dodo"

  protected readonly profile = dodoCurrencies
  protected readonly api: DodoApi
  /** Dodo has no idempotency key: read the payment's refunds before sending one (core). */
  protected readonly reconcileBeforeRefund = true
  /**
   * No idempotency key: after a failed send the payment's refunds are read before anyone sends again, and the refund
   * is resent only after an answer that ended the request at Dodo (429, 5xx); after a timeout or a dropped connection
   * Dodo may still be making it. A refund found that way forgets the remembered item balances (the lost answer's spread
   * is unknown), so the next refund reads Dodo's.
   */
  protected readonly refundReadBack: UnknownOutcomeReadBack = {
    outcomeUnknown: (error) => isAmbiguous(error) || error.status === 429,
    resendDelayMs: (error, resends) =>
      error.kind === "http" && resends < this.options.maxRetries ? Math.min(error.retryAfterMs ?? 250 * 2 ** resends, 5_000) : undefined,
    dataPatch: { dodo_line_items: null },
  }
  private readonly webhooks: Webhook[]
  /** Webhook ids already acted on, in Medusa's caching module (shared by every instance). */
  private readonly events: WebhookEventMemory
  /**
   * What a storefront may put in the session data: `dodo_payment_id`, the payment id Dodo appends
   * to the return URL (a hint that saves the payment search; trusted only once the payment proves
   * it is this session's), and `return_url` (its own return page; only on `returnUrlHosts`).
   */
  protected readonly storefront = { keys: ["dodo_payment_id", "return_url"], singleUse: [] }

  static validateOptions(options: Record<string, unknown>): void {
    parseDodoOptions(options)
  }

  constructor(cradle: Record<string, unknown>, rawOptions: Record<string, unknown>) {
    const options = parseDodoOptions(rawOptions)
    super(cradle, options, [options.apiKey, ...options.webhookSecrets])
    this.warnAboutSetup({
      environment: options.environment,
      webhookSecret: { set: options.webhookSecrets.length > 0, option: "webhookSecrets", env: "DODO_WEBHOOK_SECRET" },
      deprecatedOptions: [webhookDedupeSizeDeprecation(options)],
    })
    this.webhooks = options.webhookSecrets.map((secret) => new Webhook(secret))
    this.events = new WebhookEventMemory(NAME, cradle, this.logger)
    this.api = new DodoApi(dodoClient(options, this.logger))
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
    await this.api.ping()
  }

  processorPaymentId(data: Record<string, unknown>): string | undefined {
    return str(data.payment_id)
  }

  // ---- The storefront's data and the payment's owner --------------------------------------

  /** The storefront's keys, with a hint that is not a Dodo payment id and a return_url off the merchant's hosts dropped. */
  private storefrontData(data: Record<string, unknown> | undefined): Record<string, unknown> {
    const out = acceptedStorefrontData(data, this.storefront)
    if ("dodo_payment_id" in out) out.dodo_payment_id = typeof out.dodo_payment_id === "string" && PAYMENT_ID.test(out.dodo_payment_id) ? out.dodo_payment_id : null
    if ("return_url" in out) out.return_url = this.allowedReturnUrl(out.return_url) ?? null
    return out
  }

  /** The storefront's return_url when allowed (transformers' allowedReturnUrl), else undefined, with a warning. */
  private allowedReturnUrl(value: unknown): string | undefined {
    if (value === undefined || value === null || value === "") return undefined
    const allowed = allowedReturnUrl(value, this.options.returnUrlHosts)
    if (allowed) return allowed
    this.logger.warn(
      `[${NAME}] the storefront's return_url was not sent to Dodo: only https URLs (http on loopback) on the hosts of the \`returnUrlHosts\` option are; the \`returnUrl\` option is used instead`
    )
    return undefined
  }

  /**
   * The Dodo payment of this session, proven its own (paymentOwnershipError): the id stored at
   * authorization; else the storefront's hint; else a search of Dodo's payment list since the
   * checkout was created, by `metadata.session_id`. Undefined while the customer has not paid.
   * A payment that names this session but fails the proof is refused; `strict: false` (cancel,
   * delete, update) logs it and passes over it: it is not this session's, so nothing is undone.
   */
  private async findPayment(data: Record<string, unknown>, strict = true): Promise<DodoPayment | undefined> {
    const refuse = (error: MedusaError) => {
      if (strict) throw error
      this.logger.warn(`[${NAME}] ${error.message}`)
      return undefined
    }
    const stored = str(data.payment_id)
    if (stored) {
      const payment = await this.api.getPayment(stored)
      const error = paymentOwnershipError(payment, data)
      return error ? refuse(error) : payment
    }
    const sessionId = str(data.session_id)
    if (!sessionId) return undefined
    let refused: MedusaError | undefined
    /** The payment when it is ours; a payment of another session (a wrong hint) is passed over. */
    const check = (payment: DodoPayment): DodoPayment | undefined => {
      if (payment.metadata?.session_id !== sessionId) {
        this.logger.warn(`[${NAME}] payment ${payment.payment_id} does not belong to payment session ${sessionId}; ignored`)
        return undefined
      }
      const error = paymentOwnershipError(payment, data)
      // A failed or cancelled payment moved no money: nothing to refuse.
      if (error && payment.status !== "failed" && payment.status !== "cancelled") refused ??= error
      return error ? undefined : payment
    }
    const hint = str(data.dodo_payment_id)
    if (hint && PAYMENT_ID.test(hint)) {
      const payment = await this.api.getPayment(hint).catch((error) => {
        if (error instanceof ProcessorError && error.status === 404) return undefined
        throw error
      })
      if (payment && check(payment)) return payment
    }
    if (str(data.checkout_session_id)) {
      const found = await this.searchPayment(data, sessionId, check)
      if (found) return found
    }
    return refused ? refuse(refused) : undefined
  }

  private async searchPayment(
    data: Record<string, unknown>,
    sessionId: string,
    check: (payment: DodoPayment) => DodoPayment | undefined
  ): Promise<DodoPayment | undefined> {
    const createdAt = Date.parse(str(data.checkout_created_at) ?? "")
    const since = new Date((Number.isNaN(createdAt) ? Date.now() - 24 * 3_600_000 : createdAt) - SEARCH_SKEW_MS).toISOString()
    for (let page = 0; page < this.options.paymentSearchMaxPages; page++) {
      const list = await this.api.listPayments({ created_at_gte: since, page_size: 100, page_number: page })
      const matches = list.items.filter((p) => p.metadata?.session_id === sessionId)
      // A session can have several (an old checkout link paid after the cart changed): succeeded first.
      matches.sort((a, b) => Number(b.status === "succeeded") - Number(a.status === "succeeded"))
      for (const match of matches) {
        const payment = check(await this.api.getPayment(match.payment_id))
        if (payment) return payment
      }
      if (list.items.length < 100) return undefined
    }
    this.logger.warn(
      `[${NAME}] payment of session ${sessionId} not found in ${this.options.paymentSearchMaxPages} pages of payments; raise paymentSearchMaxPages or pass dodo_payment_id from the return URL`
    )
    return undefined
  }

  /** The payment's state as kept in the payment data (minor units as integer strings); the payment is proven ours. */
  private paymentData(data: Record<string, unknown>, payment: DodoPayment): Record<string, unknown> {
    const out: Record<string, unknown> = {
      ...data,
      payment_id: payment.payment_id,
      payment_status: payment.status ?? null,
      dodo_total_minor: String(payment.total_amount),
      dodo_tax_minor: payment.tax === null || payment.tax === undefined ? null : String(payment.tax),
      // Null, not left out: Medusa merges the answer into the stored data.
      dodo_payment_id: null,
    }
    if (payment.status === "succeeded") {
      const amount = requireField(data, "amount_minor", NAME)
      if (String(payment.total_amount) !== amount) {
        this.logger.warn(
          `[${NAME}] payment ${payment.payment_id} total ${payment.total_amount} is above the cart's ${amount} (minor units): Dodo added tax; ` +
            `make the product tax-inclusive so customers pay exactly the cart total`
        )
      }
      // Medusa records the cart total as captured; refunds never exceed it.
      out.captured_minor = amount
    }
    return out
  }

  // ---- Lifecycle --------------------------------------------------------------------------

  protected async initiate(input: Medusa.InitiatePaymentInput): Promise<Medusa.InitiatePaymentOutput> {
    const amount = toProcessorAmount(input.amount, input.currency_code, this.profile)
    // Only the storefront's keys; every other key the shopper sent comes back null (Medusa merges).
    const shopper = this.storefrontData(input.data)
    const sessionId = sessionIdOf(input.data) ?? this.idempotencyKey(input.context)
    const checkout = await this.createCheckout(shopper, amount, sessionId, input.context?.customer)
    return {
      id: checkout.checkout_session_id,
      status: PaymentSessionStatus.PENDING,
      data: {
        ...shopper,
        session_id: sessionId,
        ...newPaymentData(this.sessionOwner, amount),
        ...checkout,
      },
    }
  }

  /** `shopper` is the storefront's data as storefrontData left it (return_url already checked). */
  private async createCheckout(
    shopper: Record<string, unknown>,
    amount: ReturnType<typeof toProcessorAmount>,
    sessionId: string,
    customer: { email?: string | null; first_name?: string | null; last_name?: string | null } | undefined
  ) {
    const email = str(customer?.email ?? undefined)
    const name = [customer?.first_name, customer?.last_name].filter((p) => typeof p === "string" && p.trim()).join(" ") || email
    const returnUrl = str(shopper.return_url) ?? this.options.returnUrl
    const session = await this.api.createCheckout(
      checkoutRequest({
        productId: this.options.productId,
        amount,
        sessionId,
        customer: email && name ? { email, name } : undefined,
        returnUrl,
        showSavedPaymentMethods: this.options.showSavedPaymentMethods,
      })
    )
    return {
      checkout_session_id: session.session_id,
      // For the storefront: send the customer here to pay.
      checkout_url: session.checkout_url,
      checkout_created_at: new Date().toISOString(),
    }
  }

  /**
   * Medusa stores what this returns merged into the session data, and `input.data` is the
   * caller's: only the storefront's keys and the provider's own fields are returned.
   */
  protected async update(input: Medusa.UpdatePaymentInput): Promise<Medusa.UpdatePaymentOutput> {
    const data = input.data ?? {}
    const amount = toProcessorAmount(input.amount, input.currency_code, this.profile)
    const shopper = this.storefrontData(data)
    const kept = Object.fromEntries(Object.entries(shopper).filter(([, v]) => v !== null))
    if (amount.currency === data.currency && amount.minor === data.amount_minor && str(data.checkout_session_id)) {
      return { status: PaymentSessionStatus.PENDING, data: kept }
    }
    const paid = await this.findPayment(data, false)
    if (paid && paid.status !== "failed" && paid.status !== "cancelled") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `The customer already paid this session at ${NAME} (payment ${paid.payment_id}, ${paid.status ?? "processing"}); its amount cannot change. Complete the cart, or refund the payment in Dodo and start a new session.`
      )
    }
    // A checkout session's amount is fixed: make a new one for the same session. The old link stays
    // payable until Dodo expires it (no API closes it); a payment of the old amount is refused (findPayment).
    const sessionId = sessionIdOf(data)
    if (!sessionId) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `This payment session's data has no session_id, so a new ${NAME} checkout cannot be tied to it. Pass the session's stored data, or start a new payment session.`
      )
    }
    const checkout = await this.createCheckout(shopper, amount, sessionId, input.context?.customer)
    return {
      status: PaymentSessionStatus.PENDING,
      data: { ...kept, currency: amount.currency, amount_minor: amount.minor, ...checkout },
    }
  }

  protected async authorize(input: Medusa.AuthorizePaymentInput): Promise<Medusa.AuthorizePaymentOutput> {
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

  protected async capture(input: Medusa.CapturePaymentInput): Promise<Medusa.CapturePaymentOutput> {
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

  protected async cancel(input: Medusa.CancelPaymentInput): Promise<Medusa.CancelPaymentOutput> {
    const data = input.data ?? {}
    const payment = str(data.checkout_session_id) || str(data.payment_id) ? await this.findPayment(data, false) : undefined
    if (!payment || payment.status === "failed" || payment.status === "cancelled") {
      // Nothing was charged. Dodo has no API to expire a checkout session; its link stays open until Dodo expires it.
      return { data: payment ? { ...data, payment_id: payment.payment_id, payment_status: payment.status } : { ...data, canceled_before_payment: true } }
    }
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `${NAME} cannot cancel or void a payment (payment ${payment.payment_id} is ${payment.status ?? "processing"}); it has no such API. Refund it instead once it has succeeded.`
    )
  }

  protected async remove(input: Medusa.DeletePaymentInput): Promise<Medusa.DeletePaymentOutput> {
    const data = input.data ?? {}
    if (!str(data.checkout_session_id) && !str(data.payment_id)) return { data }
    const payment = await this.findPayment(data, false)
    if (payment && payment.status !== "failed" && payment.status !== "cancelled") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `The customer already paid this session at ${NAME} (payment ${payment.payment_id}, ${payment.status ?? "processing"}), so it cannot be deleted. Complete the cart, or refund the payment in Dodo first.`
      )
    }
    // Nothing to undo at Dodo: an unpaid checkout session cannot be closed through the API.
    return { data }
  }

  protected async retrieve(input: Medusa.RetrievePaymentInput): Promise<Medusa.RetrievePaymentOutput> {
    const data = input.data ?? {}
    const payment = await this.findPayment(data)
    if (!payment) return { data }
    const withPayment = this.paymentData(data, payment)
    const refunds = await this.listProcessorRefunds(withPayment)
    const reconciled = reconcileLedger(withPayment, refunds).data
    return { data: { ...reconciled, dodo_refunds: refundRecords(reconciled, payment) } }
  }

  protected async status(input: Medusa.GetPaymentStatusInput): Promise<Medusa.GetPaymentStatusOutput> {
    const data = input.data ?? {}
    const payment = await this.findPayment(data)
    if (!payment) return { status: PaymentSessionStatus.PENDING_AUTHORIZATION, data }
    return { status: sessionStatus(payment.status), data: this.paymentData(data, payment) }
  }

  // ---- Refunds ----------------------------------------------------------------------------

  protected async sendRefund({ data, plan, idempotencyKey, medusaRefundId, refund, ledgerCurrent }: SendRefundInput): Promise<SentRefund> {
    const paymentId = requirePathId(NAME, "payment id", requireField(data, "payment_id", NAME), PAYMENT_ID)
    const tag = this.refundTag(medusaRefundId ?? idempotencyKey)
    const minor = BigInt(plan.amount.minor)
    const body = refundRequest({ paymentId, tag, sessionId: str(data.session_id), refund })
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

    let created: DodoRefund
    try {
      created = await this.api.createRefund(body)
    } catch (error) {
      if (!remembered || !isLineItemRefusal(error)) throw error
      // Dodo refused a spread made from remembered items (a refund in its dashboard, or one that failed
      // since): nothing moved; spread over its current items and send once more.
      remembered = undefined
      lines = await this.lineItems(paymentId)
      body.items = this.spreadOrRefuse(lines, minor, paymentId, plan)
      created = await this.api.createRefund(body)
    }
    if (created.status === "failed") {
      // Declined in the answer: the base keeps the attempt in the ledger as failed and throws, so Medusa
      // records no refund. Dodo's RefundResponse has no field for why.
      return {
        processorRefundId: created.refund_id,
        status: "failed",
        failureReason: `Dodo's answer to refund ${created.refund_id} says status "failed" and gives no reason`,
      }
    }
    // The money moved: from here on nothing throws. The base compares these figures with the plan and records
    // Dodo's, marked, when they differ.
    const refunded = await this.refundedFigures(created)
    const asPlanned = refunded?.amountMinor === undefined || refunded.amountMinor === plan.amount.minor
    const records = (data.dodo_refunds ?? {}) as Record<string, DodoRefundRecord>
    return {
      processorRefundId: created.refund_id,
      status: this.refundStatus(created.status, created.refund_id),
      refunded,
      dataPatch: {
        dodo_refunds: {
          ...records,
          [created.refund_id]: {
            status: created.status,
            ...(body.items ? { items: body.items.map(({ item_id, amount }) => ({ item_id, amount })) } : {}),
          },
        },
        // The items' balances as this refund left them, unless Dodo refunded another amount: then the next
        // refund reads Dodo's items (null, not left out: Medusa merges the data).
        ...(lines && body.items ? { dodo_line_items: asPlanned ? afterSpread(lines, body.items) : null } : {}),
      },
    }
  }

  /**
   * What Dodo says it refunded: its answer's amount and currency (both nullable in RefundResponse), read back
   * with GET /refunds/{id} when the answer lacks either. Never throws (the money moved); undefined, with a
   * warning, when neither gives a figure: the refund is then recorded as planned.
   */
  private async refundedFigures(refund: DodoRefund): Promise<SentRefund["refunded"]> {
    let amount = refund.amount ?? undefined
    let currency = str(refund.currency)
    if (amount === undefined || currency === undefined) {
      try {
        const read = await this.api.getRefund(refund.refund_id)
        amount ??= read.amount ?? undefined
        currency ??= str(read.currency)
      } catch (error) {
        this.logger.warn(`[${NAME}] refund ${refund.refund_id}: could not read it back for its amount and currency (${error instanceof Error ? error.message : String(error)})`)
      }
    }
    if (amount === undefined || currency === undefined) {
      this.logger.warn(
        `[${NAME}] refund ${refund.refund_id}: Dodo gave no ${amount === undefined ? "amount" : "currency"} for it, so it is recorded as planned without that check; compare it in the Dodo dashboard`
      )
    }
    if (amount === undefined && currency === undefined) return undefined
    return { ...(amount !== undefined ? { amountMinor: String(amount) } : {}), ...(currency !== undefined ? { currency } : {}) }
  }

  /** The ledger's status for a Dodo refund status; one Dodo added later is pending, with a warning. */
  private refundStatus(status: string, refundId: string): RefundStatus {
    if (!isKnownRefundStatus(status)) {
      this.logger.warn(`[${NAME}] refund ${refundId} has status "${status}", which this plugin does not know (added by Dodo later?); read as pending until it ends succeeded or failed`)
    }
    return ledgerRefundStatus(status)
  }

  private async lineItems(paymentId: string): Promise<DodoLineItem[]> {
    return (await this.api.getLineItems(paymentId)).items
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

  /**
   * The payment's refunds as Dodo reports them (GET /payments/{id} embeds them). Dodo's refund
   * list cannot be filtered by payment, and its list items carry no metadata, so each refund the
   * ledger does not know is read once (GET /refunds/{id}) for the Medusa refund id we stored in
   * its metadata.
   */
  protected async listProcessorRefunds(data: Record<string, unknown>): Promise<ProcessorRefundView[]> {
    const paymentId = requireField(data, "payment_id", NAME)
    const payment = await this.api.getPayment(paymentId)
    const known = new Set(
      (Array.isArray(data.refunds) ? (data.refunds as Array<{ processor_refund_id?: string | null }>) : []).map((r) => r.processor_refund_id)
    )
    const views: ProcessorRefundView[] = []
    for (const item of payment.refunds) {
      let amount = item.amount
      let tag: string | null = null
      let refunded: ProcessorRefundView["refunded"]
      if (!known.has(item.refund_id) && (item.status !== "failed" || amount === null || amount === undefined)) {
        const full = await this.api.getRefund(item.refund_id)
        tag = str(full.metadata?.medusa_refund_id) ?? null
        amount = full.amount ?? amount
        refunded = { ...(amount !== null && amount !== undefined ? { amountMinor: String(amount) } : {}), ...(str(full.currency) ? { currency: str(full.currency) } : {}) }
      }
      views.push({
        id: item.refund_id,
        amount_minor: String(amount ?? 0),
        status: this.refundStatus(item.status, item.refund_id),
        medusa_refund_id: null,
        tag,
        created_at: item.created_at,
        ...(refunded ? { refunded } : {}),
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
  private verify(payload: Medusa.ProviderWebhookPayload["payload"]): { webhookId: string; body: unknown } | undefined {
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

  /**
   * A verified event is acted on once: its webhook-id is remembered in Medusa's caching module,
   * so a redelivery or replay, on this instance or another, after a restart, is not_supported.
   */
  protected async webhook(payload: Medusa.ProviderWebhookPayload["payload"]): Promise<Medusa.WebhookActionResult> {
    const verified = this.verify(payload)
    if (!verified) return { action: PaymentActions.NOT_SUPPORTED }
    if (await this.events.has("payment", verified.webhookId)) {
      this.logger.debug?.(`[${NAME}] webhook ${verified.webhookId} delivered again; already acted on`)
      return { action: PaymentActions.NOT_SUPPORTED }
    }
    const result = await this.webhookAction(verified.body)
    await this.events.remember("payment", verified.webhookId)
    return result
  }

  /**
   * The Medusa action for a payment event, once the payment proves it belongs to the session it
   * names (read from Medusa's payment module), with the session's amount.
   */
  private async webhookAction(body: unknown): Promise<Medusa.WebhookActionResult> {
    const notSupported = { action: PaymentActions.NOT_SUPPORTED }
    const parsed = dodoWebhookSchema.safeParse(body)
    if (!parsed.success || !parsed.data.type.startsWith("payment.")) return notSupported
    const payment = dodoPaymentSchema.safeParse(parsed.data.data)
    if (!payment.success) return notSupported
    const sessionId = str(payment.data.metadata?.session_id)
    if (!sessionId) return notSupported // not a payment this plugin started
    const session = await this.sessionData(sessionId)
    if (!session) return notSupported
    const refused = paymentOwnershipError(payment.data, session)
    const otherPaid = str(session.payment_id) && session.payment_id !== payment.data.payment_id
    if (refused || otherPaid) {
      this.logger.warn(`[${NAME}] webhook for payment ${payment.data.payment_id} ignored: ${refused?.message ?? "the session is already paid by another payment"}`)
      return notSupported
    }
    const data = { session_id: sessionId, amount: minorToMajor(String(session.amount_minor), String(session.currency), this.profile).toString() }
    const action = paymentEventAction(parsed.data.type)
    return action === PaymentActions.NOT_SUPPORTED ? notSupported : { action, data }
  }

  /**
   * A Medusa payment session's data, from the payment module's service in the provider's
   * container; undefined when the session does not exist (another store on the same Dodo account).
   */
  private async sessionData(sessionId: string): Promise<Record<string, unknown> | undefined> {
    let service: { retrieve(id: string, config?: Record<string, unknown>): Promise<{ data?: Record<string, unknown> | null }> } | undefined
    try {
      service = this.container?.paymentSessionService as typeof service
    } catch {
      service = undefined // an awilix container throws for an unregistered key
    }
    if (typeof service?.retrieve !== "function") {
      this.logger.warn(`[${NAME}] webhook ignored: Medusa's payment sessions cannot be read here, so the payment cannot be checked against its session`)
      return undefined
    }
    try {
      const session = await service.retrieve(sessionId, { select: ["id", "data"] })
      return session?.data ? { ...session.data, session_id: sessionId } : undefined
    } catch (error) {
      if (error instanceof MedusaError && error.type === MedusaError.Types.NOT_FOUND) return undefined
      throw error
    }
  }

  /** refund.succeeded / refund.failed, verified like any webhook, as ledger outcomes. */
  protected async readRefundOutcomes(payload: Medusa.ProviderWebhookPayload["payload"]): Promise<DodoRefundOutcome[]> {
    const verified = this.verify(payload)
    if (!verified || (await this.events.has("refund", verified.webhookId))) return []
    const outcomes = this.refundOutcomesOf(verified.body)
    await this.events.remember("refund", verified.webhookId)
    return outcomes
  }

  private refundOutcomesOf(body: unknown): DodoRefundOutcome[] {
    const parsed = dodoWebhookSchema.safeParse(body)
    if (!parsed.success || !parsed.data.type.startsWith("refund.")) return []
    const refund = dodoRefundSchema.safeParse(parsed.data.data)
    if (!refund.success) return []
    return [
      {
        processor_refund_id: refund.data.refund_id,
        status: this.refundStatus(refund.data.status, refund.data.refund_id),
        processor_status: refund.data.status,
        ...(refund.data.status === "failed" ? { failure_reason: `${NAME} reported the refund as failed` } : {}),
        medusa_refund_id: str(refund.data.metadata?.medusa_refund_id) ?? null,
        processor_payment_id: refund.data.payment_id,
        ...(str(refund.data.metadata?.session_id) ? { session_id: String(refund.data.metadata?.session_id) } : {}),
      },
    ]
  }
}
