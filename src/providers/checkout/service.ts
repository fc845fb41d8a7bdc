import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type * as Medusa from "@medusajs/framework/types"
import { ProcessorError } from "../../core/errors"
import { fromProcessorMinor } from "../../core/money/convert"
import { modeOf } from "../../core/options"
import { requireField } from "../../core/payment-data"
import { ProcessorPaymentProvider, type RefundOutcome, type SendRefundInput, type SentRefund } from "../../core/provider"
import { applyRefundOutcomes, reconcileLedger, type ProcessorRefundView } from "../../core/refunds/planner"
import { sessionInMedusa } from "../../core/session-data"
import { assertPaymentOfSession, sessionIdOf, withoutSingleUse } from "../../core/session-trust"
import { constantTimeEqual, headerValue, hmac, rawBodyText } from "../../core/webhooks"
import { ClassicBackend } from "./api-classic"
import { PAYMENT_ID, PaymentsBackend } from "./api-payments"
import type { CheckoutBackend } from "./backend"
import { checkoutCurrencies } from "./currencies"
import { parseCheckoutOptions, type CheckoutOptions } from "./options"
import { classifyCheckoutError, refundOutcomesOf, sessionRefOf } from "./transformers"
import { isWholeSingleCapture, refundOutcomesOfEvent, webhookEventOf, webhookPaymentData } from "./transformers-payments"
import type { CheckoutWebhookEvent } from "./wire-payments"

const NAME = "Checkout.com"

/**
 * Checkout.com: the unified Payments API (default) or, with `api: "classic"`, the v2 Charges API of
 * classic accounts. The Medusa lifecycle is here; each API's wire format is in its backend
 * (api-payments.ts, api-classic.ts).
 */
export class CheckoutProviderService extends ProcessorPaymentProvider<CheckoutOptions> {
  static identifier = "checkout"

  protected readonly profile = checkoutCurrencies
  /**
   * Read Checkout.com's refunds before sending one (the core's exactly-once check, core/provider.ts): Medusa
   * retries a failed refund under a new idempotency key, and the classic API has no idempotency header at all.
   */
  protected readonly reconcileBeforeRefund = true
  /** The Frames card token, single use, is all a storefront sends (README, "Storefront data"); every other key is dropped. */
  protected readonly storefront = { keys: ["token"], singleUse: ["token"] }
  protected readonly backend: CheckoutBackend
  /** The Payments API backend, whose webhooks are read; undefined on the classic API. */
  private readonly payments?: PaymentsBackend

  static validateOptions(options: Record<string, unknown>): void {
    parseCheckoutOptions(options)
  }

  constructor(cradle: Record<string, unknown>, rawOptions: Record<string, unknown>) {
    const options = parseCheckoutOptions(rawOptions)
    super(cradle, options, [options.secretKey, options.webhookSignatureKey])
    this.warnAboutSetup({
      environment: options.environment,
      webhookSecret: { set: !!options.webhookSignatureKey, option: "webhookSignatureKey", env: "CHECKOUT_WEBHOOK_SIGNATURE_KEY" },
      // Sandbox keys are sk_sbox_… (current accounts) and sk_test_… (previous and classic accounts).
      liveLookingCredential: { looksLive: /^sk_(?!sbox_|test_)/.test(options.secretKey), option: "secretKey" },
    })
    this.payments = options.api === "classic" ? undefined : new PaymentsBackend(options, this.logger)
    this.backend = this.payments ?? new ClassicBackend(options, this.logger)
  }

  protected classifyError(error: ProcessorError, operation: string) {
    return classifyCheckoutError(error, operation)
  }

  /** 403 "Refund not allowed" may mean a refund made in the dashboard took everything: look before failing. */
  protected isAlreadyRefunded(error: ProcessorError): boolean {
    return error.status === 403 && error.type !== "declined"
  }

  /** "live", "sandbox" or "custom" (an emulator or proxy URL). */
  get mode() {
    return modeOf(this.options.environment)
  }

  get api(): "payments" | "classic" {
    return this.backend.api
  }

  protected ping(): Promise<void> {
    return this.backend.ping()
  }

  processorPaymentId(data: Record<string, unknown>): string | undefined {
    const id = data[this.backend.idField]
    return typeof id === "string" ? id : undefined
  }

  /**
   * The session lives in Medusa until authorization (the core's default), with the customer's email (Checkout.com's
   * risk checks) from Medusa's context only: an `email` the shopper wrote is dropped. And which API the payment uses.
   */
  protected async initiate(input: Medusa.InitiatePaymentInput): Promise<Medusa.InitiatePaymentOutput> {
    const email = input.context?.customer?.email
    return sessionInMedusa(input, this.sessionOwner, { ...(typeof email === "string" && email ? { email } : {}), api: this.api })
  }

