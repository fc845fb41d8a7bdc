import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type { WebhookActionResult } from "@medusajs/framework/types"
import { toProcessorAmount, wireAmount, type ProcessorAmount } from "../../core/money/convert"
import { wholeLineQuantity, type CartLine } from "../../core/cart-lines"
import type { ReturnItem } from "../../core/return-items"
import { Decimal } from "../../core/money/decimal"
import { ProcessorError, type ErrorAdvice } from "../../core/errors"
import type { MedusaRefundInfo, RefundOutcome } from "../../core/provider"
import type { ProcessorRefundView } from "../../core/refunds/planner"
import type { RefundStatus } from "../../core/payment-data"
import { minorFromWire, processoutCurrencies, wireCurrency } from "./currencies"
import type { ProcessOutOptions, ProcessOutRefundReason } from "./options"
import type {
  ProcessOutCreateInvoiceRequest,
  ProcessOutEvent,
  ProcessOutInvoice,
  ProcessOutInvoiceDetailRequest,
  ProcessOutRefund,
  ProcessOutRefundRequest,
  ProcessOutTransaction,
} from "./wire"

// The profile lives in currencies.ts; re-exported for the integration helpers that import it from here.

/** Spec POST /invoices `details`: name "Maximum 80 characters long", reference "Maximum 255 characters long". */
export const DETAIL_LIMITS = { name: 80, reference: 255 } as const

/**
 * The cart's lines (stamped by the plugin's store middleware, proven by the provider) as invoice `details`
 * (spec POST /invoices: name and amount required, quantity an integer "Default value is 1", reference,
 * metadata string - string). `amount` is the line's unit price at the currency's precision: the spec says
 * "Amount charged for this item or product" beside a separate `quantity` (UNCONFIRMED whether ProcessOut
 * means the unit or the line; its example has quantity 1). `reference` is the key refunds map returned items
 * by: the variant id, which Medusa keeps from cart line to order line (order lines get new ids:
 * @medusajs/core-flows cart/utils/prepare-line-item-data), else the cart line id. A line with a fractional
 * quantity, or whose price cannot be written, is left out.
 */
export function invoiceDetails(lines: readonly CartLine[], currency: string): ProcessOutInvoiceDetailRequest[] {
  const details: ProcessOutInvoiceDetailRequest[] = []
  for (const line of lines) {
    const quantity = wholeLineQuantity(line)
    const amount = unitAmount(line.unit_price, currency)
    if (quantity === undefined || amount === undefined) continue
    details.push({
      name: shortenChars(line.title, DETAIL_LIMITS.name),
      amount,
      quantity,
      reference: line.variant_id ?? line.id,
      metadata: { medusa_line_item_id: line.id, ...(line.variant_id ? { medusa_variant_id: line.variant_id } : {}) },
    })
  }
  return details
}

/** A unit price as ProcessOut's major-unit string at the currency's precision (half-up); "0" for a free line. */
function unitAmount(price: string, currency: string): string | undefined {
  if (/^0+(\.0*)?$/.test(price)) return "0"
  try {
    return wireAmount.majorString(toProcessorAmount(price, currency, processoutCurrencies, "unit price"))
  } catch {
    return undefined
  }
}

