import { MedusaError } from "@medusajs/framework/utils"
import type { RefundPaymentInput, RefundPaymentOutput } from "@medusajs/framework/types"
import { ProcessorError } from "../errors"
import type { Logger } from "../http"
import { toProcessorAmount, type ProcessorAmount } from "../money/convert"
import { ledgerOf, requireField, unfinishedAttemptsOf, attemptsStillUnfinished, UNFINISHED_ATTEMPTS_FIELD, withLedger, type UnfinishedRefundAttempt, type RefundLedgerEntry } from "../payment-data"
import { refundDifference } from "./difference"
import { linkOutsideRefunds, planRefund, reconcileLedger, type ProcessorRefundView, type RefundPlan } from "./planner"
import type { MedusaPaymentRecords } from "./medusa-records"
import type { MedusaRefundContext, ProcessorRefunds, SendRefundInput, SentRefund } from "./types"

type Data = Record<string, unknown>

/**
 * Sends each Medusa refund to the processor exactly once, across retries, restarts and
 * concurrent refunds (docs/exactly-once.md). Every attempt is written to the payment's data
 * (`refunds_in_doubt`) before it is sent, and only Medusa's write of the outcome removes it; an
 * attempt left there is "unfinished", and the payment's next refund reads the processor first.
 */
export class RefundCoordinator {
  /** Medusa payments with a failed send in this process since their last read of the processor. */
  private readonly paymentsWithFailedSend = new Set<string>()

  constructor(
    private readonly processor: ProcessorRefunds,
    private readonly records: MedusaPaymentRecords,
    private readonly logger: Logger
  ) {}

  async refund(input: RefundPaymentInput, idempotencyKey: string): Promise<RefundPaymentOutput> {
    let data: Data = { ...(input.data ?? {}) }
    const refundId = input.context?.idempotency_key

    // 1. A retry of a refund the ledger already holds is answered without sending.
    if (refundId && ledgerOf(data).some((r) => r.medusa_refund_id === refundId && r.status !== "failed")) return { data }
    const requested = toProcessorAmount(input.amount, requireField(data, "currency", this.processor.processor), this.processor.profile, "refund amount")

    // 2. Check Medusa's records: do they prove the ledger holds every refund of this payment?
    const medusa = await this.records.refundContext(refundId)
    const ledgerCurrent = this.records.writable && this.ledgerHoldsEveryRefund(data, medusa)

    // 3. If not, read the processor: this refund may already be there (an earlier attempt), or others the ledger lacks.
    let readStartedAt: number | undefined
    let readAddedRefunds = false
    const finish = (out: Data) => this.withUnfinishedAttemptsOf(out, medusa, refundId, readStartedAt)
    if (this.processor.readsBeforeSending && refundId && !ledgerCurrent) {
      readStartedAt = Date.now()
      if (medusa.paymentId) this.paymentsWithFailedSend.delete(medusa.paymentId)
      const found = await this.findEarlierRefunds(data, requested, refundId)
      if (found.alreadyMade) return { data: await finish(found.data) }
      readAddedRefunds = found.data !== data
      data = { ...found.data }
    }

    // 4. Plan once, from the ledger as it now stands.
    const planned = this.planOrRecordOutside(input, data, requested, refundId, readAddedRefunds)
    if ("recorded" in planned) return { data: await finish(planned.recorded) }
    const plan = planned.plan

    // 5. Record the attempt, then send.
    if (this.records.writable && medusa.paymentId) await this.recordAttempt(medusa, data, refundId, plan.amount.minor)
    let sent: SentRefund
    try {
      sent = await this.send({ data, plan, idempotencyKey, medusaRefundId: refundId, refund: medusa.info, ledgerCurrent })
    } catch (error) {
      const outside = error instanceof ProcessorError && this.processor.isAlreadyRefunded(error)
        ? await this.recordRefundsMadeOutside(data, plan, refundId)
        : undefined
      if (outside) return { data: await finish(outside) }
      // Its record stays in the payment's data too; this covers a concurrent write replacing it.
      if (medusa.paymentId) this.paymentsWithFailedSend.add(medusa.paymentId)
      throw error
    }

    // 6. Record the outcome.
    const entry = this.ledgerEntry(sent, plan, refundId)
    if (sent.status === "failed") {
      await this.recordDeclinedRefund(medusa, data, entry)
      throw this.declined(plan, sent)
    }
    this.compareWithPlan(entry, plan, sent, refundId)
    return { data: await finish(withLedger({ ...data, ...(sent.dataPatch ?? {}) }, [...ledgerOf(data), entry])) }
  }

