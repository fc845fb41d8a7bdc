import { isIP } from "node:net"
import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type * as Medusa from "@medusajs/framework/types"
import { ProcessorError } from "../../core/errors"
import { uuidFromKey } from "../../core/idempotency"
import { minorToMajor, toProcessorAmount } from "../../core/money/convert"
import { modeOf } from "../../core/options"
import { requireField } from "../../core/payment-data"
import { ProcessorPaymentProvider, type SendRefundInput, type SentRefund } from "../../core/provider"
import { reconcileLedger, type ProcessorRefundView } from "../../core/refunds/planner"
import { refundReturnOf } from "../../core/return-items"
import { assertPaymentOfSession, sessionIdOf, withoutSingleUse } from "../../core/session-trust"
import { constantTimeEqual, headerValue } from "../../core/webhooks"
import { CloverApi, cloverSecrets } from "./api"
import { cloverCurrencies } from "./currencies"
import { parseCloverOptions, type CloverOptions } from "./options"
import { cloverRefundReason } from "./reasons"
import {
  captureRequest,
  chargeData,
  chargeSessionRef,
  chargeStatus,
  classifyCloverError,
  cloverRefundTag,
  createChargeRequest,
  refundedFigures,
  refundFailureReason,
  refundReasonFor,
  refundRequest,
  refundStatus,
  refundView,
  webhookActionOf,
  webhookPaymentIds,
} from "./transformers"
import type { CloverCharge } from "./wire"

export class CloverProviderService extends ProcessorPaymentProvider<CloverOptions> {
  static identifier = "clover"

  protected readonly profile = cloverCurrencies
  protected readonly reconcileBeforeRefund = true
  /**
   * The only key a storefront sends (README "Storefront data"), a single-use card token. The customer IP comes
   * from the request, proven by the store middleware with a secret the core hashes from the apiKey.
   */
  protected readonly storefront = { keys: ["source"], singleUse: ["source"], ipSecret: this.options.apiKey }
  protected readonly api: CloverApi

  static validateOptions(options: Record<string, unknown>): void {
    parseCloverOptions(options)
  }

  constructor(cradle: Record<string, unknown>, rawOptions: Record<string, unknown>) {
    const options = parseCloverOptions(rawOptions)
    super(cradle, options, cloverSecrets(options))
    this.warnAboutSetup({
      environment: options.environment,
      webhookSecret: { set: !!options.webhookAuthCode, option: "webhookAuthCode", env: "CLOVER_WEBHOOK_AUTH_CODE" },
    })
    this.api = new CloverApi(options, this.logger)
  }

  protected classifyError(error: ProcessorError) {
    return classifyCloverError(error)
  }

  protected refundTag(medusaRefundId: string): string {
    return cloverRefundTag(medusaRefundId)
  }

  protected isAlreadyRefunded(error: ProcessorError): boolean {
    return error.code === "charge_already_refunded"
  }

  get mode() {
    return modeOf(this.options.environment)
  }

  protected async ping(): Promise<void> {
    await this.api.ping()
  }

  processorPaymentId(data: Record<string, unknown>): string | undefined {
    return typeof data.charge_id === "string" ? data.charge_id : undefined
  }

  // ---- What the provider trusts ----------------------------------------------------------

  /**
   * Refuses a charge that is not this session's: it must carry the session's id in metadata
   * (createChargeRequest writes it) and the session's amount and currency. Payment data after
   * authorization holds the charge's own amount, so the check is the same for every branch.
   */
  private assertOwnCharge(charge: CloverCharge, data: Record<string, unknown>): CloverCharge {
    assertPaymentOfSession(
      "Clover",
      { sessionId: sessionIdOf(data), currency: data.currency, amountMinor: data.amount_minor },
      { id: charge.id, sessionRef: chargeSessionRef(charge), currency: charge.currency, amountMinor: charge.amount }
    )
    return charge
  }

  /** The charge named in this payment's data, proven to be this session's. */
  private async ownCharge(data: Record<string, unknown>): Promise<CloverCharge> {
    return this.assertOwnCharge(await this.api.getCharge(data.charge_id), data)
  }

