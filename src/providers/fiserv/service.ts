import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type * as Medusa from "@medusajs/framework/types"
import { mayHaveApplied, ProcessorError } from "../../core/errors"
import { minorToMajor, toProcessorAmount } from "../../core/money/convert"
import { Decimal } from "../../core/money/decimal"
import { modeOf } from "../../core/options"
import { requireField } from "../../core/payment-data"
import { ProcessorPaymentProvider, type SendRefundInput, type SentRefund } from "../../core/provider"
import { reconcileLedger, type ProcessorRefundView, type RefundPlan } from "../../core/refunds/planner"
import { assertPaymentOfSession, sessionIdOf, withoutSingleUse } from "../../core/session-trust"
import { FiservApi, fiservClient, fiservIds, type FiservRefundTarget } from "./api"
import { parseFiservOptions, type FiservOptions } from "./options"
import {
  approvedFigures,
  approvedMinorNear,
  capturedAt,
  classifyFiservError,
  declineReason,
  fiservCurrencies,
  isDeclined,
  isSettled,
  merchantIdFrom,
  notYetRefundable,
  orderIdOf,
  orderStatus,
  paymentSource,
  refundDescription,
  refundStatus,
  refundViews,
  transactionData,
  transactionIdOf,
  transactionStatus,
  typeOf,
} from "./transformers"
import type { FiservReference, FiservTransaction } from "./wire"

/**
 * The only keys a storefront sends, all one card source (README "Storefront data"): a TransArmor token, a
 * Checkout/Card Capture session, or a `source` object (a token with its expiry). Used once, at authorization.
 */
const STOREFRONT_KEYS = ["payment_token", "payment_session_id", "source"] as const

export class FiservProviderService extends ProcessorPaymentProvider<FiservOptions> {
  static identifier = "fiserv"
  /**
   * Everything else the shopper sends (transaction, order and capture ids above all) is dropped at initiate;
   * these single-use values (tokens) are dropped once used.
   */
  protected readonly storefront = { keys: STOREFRONT_KEYS, singleUse: STOREFRONT_KEYS }

  processorPaymentId(data: Record<string, unknown>): string | undefined {
    return typeof data.transaction_id === "string" ? data.transaction_id : undefined
  }

  protected readonly profile = fiservCurrencies
  /**
   * Client-Request-Id makes one operation idempotent within Fiserv's 5-minute window, but Medusa retries a
   * failed refund under a new refund id: read the order's refunds before sending one.
   */
  protected readonly reconcileBeforeRefund = true
  /** After a lost answer, or 757 (Fiserv already has this merchantTransactionId), the refund is looked for in the order. */
  protected readonly refundReadBack = { outcomeUnknown: (error: ProcessorError) => mayHaveApplied(error) || error.code === "757" }
  protected readonly api: FiservApi

  static validateOptions(options: Record<string, unknown>): void {
    parseFiservOptions(options)
  }