  /**
   * Sends the refund. Where the processor asks for it (`readBack`), a send whose outcome is unknown is
   * followed by a read of its refunds: the one carrying this refund's tag stands in for the lost answer;
   * with none, the error stands, or the refund is sent again where the processor allows it.
   */
  private async send(input: SendRefundInput): Promise<SentRefund> {
    const readBack = this.processor.readBack
    for (let resends = 0; ; resends++) {
      try {
        return await this.processor.send(input)
      } catch (error) {
        if (!readBack || !(error instanceof ProcessorError) || !readBack.outcomeUnknown(error)) throw error
        const found = await this.findSentRefund(input, error)
        if (found) {
          return {
            processorRefundId: found.id,
            status: found.status,
            refunded: found.refunded ?? { amountMinor: found.amount_minor, ...(found.currency ? { currency: found.currency } : {}) },
            ...(readBack.dataPatch ? { dataPatch: readBack.dataPatch } : {}),
          }
        }
        const delayMs = readBack.resendDelayMs?.(error, resends)
        if (delayMs === undefined) throw error
        await new Promise((resolve) => setTimeout(resolve, delayMs))
      }
    }
  }

  /** The processor's refund carrying this refund's tag, after a send that failed with `error`; undefined when none is found or the read fails. */
  private async findSentRefund(input: SendRefundInput, error: ProcessorError): Promise<ProcessorRefundView | undefined> {
    const name = this.processor.processor
    const tag = this.processor.tag(input.idempotencyKey)
    let seen: ProcessorRefundView[]
    try {
      seen = await this.processor.listRefunds(input.data)
    } catch (readError) {
      this.logger.warn(`[${name}] refund ${tag}: could not read ${name}'s refunds after a failed send (${(readError as Error)?.message ?? String(readError)})`)
      return undefined
    }
    const found = seen.find((r) => r.tag === tag && r.status !== "failed")
    if (found) this.logger.warn(`[${name}] refund ${tag}: the send failed (${error.message}), but ${name} made refund ${found.id}; recorded it`)
    return found
  }

  /**
   * Brings a payment's refund ledger in line with the processor: adds refunds it lacks (a
   * concurrent refund whose data write Medusa overwrote, a dashboard refund), linking them to
   * Medusa refunds by tag, and updates statuses.
   */
  async syncLedger(data: Data, medusaPaymentId?: string): Promise<Data> {
    const { refunds: seen, dataPatch } = await this.processor.readForSync(data)
    const tags = medusaPaymentId ? await this.tagsOfPayment(medusaPaymentId) : new Map<string, string>()
    const ledger = ledgerOf(data)
    const views = seen.map((view) => {
      const known = ledger.find((r) => r.processor_refund_id === view.id)
      return { ...view, medusa_refund_id: known?.medusa_refund_id ?? (view.tag ? tags.get(view.tag) ?? null : null) }
    })
    return reconcileLedger({ ...data, ...dataPatch }, views).data
  }

  /**
   * The refund to send. When the processor's refunds just filled the ledger and they already refund everything,
   * they are recorded for this refund instead, as Medusa's Stripe provider does for charge_already_refunded.
   * With a remainder left the admin gets the numbers instead (recording could hide a refund still owed).
   */
  private planOrRecordOutside(
    input: RefundPaymentInput,
    data: Data,
    requested: ProcessorAmount,
    refundId: string | undefined,
    readAddedRefunds: boolean
  ): { plan: RefundPlan } | { recorded: Data } {
    try {
      return { plan: planRefund({ amount: input.amount, requested, data, profile: this.processor.profile, medusaRefundId: refundId }) }
    } catch (error) {
      const fullyRefunded = readAddedRefunds && refundId && error instanceof MedusaError && error.type === MedusaError.Types.NOT_ALLOWED
      const linked = fullyRefunded ? linkOutsideRefunds(data, requested, refundId, this.processor.profile) : undefined
      if (!linked) throw error
      this.warnMadeOutside(requested, refundId)
      return { recorded: linked }
    }
  }

