import crypto from "node:crypto"
import { AbstractPaymentProvider, MedusaError } from "@medusajs/framework/utils"
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
  RefundPaymentInput,
  RefundPaymentOutput,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from "@medusajs/framework/types"
import { bootWarnings, type BootCheck } from "./boot-warnings"
import { planCapture, type CapturePlan } from "./capture-plan"
import { ProcessorError, toMedusaError, type ErrorAdvice } from "./errors"
import { refundAttemptBoundMs, type Logger } from "./http"
import type { CurrencyProfile } from "./money/currency-profile"
import { storeReasonMap, type ReasonOverrides } from "./reason-map"
import { Redactor } from "./redact"
import type { ProcessorRefundView } from "./refunds/planner"
import { RefundCoordinator } from "./refunds/coordinator"
import { MedusaPaymentRecords } from "./refunds/medusa-records"
import type { ProcessorRefunds, RefundOutcome, SendRefundInput, SentRefund, UnknownOutcomeReadBack } from "./refunds/types"
import { sessionInMedusa, updatedSessionInMedusa, type SessionOwner } from "./session-data"
import { requestIpStamp, type StorefrontRules } from "./session-trust"

export type { MedusaRefundContext, MedusaRefundInfo, RefundOutcome, SendRefundInput, SentRefund, UnknownOutcomeReadBack } from "./refunds/types"

type Operation =
  | "start the payment"
  | "update the payment"
  | "authorize the payment"
  | "capture the payment"
  | "cancel the payment"
  | "delete the payment session"
  | "retrieve the payment"
  | "read the payment status"
  | "refund the payment"
  | "read the webhook"

/**
 * The base every processor's service extends. It owns what is the same everywhere:
 * every public method runs inside `guard`, so anything thrown reaches the admin as a
 * MedusaError naming the processor, its code and what to do; and refundPayment runs the
 * shared planner, ledger and reconciliation, leaving the processor only its HTTP call.
 */
export abstract class ProcessorPaymentProvider<TOptions extends Record<string, unknown>> extends AbstractPaymentProvider<TOptions> {
  protected readonly logger: Logger
  protected abstract readonly profile: CurrencyProfile
  /** The provider's options, parsed and validated by its own schema before they reach here. */
  protected readonly options: TOptions
  /** Scrubs the options' secret values from every error message and log line. */
  protected readonly redactor: Redactor

  protected constructor(cradle: Record<string, unknown>, options: TOptions, secrets: Array<string | undefined>) {
    // @ts-ignore: AbstractPaymentProvider's constructor is protected and typed loosely.
    super(cradle, options)
    this.logger = (cradle?.logger as Logger | undefined) ?? console
    this.options = options
    this.redactor = new Redactor(secrets)
  }

  /** Logs at boot what the merchant may have forgotten (core/boot-warnings.ts). */
  protected warnAboutSetup(check: Omit<BootCheck, "processor">): void {
    for (const warning of bootWarnings({ processor: this.processorName, ...check })) this.logger.warn(warning)
  }

  /**
   * The store's reason map (`{ [processorId]: { [medusaReasonCode]: reason } }`, Settings → Refund processors),
   * ahead of the provider's own reason option and its defaults (core/reason-map.ts).
   */
  protected refundReasonOverrides(): ReasonOverrides | undefined {
    return storeReasonMap()
  }

  /** Display name in messages ("Clover"). */
  protected get processorName(): string {
    return this.profile.processor
  }

  /** Processor-specific reading of an error (codes it documents); undefined falls back to HTTP status. */
  protected classifyError(_error: ProcessorError, _operation: Operation): ErrorAdvice | undefined {
    return undefined
  }

  /**
   * Read the processor's refunds before sending one, to refund exactly once when Payment.data
   * is stale: Medusa retries a failed refund with a new idempotency key (medusajs/medusa#16681),
   * a process can die between the processor's answer and Medusa's write, and concurrent
   * refunds overwrite each other's data. Costs one read per refund.
   */
  protected readonly reconcileBeforeRefund: boolean = false

  /**
   * What the provider stores on a processor refund (metadata, reference) to link it to the
   * Medusa refund; listProcessorRefunds returns it as `tag`. Override when the processor's
   * field is short (Clover: 12 characters).
   */
  protected refundTag(medusaRefundId: string): string {
    return medusaRefundId
  }