function shortenChars(text: string, max: number): string {
  const chars = Array.from(text)
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`
}

/** An invoice detail as ProcessOut answers it (spec GET /invoices/{id} 200: an array of details with `iv_det_…` ids). */
export interface InvoiceDetailView {
  id: string
  reference?: string | null
  quantity?: number | null
}

/** The invoice's details from its answer, defensively (the spec's examples also show `details` as an object). */
export function invoiceDetailViews(details: unknown): InvoiceDetailView[] {
  if (!Array.isArray(details)) return []
  return details.filter(
    (d): d is InvoiceDetailView => !!d && typeof d === "object" && typeof (d as { id?: unknown }).id === "string" && /^iv_det_[A-Za-z0-9]{1,64}$/.test((d as { id: string }).id)
  )
}

/**
 * The refund's `invoice_detail_ids` (seed 004 L31: "List of invoice detail IDs for which the refund is made") for
 * the returned items: the detail whose reference is the item's variant (one only), when the whole line comes back.
 * The documents give a refund no quantity per detail, so an item returned in part names no detail (`partial`).
 */
export function returnedDetailIds(items: readonly ReturnItem[], details: readonly InvoiceDetailView[]): { ids: string[]; partial: number; unmatched: number } {
  const ids: string[] = []
  let partial = 0
  let unmatched = 0
  for (const item of items) {
    const matches = details.filter((d) => d.reference != null && (d.reference === item.variantId || d.reference === item.itemId))
    if (matches.length !== 1 || ids.includes(matches[0]!.id)) {
      unmatched++
      continue
    }
    const detail = matches[0]!
    if (!new Decimal(item.quantity).eq(detail.quantity ?? 1)) {
      partial++
      continue
    }
    ids.push(detail.id)
  }
  return { ids, partial, unmatched }
}

export function createInvoiceRequest(input: {
  amount: ProcessorAmount
  sessionId?: string
  options: Pick<ProcessOutOptions, "invoiceNamePrefix" | "returnUrl" | "cancelUrl" | "webhookUrl">
  name: string
  details?: ProcessOutInvoiceDetailRequest[]
}): ProcessOutCreateInvoiceRequest {
  const { options } = input
  return {
    name: input.name,
    amount: wireAmount.majorString(input.amount),
    currency: wireCurrency(input.amount),
    metadata: input.sessionId ? { session_id: input.sessionId } : {},
    ...(input.details?.length ? { details: input.details } : {}),
    ...(options.returnUrl ? { return_url: options.returnUrl } : {}),
    ...(options.cancelUrl ? { cancel_url: options.cancelUrl } : {}),
    ...(options.webhookUrl ? { webhook_url: options.webhookUrl } : {}),
  }
}

/** Our cap on `information`: ProcessOut documents no length (seed 004 L19), so we stay at a common column size. */
export const INFORMATION_MAX = 255

/**
 * `information` ("Extra information about the refund", seed 004 L19): Medusa's reason label (ProcessOut's
 * `reason` keeps only one of four words) and the refund note, shortened visibly ("…") past INFORMATION_MAX.
 */
export function refundInformation(info: Pick<MedusaRefundInfo, "note" | "reasonCode" | "reasonLabel">): string | undefined {
  const text = [info.reasonLabel ?? info.reasonCode, info.note].map((p) => p?.trim()).filter(Boolean).join(": ")
  const chars = Array.from(text) // code points: never cut a character in two
  return !text ? undefined : chars.length <= INFORMATION_MAX ? text : `${chars.slice(0, INFORMATION_MAX - 1).join("")}…`
}

export function refundRequest(input: {
  amount: ProcessorAmount
  reason: ProcessOutRefundReason
  information?: string
  medusaRefundId?: string
  sessionId?: string
  invoiceDetailIds?: string[]
  /** The Medusa return a refund of a return names (a validated Medusa id, from the refund's metadata). */
  returnId?: string | null
}): ProcessOutRefundRequest {
  const metadata: Record<string, string> = {}
  if (input.medusaRefundId) metadata.medusa_refund_id = input.medusaRefundId
  if (input.sessionId) metadata.session_id = input.sessionId
  if (input.returnId) metadata.return_id = input.returnId
  return {
    // Always sent, the full remainder included: the field is required (spec POST /invoices/{id}/refunds).
    amount: wireAmount.majorString(input.amount),
    reason: input.reason,
    ...(input.information ? { information: input.information } : {}),
    metadata,
    ...(input.invoiceDetailIds?.length ? { invoice_detail_ids: input.invoiceDetailIds } : {}),
  }
}

/** Medusa refund reason code → ProcessOut's four reasons: the option's table, then a guess. */
export function refundReasonFor(
  code: string | null | undefined,
  options: Pick<ProcessOutOptions, "refundReasons" | "defaultRefundReason">
): ProcessOutRefundReason {
  // Own keys only: `constructor` or `toString` are not reasons (they come from Object.prototype).
  if (code && Object.prototype.hasOwnProperty.call(options.refundReasons, code)) return options.refundReasons[code]!
  const text = (code ?? "").toLowerCase()
  if (!text) return options.defaultRefundReason
  if (text.includes("duplicate")) return "duplicate"
  if (text.includes("fraud")) return "fraud"
  if (/(customer|return|request|change|unwanted|damag|defect|wrong)/.test(text)) return "customer_request"
  if (text === "other") return "other"
  return options.defaultRefundReason
}

/** The transaction's amount: what it authorized once it has, else its invoice's amount (a decimal string). */
export function paymentAmountOf(tx: Pick<ProcessOutTransaction, "authorized_amount" | "amount">): string {
  return tx.authorized_amount && !/^0+(\.0*)?$/.test(tx.authorized_amount) ? tx.authorized_amount : tx.amount
}

/**
 * The transaction's state as kept in the payment data (minor units as integer strings). An amount field
 * the answer leaves out is left out here too: the stored value stands rather than a guessed "0".
 */
export function transactionData(tx: ProcessOutTransaction): Record<string, unknown> {
  const currency = tx.currency.toLowerCase()
  const amounts: Array<[string, string | null | undefined, string]> = [
    ["captured_minor", tx.captured_amount, "captured amount"],
    ["processor_refunded_minor", tx.refunded_amount, "refunded amount"],
    ["available_minor", tx.available_amount, "available amount"],
  ]
  return {
    transaction_id: tx.id,
    transaction_status: tx.status,
    amount_minor: minorFromWire(paymentAmountOf(tx), currency, "authorized amount"),
    ...Object.fromEntries(amounts.filter(([, v]) => v != null).map(([key, v, what]) => [key, minorFromWire(v, currency, what)])),
    voided: tx.voided === true || tx.status === "voided",
  }
}

/** Transaction status (docs: transaction object; spec examples) → Medusa session status. */
export function transactionStatus(tx: ProcessOutTransaction): PaymentSessionStatus {
  const status = tx.status.toLowerCase()
  if (status === "failed" || status === "blocked" || status === "declined") return PaymentSessionStatus.ERROR
  if (status === "voided" || tx.voided) return PaymentSessionStatus.CANCELED
  if (tx.captured || ["completed", "settled", "refunded", "partially-refunded", "chargeback-initiated"].includes(status)) {
    return PaymentSessionStatus.CAPTURED
  }
  if (tx.authorized || status === "authorized") return PaymentSessionStatus.AUTHORIZED
  return PaymentSessionStatus.PENDING
}

/**
 * Refund statuses. ProcessOut's refund object has no status: `has_failed` (seed 004 L21-23) is failed.
 * GUESS (README "Fields read"): a refund is succeeded once the transaction's `refunded_amount` counts it
 * (the newest refunds taken as the uncounted ones), pending before. The field is only "0" in the spec's
 * examples; the SDK calls it "successfully refunded". Without it (or the transaction) nothing says a refund
 * settled: every live refund stays pending, until a later read (webhook or poll) shows the field.
 */
export function refundStatuses(refunds: readonly ProcessOutRefund[], tx: ProcessOutTransaction | undefined): Map<string, RefundStatus> {
  const statuses = new Map<string, RefundStatus>()
  const live = refunds.filter((r) => !r.has_failed)
  const counted = tx?.refunded_amount
  let unsettled = counted == null ? undefined : live.reduce((sum, r) => sum.plus(r.amount), new Decimal(0)).minus(new Decimal(counted))
  const newestFirst = [...refunds].sort((a, b) => String(b.created_at ?? "").localeCompare(String(a.created_at ?? "")))
  for (const refund of newestFirst) {
    if (refund.has_failed) {
      statuses.set(refund.id, "failed")
    } else if (unsettled === undefined || unsettled.gt(0)) {
      statuses.set(refund.id, "pending")
      unsettled = unsettled?.minus(refund.amount)
    } else {
      statuses.set(refund.id, "succeeded")
    }
  }
  return statuses
}

export function refundView(refund: ProcessOutRefund, currency: string, status: RefundStatus): ProcessorRefundView {
  const meta = (refund.metadata ?? {}) as Record<string, unknown>
  return {
    id: refund.id,
    amount_minor: minorFromWire(refund.amount, currency, "refund amount"),
    status,
    // Our tag: the Medusa refund id sent in metadata (the core links it to a live Medusa refund).
    tag: typeof meta.medusa_refund_id === "string" ? meta.medusa_refund_id : null,
    created_at: refund.created_at ?? undefined,
  }
}

/** A transaction's refunds as the ledger sees them, with the statuses refundStatuses reads from the transaction. */
export function refundViews(refunds: readonly ProcessOutRefund[], tx: ProcessOutTransaction): ProcessorRefundView[] {
  const statuses = refundStatuses(refunds, tx)
  const currency = tx.currency.toLowerCase()
  return refunds.map((r) => refundView(r, currency, statuses.get(r.id) ?? "pending"))
}

/** A transaction's refunds as outcomes for the plugin's refund subscriber (ProcessOut's list, not a webhook body). */
export function refundOutcomes(refunds: readonly ProcessOutRefund[], tx: ProcessOutTransaction, sessionId: string): RefundOutcome[] {
  const statuses = refundStatuses(refunds, tx)
  return refunds.map((r): RefundOutcome => {
    const status = statuses.get(r.id) ?? "pending"
    const meta = (r.metadata ?? {}) as Record<string, unknown>
    return {
      processor_refund_id: r.id,
      status,
      ...(status === "failed" ? { failure_reason: "ProcessOut reports the refund failed (has_failed)" } : {}),
      medusa_refund_id: typeof meta.medusa_refund_id === "string" ? meta.medusa_refund_id : null,
      processor_payment_id: tx.invoice_id ?? tx.id,
      session_id: sessionId,
    }
  })
}

/** "No amount is available on the transaction to be refunded." (spec, POST /invoices/{id}/refunds 400). */
export function isNothingLeftToRefund(error: ProcessorError): boolean {
  return error.code === "request.validation.invalid-amount" && /no amount is available/i.test(error.processorMessage ?? "")
}

/** ProcessOut error types (spec examples; SDK response.ts) → MedusaError type and advice. */
export function classifyProcessOutError(error: ProcessorError): ErrorAdvice | undefined {
  const T = MedusaError.Types
  const code = error.code ?? ""
  if (isNothingLeftToRefund(error)) {
    return {
      type: T.NOT_ALLOWED,
      advice: "Nothing remains refundable on this ProcessOut transaction (already refunded, perhaps from the ProcessOut dashboard, or never captured). Use Sync to read its state.",
    }
  }
  if (code === "request.validation.invalid-amount") {
    return { type: T.INVALID_DATA, advice: "ProcessOut refused the amount: it is more than remains on the transaction, or not a valid amount in its currency. Use Sync to read what remains and enter at most that." }
  }
  if (code.startsWith("card.")) {
    return { type: T.PAYMENT_AUTHORIZATION_ERROR, advice: "The card was declined. Ask the customer for another card." }
  }
  if (code === "request.authentication.invalid" || error.status === 401) {
    return {
      type: T.UNEXPECTED_STATE,
      advice: "ProcessOut rejected the store's credentials. Check the provider's `projectId` (PROCESSOUT_PROJECT_ID) and `projectSecret` (PROCESSOUT_PROJECT_SECRET) options.",
    }
  }
  if (code.startsWith("resource.") && code.endsWith(".not-found")) {
    return { type: T.NOT_FOUND, advice: "ProcessOut does not know this payment. Check that the store uses the same ProcessOut project it was made with." }
  }
  if (code === "request.idempotency-key.conflict" || code.startsWith("request.idempotency")) {
    return { type: T.NOT_ALLOWED, advice: "ProcessOut saw this idempotency key with a different request. Check the payment in the ProcessOut dashboard before trying again." }
  }
  if (code.startsWith("request.transaction.") || code.startsWith("transaction.")) {
    return { type: T.NOT_ALLOWED, advice: "ProcessOut refused this operation in the transaction's current state. Use Sync to read its state." }
  }
  if (code.startsWith("request.validation.") || error.status === 400) {
    return { type: T.INVALID_DATA, advice: "ProcessOut refused the request as sent. Check the amount and the payment's state." }
  }
  return undefined
}

/** A 429, or an error ProcessOut names a rate limit. */
export function isRateLimited(error: unknown): boolean {
  return error instanceof ProcessorError && (error.status === 429 || /rate[-_.]?limit|too[-_.]?many/i.test(error.code ?? ""))
}

/** Event names that concern refunds (docs: events, transaction events). */
export function isRefundEvent(name: string): boolean {
  return name === "transaction.refunded" || name.startsWith("transaction.operation.refund")
}

/**
 * The Medusa action of a transaction event (docs: events) with the amount it concerns, as ProcessOut wrote
 * it (a major-unit decimal string); undefined for other events or an event without its transaction.
 */
export function transactionEventAction(
  event: ProcessOutEvent
): { action: WebhookActionResult["action"]; amount: string | null | undefined; transaction: ProcessOutTransaction } | undefined {
  const tx = event.data?.transaction
  const actions: Record<string, [WebhookActionResult["action"], string | null | undefined]> = {
    "transaction.authorized": [PaymentActions.AUTHORIZED, tx?.authorized_amount ?? tx?.amount],
    "transaction.captured": [PaymentActions.SUCCESSFUL, tx?.captured_amount ?? tx?.amount],
    "transaction.failed": [PaymentActions.FAILED, tx?.amount],
    "transaction.voided": [PaymentActions.CANCELED, tx?.amount],
  }
  if (!tx || !Object.prototype.hasOwnProperty.call(actions, event.name)) return undefined
  const [action, amount] = actions[event.name]!
  return { action, amount, transaction: tx }
}

/** A ProcessOut invoice or transaction, as the ownership check sees it. */
export interface Seen {
  what: "invoice" | "transaction"
  id: string
  invoiceId: string | null | undefined
  metadata: Record<string, unknown> | null | undefined
  currency: string
  /** Major-unit decimal string. */
  amount: string | null | undefined
}

export const invoiceSeen = (iv: ProcessOutInvoice): Seen => ({ what: "invoice", id: iv.id, invoiceId: iv.id, metadata: iv.metadata, currency: iv.currency, amount: iv.amount })
export const transactionSeen = (tx: ProcessOutTransaction): Seen => ({
  what: "transaction",
  id: tx.id,
  invoiceId: tx.invoice_id,
  metadata: tx.metadata,
  currency: tx.currency,
  amount: paymentAmountOf(tx), // what transactionData stores as amount_minor
})
