import { bootWarnings, type BootCheck } from "./boot-warnings"
import crypto from "node:crypto"
import { AbstractPaymentProvider, MedusaError, PaymentSessionStatus } from "@medusajs/framework/utils"
import type {
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  BigNumberInput,
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
import { ProcessorError, toMedusaError, type ErrorAdvice } from "./errors"
import type { Logger } from "./http"
import { uuidFromKey } from "./idempotency"
import { toProcessorAmount } from "./money/convert"
import type { CurrencyProfile } from "./money/currency-profile"
import { ledgerOf, refundsInDoubtOf, remainingDoubts, REFUNDS_IN_DOUBT, withLedger, type RefundInDoubt, type RefundLedgerEntry, type RefundStatus } from "./payment-data"
import { Redactor } from "./redact"
import { refundDifference } from "./refund-difference"
import { sessionIdOf, stampRequestIp, storefrontData, verifiedRequestIp } from "./session-trust"
import { claimOutsideRefunds, planRefund, reconcileLedger, type ProcessorRefundView, type RefundPlan } from "./refund-planner"

/** What Medusa knows about the refund being sent, read from its own records. */
export interface MedusaRefundInfo {
  note?: string | null
  reasonCode?: string | null
  reasonLabel?: string | null
}

/** The refund being sent, as Medusa's payment module holds it. */
export interface MedusaRefundContext {
  info: MedusaRefundInfo
  /** Medusa's payment the refund belongs to. */
  paymentId?: string
  /** The payment's other Medusa refunds (ids); undefined when they could not be read. */
  otherRefundIds?: string[]
  /** The payment's data as stored now (read in the same query). */
  paymentData?: Record<string, unknown>
}

export interface SendRefundInput {
  data: Record<string, unknown>
  plan: RefundPlan
  /** Medusa's refund id (ref_…), or a generated key when Medusa gave none. */
  idempotencyKey: string
  medusaRefundId?: string
  refund: MedusaRefundInfo
  /**
   * True when Medusa's records proved the ledger holds every refund the processor can have for
   * this payment, with no earlier attempt in doubt: a processor's own checks for refunds the
   * ledger does not know (Checkout.com's balances) may be skipped.
   */
  ledgerCurrent: boolean
}

export interface SentRefund {
  processorRefundId: string | null
  /** "failed": the processor declined it in its answer; the base records the attempt and throws. */
  status: RefundStatus
  failureReason?: string
  /**
   * What the processor says it refunded (its answer, or a read-back when the answer carries no
   * amount): the base compares it with the plan and records the processor's figures.
   */
  refunded?: { amountMinor?: string; currency?: string }
  /** Processor fields to merge into the payment data (charge state after the refund). */
  dataPatch?: Record<string, unknown>
}

/**
 * A refund's outcome reported by a processor after the refund call (Checkout.com, Dodo and
 * ProcessOut settle refunds asynchronously). Medusa has no webhook action for refunds; the
 * plugin applies these to the payment's refund ledger.
 */
export interface RefundOutcome {
  processor_refund_id: string
  status: RefundStatus
  failure_reason?: string
  /** Our Medusa refund id when the processor echoes it (metadata). */
  medusa_refund_id?: string | null
  /** The processor's payment id the refund belongs to, to find the Medusa payment. */
  processor_payment_id?: string
  /** Medusa's payment session id when the processor echoes it (metadata.session_id). */
  session_id?: string
}

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
  /** Secret values of this provider's options, scrubbed from every error message. */
  protected abstract readonly redactor: Redactor

  protected constructor(cradle: Record<string, unknown>, options: TOptions) {
    // @ts-ignore: AbstractPaymentProvider's constructor is protected and typed loosely.
    super(cradle, options)
    this.logger = (cradle?.logger as Logger | undefined) ?? console
  }

  /** Logs at boot what the merchant may have forgotten (core/boot-warnings.ts). */
  protected warnAboutSetup(check: Omit<BootCheck, "processor">): void {
    for (const warning of bootWarnings({ processor: this.processorName, ...check })) this.logger.warn(warning)
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

  /** Keys the storefront puts in session data that must not outlive authorization (card tokens). */
  protected readonly singleUseKeys: readonly string[] = []

  /**
   * The only keys a storefront may put in session data (documented in the provider's README).
   * Every other key it sends is dropped at initiate: processor ids come from the provider alone.
   */
  protected readonly storefrontKeys: readonly string[] = []

  /**
   * The secret that proves a `customer_ip` was written by the plugin's store middleware from the
   * request, not by the shopper; undefined for processors that take no customer IP.
   */
  protected requestIpSecret(): string | undefined {
    return undefined
  }

  /** For the plugin's store middleware: the request's IP with its proof, or {} when not used. */
  stampRequestIp(ip: string | undefined): Record<string, string> {
    const secret = this.requestIpSecret()
    return secret && ip ? stampRequestIp(secret, ip) : {}
  }

  /** The customer's IP the middleware stamped in this data, when its proof holds. */
  protected requestIp(data: Record<string, unknown> | undefined): string | undefined {
    return verifiedRequestIp(this.requestIpSecret(), data)
  }

  /** Processor-specific fields a new session's data starts with. */
  protected sessionFields(_input: InitiatePaymentInput): Record<string, unknown> {
    return {}
  }

  /**
   * Default for processors that create nothing until authorization: the session lives in
   * Medusa, with the amount already in the processor's unit (so an amount the processor
   * cannot carry is refused at checkout, not at payment). Processors that create an object
   * at once (an invoice, a checkout session) override it.
   */
  protected async initiate(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    const amount = toProcessorAmount(input.amount, input.currency_code, this.profile)
    const sessionId = sessionIdOf(input.data)
    return {
      id: sessionId ?? uuidFromKey(this.idempotencyKey(input.context)),
      status: PaymentSessionStatus.PENDING,
      data: {
        ...this.storefrontData(input.data),
        ...(sessionId ? { session_id: sessionId } : {}),
        ...this.sessionFields(input),
        processor: this.getIdentifier(),
        environment: this.mode,
        currency: amount.currency,
        amount_minor: amount.minor,
        captured_minor: "0",
        refunded_minor: "0",
        refunds: [],
      },
    }
  }

  /**
   * The shopper's session data with only the storefront keys kept, and every other key they
   * sent set to null (Medusa stores the shopper's data merged with the provider's answer, so a
   * key left out would keep the shopper's value).
   */
  protected storefrontData(data: Record<string, unknown> | undefined): Record<string, unknown> {
    const out = storefrontData(data, this.storefrontKeys)
    const ip = this.requestIp(data)
    if ("customer_ip" in out || ip) out.customer_ip = ip ?? null
    if ("customer_ip_proof" in out) out.customer_ip_proof = null
    return out
  }

  /**
   * The cart changed before payment: re-convert the amount; refused once the processor holds a
   * payment. Only the storefront's own keys and the amount are returned: Medusa merges them into
   * the stored data, so what the caller passes for any other key is never stored.
   */
  protected async update(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    const data = input.data ?? {}
    if (this.processorPaymentId(data)) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `This payment is already authorized at ${this.processorName}; its amount cannot change. Cancel it and start a new payment.`
      )
    }
    const amount = toProcessorAmount(input.amount, input.currency_code, this.profile)
    const kept = Object.fromEntries(Object.entries(this.storefrontData(data)).filter(([, v]) => v !== null))
    return { status: PaymentSessionStatus.PENDING, data: { ...kept, currency: amount.currency, amount_minor: amount.minor } }
  }

  /**
   * Session data without single-use storefront values, once they have been used. Set to null,
   * not left out: Medusa merges returned data into the stored session data, where a key left
   * out would keep the token.
   */
  protected withoutSingleUse(data: Record<string, unknown>): Record<string, unknown> {
    const out = { ...data }
    for (const key of this.singleUseKeys) if (key in out) out[key] = null
    return out
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
    return this.guard("refund the payment", async () => {
      const data = { ...(input.data ?? {}) }
      const medusaRefundId = input.context?.idempotency_key
      let plan = planRefund({ amount: input.amount, data, profile: this.profile, medusaRefundId })
      if (plan.replay) {
        // Medusa asked again for a refund the ledger already holds: answer without sending.
        return { data }
      }
      const medusa = await this.medusaRefundContext(medusaRefundId)
      const payments = this.paymentService()
      const ledgerCurrent = !!payments && this.ledgerProvenCurrent(data, medusa)
      let readStartedAt: number | undefined
      const settled = (out: Record<string, unknown>) => this.withSettledDoubts(out, medusa, medusaRefundId, readStartedAt)
      if (this.reconcileBeforeRefund && medusaRefundId && !ledgerCurrent) {
        // The read below settles the doubts of attempts that ended before it.
        readStartedAt = Date.now()
        if (medusa.paymentId) this.paymentsInDoubt.delete(medusa.paymentId)
        const checked = await this.reconcileBeforeSending(data, plan, medusaRefundId)
        if (checked.adopted) return { data: await settled(checked.data) }
        if (checked.data !== data) {
          Object.assign(data, checked.data)
          try {
            plan = planRefund({ amount: input.amount, data, profile: this.profile, medusaRefundId })
          } catch (error) {
            // Refunds made outside Medusa refunded everything: record them for this refund, as
            // Medusa's Stripe provider does for charge_already_refunded. With some remainder left,
            // the admin gets the numbers instead (recording could hide a refund still owed).
            const fullyRefunded = error instanceof MedusaError && error.type === MedusaError.Types.NOT_ALLOWED
            const claimed = fullyRefunded ? claimOutsideRefunds(data, plan.amount, medusaRefundId, this.profile) : undefined
            if (claimed) {
              this.logger.warn(
                `[${this.processorName}] refund ${medusaRefundId} of ${plan.amount.major} ${plan.amount.currency.toUpperCase()} was already made at ${this.processorName} outside Medusa; recorded without sending a new one`
              )
              return { data: await settled(claimed) }
            }
            throw error
          }
        }
      }
      if (payments && medusa.paymentId) await this.recordAttempt(payments, medusa, data, medusaRefundId, plan.amount.minor)
      let sent: SentRefund
      try {
        sent = await this.sendRefund({
          data,
          plan,
          idempotencyKey: this.idempotencyKey(input.context),
          medusaRefundId,
          refund: medusa.info,
          ledgerCurrent,
        })
      } catch (error) {
        const adopted = error instanceof ProcessorError && this.isAlreadyRefunded(error)
          ? await this.adoptOutsideRefunds(data, plan, medusaRefundId)
          : undefined
        if (adopted) return { data: await settled(adopted) }
        // Its record stays in the payment's data too; this covers a concurrent write replacing it.
        if (medusa.paymentId) this.paymentsInDoubt.add(medusa.paymentId)
        throw error
      }
      const entry: RefundLedgerEntry = {
        processor_refund_id: sent.processorRefundId,
        medusa_refund_id: medusaRefundId ?? null,
        amount_minor: plan.amount.minor,
        requested_amount: plan.amount.requested,
        status: sent.status,
        ...(sent.failureReason ? { failure_reason: sent.failureReason } : {}),
        origin: "medusa",
        created_at: new Date().toISOString(),
      }
      if (sent.status === "failed") {
        // Declined in the answer: Medusa must record no refund (it deletes its own when this
        // throws), and the attempt stays in the ledger as failed.
        await this.recordDeclinedRefund(payments, medusa, data, entry)
        throw new MedusaError(
          MedusaError.Types.NOT_ALLOWED,
          `${this.processorName} declined the refund of ${plan.amount.major} ${plan.amount.currency.toUpperCase()} ` +
            `(${sent.failureReason ?? "no reason given"}). Nothing was refunded and Medusa records no refund; the attempt is kept in the ` +
            `payment's refund ledger as failed. Check the reason at ${this.processorName}, then refund again or another way.`
        )
      }
      const difference = refundDifference(plan.amount, sent.refunded)
      if (difference) {
        // Money moved: never throw now (Medusa would delete its refund and the totals would part).
        // The processor's figures go in the ledger, marked, and the plugin's sync tells the admin.
        if (difference.amount_minor !== undefined) entry.amount_minor = difference.amount_minor
        entry.discrepancy = difference.discrepancy
        this.logger.error(
          `[${this.processorName}] refund ${medusaRefundId ?? ""} (${sent.processorRefundId ?? "no id"}): ${difference.discrepancy.note}`
        )
      }
      if (plan.clampedToRemainder) {
        this.logger.info(
          `[${this.processorName}] refund ${medusaRefundId ?? ""} of ${plan.amount.requested} ${plan.amount.currency.toUpperCase()} sent as the exact remainder ${plan.amount.major} (rounding residue)`
        )
      }
      return { data: await settled(withLedger({ ...data, ...(sent.dataPatch ?? {}) }, [...ledgerOf(data), entry])) }
    })
  }

  /**
   * The refund's data with the attempts still in doubt, written out in full: Medusa merges the
   * data a provider returns into the stored data (a key left out keeps its stored value), so
   * only an explicit list removes this refund's record. The list is read again just before
   * returning, so a concurrent attempt's record written meanwhile is kept.
   */
  private async withSettledDoubts(
    data: Record<string, unknown>,
    medusa: MedusaRefundContext,
    refundId: string | undefined,
    readStartedAt: number | undefined
  ): Promise<Record<string, unknown>> {
    let stored = medusa.paymentData ?? data
    const payments = this.paymentService()
    if (medusa.paymentId && payments?.retrieve) {
      try {
        stored = (await payments.retrieve(medusa.paymentId, { select: ["id", "data"] }))?.data ?? stored
      } catch {
        // The list read with the refund stands in (and errs towards reading the processor next time).
      }
    }
    const doubts = remainingDoubts(refundsInDoubtOf(stored), ledgerOf(data), {
      refundId,
      readStartedAt,
      attemptBoundMs: this.attemptBoundMs(),
      liveRefundIds: medusa.otherRefundIds ? new Set(medusa.otherRefundIds) : undefined,
    })
    return { ...data, [REFUNDS_IN_DOUBT]: doubts }
  }

  /**
   * How long one refund attempt can run at most: every request it makes (a few) with all its
   * retries timing out, plus the backoffs. An attempt recorded longer ago than this before a read
   * of the processor had ended by then.
   */
  protected attemptBoundMs(): number {
    const options = (this as unknown as { config?: Record<string, unknown> }).config ?? {}
    const timeoutMs = Math.min(Number(options.timeoutMs) || 15_000, 120_000)
    const retries = Math.min(Number.isFinite(Number(options.maxRetries)) && options.maxRetries !== undefined ? Number(options.maxRetries) : 2, 10)
    const oneRequestMs = timeoutMs * (retries + 1) + 8_000 * retries
    return 4 * oneRequestMs + 60_000
  }

  /**
   * The processor says the payment is already refunded: record refunds made outside
   * Medusa that cover this one (as Medusa's Stripe provider does), or let the error stand.
   */
  private async adoptOutsideRefunds(
    data: Record<string, unknown>,
    plan: RefundPlan,
    medusaRefundId: string | undefined
  ): Promise<Record<string, unknown> | undefined> {
    const seen = await this.listProcessorRefunds(data)
    const reconciled = reconcileLedger(data, seen).data
    const claimed = claimOutsideRefunds(reconciled, plan.amount, medusaRefundId, this.profile)
    if (claimed) {
      this.logger.warn(
        `[${this.processorName}] refund ${medusaRefundId ?? ""} of ${plan.amount.major} ${plan.amount.currency.toUpperCase()} was already made at ${this.processorName} outside Medusa; recorded without sending a new one`
      )
    }
    return claimed
  }

  /**
   * Compares the processor's refunds with the ledger before sending. A refund unknown to the
   * ledger is, by its tag:
   * - this Medusa refund's own (an earlier attempt of it succeeded): adopted, nothing sent;
   * - a live Medusa refund's (concurrent, or its data write was lost): added to the ledger;
   * - a Medusa refund that no longer exists (Medusa deleted it after a failed attempt, then the
   *   admin retried with a new id): an orphan; adopted for this refund when the amount is the
   *   same, else added to the ledger so the remainder is right;
   * - untagged (made in the processor's dashboard): added to the ledger.
   */
  private async reconcileBeforeSending(
    data: Record<string, unknown>,
    plan: RefundPlan,
    medusaRefundId: string
  ): Promise<{ data: Record<string, unknown>; adopted: boolean }> {
    const seen = await this.listProcessorRefunds(data)
    const ledger = new Map(ledgerOf(data).map((r) => [r.processor_refund_id, r]))
    const unknown = seen.filter((r) => !ledger.has(r.id))
    // Refunds the plugin's sync already put in the ledger without a Medusa refund: one of them
    // may be this refund's lost earlier attempt.
    const unlinked = seen.filter((r) => r.tag && ledger.has(r.id) && !ledger.get(r.id)?.medusa_refund_id)
    const candidates = [...unknown, ...unlinked]
    if (candidates.length === 0) return { data, adopted: false }
    const own = this.refundTag(medusaRefundId)
    const live = candidates.some((r) => r.tag && r.tag !== own) ? await this.liveRefundTags(medusaRefundId) : new Map<string, string>()
    const adopt = (view: ProcessorRefundView, reason: string) => {
      this.logger.warn(`[${this.processorName}] refund ${medusaRefundId}: ${reason} (${view.id}); recorded without sending a new one`)
      const rest = unknown.filter((r) => r !== view)
      const base = reconcileLedger(data, rest.map((r) => ({ ...r, medusa_refund_id: (r.tag && live.get(r.tag)) ?? null }))).data
      const entry: RefundLedgerEntry = {
        processor_refund_id: view.id,
        medusa_refund_id: medusaRefundId,
        amount_minor: view.amount_minor,
        requested_amount: plan.amount.requested,
        status: view.status,
        origin: "medusa",
        created_at: view.created_at ?? new Date().toISOString(),
      }
      const others = ledgerOf(base).filter((r) => r.processor_refund_id !== view.id)
      return { data: withLedger(base, [...others, entry]), adopted: true }
    }
    const mine = candidates.find((r) => r.tag === own && r.status !== "failed")
    if (mine) return adopt(mine, "an earlier attempt of this refund already reached the processor")
    const orphan = candidates.find(
      (r) => r.tag && !live.has(r.tag) && r.status !== "failed" && r.amount_minor === plan.amount.minor
    )
    if (orphan && live.size > 0) {
      return adopt(orphan, "an earlier, failed attempt (refund no longer in Medusa) already reached the processor")
    }
    if (unknown.length === 0) return { data, adopted: false }
    const reconciled = reconcileLedger(
      data,
      unknown.map((r) => ({ ...r, medusa_refund_id: (r.tag && live.get(r.tag)) ?? null }))
    )
    for (const added of reconciled.added) {
      this.logger.warn(
        `[${this.processorName}] refund ${added.processor_refund_id} at ${this.processorName} was missing from the payment's ledger; added before refunding ${medusaRefundId}`
      )
    }
    return { data: reconciled.data, adopted: false }
  }

  /**
   * Tags of the Medusa refunds that exist for the payment this refund belongs to (read from
   * Medusa's payment module). An empty map when they cannot be read: then nothing is adopted
   * as an orphan, which can only err towards refusing, never towards refunding twice.
   */
  private async liveRefundTags(medusaRefundId: string): Promise<Map<string, string>> {
    try {
      const current = await this.refundService()?.retrieve(medusaRefundId, { select: ["id", "payment_id"] })
      return current ? await this.refundTagsOfPayment(String(current.payment_id)) : new Map()
    } catch {
      return new Map()
    }
  }

  private refundService() {
    return this.container?.refundService as
      | {
          retrieve(id: string, config?: Record<string, unknown>): Promise<Record<string, any>>
          list(filters: Record<string, unknown>, config?: Record<string, unknown>): Promise<Array<Record<string, any>>>
        }
      | undefined
  }

  /** Tag → Medusa refund id, for the refunds Medusa holds on a payment. */
  private async refundTagsOfPayment(paymentId: string): Promise<Map<string, string>> {
    const service = this.refundService()
    if (!service?.list) return new Map()
    try {
      const refunds = await service.list({ payment_id: paymentId }, { select: ["id"] })
      return new Map(refunds.map((r) => [this.refundTag(String(r.id)), String(r.id)]))
    } catch {
      return new Map()
    }
  }

  /**
   * Brings a payment's refund ledger in line with the processor: adds refunds it lacks (a
   * concurrent refund whose data write Medusa overwrote, a dashboard refund), linking them
   * to Medusa refunds by tag, and updates statuses. The plugin's subscriber runs it, under a
   * lock, after every refund; the admin's "Sync" runs it too.
   */
  async syncRefundLedger(data: Record<string, unknown>, medusaPaymentId?: string): Promise<Record<string, unknown>> {
    return this.guard("retrieve the payment", async () => {
      const { refunds: seen, dataPatch } = await this.readForSync(data)
      const tags = medusaPaymentId ? await this.refundTagsOfPayment(medusaPaymentId) : new Map<string, string>()
      const ledger = ledgerOf(data)
      const views = seen.map((view) => {
        const known = ledger.find((r) => r.processor_refund_id === view.id)
        return { ...view, medusa_refund_id: known?.medusa_refund_id ?? (view.tag ? tags.get(view.tag) ?? null : null) }
      })
      return reconcileLedger({ ...data, ...dataPatch }, views).data
    })
  }

  /**
   * What the ledger sync reads: the processor's refunds and, when the provider reads them along
   * with the payment itself, processor fields to refresh in the payment data (ProcessOut).
   */
  protected async readForSync(data: Record<string, unknown>): Promise<{ refunds: ProcessorRefundView[]; dataPatch?: Record<string, unknown> }> {
    return { refunds: await this.listProcessorRefunds(data) }
  }

  /**
   * What Medusa holds about the refund being sent, read from its payment module in one query:
   * the refund's note and reason, its payment, and that payment's other refunds. Best effort:
   * without it (no container, a read error) the provider always reads the processor first.
   */
  protected async medusaRefundContext(refundId: string | undefined): Promise<MedusaRefundContext> {
    const service = this.refundService()
    if (!refundId || !service?.retrieve) return { info: {} }
    try {
      const refund = await service.retrieve(refundId, { relations: ["refund_reason", "payment", "payment.refunds"] })
      // The module's service returns ORM entities: a relation is an iterable collection, not an array.
      const loaded = refund?.payment?.refunds
      const siblings: Array<{ id: unknown }> | undefined =
        loaded && typeof loaded[Symbol.iterator] === "function" && (Array.isArray(loaded) || loaded.isInitialized?.() !== false) ? [...loaded] : undefined
      return {
        info: { note: refund?.note ?? null, reasonCode: refund?.refund_reason?.code ?? null, reasonLabel: refund?.refund_reason?.label ?? null },
        paymentId: refund?.payment?.id ?? refund?.payment_id ?? undefined,
        otherRefundIds: siblings?.map((r) => String(r.id)).filter((id) => id !== refundId),
        paymentData: refund?.payment?.data ?? undefined,
      }
    } catch {
      return { info: {} }
    }
  }

  /**
   * True when the payment's ledger provably holds every refund the processor can have for it,
   * so the read before sending can be skipped:
   * - every other refund Medusa holds on the payment is in the ledger (a concurrent refund, or
   *   a process that died after the processor's answer, leaves a Medusa refund the ledger lacks);
   * - no earlier attempt is in doubt: each attempt is recorded in the payment's data before it
   *   is sent, and only Medusa's write of its outcome removes the record, so one left behind
   *   means an attempt whose outcome Medusa never stored (answer lost, Medusa's write failed,
   *   Medusa deleted its refund: medusa#16681);
   * - no refund in the ledger lacks its Medusa refund (one made in the processor's dashboard,
   *   or an earlier attempt the plugin's sync listed).
   * A dashboard refund the ledger has not seen yet is not covered; the processor itself refuses
   * a refund above what is left, and the plugin's sync after each refund records it.
   */
  private ledgerProvenCurrent(data: Record<string, unknown>, medusa: MedusaRefundContext): boolean {
    if (!medusa.paymentId || !medusa.otherRefundIds) return false
    if (this.paymentsInDoubt.has(medusa.paymentId)) return false
    if (refundsInDoubtOf(data).length > 0 || refundsInDoubtOf(medusa.paymentData).length > 0) return false
    const ledger = ledgerOf(data)
    if (ledger.some((r) => !r.medusa_refund_id && r.status !== "failed")) return false
    const linked = new Set(ledger.map((r) => r.medusa_refund_id))
    return medusa.otherRefundIds.every((id) => linked.has(id))
  }

  /** Medusa payments with a failed refund attempt in this process since their last read of the processor. */
  private readonly paymentsInDoubt = new Set<string>()

  private paymentService() {
    const service = this.container?.paymentService as
      | {
          update(data: Record<string, unknown>): Promise<unknown>
          retrieve?(id: string, config?: Record<string, unknown>): Promise<{ data?: Record<string, unknown> | null } | undefined>
        }
      | undefined
    return typeof service?.update === "function" ? service : undefined
  }

  /**
   * Records the attempt in the payment's data before it is sent. What refundPayment returns
   * leaves the record out (withSettledDoubts) and Medusa stores that once it has stored the
   * refund, so the record outlives only an attempt whose outcome Medusa did not store; the
   * payment's next refund then reads the processor first. Nothing is sent when it cannot be written.
   */
  private async recordAttempt(
    payments: { update(data: Record<string, unknown>): Promise<unknown> },
    medusa: MedusaRefundContext,
    data: Record<string, unknown>,
    medusaRefundId: string | undefined,
    amountMinor: string
  ): Promise<void> {
    const stored = medusa.paymentData ?? data
    const attempt: RefundInDoubt = { medusa_refund_id: medusaRefundId ?? null, amount_minor: amountMinor, at: new Date().toISOString() }
    try {
      await payments.update({ id: medusa.paymentId, data: { ...stored, [REFUNDS_IN_DOUBT]: [...refundsInDoubtOf(stored), attempt] } })
    } catch (error) {
      this.logger.error(
        `[${this.processorName}] refund ${medusaRefundId ?? ""}: could not record the attempt on payment ${medusa.paymentId} (${(error as Error)?.message ?? "unknown error"}); nothing sent`
      )
      throw new MedusaError(
        MedusaError.Types.UNEXPECTED_STATE,
        `The refund was not sent to ${this.processorName}: Medusa's database did not accept the record that makes it safe to retry. Nothing was refunded; try again in a moment.`
      )
    }
  }

  /**
   * Writes a declined attempt to the payment's ledger (Medusa writes nothing when the refund
   * throws) and settles its record of the attempt: its outcome is known.
   */
  private async recordDeclinedRefund(
    payments: { update(data: Record<string, unknown>): Promise<unknown> } | undefined,
    medusa: MedusaRefundContext,
    data: Record<string, unknown>,
    entry: RefundLedgerEntry
  ): Promise<void> {
    if (!payments || !medusa.paymentId) return
    const stored = medusa.paymentData ?? data
    const ledger = [...ledgerOf(stored).filter((r) => r.processor_refund_id === null || r.processor_refund_id !== entry.processor_refund_id), entry]
    const doubts = refundsInDoubtOf(stored).filter((d) => d.medusa_refund_id !== entry.medusa_refund_id)
    try {
      await payments.update({ id: medusa.paymentId, data: { ...withLedger(stored, ledger), [REFUNDS_IN_DOUBT]: doubts } })
    } catch (error) {
      this.logger.error(
        `[${this.processorName}] refund ${entry.medusa_refund_id ?? ""} was declined, and its failed attempt could not be written to payment ${medusa.paymentId}: ${(error as Error)?.message ?? "unknown error"}`
      )
    }
  }

  /** The amount of the capture Medusa is recording (capturePayment is not told it); best effort. */
  protected async medusaCaptureAmount(captureId: string | undefined): Promise<BigNumberInput | undefined> {
    if (!captureId) return undefined
    const service = this.container?.captureService as
      | { retrieve(id: string, config?: Record<string, unknown>): Promise<Record<string, any>> }
      | undefined
    if (!service?.retrieve) return undefined
    try {
      const capture = await service.retrieve(captureId, { select: ["id", "amount", "raw_amount"] })
      return capture?.raw_amount ?? capture?.amount
    } catch {
      return undefined
    }
  }
}