  /**
   * Compares the processor's refunds with the ledger before sending. A refund unknown to the
   * ledger is, by its tag:
   * - this Medusa refund's own (an earlier attempt of it succeeded): recorded, nothing sent;
   * - a live Medusa refund's (concurrent, or its data write was lost): added to the ledger;
   * - a Medusa refund that no longer exists (Medusa deleted it after a failed attempt, then the
   *   admin retried with a new id): an orphan, recorded for this refund when the amount is the
   *   same, else added to the ledger so the remainder is right;
   * - untagged (made in the processor's dashboard): added to the ledger.
   */
  private async findEarlierRefunds(data: Data, requested: ProcessorAmount, refundId: string): Promise<{ data: Data; alreadyMade: boolean }> {
    const seen = await this.processor.listRefunds(data)
    const ledger = new Map(ledgerOf(data).map((r) => [r.processor_refund_id, r]))
    const unknown = seen.filter((r) => !ledger.has(r.id))
    // Refunds the plugin's sync already put in the ledger without a Medusa refund: one of them
    // may be this refund's lost earlier attempt.
    const unlinked = seen.filter((r) => r.tag && ledger.has(r.id) && !ledger.get(r.id)?.medusa_refund_id)
    const candidates = [...unknown, ...unlinked]
    if (candidates.length === 0) return { data, alreadyMade: false }
    const own = this.processor.tag(refundId)
    const live = candidates.some((r) => r.tag && r.tag !== own) ? await this.liveTagsOfRefundPayment(refundId) : new Map<string, string>()
    const linkedToLive = (views: ProcessorRefundView[]) => views.map((r) => ({ ...r, medusa_refund_id: (r.tag && live.get(r.tag)) ?? null }))
    const recordAsThisRefund = (view: ProcessorRefundView, reason: string) => {
      this.logger.warn(`[${this.processor.processor}] refund ${refundId}: ${reason} (${view.id}); recorded without sending a new one`)
      const base = reconcileLedger(data, linkedToLive(unknown.filter((r) => r !== view))).data
      const entry: RefundLedgerEntry = {
        processor_refund_id: view.id,
        medusa_refund_id: refundId,
        amount_minor: view.amount_minor,
        requested_amount: requested.requested,
        status: view.status,
        origin: "medusa",
        created_at: view.created_at ?? new Date().toISOString(),
      }
      const others = ledgerOf(base).filter((r) => r.processor_refund_id !== view.id)
      return { data: withLedger(base, [...others, entry]), alreadyMade: true }
    }
    const mine = candidates.find((r) => r.tag === own && r.status !== "failed")
    if (mine) return recordAsThisRefund(mine, "an earlier attempt of this refund already reached the processor")
    const orphan = candidates.find((r) => r.tag && !live.has(r.tag) && r.status !== "failed" && r.amount_minor === requested.minor)
    if (orphan && live.size > 0) {
      return recordAsThisRefund(orphan, "an earlier, failed attempt (refund no longer in Medusa) already reached the processor")
    }
    if (unknown.length === 0) return { data, alreadyMade: false }
    const reconciled = reconcileLedger(data, linkedToLive(unknown))
    for (const added of reconciled.added) {
      this.logger.warn(
        `[${this.processor.processor}] refund ${added.processor_refund_id} at ${this.processor.processor} was missing from the payment's ledger; added before refunding ${refundId}`
      )
    }
    return { data: reconciled.data, alreadyMade: false }
  }

  /** The processor says the payment is already refunded: record refunds made outside Medusa that cover this one, or undefined. */
  private async recordRefundsMadeOutside(data: Data, plan: RefundPlan, refundId: string | undefined): Promise<Data | undefined> {
    const reconciled = reconcileLedger(data, await this.processor.listRefunds(data)).data
    const linked = linkOutsideRefunds(reconciled, plan.amount, refundId, this.processor.profile)
    if (linked) this.warnMadeOutside(plan.amount, refundId)
    return linked
  }