  /** How a refund is looked for after a send whose outcome is unknown (core/refunds/types.ts); undefined: the error stands. */
  protected readonly refundReadBack?: UnknownOutcomeReadBack

  /** True when the processor says the payment is already (fully) refunded. */
  protected isAlreadyRefunded(_error: ProcessorError): boolean {
    return false
  }

  protected async guard<T>(operation: Operation, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      const medusaError = toMedusaError(
        error,
        { processor: this.processorName, operation, classify: (e) => this.classifyError(e, operation) },
        (text) => this.redactor.text(text)
      )
      const level = medusaError.type === MedusaError.Types.UNEXPECTED_STATE ? "error" : "warn"
      this.logger[level](`[${this.processorName}] ${operation} failed: ${medusaError.message}`)
      throw medusaError
    }
  }

  /** A key for operations Medusa gave none for; retries inside one call still reuse it. */
  protected idempotencyKey(context: { idempotency_key?: string } | undefined): string {
    return context?.idempotency_key ?? crypto.randomUUID()
  }

  // ---- Sessions that live in Medusa until authorization (the default) --------------------

  /** What a storefront may write in session data (core/session-trust.ts); nothing by default. */
  protected readonly storefront: StorefrontRules = { keys: [], singleUse: [] }

  /** This provider as the session data rules see it (core/session-data.ts). */
  protected get sessionOwner(): SessionOwner {
    return { id: this.getIdentifier(), environment: this.mode, profile: this.profile, storefront: this.storefront }
  }

  /** For the plugin's store middleware: the request's IP with its proof, or {} when not used. */
  stampRequestIp(ip: string | undefined): Record<string, string> {
    return requestIpStamp(this.storefront, ip)
  }

  /** The session lives in Medusa (core/session-data.ts); processors that create an object at once (an invoice, a checkout session) override it. */
  protected async initiate(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    return sessionInMedusa(input, this.sessionOwner)
  }

  /** New amount, refused once the processor holds a payment (core/session-data.ts); overridden with initiate. */
  protected async update(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    return updatedSessionInMedusa(input, this.sessionOwner, this.processorPaymentId(input.data ?? {}))
  }

  // ---- The processor implements these -------------------------------------------------
  protected abstract authorize(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput>
  protected abstract capture(input: CapturePaymentInput): Promise<CapturePaymentOutput>
  protected abstract cancel(input: CancelPaymentInput): Promise<CancelPaymentOutput>
  protected abstract remove(input: DeletePaymentInput): Promise<DeletePaymentOutput>
  protected abstract retrieve(input: RetrievePaymentInput): Promise<RetrievePaymentOutput>
  protected abstract status(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput>
  protected abstract webhook(payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult>
  /** Sends the planned refund. Throws ProcessorError on refusal. */
  protected abstract sendRefund(input: SendRefundInput): Promise<SentRefund>
  /** The processor's refunds for this payment, for reconciliation. */
  protected abstract listProcessorRefunds(data: Record<string, unknown>): Promise<ProcessorRefundView[]>

  /**
   * Refund outcomes in a webhook whose authenticity this provider verified (same checks as
   * getWebhookActionAndData), for the plugin's subscriber. Guarded like Medusa's methods.
   */
  refundOutcomes(payload: ProviderWebhookPayload["payload"]): Promise<RefundOutcome[]> {
    return this.guard("read the webhook", () => this.readRefundOutcomes(payload))
  }

  /** Processors with asynchronous refunds override it; [] for anything else. */
  protected async readRefundOutcomes(_payload: ProviderWebhookPayload["payload"]): Promise<RefundOutcome[]> {
    return []
  }

  /**
   * An authenticated read that proves the credentials and environment work, for the admin's
   * "Test connection". Processors override `ping`.
   */
  async testConnection(): Promise<{ ok: boolean; message: string }> {
    try {
      await this.ping()
      const where = this.mode === "custom" ? "emulator or custom URL" : this.mode
      return { ok: true, message: `${this.processorName} accepted the credentials (${where}).` }
    } catch (error) {
      const message = toMedusaError(
        error,
        { processor: this.processorName, operation: "answer a test read", classify: (e) => this.classifyError(e, "retrieve the payment") },
        (text) => this.redactor.text(text)
      ).message
      return { ok: false, message }
    }
  }

  /** A cheap authenticated read (list one object). */
  protected async ping(): Promise<void> {
    throw new Error("Test connection is not available for this processor yet")
  }

  /** "live", "sandbox" or "custom" (an emulator or proxy URL). */
  get mode(): "live" | "sandbox" | "custom" {
    return "custom"
  }

  /** The processor's id of the payment, from its data, for the admin (Clover: the charge id). */
  processorPaymentId(_data: Record<string, unknown>): string | undefined {
    return undefined
  }

  /** A link to the payment in the processor's dashboard, where one exists. */
  dashboardUrl(_data: Record<string, unknown>): string | undefined {
    return undefined
  }

  // ---- Medusa's interface ----------------------------------------------------------------
  initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    return this.guard("start the payment", () => this.initiate(input))
  }
  updatePayment(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    return this.guard("update the payment", () => this.update(input))
  }
  authorizePayment(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    return this.guard("authorize the payment", () => this.authorize(input))
  }
  capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    return this.guard("capture the payment", () => this.capture(input))
  }
  cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    return this.guard("cancel the payment", () => this.cancel(input))
  }
  deletePayment(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    return this.guard("delete the payment session", () => this.remove(input))
  }
  retrievePayment(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    return this.guard("retrieve the payment", () => this.retrieve(input))
  }
  getPaymentStatus(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    return this.guard("read the payment status", () => this.status(input))
  }
  getWebhookActionAndData(payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult> {
    return this.guard("read the webhook", () => this.webhook(payload))
  }

  refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    return this.guard("refund the payment", () => this.refunds.refund(input, this.idempotencyKey(input.context)))
  }

  /**
   * Brings a payment's refund ledger in line with the processor (refunds it lacks, statuses).
   * The plugin's subscriber runs it, under a lock, after every refund; the admin's "Sync" too.
   */
  syncRefundLedger(data: Record<string, unknown>, medusaPaymentId?: string): Promise<Record<string, unknown>> {
    return this.guard("retrieve the payment", () => this.refunds.syncLedger(data, medusaPaymentId))
  }

  /**
   * What the ledger sync reads: the processor's refunds and, when the provider reads them along
   * with the payment itself, processor fields to refresh in the payment data (ProcessOut).
   */
  protected async readForSync(data: Record<string, unknown>): Promise<{ refunds: ProcessorRefundView[]; dataPatch?: Record<string, unknown> }> {
    return { refunds: await this.listProcessorRefunds(data) }
  }

  /** Medusa's own records of payments, refunds and captures (the payment module's services in this container). */
  protected get medusaRecords(): MedusaPaymentRecords {
    return (this.medusaRecords_ ??= new MedusaPaymentRecords(this.container as ConstructorParameters<typeof MedusaPaymentRecords>[0]))
  }
  private medusaRecords_?: MedusaPaymentRecords

  /** The exactly-once refund coordinator, given this processor's calls (made on first use: profile is set by the subclass). */
  private get refunds(): RefundCoordinator {
    if (!this.refunds_) {
      const port: ProcessorRefunds = {
        processor: this.processorName,
        profile: this.profile,
        readsBeforeSending: this.reconcileBeforeRefund,
        send: (input) => this.sendRefund(input),
        readBack: this.refundReadBack,
        listRefunds: (data) => this.listProcessorRefunds(data),
        readForSync: (data) => this.readForSync(data),
        tag: (refundId) => this.refundTag(refundId),
        isAlreadyRefunded: (error) => this.isAlreadyRefunded(error),
        attemptBoundMs: () => refundAttemptBoundMs(this.options),
      }
      this.refunds_ = new RefundCoordinator(port, this.medusaRecords, this.logger)
    }
    return this.refunds_
  }
  private refunds_?: RefundCoordinator

  /**
   * The capture to send (core/capture-plan.ts), with Medusa's capture amount read from its capture
   * record: capturePayment is not told it.
   */
  protected async planCapture(input: CapturePaymentInput, capturesOnce?: string): Promise<CapturePlan> {
    const medusaAmount = await this.medusaRecords.captureAmount(input.context?.idempotency_key)
    return planCapture({ data: input.data ?? {}, profile: this.profile, medusaAmount, capturesOnce })
  }
}