  /**
   * The customer's IP for x-forwarded-for. Only `customer_ip` in stored data counts: base
   * initiate writes it from the store middleware's verified stamp and nulls a shopper's own
   * (Medusa stores the provider's value over the shopper's), and after initiate only this
   * provider writes the data. Otherwise the `defaultClientIp` option (README "Storefront data").
   */
  private clientIp(data: Record<string, unknown>): string {
    const stored = typeof data.customer_ip === "string" && isIP(data.customer_ip) ? data.customer_ip : undefined
    const ip = stored ?? this.options.defaultClientIp
    if (ip) return ip
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      "Clover requires the customer's IP address (x-forwarded-for) to charge a card, and this payment session has none. " +
        "Create payment sessions through the store API (the plugin's middleware records the request's IP), or set the provider's `defaultClientIp` option."
    )
  }

  // ---- Lifecycle (initiate and update: the base class's Medusa-side session) ---------------

  protected async authorize(input: Medusa.AuthorizePaymentInput): Promise<Medusa.AuthorizePaymentOutput> {
    const data = input.data ?? {}
    if (data.charge_id !== undefined && data.charge_id !== null) {
      // Authorized before (Medusa retried): report the charge's state once it is proven this
      // session's, charge nothing new. The storefront cannot set charge_id (initiate nulls it).
      const charge = await this.ownCharge(data)
      return { status: chargeStatus(charge), data: withoutSingleUse({ ...data, ...chargeData(charge) }, this.storefront) }
    }
    const source = typeof data.source === "string" ? data.source.trim() : ""
    if (!source) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        "No Clover card token in the payment session. The storefront must tokenize the card with Clover and send the token as `source` in the payment session data."
      )
    }
    const currency = requireField(data, "currency", "Clover")
    const amount = toProcessorAmount(
      minorToMajor(requireField(data, "amount_minor", "Clover"), currency, this.profile),
      currency,
      this.profile
    )
    const sessionId = sessionIdOf(data)
    if (!sessionId) {
      // A charge without the session's id could never be proven this session's afterwards.
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        "This payment session has no session_id, so a Clover charge could not be tied to it. Nothing was charged; create the payment session through Medusa's payment module."
      )
    }
    const key = this.idempotencyKey(input.context)
    const charge = await this.api.createCharge(createChargeRequest({ amount, source, capture: this.options.captureMode === "automatic", sessionId }), {
      // Clover requires a UUID v4 key on charges; derive one from Medusa's session id.
      idempotencyKey: uuidFromKey(key),
      clientIp: this.clientIp(data),
    })
    const status = chargeStatus(charge)
    if (status === PaymentSessionStatus.ERROR) {
      throw new MedusaError(
        MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR,
        `Clover did not approve the charge (${charge.failure_code ?? "failed"}: ${charge.failure_message ?? "no reason given"}). Ask the customer for another card.`
      )
    }
    this.assertOwnCharge(charge, data)
    return { status, data: withoutSingleUse({ ...data, ...chargeData(charge) }, this.storefront) }
  }

  protected async capture(input: Medusa.CapturePaymentInput): Promise<Medusa.CapturePaymentOutput> {
    const data = input.data ?? {}
    const chargeId = requireField(data, "charge_id", "Clover")
    const key = this.idempotencyKey(input.context)
    if (data.capture_key === key) {
      return { data } // this capture was recorded already
    }
    const { partial } = await this.planCapture(input, "Clover captures an authorization once")
    let charge: CloverCharge
    try {
      charge = await this.api.captureCharge(chargeId, captureRequest(partial), { idempotencyKey: uuidFromKey(key), clientIp: this.clientIp(data) })
    } catch (error) {
      if (!(error instanceof ProcessorError && error.code === "charge_already_captured")) throw error
      // Captured at Clover already (dashboard, or our answer was lost): take Clover's state.
      charge = await this.ownCharge(data)
    }
    return { data: { ...data, ...chargeData(charge), capture_key: key } }
  }

  protected async cancel(input: Medusa.CancelPaymentInput): Promise<Medusa.CancelPaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.charge_id !== "string") {
      return { data } // nothing was charged at Clover
    }
    // Proven first: Medusa hands deleteSession the shopper's own data when a session fails to save.
    const charge = await this.ownCharge(data)
    if (!charge.captured && charge.refunded) {
      return { data: { ...data, ...chargeData(charge) } }
    }
    if (charge.captured) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "This Clover charge is already captured, so it cannot be canceled. Refund it instead."
      )
    }
    // Clover documents no void: a refund without an amount on an uncaptured charge (CloverApi.reverseAuthorization).
    const reversal = await this.api.reverseAuthorization(charge.id, uuidFromKey(`void_${this.idempotencyKey(input.context)}`))
    const after = await this.api.getCharge(charge.id)
    return { data: { ...data, ...chargeData(after), authorization_reversal_id: reversal.id } }
  }

  protected async remove(input: Medusa.DeletePaymentInput): Promise<Medusa.DeletePaymentOutput> {
    const data = input.data ?? {}
    if (typeof data.charge_id === "string" && data.authorization_reversed !== true) {
      // A session deleted after authorization: release the customer's funds.
      return this.cancel({ data, context: input.context })
    }
    return { data: withoutSingleUse(data, this.storefront) }
  }

  protected async retrieve(input: Medusa.RetrievePaymentInput): Promise<Medusa.RetrievePaymentOutput> {
    const data = input.data ?? {}
    requireField(data, "charge_id", "Clover")
    const charge = await this.ownCharge(data)
    const refunds = await this.listProcessorRefunds(data)
    const reconciled = reconcileLedger({ ...data, ...chargeData(charge) }, refunds).data
    return { data: reconciled }
  }

  protected async status(input: Medusa.GetPaymentStatusInput): Promise<Medusa.GetPaymentStatusOutput> {
    const data = input.data ?? {}
    if (typeof data.charge_id !== "string") {
      return { status: PaymentSessionStatus.PENDING, data }
    }
    const charge = await this.ownCharge(data)
    return { status: chargeStatus(charge), data: { ...data, ...chargeData(charge) } }
  }

  protected async sendRefund({ data, plan, idempotencyKey, medusaRefundId, refund }: SendRefundInput): Promise<SentRefund> {
    const chargeId = requireField(data, "charge_id", "Clover")
    const body = refundRequest({
      chargeId,
      amount: plan.amount,
      omitAmount: plan.untouched,
      reason: cloverRefundReason(
        refund,
        this.options,
        { returned: refundReturnOf(refund as { metadata?: unknown }, this.logger, `refund ${medusaRefundId ?? ""}`.trim()), override: this.refundReasonOverrides(), logger: this.logger },
        (r) => refundReasonFor(r, this.options)
      ),
      reference: medusaRefundId ? cloverRefundTag(medusaRefundId) : undefined,
    })
    // Clover's documented key form is a UUID v4 (as for charges); the same Medusa refund id always maps to the same one.
    const created = await this.api.createRefund(body, uuidFromKey(idempotencyKey))
    const status = refundStatus(created)
    if (status === "failed") {
      return { processorRefundId: created.id, status, failureReason: refundFailureReason(created) }
    }
    // Money may have moved: what Clover says it refunded goes to the base, which records Clover's figures
    // when they differ from the plan. A refund answer carries no currency in Clover's examples; one that
    // does is compared too. Without an amount, the refund is read back.
    let refunded = refundedFigures(created)
    if (refunded.amountMinor === undefined) {
      const back = refundedFigures(await this.readRefundBack(created.id))
      if (back.amountMinor === undefined) this.logger.warn(`[Clover] refund ${created.id}: Clover gave no readable amount; recorded as planned (${plan.amount.minor})`)
      refunded = { ...back, ...(refunded.currency ? { currency: refunded.currency } : {}) }
    }
    return { processorRefundId: created.id, status, refunded }
  }

  /** The refund read back; an empty answer when it cannot be read (the refund stands, its figures unread). */
  private async readRefundBack(refundId: string): Promise<Record<string, unknown>> {
    try {
      return await this.api.getRefund(refundId)
    } catch (error) {
      this.logger.warn(`[Clover] refund ${refundId} could not be read back: ${(error as Error)?.message ?? "unknown error"}`)
      return {}
    }
  }

  protected async listProcessorRefunds(data: Record<string, unknown>): Promise<ProcessorRefundView[]> {
    const chargeId = requireField(data, "charge_id", "Clover")
    return (await this.api.listRefunds(chargeId)).map(refundView)
  }

  /**
   * Clover app webhooks carry a static shared code in X-Clover-Auth, not an HMAC. The body
   * is only a hint (`objectId` of a payment): the charge is read back from Clover, and the
   * session id and amount reported come from that charge alone (its metadata.session_id, which
   * only createChargeRequest writes). There is no session data here to compare amounts with:
   * Medusa then authorizes that session, and authorize proves the charge against it.
   */
  protected async webhook(payload: Medusa.ProviderWebhookPayload["payload"]): Promise<Medusa.WebhookActionResult> {
    const notSupported = { action: PaymentActions.NOT_SUPPORTED }
    const expected = this.options.webhookAuthCode
    if (!expected) {
      this.logger.warn("[Clover] webhook ignored: set the `webhookAuthCode` option to accept Clover webhooks")
      return notSupported
    }
    if (!constantTimeEqual(headerValue(payload.headers, "x-clover-auth"), expected)) {
      this.logger.warn("[Clover] webhook ignored: X-Clover-Auth does not match")
      return notSupported
    }
    const body = (payload.data ?? {}) as Record<string, unknown>
    if (typeof body.verificationCode === "string") {
      this.logger.info("[Clover] webhook verification request received; paste the verification code shown in the Clover dashboard request log")
      return notSupported
    }
    for (const id of webhookPaymentIds(body)) {
      let charge: CloverCharge
      try {
        charge = await this.api.getCharge(id)
      } catch (error) {
        if (error instanceof ProcessorError && error.status === 404) continue
        throw error
      }
      const sessionId = chargeSessionRef(charge)
      if (!sessionId) continue
      const result = webhookActionOf(charge, sessionId)
      if (result) return result
    }
    return notSupported
  }

}