  private warnMadeOutside(amount: ProcessorAmount, refundId: string | undefined): void {
    const name = this.processor.processor
    this.logger.warn(
      `[${name}] refund ${refundId ?? ""} of ${amount.major} ${amount.currency.toUpperCase()} was already made at ${name} outside Medusa; recorded without sending a new one`
    )
  }

  /**
   * Tags of the Medusa refunds that exist for the payment this refund belongs to. Empty when they
   * cannot be read: then nothing is taken as an orphan, which errs towards refusing, never towards refunding twice.
   */
  private async liveTagsOfRefundPayment(refundId: string): Promise<Map<string, string>> {
    const paymentId = await this.records.paymentOfRefund(refundId)
    return paymentId ? this.tagsOfPayment(paymentId) : new Map()
  }

  /** Tag → Medusa refund id, for the refunds Medusa holds on a payment. */
  private async tagsOfPayment(paymentId: string): Promise<Map<string, string>> {
    return new Map((await this.records.refundIdsOfPayment(paymentId)).map((id) => [this.processor.tag(id), id]))
  }

  /**
   * True when the payment's ledger provably holds every refund the processor can have for it,
   * so the read before sending can be skipped:
   * - every other refund Medusa holds on the payment is in the ledger (a concurrent refund, or a
   *   process that died after the processor's answer, leaves a Medusa refund the ledger lacks);
   * - no earlier attempt is unfinished (its outcome never stored: answer lost, Medusa's write
   *   failed, or Medusa deleted its refund, medusajs/medusa#16681);
   * - no refund in the ledger lacks its Medusa refund (a dashboard refund, or one the sync listed).
   * A dashboard refund the ledger has not seen yet is not covered: the processor refuses a refund
   * above what is left, and the plugin's sync after each refund records it.
   */
  private ledgerHoldsEveryRefund(data: Data, medusa: MedusaRefundContext): boolean {
    if (!medusa.paymentId || !medusa.otherRefundIds) return false
    if (this.paymentsWithFailedSend.has(medusa.paymentId)) return false
    if (unfinishedAttemptsOf(data).length > 0 || unfinishedAttemptsOf(medusa.paymentData).length > 0) return false
    const ledger = ledgerOf(data)
    if (ledger.some((r) => !r.medusa_refund_id && r.status !== "failed")) return false
    const linked = new Set(ledger.map((r) => r.medusa_refund_id))
    return medusa.otherRefundIds.every((id) => linked.has(id))
  }

  /**
   * Writes the attempt to the payment's data before it is sent. What refund() returns leaves it
   * out, and Medusa stores that once it has stored the refund, so the record outlives only an
   * attempt whose outcome Medusa did not store. Nothing is sent when it cannot be written.
   */
  private async recordAttempt(medusa: MedusaRefundContext, data: Data, refundId: string | undefined, amountMinor: string): Promise<void> {
    const stored = medusa.paymentData ?? data
    const attempt: UnfinishedRefundAttempt = { medusa_refund_id: refundId ?? null, amount_minor: amountMinor, at: new Date().toISOString() }
    try {
      await this.records.writePaymentData(medusa.paymentId!, { ...stored, [UNFINISHED_ATTEMPTS_FIELD]: [...unfinishedAttemptsOf(stored), attempt] })
    } catch (error) {
      const name = this.processor.processor
      this.logger.error(
        `[${name}] refund ${refundId ?? ""}: could not record the attempt on payment ${medusa.paymentId} (${(error as Error)?.message ?? "unknown error"}); nothing sent`
      )
      throw new MedusaError(
        MedusaError.Types.UNEXPECTED_STATE,
        `The refund was not sent to ${name}: Medusa's database did not accept the record that makes it safe to retry. Nothing was refunded; try again in a moment.`
      )
    }
  }