  constructor(cradle: Record<string, unknown>, rawOptions: Record<string, unknown>) {
    const options = parseFiservOptions(rawOptions)
    super(cradle, options, [options.apiKey, options.apiSecret])
    // Commerce Hub documents no payment webhooks, so there is no webhook secret to forget.
    this.warnAboutSetup({ environment: options.environment })
    this.api = new FiservApi(fiservClient(options, this.logger), options)
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

  /** Test connection: a signed inquiry for a reference that does not exist (api.ts `checkConnection`). */
  protected async ping(): Promise<void> {
    await this.api.checkConnection()
  }

  // ---- Ownership ------------------------------------------------------------------------

  private orderReference(data: Record<string, unknown>): FiservReference {
    const { orderId } = fiservIds(data)
    return orderId ? { referenceOrderId: orderId } : { referenceMerchantOrderId: requireField(data, "merchant_order_id", "Fiserv") }
  }

  /**
   * The order's transactions, once Fiserv's charge under the stored transaction_id is proven this session's:
   * nothing about a payment is trusted before (README "Storefront data").
   */
  private async ownOrder(data: Record<string, unknown>): Promise<FiservTransaction[]> {
    const { transactionId } = fiservIds(data)
    const transactions = await this.api.inquiry(this.orderReference(data))
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

  // ---- Lifecycle --------------------------------------------------------------------------

  protected async authorize(input: Medusa.AuthorizePaymentInput): Promise<Medusa.AuthorizePaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id === "string") {
      // Authorized before (Medusa retried): report Fiserv's state of this session's own charge, charge nothing new.
      const transactions = await this.ownOrder(data)
      return { status: orderStatus(transactions, data.transaction_id), data: withoutSingleUse(data, this.storefront) }
    }
    const source = paymentSource(data)
    const currency = requireField(data, "currency", "Fiserv")
    const amount = toProcessorAmount(minorToMajor(requireField(data, "amount_minor", "Fiserv"), currency, this.profile), currency, this.profile)
    const key = this.idempotencyKey(input.context)
    const sessionId = typeof data.session_id === "string" ? data.session_id : key
    const merchantOrderId = merchantIdFrom(sessionId, "payses_")
    const capture = this.options.captureMode === "automatic"
    let txn: FiservTransaction
    try {
      txn = await this.api.charge({ amount, source, capture, merchantOrderId, merchantTransactionId: merchantOrderId }, `charge:${key}`)
    } catch (error) {
      // 757: Fiserv already has an order with this merchantOrderId: an earlier attempt whose answer was lost
      // (after Fiserv's 5-minute replay window). Take that charge instead of charging again.
      if (!(error instanceof ProcessorError && error.code === "757")) throw error
      const found = (await this.api.inquiry({ referenceMerchantOrderId: merchantOrderId })).find((t) => typeOf(t) === "CHARGE" && !isDeclined(t))
      if (!found) throw error
      // Same session, but the cart may have changed since: only a charge of this amount is this authorization.
      this.assertOwnCharge(found, transactionIdOf(found), { merchantOrderId, currency, amountMinor: amount.minor })
      this.logger.warn(`[Fiserv] authorization of ${sessionId} found at Fiserv (transaction ${transactionIdOf(found)}); not charged again`)
      txn = found
    }
    if (isDeclined(txn)) {
      throw new MedusaError(MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR, `Fiserv declined the payment (${declineReason(txn)}). Ask the customer for another card.`)
    }
    const approved = await this.confirmedFigures(txn, amount.minor)
    if ((approved.currency && approved.currency !== currency.toLowerCase()) || (approved.amountMinor && approved.amountMinor !== amount.minor)) {
      // Held on the card for other figures than the session's: release it rather than hand Medusa a wrong payment.
      await this.api.cancel(transactionIdOf(txn), {}, `cancel:${key}`).catch((error) =>
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
      data: withoutSingleUse({
        ...data,
        ...transactionData(txn),
        transaction_id: transactionIdOf(txn),
        order_id: orderIdOf(txn) ?? null,
        merchant_order_id: merchantOrderId,
        amount_minor: amount.minor,
        captured_minor: status === PaymentSessionStatus.CAPTURED ? amount.minor : "0",
      }, this.storefront),
    }
  }

  protected async capture(input: Medusa.CapturePaymentInput): Promise<Medusa.CapturePaymentOutput> {
    const data = input.data ?? {}
    const { transactionId } = fiservIds(data)
    const currency = requireField(data, "currency", "Fiserv")
    const key = this.idempotencyKey(input.context)
    if (data.capture_key === key) {
      return { data } // this capture was recorded already
    }
    const { amount, partial } = await this.planCapture(input, "Fiserv captures an authorization once (a partial capture releases the rest)")
    let txn: FiservTransaction
    try {
      txn = await this.api.capture(transactionId, partial, `capture:${key}`)
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

  protected async cancel(input: Medusa.CancelPaymentInput): Promise<Medusa.CancelPaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id !== "string") {
      return { data } // nothing was charged at Fiserv
    }
    if (data.transaction_state === "VOIDED") {
      return { data }
    }
    // Cancel.md: an authorization not captured, or a sale or capture not yet settled, is voided; a settled one
    // gets 829 (refund it instead).
    const { transactionId } = fiservIds(data)
    const key = this.idempotencyKey(input.context)
    let txn: FiservTransaction
    try {
      txn = await this.api.cancel(transactionId, {}, `cancel:${key}`)
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

  protected async remove(input: Medusa.DeletePaymentInput): Promise<Medusa.DeletePaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id === "string" && data.transaction_state === "AUTHORIZED") {
      // A session deleted after authorization: release the customer's funds, only once the charge is proven its own.
      await this.ownOrder(data)
      return this.cancel({ data, context: input.context })
    }
    return { data: withoutSingleUse(data, this.storefront) }
  }

  protected async retrieve(input: Medusa.RetrievePaymentInput): Promise<Medusa.RetrievePaymentOutput> {
    const data = input.data ?? {}
    const currency = requireField(data, "currency", "Fiserv")
    const transactions = await this.ownOrder(data)
    const refunds = this.refundViewsOf(transactions, data, currency)
    const status = orderStatus(transactions, data.transaction_id as string)
    return { data: reconcileLedger({ ...data, order_status: status }, refunds).data }
  }

  protected async status(input: Medusa.GetPaymentStatusInput): Promise<Medusa.GetPaymentStatusOutput> {
    const data = input.data ?? {}
    if (typeof data.transaction_id !== "string") {
      return { status: PaymentSessionStatus.PENDING, data }
    }
    return { status: orderStatus(await this.ownOrder(data), data.transaction_id), data }
  }

  /**
   * Seed 002 line 10: "Refund Request can be initiated against a charge only if it is already been captured and
   * settled, otherwise submit a cancel request." The refund is sent first; only when Fiserv refuses (4xx) or declines
   * it is the order read (inquiry): settled → Fiserv's answer stands; not known settled → a cancel of the whole
   * remainder, or of part of it where Fiserv takes partial cancels (Cancel.md, `partialCancels`), with 829
   * "Transaction Settled" turning it into a refund; a partial refund Fiserv cannot take yet ends in a MedusaError
   * saying when it becomes possible.
   */
  protected async sendRefund({ data, plan, idempotencyKey, refund }: SendRefundInput): Promise<SentRefund> {
    const currency = requireField(data, "currency", "Fiserv")
    const tag = this.refundTag(idempotencyKey)
    const description = refundDescription(refund)
    const refundUnder = (key: string) =>
      this.api.refund(this.refundTarget(data), { amount: plan.amount, omitAmount: plan.untouched, merchantTransactionId: tag, description }, key)
    // Refund first, read the order only on a refusal: a settled charge (goods returned days later) takes one call.
    let answer: FiservTransaction | ProcessorError
    try {
      answer = await refundUnder(`refund:${idempotencyKey}`)
      if (!isDeclined(answer)) return this.sent(answer, plan)
    } catch (error) {
      // Any 4xx moved no money (812 and 837 are the documents' and the emulator's codes; a live answer may differ).
      // 757 (Fiserv already has this merchantTransactionId) is an unknown outcome: the coordinator reads the order for it.
      const refused = error instanceof ProcessorError && error.kind === "http" && Math.floor((error.status ?? 0) / 100) === 4 && error.code !== "757"
      if (!refused) throw error
      answer = error
    }
    const transactions = await this.ownOrder(data)
    const whole = plan.remainingAfterMinor === "0"
    if (isSettled(transactions) || !(whole || this.options.partialCancels)) {
      if (!(answer instanceof ProcessorError)) return this.sent(answer, plan) // declined: failed, with Fiserv's reason
      // 812 "Unable to Refund" (or 837, should Fiserv answer that) on a charge it holds captured: not settled yet.
      const unsettled = !isSettled(transactions) && (answer.code === "812" || answer.code === "837") && capturedAt(transactions)
      throw unsettled ? notYetRefundable(plan, currency, transactions, answer) : answer
    }
    let txn: FiservTransaction
    try {
      const ids = fiservIds(data)
      const cancel = { amount: whole ? undefined : plan.amount, merchantTransactionId: tag, description }
      const key = `refund-cancel:${idempotencyKey}`
      txn = await this.api.cancel(ids.captureTransactionId ?? ids.transactionId, cancel, key)
    } catch (error) {
      if (!(error instanceof ProcessorError)) throw error
      if (error.code === "740") throw notYetRefundable(plan, currency, transactions, error)
      if (error.code !== "829") throw error
      // Settled since the read: refund again under a Client-Request-Id of its own (the first one's replays the refusal).
      txn = await refundUnder(`refund-settled:${idempotencyKey}`)
    }
    return this.sent(txn, plan)
  }

  /** A refund's or cancel's answer as the ledger records it: declined → failed; else what Fiserv says it moved. */
  private async sent(txn: FiservTransaction, plan: RefundPlan): Promise<SentRefund> {
    const id = transactionIdOf(txn)
    if (isDeclined(txn)) {
      return { processorRefundId: id, status: "failed", failureReason: declineReason(txn) }
    }
    const status = typeOf(txn) === "CANCEL" ? "succeeded" : refundStatus(txn, this.options.captureRefunds)
    return { processorRefundId: id, status, refunded: await this.confirmedFigures(txn, plan.amount.minor) }
  }

  /**
   * What a refund references (README "Choices" 1 and 2): the capture transaction, else the sale; or the order, by
   * Fiserv's orderId in the URI style (the only form its path has) and by the store's merchantOrderId in the
   * reference style (known even if an answer was lost).
   */
  private refundTarget(data: Record<string, unknown>): FiservRefundTarget {
    const ids = fiservIds(data)
    if (this.options.refundReference !== "order") return { transactionId: ids.captureTransactionId ?? ids.transactionId }
    return this.options.endpointStyle === "uri"
      ? { orderId: ids.orderId ?? requireField(data, "order_id", "Fiserv") }
      : { merchantOrderId: requireField(data, "merchant_order_id", "Fiserv") }
  }

  /**
   * What Fiserv says a transaction moved (amount and currency of its answer); read back by inquiry when the answer
   * lacks them. Never throws: it runs after money moved.
   */
  private async confirmedFigures(txn: FiservTransaction, expectedMinor: string): Promise<{ amountMinor?: string; currency?: string }> {
    const answered = txn.paymentReceipt?.approvedAmount
    if (answered?.total !== undefined && answered.currency) return approvedFigures(txn, expectedMinor)
    const id = transactionIdOf(txn)
    const read = await this.api.inquiry({ referenceTransactionId: id }).then(
      (list) => list.find((t) => transactionIdOf(t) === id),
      (error) => this.logger.warn(`[Fiserv] could not read back transaction ${id}: ${(error as Error).message}`)
    )
    return approvedFigures(read ?? txn, expectedMinor)
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
  protected async webhook(_payload: Medusa.ProviderWebhookPayload["payload"]): Promise<Medusa.WebhookActionResult> {
    this.logger.warn("[Fiserv] webhook ignored: Fiserv Commerce Hub has no payment webhooks; status is read by transaction inquiry")
    return { action: PaymentActions.NOT_SUPPORTED }
  }
}
