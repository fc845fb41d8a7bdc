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
  ProviderWebhookPayload,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  WebhookActionResult,
} from "@medusajs/framework/types"
import { z } from "zod"
import { ProcessorError } from "../../core/errors"
import { HttpClient } from "../../core/http"
import { minorToMajor, toProcessorAmount } from "../../core/money/convert"
import { Decimal } from "../../core/money/decimal"
import { baseUrlFor, modeOf } from "../../core/options"
import { requireField } from "../../core/payment-data"
import { ProcessorPaymentProvider, type SendRefundInput, type SentRefund } from "../../core/provider"
import { Redactor } from "../../core/redact"
import { reconcileLedger, type ProcessorRefundView, type RefundPlan } from "../../core/refunds/planner"
import { assertPaymentOfSession, requirePathId, sessionIdOf } from "../../core/session-trust"
import { parseWire } from "../../core/wire"
import { parseFiservOptions, type FiservOptions } from "./options"
import {
  approvedFigures,
  approvedMinorNear,
  batchOf,
  cancelRequest,
  capturedAt,
  captureRequest,
  chargeRequest,
  classifyFiservError,
  clientRequestIdFor,
  fiservAuthHeaders,
  fiservCurrencies,
  isDeclined,
  isSettled,
  merchantDetails,
  merchantIdFrom,
  orderIdOf,
  orderStatus,
  refundDescription,
  refundRequest,
  refundStatus,
  refundViews,
  transactionData,
  transactionIdOf,
  transactionStatus,
  typeOf,
} from "./transformers"
import {
  fiservErrorSchema,
  fiservInquirySchema,
  fiservTransactionSchema,
  type FiservCancelRequest,
  type FiservReference,
  type FiservSource,
  type FiservTransaction,
} from "./wire"

/** Commerce Hub hosts (spec `servers`; Use-Our-APIs.md): paths are appended to `/ch`. */
const HOSTS = { sandbox: "https://connect-cert.fiservapis.com/ch", production: "https://connect.fiservapis.com/ch" }

const PATHS = {
  charges: "/payments/v1/charges",
  cancels: "/payments/v1/cancels",
  refunds: "/payments/v1/refunds",
  inquiry: "/payments/v1/transaction-inquiry",
  uri: (transactionId: string, action: "capture" | "cancel" | "refund") => `/payments/v1/charges/${encodeURIComponent(transactionId)}/${action}`,
  uriOrderRefund: (orderId: string) => `/payments/v1/charges/orders/${encodeURIComponent(orderId)}/refund`,
}

/**
 * Test connection's reference: a merchantTransactionId this plugin never sends (refunds carry ref_…, charges a
 * session id), so the inquiry finds nothing.
 */
const CONNECTION_CHECK_ID = "medusa-connection-check"
/**
 * Payments-gateway lookup codes (Error-Code.md: 758 Data Not Found, 764 Referenced transaction not found, 801 Invalid
 * Transaction ID, 813 Transaction Not Found). The API gateway (APIM) answers 401/403 before the request gets that far.
 */
const LOOKUP_NOT_FOUND_CODES = new Set(["758", "764", "801", "813"])

/**
 * Commerce Hub's transactionId and orderId (spec: strings of at most 40; e.g. 838916029301, 32 hex digits,
 * CHG01…, R-<uuid>). They go into URL paths in the URI style, so nothing else (/, ., %, ?) is ever sent.
 */
const FISERV_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/

/**
 * The only keys a storefront sends, all one card source (README "Storefront data"): a TransArmor token, a
 * Checkout/Card Capture session, or a `source` object (a token with its expiry). Used once, at authorization.
 */
const STOREFRONT_KEYS = ["payment_token", "payment_session_id", "source"] as const

/** Keys the storefront may put in session data that must not outlive authorization. */
const sourceSchema = z.union([
  z.strictObject({
    sourceType: z.literal("PaymentToken"),
    tokenData: z.string().min(1).max(2048),
    tokenSource: z.string().min(1).max(256).optional(),
    card: z
      .strictObject({
        expirationMonth: z.string().regex(/^(0[1-9]|1[012])$/).optional(),
        expirationYear: z.string().regex(/^[0-9]{4}$/).optional(),
      })
      .optional(),
  }),
  z.strictObject({ sourceType: z.literal("PaymentSession"), sessionId: z.string().min(1).max(64) }),
])