  /**
   * The refund's data with the attempts still unfinished, written out in full: Medusa merges the
   * data a provider returns into the stored data (a key left out keeps its stored value), so only
   * an explicit list removes this refund's record. The list is read again just before returning,
   * so a concurrent attempt's record written meanwhile is kept.
   */
  private async withUnfinishedAttemptsOf(data: Data, medusa: MedusaRefundContext, refundId: string | undefined, readStartedAt: number | undefined): Promise<Data> {
    const current = medusa.paymentId && this.records.writable ? await this.records.paymentData(medusa.paymentId) : undefined
    const stored = current ?? medusa.paymentData ?? data
    const unfinished = attemptsStillUnfinished(unfinishedAttemptsOf(stored), ledgerOf(data), {
      refundId,
      readStartedAt,
      attemptBoundMs: this.processor.attemptBoundMs(),
      liveRefundIds: medusa.otherRefundIds ? new Set(medusa.otherRefundIds) : undefined,
    })
    return { ...data, [UNFINISHED_ATTEMPTS_FIELD]: unfinished }
  }

  private ledgerEntry(sent: SentRefund, plan: RefundPlan, refundId: string | undefined): RefundLedgerEntry {
    return {
      processor_refund_id: sent.processorRefundId,
      medusa_refund_id: refundId ?? null,
      amount_minor: plan.amount.minor,
      requested_amount: plan.amount.requested,
      status: sent.status,
      ...(sent.failureReason ? { failure_reason: sent.failureReason } : {}),
      origin: "medusa",
      created_at: new Date().toISOString(),
    }
  }

  /**
   * Writes a declined attempt to the payment's ledger (Medusa writes nothing when the refund
   * throws) and removes its unfinished-attempt record: its outcome is known.
   */
  private async recordDeclinedRefund(medusa: MedusaRefundContext, data: Data, entry: RefundLedgerEntry): Promise<void> {
    if (!this.records.writable || !medusa.paymentId) return
    const stored = medusa.paymentData ?? data
    const ledger = [...ledgerOf(stored).filter((r) => r.processor_refund_id === null || r.processor_refund_id !== entry.processor_refund_id), entry]
    const unfinished = unfinishedAttemptsOf(stored).filter((d) => d.medusa_refund_id !== entry.medusa_refund_id)
    try {
      await this.records.writePaymentData(medusa.paymentId, { ...withLedger(stored, ledger), [UNFINISHED_ATTEMPTS_FIELD]: unfinished })
    } catch (error) {
      this.logger.error(
        `[${this.processor.processor}] refund ${entry.medusa_refund_id ?? ""} was declined, and its failed attempt could not be written to payment ${medusa.paymentId}: ${(error as Error)?.message ?? "unknown error"}`
      )
    }
  }

  /** Declined in the answer: Medusa must record no refund (it deletes its own when this throws). */
  private declined(plan: RefundPlan, sent: SentRefund): MedusaError {
    const name = this.processor.processor
    return new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `${name} declined the refund of ${plan.amount.major} ${plan.amount.currency.toUpperCase()} ` +
        `(${sent.failureReason ?? "no reason given"}). Nothing was refunded and Medusa records no refund; the attempt is kept in the ` +
        `payment's refund ledger as failed. Check the reason at ${name}, then refund again or another way.`
    )
  }

  /**
   * The processor refunded something other than planned: money moved, so never throw (Medusa
   * would delete its refund and the totals would part). Its figures go in the ledger, marked.
   */
  private compareWithPlan(entry: RefundLedgerEntry, plan: RefundPlan, sent: SentRefund, refundId: string | undefined): void {
    const name = this.processor.processor
    const difference = refundDifference(plan.amount, sent.refunded)
    if (difference) {
      if (difference.amount_minor !== undefined) entry.amount_minor = difference.amount_minor
      entry.discrepancy = difference.discrepancy
      this.logger.error(`[${name}] refund ${refundId ?? ""} (${sent.processorRefundId ?? "no id"}): ${difference.discrepancy.note}`)
    }
    if (plan.clampedToRemainder) {
      this.logger.info(
        `[${name}] refund ${refundId ?? ""} of ${plan.amount.requested} ${plan.amount.currency.toUpperCase()} sent as the exact remainder ${plan.amount.major} (rounding residue)`
      )
    }
  }
}