  private hasPayment(data: Record<string, unknown>): boolean {
    return typeof data[this.backend.idField] === "string"
  }

  /**
   * The state of the payment (charge) the data names, once Checkout.com's own record of it proves it is
   * this session's: its reference or metadata names the session, with the session's amount and currency.
   */
  private async ownState(data: Record<string, unknown>) {
    const { status, patch, facts } = await this.backend.state(data)
    assertPaymentOfSession(NAME, { sessionId: sessionIdOf(data), currency: data.currency, amountMinor: data.amount_minor }, facts)
    return { status, patch }
  }

  // ---- Lifecycle --------------------------------------------------------------------------

  protected async authorize(input: Medusa.AuthorizePaymentInput): Promise<Medusa.AuthorizePaymentOutput> {
    const data = input.data ?? {}
    if (this.hasPayment(data)) {
      // Authorized before (Medusa retried, or the customer came back from 3DS): report the state.
      const { status, patch } = await this.ownState(data)
      return { status, data: withoutSingleUse({ ...data, ...patch }, this.storefront) }
    }
    const token = typeof data.token === "string" ? data.token.trim() : ""
    if (!token) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        "No Checkout.com card token in the payment session. The storefront must tokenize the card with Checkout.com Frames and send the token (tok_…) as `token` in the payment session data."
      )
    }
    // The payment carries the session id (reference, metadata): every later read is checked against it.
    const sessionId = sessionIdOf(data)
    if (!sessionId) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        "The payment session data has no session_id (Medusa sets it when it creates the session). Nothing was sent to Checkout.com; create a new payment session."
      )
    }
    const currency = requireField(data, "currency", NAME)
    const amount = fromProcessorMinor(requireField(data, "amount_minor", NAME), currency, this.profile)
    const { status, patch } = await this.backend.authorize({
      amount,
      token,
      capture: this.options.captureMode === "automatic",
      sessionId,
      email: typeof data.email === "string" ? data.email : undefined,
      idempotencyKey: this.idempotencyKey(input.context),
    })
    return { status, data: withoutSingleUse({ ...data, ...patch }, this.storefront) }
  }

  protected async capture(input: Medusa.CapturePaymentInput): Promise<Medusa.CapturePaymentOutput> {
    const data = input.data ?? {}
    requireField(data, this.backend.idField, NAME)
    const key = this.idempotencyKey(input.context)
    const keys = Array.isArray(data.capture_keys) ? (data.capture_keys as string[]) : []
    if (keys.includes(key)) return { data } // this capture was recorded already
    const once = this.backend.multipleCaptures ? undefined : "The classic Checkout.com API captures an authorization once"
    const { amount, capturedMinor: captured } = await this.planCapture(input, once)
    let patch: Record<string, unknown>
    try {
      patch = await this.backend.capture(data, amount, key)
    } catch (error) {
      // 403: Checkout.com captured already, outside Medusa (dashboard; an automatic capture answered Authorized
      // first), and Medusa now records it from the payment_captured webhook. Adopted only when Checkout.com's
      // captured total is exactly what Medusa's will be; anything else stays an error.
      const capturedBefore = error instanceof ProcessorError && error.status === 403 ? await this.capturedAlready(data, captured + BigInt(amount.minor)) : undefined
      if (!capturedBefore) throw error
      patch = capturedBefore
    }
    return { data: { ...data, ...patch, capture_keys: [...keys, key] } }
  }

  private async capturedAlready(data: Record<string, unknown>, total: bigint): Promise<Record<string, unknown> | undefined> {
    const { patch } = await this.ownState(data)
    return patch.captured_minor === total.toString() ? patch : undefined
  }

  protected async cancel(input: Medusa.CancelPaymentInput): Promise<Medusa.CancelPaymentOutput> {
    const data = input.data ?? {}
    if (!this.hasPayment(data)) return { data } // nothing was authorized at Checkout.com
    const { status, patch } = await this.ownState(data)
    if (status === PaymentSessionStatus.CANCELED) return { data: { ...data, ...patch } }
    if (status === PaymentSessionStatus.CAPTURED) {
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, "This Checkout.com payment is already captured, so it cannot be voided. Refund it instead.")
    }
    const voided = await this.backend.void(data, this.idempotencyKey(input.context))
    return { data: { ...data, ...patch, ...voided } }
  }

  protected async remove(input: Medusa.DeletePaymentInput): Promise<Medusa.DeletePaymentOutput> {
    const data = input.data ?? {}
    if (this.hasPayment(data) && !data.void_action_id && !data.void_charge_id) {
      // A session deleted after authorization: release the customer's funds.
      return this.cancel({ data, context: input.context })
    }
    return { data: withoutSingleUse(data, this.storefront) }
  }

  /**
   * Reads the payment and its refunds at Checkout.com: pending refunds get their outcome
   * (approved or declined) and refunds made outside Medusa are added to the ledger.
   */
  protected async retrieve(input: Medusa.RetrievePaymentInput): Promise<Medusa.RetrievePaymentOutput> {
    const data = input.data ?? {}
    const { patch } = await this.ownState(data)
    const seen = await this.backend.refunds(data)
    const withOutcomes = applyRefundOutcomes({ ...data, ...patch }, refundOutcomesOf(seen)).data
    return { data: reconcileLedger(withOutcomes, seen).data }
  }

  protected async status(input: Medusa.GetPaymentStatusInput): Promise<Medusa.GetPaymentStatusOutput> {
    const data = input.data ?? {}
    if (!this.hasPayment(data)) return { status: PaymentSessionStatus.PENDING, data }
    const { status, patch } = await this.ownState(data)
    return { status, data: { ...data, ...patch } }
  }

  protected sendRefund(input: SendRefundInput): Promise<SentRefund> {
    return this.backend.refund(input)
  }

  protected listProcessorRefunds(data: Record<string, unknown>): Promise<ProcessorRefundView[]> {
    return this.backend.refunds(data)
  }

  // ---- Webhooks ---------------------------------------------------------------------------

  /**
   * The event in a webhook whose `Cko-Signature` (hex HMAC-SHA256 of the raw body with the
   * signature key) matches, or undefined. Classic accounts' notifications are not read.
   */
  private verifiedEvent(payload: Medusa.ProviderWebhookPayload["payload"]): CheckoutWebhookEvent | undefined {
    const key = this.options.webhookSignatureKey
    if (this.api !== "payments") {
      this.logger.warn("[Checkout.com] webhook ignored: classic API notifications are not supported (their signature scheme is undocumented)")
      return undefined
    }
    if (!key) {
      this.logger.warn("[Checkout.com] webhook ignored: set the `webhookSignatureKey` option (CHECKOUT_WEBHOOK_SIGNATURE_KEY) to accept Checkout.com webhooks")
      return undefined
    }
    const raw = rawBodyText(payload.rawData)
    const signature = headerValue(payload.headers, "cko-signature")
    if (raw === undefined || !signature || !constantTimeEqual(signature.trim().toLowerCase(), hmac("sha256", key, raw, "hex"))) {
      this.logger.warn("[Checkout.com] webhook ignored: Cko-Signature does not match the raw body")
      return undefined
    }
    return webhookEventOf(raw)
  }

  /**
   * `payment_approved` and `payment_captured` only. The session and amount Medusa acts on come from
   * Checkout.com's own record of the payment (read back), not from the event. Medusa answers SUCCESSFUL by
   * capturing `data.amount` unless its payment is fully captured, and that capture reaches Checkout.com: so
   * `captured` is reported only for a single capture of the whole payment (README, "Webhooks").
   */
  protected async webhook(payload: Medusa.ProviderWebhookPayload["payload"]): Promise<Medusa.WebhookActionResult> {
    const notSupported = { action: PaymentActions.NOT_SUPPORTED }
    const event = this.verifiedEvent(payload)
    const payments = this.payments // verifiedEvent accepts Payments API events only
    if (!event || !payments || (event.type !== "payment_approved" && event.type !== "payment_captured")) return notSupported
    const ignored = (why: string) => {
      this.logger.info(`[${NAME}] webhook ${event.type} not passed to Medusa: ${why}`)
      return notSupported
    }
    const paymentId = event.data.id
    if (!paymentId || !PAYMENT_ID.test(paymentId)) return ignored("it names no Checkout.com payment id")
    const payment = await payments.getPayment(paymentId)
    const sessionId = sessionRefOf(payment.reference, payment.metadata)
    if (!sessionId) return ignored(`payment ${paymentId} names no Medusa payment session`)
    const data = webhookPaymentData(payment, sessionId)
    if (event.type === "payment_approved") return { action: PaymentActions.AUTHORIZED, data }
    // A partial capture (or one of several) is one Medusa made or must be recorded from the admin: reporting it
    // would make Medusa capture it again at Checkout.com.
    const whole = isWholeSingleCapture(payment, await payments.getActions(paymentId), event.data.action_id)
    if (!whole) return ignored(`payment ${paymentId} is captured in parts or not in full; Medusa records partial captures itself`)
    return { action: PaymentActions.SUCCESSFUL, data }
  }

  /**
   * Refund outcomes in a verified `payment_refunded` / `payment_refund_declined` webhook, for the
   * payment's refund ledger (apply them with applyRefundOutcomes). Anything else gives [].
   */
  protected async readRefundOutcomes(payload: Medusa.ProviderWebhookPayload["payload"]): Promise<RefundOutcome[]> {
    const event = this.verifiedEvent(payload)
    return event ? refundOutcomesOfEvent(event) : []
  }
}