export class FiservProviderService extends ProcessorPaymentProvider<FiservOptions> {
  static identifier = "fiserv"
  /** Everything else the shopper sends (transaction, order and capture ids above all) is dropped at initiate. */
  protected readonly storefrontKeys = STOREFRONT_KEYS
  /** Single-use storefront values (tokens) dropped once used. */
  protected readonly singleUseKeys = STOREFRONT_KEYS

  processorPaymentId(data: Record<string, unknown>): string | undefined {
    return typeof data.transaction_id === "string" ? data.transaction_id : undefined
  }

  protected readonly profile = fiservCurrencies
  /**
   * Client-Request-Id makes one operation idempotent within Fiserv's 5-minute window, but Medusa retries a
   * failed refund under a new refund id (medusa#16681): read the order's refunds before sending one.
   */
  protected readonly reconcileBeforeRefund = true
  protected readonly redactor: Redactor
  protected readonly options: FiservOptions
  protected readonly http: HttpClient

  static validateOptions(options: Record<string, unknown>): void {
    parseFiservOptions(options)
  }

  constructor(cradle: Record<string, unknown>, rawOptions: Record<string, unknown>) {
    const options = parseFiservOptions(rawOptions)
    super(cradle, options)
    this.options = options
    this.redactor = new Redactor([options.apiKey, options.apiSecret])
    this.http = new HttpClient({
      processor: "Fiserv",
      baseURL: baseUrlFor(options.environment, HOSTS),
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      logger: this.logger,
      secrets: [options.apiKey, options.apiSecret],
      // Called once per attempt with the exact bytes sent: a fresh Timestamp and signature every attempt,
      // the same Client-Request-Id for every attempt of one operation.
      headers: (request, bodyText) =>
        fiservAuthHeaders({
          apiKey: options.apiKey,
          apiSecret: options.apiSecret,
          clientRequestId: clientRequestIdFor(request.idempotencyKey, bodyText),
          timestamp: Date.now(),
          bodyText,
        }),
      parseError: (_status, body) => {
        const parsed = fiservErrorSchema.safeParse(body)
        if (!parsed.success) return {}
        type Item = { type?: string; code?: string; field?: string; message?: string }
        const data = parsed.data as { errorResponse?: { error?: Item[] }; error?: Item[] }
        const first = (data.errorResponse ?? data).error?.[0]
        if (!first) return {}
        return {
          code: first.code,
          type: first.type,
          message: `${first.message ?? "error"}${first.field ? ` (${first.field})` : ""}`,
        }
      },
    })
  }

  protected classifyError(error: ProcessorError, operation: string) {
    return classifyFiservError(error, operation)
  }

  /** Refunds carry merchantTransactionId = the Medusa refund id (ref_ + 26 characters fits the 32 limit). */
  protected refundTag(medusaRefundId: string): string {
    return merchantIdFrom(medusaRefundId)
  }

  protected isAlreadyRefunded(error: ProcessorError): boolean {
    return error.code === "816"
  }

  /** "live", "sandbox" or "custom" (an emulator or proxy URL). */
  get mode() {
    return modeOf(this.options.environment)
  }

  /**
   * Test connection: a signed transaction inquiry for a reference that does not exist. Nothing is created or moved.
   * Fiserv's "not found" from the payments gateway proves the API key, HMAC secret, clock and merchant were accepted;
   * 401/403 (credentials, clock), 201/202 (merchant, terminal) and APIM's 404 (wrong URL) fail the test.
   */
  protected async ping(): Promise<void> {
    try {
      await this.http.request({
        method: "POST",
        path: PATHS.inquiry,
        body: { referenceTransactionDetails: { referenceMerchantTransactionId: CONNECTION_CHECK_ID }, merchantDetails: merchantDetails(this.options) },
        safeToRetry: true,
      })
    } catch (error) {
      const lookedUp = error instanceof ProcessorError && error.kind === "http" && error.type !== "APIM" && LOOKUP_NOT_FOUND_CODES.has(error.code ?? "")
      if (!lookedUp) throw error
    }
  }

  // ---- HTTP calls -----------------------------------------------------------------------

  private async post(path: string, body: unknown, operationKey: string): Promise<FiservTransaction> {
    const res = await this.http.request({ method: "POST", path, body, idempotencyKey: operationKey })
    return parseWire(fiservTransactionSchema, res.data, "Fiserv", "transaction")
  }

  /** Transaction inquiry: a read, safe to repeat; an order reference lists every transaction of the order. */
  private async inquire(reference: FiservReference): Promise<FiservTransaction[]> {
    const res = await this.http.request({
      method: "POST",
      path: PATHS.inquiry,
      body: { referenceTransactionDetails: reference, merchantDetails: merchantDetails(this.options) },
      safeToRetry: true,
    })
    return parseWire(fiservInquirySchema, res.data, "Fiserv", "transaction inquiry")
  }

  /** The Fiserv ids in the payment's data, each checked before any request carries it (path or reference). */
  private idsOf(data: Record<string, unknown>) {
    const id = (what: string, value: unknown) => requirePathId("Fiserv", what, value, FISERV_ID)
    const optional = (what: string) => (data[what] === undefined || data[what] === null || data[what] === "" ? undefined : id(what, data[what]))
    return {
      transactionId: id("transaction_id", requireField(data, "transaction_id", "Fiserv")),
      orderId: optional("order_id"),
      captureTransactionId: optional("capture_transaction_id"),
    }
  }

  private orderReference(data: Record<string, unknown>): FiservReference {
    const { orderId } = this.idsOf(data)
    return orderId ? { referenceOrderId: orderId } : { referenceMerchantOrderId: requireField(data, "merchant_order_id", "Fiserv") }
  }

  /**
   * The order's transactions, once Fiserv's charge under the stored transaction_id is proven this session's:
   * nothing about a payment is trusted before (README "Storefront data").
   */
  private async ownOrder(data: Record<string, unknown>): Promise<FiservTransaction[]> {
    const { transactionId } = this.idsOf(data)
    const transactions = await this.inquire(this.orderReference(data))
    const charge = transactions.find((t) => typeOf(t) === "CHARGE" && transactionIdOf(t) === transactionId)
    const sessionId = sessionIdOf(data)
    this.assertOwnCharge(charge, transactionId, {
      merchantOrderId: sessionId ? merchantIdFrom(sessionId, "payses_") : undefined,
      currency: data.currency,
      amountMinor: data.amount_minor,
    })
    return transactions
  }

  /**
   * A charge is this session's when it carries the merchantOrderId authorize derives from Medusa's session id
   * (Fiserv refuses a second order under it: 757) and the session's amount and currency, read from Fiserv.
   */
  private assertOwnCharge(
    charge: FiservTransaction | undefined,
    id: string,
    session: { merchantOrderId: string | undefined; currency: unknown; amountMinor: unknown }
  ): void {
    const currency = typeof session.currency === "string" ? session.currency : undefined
    assertPaymentOfSession(
      "Fiserv",
      { sessionId: session.merchantOrderId, currency, amountMinor: session.amountMinor },
      {
        id,
        sessionRef: charge?.transactionDetails?.merchantOrderId ?? charge?.transactionDetails?.merchantTransactionId,
        currency: charge?.paymentReceipt?.approvedAmount?.currency,
        amountMinor: charge && currency ? approvedMinorNear(charge, currency, session.amountMinor) : undefined,
      }
    )
  }

  private sourceFrom(data: Record<string, unknown>): FiservSource {
    if (typeof data.payment_token === "string" && data.payment_token.trim()) {
      return { sourceType: "PaymentToken", tokenData: data.payment_token.trim(), tokenSource: "TRANSARMOR" }
    }
    if (typeof data.payment_session_id === "string" && data.payment_session_id.trim()) {
      return { sourceType: "PaymentSession", sessionId: data.payment_session_id.trim() }
    }
    if (data.source !== undefined) {
      const parsed = sourceSchema.safeParse(data.source)
      if (parsed.success) return parsed.data as FiservSource
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `The payment session's \`source\` is not a Fiserv payment source (${parsed.error.issues[0]?.path.join(".") || "source"}: ${parsed.error.issues[0]?.message}). ` +
          'Send { sourceType: "PaymentToken", tokenData, tokenSource?, card? } or { sourceType: "PaymentSession", sessionId }.'
      )
    }
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      "No Fiserv payment source in the payment session. The storefront must send a Fiserv token as `payment_token`, " +
        "a Checkout/Card Capture session as `payment_session_id`, or a `source` object in the payment session data."
    )
  }

  // ---- Lifecycle --------------------------------------------------------------------------

  protected async authorize(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id === "string") {
      // Authorized before (Medusa retried): report Fiserv's state of this session's own charge, charge nothing new.
      const transactions = await this.ownOrder(data)
      return { status: orderStatus(transactions, data.transaction_id), data: this.withoutSingleUse(data) }
    }
    const source = this.sourceFrom(data)
    const currency = requireField(data, "currency", "Fiserv")
    const amount = toProcessorAmount(minorToMajor(requireField(data, "amount_minor", "Fiserv"), currency, this.profile), currency, this.profile)
    const key = this.idempotencyKey(input.context)
    const sessionId = typeof data.session_id === "string" ? data.session_id : key
    const merchantOrderId = merchantIdFrom(sessionId, "payses_")
    const capture = this.options.captureMode === "automatic"
    let txn: FiservTransaction
    try {
      txn = await this.post(
        PATHS.charges,
        chargeRequest({ amount, source, capture, merchantOrderId, merchantTransactionId: merchantOrderId, options: this.options }),
        `charge:${key}`
      )
    } catch (error) {
      // 757: Fiserv already has an order with this merchantOrderId: an earlier attempt whose answer was lost
      // (after Fiserv's 5-minute replay window). Take that charge instead of charging again.
      if (!(error instanceof ProcessorError && error.code === "757")) throw error
      const found = (await this.inquire({ referenceMerchantOrderId: merchantOrderId })).find((t) => typeOf(t) === "CHARGE" && !isDeclined(t))
      if (!found) throw error
      // Same session, but the cart may have changed since: only a charge of this amount is this authorization.
      this.assertOwnCharge(found, transactionIdOf(found), { merchantOrderId, currency, amountMinor: amount.minor })
      this.logger.warn(`[Fiserv] authorization of ${sessionId} found at Fiserv (transaction ${transactionIdOf(found)}); not charged again`)
      txn = found
    }
    if (isDeclined(txn)) {
      const details = txn.paymentReceipt?.processorResponseDetails
      throw new MedusaError(
        MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR,
        `Fiserv declined the payment (${details?.responseCode ?? details?.hostResponseCode ?? "declined"}: ${details?.responseMessage ?? details?.hostResponseMessage ?? "no reason given"}). Ask the customer for another card.`
      )
    }
    const approved = await this.confirmedFigures(txn, amount.minor)
    if ((approved.currency && approved.currency !== currency.toLowerCase()) || (approved.amountMinor && approved.amountMinor !== amount.minor)) {
      // Held on the card for other figures than the session's: release it rather than hand Medusa a wrong payment.
      await this.post(...this.cancelCall(transactionIdOf(txn), cancelRequest({ options: this.options })), `cancel:${key}`).catch((error) =>
        this.logger.error(`[Fiserv] could not void authorization ${transactionIdOf(txn)} approved for other figures: ${(error as Error).message}`)
      )
      throw new MedusaError(
        MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR,
        `Fiserv approved ${approved.amountMinor ?? "?"} ${(approved.currency ?? "?").toUpperCase()} (minor units) where ${amount.minor} ${currency.toUpperCase()} was asked (transaction ${transactionIdOf(txn)}); the authorization was canceled. Ask the customer to pay again.`
      )
    }
    const status = transactionStatus(txn)
    return {
      status,
      data: this.withoutSingleUse({
        ...data,
        ...transactionData(txn),
        transaction_id: transactionIdOf(txn),
        order_id: orderIdOf(txn) ?? null,
        merchant_order_id: merchantOrderId,
        amount_minor: amount.minor,
        captured_minor: status === PaymentSessionStatus.CAPTURED ? amount.minor : "0",
      }),
    }
  }

  protected async capture(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    const data = input.data ?? {}
    const { transactionId } = this.idsOf(data)
    const currency = requireField(data, "currency", "Fiserv")
    const key = this.idempotencyKey(input.context)
    if (data.capture_key === key) {
      return { data } // this capture was recorded already
    }
    const { amount, partial } = await this.planCapture(input, "Fiserv captures an authorization once (a partial capture releases the rest)")
    let txn: FiservTransaction
    try {
      txn =
        this.options.endpointStyle === "uri"
          ? await this.post(PATHS.uri(transactionId, "capture"), captureRequest({ amount: partial, options: this.options }), `capture:${key}`)
          : await this.post(
              PATHS.charges,
              captureRequest({ amount: partial, reference: { referenceTransactionId: transactionId }, options: this.options }),
              `capture:${key}`
            )
    } catch (error) {
      if (!(error instanceof ProcessorError && (error.code === "820" || error.code === "826"))) throw error
      // Captured at Fiserv already (another system, or our answer was lost): take Fiserv's capture.
      const found = (await this.ownOrder(data)).find((t) => typeOf(t) === "CAPTURE" && !isDeclined(t))
      if (!found) throw error
      txn = found
    }
    if (isDeclined(txn)) {
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, "Fiserv declined the capture. Check the authorization at Fiserv; it may have expired.")
    }
    // The money moved: Fiserv's figures are recorded (refund limits follow them), a difference is marked and logged.
    const asked = amount.minor
    const approved = await this.confirmedFigures(txn, asked)
    const sameCurrency = !approved.currency || approved.currency === currency.toLowerCase()
    const captured = (sameCurrency && approved.amountMinor) || asked
    const differs = !sameCurrency || captured !== asked
    if (differs) {
      this.logger.error(
        `[Fiserv] capture ${transactionIdOf(txn)}: Fiserv captured ${approved.amountMinor ?? "?"} ${(approved.currency ?? currency).toUpperCase()} where ${asked} ${currency.toUpperCase()} (minor units) was asked. Check the order at Fiserv.`
      )
    }
    return {
      data: {
        ...data,
        ...transactionData(txn),
        capture_transaction_id: transactionIdOf(txn),
        captured_minor: captured,
        capture_key: key,
        ...(differs ? { capture_discrepancy: { planned_minor: asked, processor_minor: approved.amountMinor ?? null, processor_currency: approved.currency ?? null } } : {}),
      },
    }
  }

  protected async cancel(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id !== "string") {
      return { data } // nothing was charged at Fiserv
    }
    if (data.transaction_state === "VOIDED") {
      return { data }
    }
    // Cancel.md: an authorization not captured, or a sale or capture not yet settled, is voided; a settled one
    // gets 829 (refund it instead).
    const { transactionId } = this.idsOf(data)
    const key = this.idempotencyKey(input.context)
    let txn: FiservTransaction
    try {
      txn = await this.post(...this.cancelCall(transactionId, cancelRequest({ options: this.options })), `cancel:${key}`)
    } catch (error) {
      if (!(error instanceof ProcessorError && error.code === "833")) throw error
      // Not cancelable: already voided at Fiserv? Then the cancel is done.
      const found = (await this.ownOrder(data)).find((t) => typeOf(t) === "CANCEL" && !isDeclined(t))
      if (!found) throw error
      txn = found
    }
    if (isDeclined(txn)) {
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, "Fiserv declined the cancel. Check the payment at Fiserv.")
    }
    return { data: { ...data, transaction_state: "VOIDED", cancel_transaction_id: transactionIdOf(txn) } }
  }

  protected async remove(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id === "string" && data.transaction_state === "AUTHORIZED") {
      // A session deleted after authorization: release the customer's funds, only once the charge is proven its own.
      await this.ownOrder(data)
      return this.cancel({ data, context: input.context })
    }
    return { data: this.withoutSingleUse(data) }
  }

  protected async retrieve(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    const data = input.data ?? {}
    const currency = requireField(data, "currency", "Fiserv")
    const transactions = await this.ownOrder(data)
    const refunds = this.refundViewsOf(transactions, data, currency)
    const status = orderStatus(transactions, data.transaction_id as string)
    return { data: reconcileLedger({ ...data, order_status: status }, refunds).data }
  }

  protected async status(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id !== "string") {
      return { status: PaymentSessionStatus.PENDING, data }
    }
    return { status: orderStatus(await this.ownOrder(data), data.transaction_id), data }
  }

  /**
   * Seed 002 line 10: "Refund Request can be initiated against a charge only if it is already been captured and
   * settled, otherwise submit a cancel request." The order is read first (inquiry): settled → a refund; not known
   * settled → a cancel of the whole remainder, or of part of it where Fiserv takes partial cancels (Cancel.md,
   * `partialCancels`), with 829 "Transaction Settled" turning it into a refund; a partial refund Fiserv cannot take
   * yet ends in a MedusaError saying when it becomes possible.
   */
  protected async sendRefund({ data, plan, idempotencyKey, refund }: SendRefundInput): Promise<SentRefund> {
    const currency = requireField(data, "currency", "Fiserv")
    const tag = this.refundTag(idempotencyKey)
    const description = refundDescription(refund)
    const transactions = await this.ownOrder(data)
    const whole = plan.remainingAfterMinor === "0"
    const refundNow = () => this.sendTagged(data, this.refundCall(data, plan, tag, description), `refund:${idempotencyKey}`, tag)
    let txn: FiservTransaction
    if (isSettled(transactions)) {
      txn = await refundNow()
    } else if (whole || this.options.partialCancels) {
      try {
        const target = this.idsOf(data).captureTransactionId ?? this.idsOf(data).transactionId
        const body = cancelRequest({ amount: whole ? undefined : plan.amount, merchantTransactionId: tag, description, options: this.options })
        txn = await this.sendTagged(data, this.cancelCall(target, body), `refund-cancel:${idempotencyKey}`, tag)
      } catch (error) {
        if (!(error instanceof ProcessorError)) throw error
        if (error.code === "740") throw this.notYetRefundable(plan, currency, transactions, error)
        if (error.code !== "829") throw error
        txn = await refundNow() // settled since the read
      }
    } else {
      try {
        txn = await refundNow()
      } catch (error) {
        // 812 "Unable to Refund" (or 837, should Fiserv answer that) on a charge it holds captured: not settled yet.
        const unsettled = error instanceof ProcessorError && (error.code === "812" || error.code === "837") && capturedAt(transactions)
        if (unsettled) throw this.notYetRefundable(plan, currency, transactions, error as ProcessorError)
        throw error
      }
    }
    const id = transactionIdOf(txn)
    if (isDeclined(txn)) {
      const details = txn.paymentReceipt?.processorResponseDetails
      const reason = `${details?.responseCode ?? details?.hostResponseCode ?? "declined"}: ${details?.responseMessage ?? details?.hostResponseMessage ?? "no reason given"}`
      return { processorRefundId: id, status: "failed", failureReason: reason }
    }
    const status = typeOf(txn) === "CANCEL" ? "succeeded" : refundStatus(txn, this.options.captureRefunds)
    return { processorRefundId: id, status, refunded: await this.confirmedFigures(txn, plan.amount.minor) }
  }

  /** The refund request: its path and body for the endpoint style and refund reference. */
  private refundCall(data: Record<string, unknown>, plan: RefundPlan, tag: string, description: string | undefined): [string, unknown] {
    const ids = this.idsOf(data)
    const transactionId = ids.captureTransactionId ?? ids.transactionId
    const byOrder = this.options.refundReference === "order"
    const body = (reference?: FiservReference) =>
      refundRequest({ amount: plan.amount, omitAmount: plan.untouched, reference, merchantTransactionId: tag, description, options: this.options })
    if (this.options.endpointStyle === "uri") {
      return [byOrder ? PATHS.uriOrderRefund(ids.orderId ?? requireField(data, "order_id", "Fiserv")) : PATHS.uri(transactionId, "refund"), body()]
    }
    return [PATHS.refunds, body(byOrder ? { referenceMerchantOrderId: requireField(data, "merchant_order_id", "Fiserv") } : { referenceTransactionId: transactionId })]
  }

  /** A cancel of `transactionId` in the configured endpoint style. */
  private cancelCall(transactionId: string, body: FiservCancelRequest): [string, unknown] {
    return this.options.endpointStyle === "uri"
      ? [PATHS.uri(transactionId, "cancel"), body]
      : [PATHS.cancels, { ...body, referenceTransactionDetails: { referenceTransactionId: transactionId } }]
  }

  /**
   * Sends a refund or cancel carrying our tag. When its outcome is unknown (no answer, 5xx) or Fiserv already has
   * the tag (757), the order is read and the transaction found by its merchantTransactionId is taken.
   */
  private async sendTagged(data: Record<string, unknown>, [path, body]: [string, unknown], key: string, tag: string): Promise<FiservTransaction> {
    try {
      return await this.post(path, body, key)
    } catch (error) {
      const unknownOutcome =
        error instanceof ProcessorError &&
        (error.kind === "timeout" || error.kind === "network" || (error.kind === "http" && (error.status ?? 0) >= 500) || error.code === "757")
      if (!unknownOutcome) throw error
      const found = await this.findRefund(data, tag).catch(() => undefined)
      if (!found) throw error
      this.logger.warn(`[Fiserv] ${key} found at Fiserv (transaction ${transactionIdOf(found)}) after: ${error.message}`)
      return found
    }
  }

  /** Before settlement, with no cancel possible for this amount: says when the refund becomes possible. */
  private notYetRefundable(plan: RefundPlan, currency: string, transactions: FiservTransaction[], cause: ProcessorError): MedusaError {
    const code = currency.toUpperCase()
    const remaining = minorToMajor((BigInt(plan.capturedMinor) - BigInt(plan.refundedBeforeMinor)).toString(), currency, this.profile).toFixed(plan.amount.exponent)
    const batch = batchOf(transactions)
    return new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Fiserv refunds a charge only once its batch has settled, and this payment's${batch ? ` (${batch})` : ""} has not (Fiserv: ${cause.describe()}). ` +
        `Before that only a cancel returns money, and Fiserv takes a partial cancel only for terminal direct or gateway settlement on its Nashville ` +
        `front end (the provider's \`partialCancels\` option). The refund of ${plan.amount.major} ${code} becomes possible once the batch settles, ` +
        `at the merchant's next batch close (usually daily): refund it then, or refund the whole remaining ${remaining} ${code} now as a cancel. Nothing was refunded.`
    )
  }

  /**
   * What Fiserv says a transaction moved (amount and currency of its answer); read back by inquiry when the answer
   * lacks them. Never throws: it runs after money moved.
   */
  private async confirmedFigures(txn: FiservTransaction, expectedMinor: string): Promise<{ amountMinor?: string; currency?: string }> {
    const answered = txn.paymentReceipt?.approvedAmount
    if (answered?.total !== undefined && answered.currency) return approvedFigures(txn, expectedMinor)
    const id = transactionIdOf(txn)
    const read = await this.inquire({ referenceTransactionId: id }).then(
      (list) => list.find((t) => transactionIdOf(t) === id),
      (error) => this.logger.warn(`[Fiserv] could not read back transaction ${id}: ${(error as Error).message}`)
    )
    return approvedFigures(read ?? txn, expectedMinor)
  }

  /** The refund (or cancel) this provider sent under `merchantTransactionId`, found in the order. */
  private async findRefund(data: Record<string, unknown>, merchantTransactionId: string): Promise<FiservTransaction | undefined> {
    const transactions = await this.ownOrder(data)
    return transactions.find(
      (t) => (typeOf(t) === "REFUND" || typeOf(t) === "CANCEL") && t.transactionDetails?.merchantTransactionId === merchantTransactionId && !isDeclined(t)
    )
  }

  private refundViewsOf(transactions: FiservTransaction[], data: Record<string, unknown>, currency: string): ProcessorRefundView[] {
    const captured = new Decimal(String(data.captured_minor ?? "0")).gt(0)
    return refundViews(transactions, { currency, captured, captureDefault: this.options.captureRefunds })
  }

  protected async listProcessorRefunds(data: Record<string, unknown>): Promise<ProcessorRefundView[]> {
    return this.refundViewsOf(await this.ownOrder(data), data, requireField(data, "currency", "Fiserv"))
  }

  /**
   * Commerce Hub sends no payment webhooks (none documented); status comes from transaction inquiry
   * (getPaymentStatus, retrievePayment). Anything posted to /hooks/payment/fiserv_fiserv is ignored.
   */
  protected async webhook(_payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult> {
    this.logger.warn("[Fiserv] webhook ignored: Fiserv Commerce Hub has no payment webhooks; status is read by transaction inquiry")
    return { action: PaymentActions.NOT_SUPPORTED }
  }

}
