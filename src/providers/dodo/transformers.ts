import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type { ProcessorAmount } from "../../core/money/convert"
import { ProcessorError, type ErrorAdvice } from "../../core/errors"
import { isLoopbackHost } from "../../core/options"
import { assertPaymentOfSession } from "../../core/session-trust"
import type { RefundStatus } from "../../core/payment-data"
import type { MedusaRefundInfo } from "../../core/provider"
import { PROCESSOR as NAME } from "./api"
import { dodoWireAmount } from "./currencies"
import {
  DODO_REFUND_STATUSES,
  dodoLineItemsSchema,
  type DodoCheckoutRequest,
  type DodoLineItem,
  type DodoPayment,
  type DodoRefundItem,
  type DodoRefundRequest,
  type DodoRefundStatus,
} from "./wire"

/** A non-blank string, or undefined: Dodo's optional text fields and payment data values. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined
}

/** Dodo's own view of one refund, kept next to the ledger (the ledger's status has no "review"). */
export interface DodoRefundRecord {
  status: DodoRefundStatus
  /** How the refund was spread over the payment's line items; absent for full refunds. */
  items?: Array<{ item_id: string; amount: number }>
}

export function checkoutRequest(input: {
  productId: string
  amount: ProcessorAmount
  sessionId: string
  customer?: { name: string; email: string }
  returnUrl?: string
  showSavedPaymentMethods: boolean
}): DodoCheckoutRequest {
  return {
    product_cart: [{ product_id: input.productId, quantity: 1, amount: dodoWireAmount(input.amount) }],
    // Dodo writes currencies in upper case; the customer may not switch currency or enter a
    // discount code, so the payment is exactly the cart total Medusa records.
    billing_currency: input.amount.currency.toUpperCase(),
    metadata: { session_id: input.sessionId },
    ...(input.customer ? { customer: input.customer } : {}),
    ...(input.returnUrl ? { return_url: input.returnUrl } : {}),
    show_saved_payment_methods: input.showSavedPaymentMethods,
    feature_flags: { allow_currency_selection: false, allow_discount_code: false },
  }
}

/**
 * Dodo's IntentStatus → Medusa's session status. Dodo has no separate capture: a succeeded payment
 * is captured. The capture statuses (requires_capture, partially_captured…) exist in the enum but no
 * API creates them; they are treated as not finished.
 */
export function sessionStatus(status: string | null | undefined): PaymentSessionStatus {
  switch (status) {
    case "succeeded":
      return PaymentSessionStatus.CAPTURED
    case "failed":
      return PaymentSessionStatus.ERROR
    case "cancelled":
      return PaymentSessionStatus.CANCELED
    default:
      // processing, requires_customer_action (3DS), requires_payment_method, requires_confirmation,
      // requires_merchant_action, requires_capture, partially_captured*, null: the customer or Dodo
      // is not done yet.
      return PaymentSessionStatus.PENDING_AUTHORIZATION
  }
}

/** A Dodo payment event → Medusa's webhook action; other events are not_supported. */
export function paymentEventAction(type: string): PaymentActions {
  switch (type) {
    case "payment.succeeded":
      // Medusa authorizes the session (authorizePayment reads the payment: captured) and records the capture.
      return PaymentActions.SUCCESSFUL
    case "payment.failed":
      return PaymentActions.FAILED
    case "payment.processing":
      return PaymentActions.PENDING
    case "payment.cancelled":
      return PaymentActions.CANCELED
    default:
      return PaymentActions.NOT_SUPPORTED
  }
}

export function isKnownRefundStatus(status: string): boolean {
  return (DODO_REFUND_STATUSES as readonly string[]).includes(status)
}

/**
 * Dodo's refund status → the ledger's. "review", and any status Dodo adds later, count as pending (the
 * money may be held) until a refund webhook or a later read ends them.
 */
export function ledgerRefundStatus(status: DodoRefundStatus): RefundStatus {
  if (status === "succeeded") return "succeeded"
  if (status === "failed") return "failed"
  return "pending"
}

/** Dodo's `reason`: "Maximum length is 3000 characters" (Create Refund page). */
export const DODO_REASON_MAX_CHARS = 3000

/**
 * What goes in Dodo's `reason`: the Medusa refund reason (label, else code) and note. Counted in characters
 * (code points, so an emoji is never cut in half); a longer text is cut and ends with "…" to show it.
 */
export function refundReasonText(info: MedusaRefundInfo): string | undefined {
  const parts = [info.reasonLabel ?? info.reasonCode, info.note].filter((p): p is string => typeof p === "string" && p.trim() !== "")
  if (parts.length === 0) return undefined
  const chars = [...parts.map((p) => p.trim()).join(": ")]
  return chars.length <= DODO_REASON_MAX_CHARS ? chars.join("") : `${chars.slice(0, DODO_REASON_MAX_CHARS - 1).join("")}…`
}

/** Dodo's CreateRefundRequest before any items: our tag and the session in `metadata`, Medusa's reason and note in `reason`. */
export function refundRequest(input: { paymentId: string; tag: string; sessionId?: string; refund: MedusaRefundInfo }): DodoRefundRequest {
  const body: DodoRefundRequest = {
    payment_id: input.paymentId,
    metadata: { medusa_refund_id: input.tag, ...(input.sessionId ? { session_id: input.sessionId } : {}) },
  }
  const reason = refundReasonText(input.refund)
  if (reason) body.reason = reason
  return body
}

export type RefundSpread =
  | { ok: true; items: DodoRefundItem[] }
  | { ok: false; refundableMinor: bigint }

/**
 * Spreads a refund of `minor` over a payment's line items, for Dodo's item-level partial refunds.
 * Lines are taken in a fixed order (by item id, so the answer does not depend on the order Dodo
 * lists them), each up to its `refundable_amount`, tax included. Integer arithmetic only: the item
 * amounts sent add up to `minor` exactly, and no item gets more than it has left or less than 1.
 * When the lines have less left than `minor`, nothing is spread.
 */
export function spreadRefund(lines: readonly DodoLineItem[], minor: bigint): RefundSpread {
  if (minor <= 0n) throw new Error(`spreadRefund: amount must be positive, got ${minor}`)
  const ordered = [...lines]
    .filter((l) => l.refundable_amount > 0)
    .sort((a, b) => (a.items_id < b.items_id ? -1 : a.items_id > b.items_id ? 1 : 0))
  const refundable = ordered.reduce((s, l) => s + BigInt(l.refundable_amount), 0n)
  if (refundable < minor) return { ok: false, refundableMinor: refundable }
  const items: DodoRefundItem[] = []
  let left = minor
  for (const line of ordered) {
    if (left === 0n) break
    const take = BigInt(line.refundable_amount) < left ? BigInt(line.refundable_amount) : left
    items.push({ item_id: line.items_id, amount: Number(take), tax_inclusive: true })
    left -= take
  }
  return { ok: true, items }
}

/**
 * The payment's line items as this provider's last refund left them (`dodo_line_items` in the
 * payment's data), so the next refund can be spread without reading them again; undefined when
 * absent or unreadable.
 */
export function rememberedLineItems(data: Record<string, unknown>): DodoLineItem[] | undefined {
  const parsed = dodoLineItemsSchema.shape.items.safeParse(data.dodo_line_items)
  return parsed.success && parsed.data.length > 0 ? parsed.data : undefined
}

/** Line items after a refund spread over them: each item's refundable amount less its share. */
export function afterSpread(lines: readonly DodoLineItem[], items: readonly DodoRefundItem[]): DodoLineItem[] {
  return lines.map((line) => {
    const taken = items.filter((i) => i.item_id === line.items_id).reduce((sum, i) => sum + BigInt(i.amount), 0n)
    return { items_id: line.items_id, amount: line.amount, tax: line.tax, refundable_amount: Number(BigInt(line.refundable_amount) - taken) }
  })
}

/** Dodo's status of every refund of the payment, keeping the item splits we recorded. */
export function refundRecords(data: Record<string, unknown>, payment: DodoPayment): Record<string, DodoRefundRecord> {
  const known = (data.dodo_refunds ?? {}) as Record<string, DodoRefundRecord>
  const out: Record<string, DodoRefundRecord> = { ...known }
  for (const r of payment.refunds) out[r.refund_id] = { ...(known[r.refund_id] ?? {}), status: r.status }
  return out
}

/** No answer, or a server error: Dodo may or may not have made the refund. */
export function isAmbiguous(error: unknown): boolean {
  if (!(error instanceof ProcessorError)) return false
  return error.kind === "timeout" || error.kind === "network" || error.kind === "invalid_response" || (error.status ?? 0) >= 500
}

/** Dodo refused a refund's item spread (no money moved): the items' state it was built from is stale. */
export function isLineItemRefusal(error: unknown): boolean {
  if (!(error instanceof ProcessorError) || error.kind !== "http" || (error.status ?? 0) >= 500) return false
  return ["LINE_ITEM_REFUND_AMOUNT_TOO_HIGH", "LINE_ITEM_FULLY_REFUNDED", "LINE_ITEM_NOT_FOUND", "REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT"].includes(error.code ?? "")
}

/** Dodo error codes (docs.dodopayments.com/api-reference/error-codes) → MedusaError type and advice. */
export function classifyDodoError(error: ProcessorError): ErrorAdvice | undefined {
  const T = MedusaError.Types
  switch (error.code) {
    case "REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT":
      return {
        type: T.INVALID_DATA,
        advice:
          "Dodo Payments says this refund and the earlier ones add up to more than was paid. Refunds may have been made in the Dodo dashboard: check the payment there and refund at most what remains.",
      }
    case "LINE_ITEM_REFUND_AMOUNT_TOO_HIGH":
      return {
        type: T.INVALID_DATA,
        advice:
          "Dodo Payments says the amount is more than what remains refundable on the payment's line items (tax included). Check the payment's refunds in the Dodo dashboard and refund at most what remains.",
      }
    case "LINE_ITEM_FULLY_REFUNDED":
    case "NOTHING_TO_REFUND":
    case "PAYMENT_ALREADY_REFUNDED":
    case "PAYMENT_HAS_BEEN_REFUNDED":
      return { type: T.NOT_ALLOWED, advice: "The payment is already fully refunded at Dodo Payments (perhaps from the Dodo dashboard). Nothing more can be refunded." }
    case "LINE_ITEM_REFUND_AMOUNT_TOO_LOW":
      return { type: T.INVALID_DATA, advice: "Dodo Payments refuses refunds this small. Enter a larger amount." }
    case "LINE_ITEM_NOT_FOUND":
    case "DUPLICATE_LINE_ITEMS_IN_REQUEST":
    case "LINE_ITEM_PRORATED":
      return { type: T.UNEXPECTED_STATE, advice: "Dodo Payments refused how the refund was split over the payment's items. Refund it from the Dodo dashboard and report this to the plugin's maintainers." }
    case "PARTIAL_REFUND_NOT_ALLOWED":
      return { type: T.NOT_ALLOWED, advice: "The customer's payment method only supports full refunds at Dodo Payments. Refund the whole payment." }
    case "REFUND_WINDOW_EXPIRED":
      return { type: T.NOT_ALLOWED, advice: "The payment is too old to be refunded through Dodo Payments. Contact support@dodopayments.com or refund the customer another way." }
    case "EXISTING_REFUND_REQUEST_PROCESSING":
      return { type: T.NOT_ALLOWED, advice: "An earlier refund of this payment is still pending at Dodo Payments. Wait until it has succeeded or failed, then refund again." }
    case "PAYMENT_NOT_SUCCEEDED":
    case "UNSUCCESSFUL_PAYMENT_ID":
      return { type: T.NOT_ALLOWED, advice: "Dodo Payments only refunds succeeded payments, and this one has not succeeded." }
    case "ZERO_AMOUNT_PAYMENT_REFUND_NOT_ALLOWED":
      return { type: T.NOT_ALLOWED, advice: "The payment was for zero, so there is nothing to refund." }
    case "CHECKOUT_SESSION_CONSUMED":
      return { type: T.NOT_ALLOWED, advice: "The checkout session already made a payment. Start a new payment session." }
    case "PAY_AS_YOU_WANT_AMOUNT_REQUIRED":
    case "REQUEST_AMOUNT_BELOW_MINIMUM":
    case "MISSING_PRODUCT_INFORMATION":
      return {
        type: T.INVALID_DATA,
        advice:
          "Dodo Payments refused the checkout for the configured product. The `productId` option (DODO_PRODUCT_ID) must be a one-time, pay-what-you-want product whose minimum price is at most the smallest order total.",
      }
    case "UNSUPPORTED_CURRENCY":
    case "EXCHANGE_RATE_NOT_FOUND":
      return { type: T.INVALID_DATA, advice: "Dodo Payments cannot charge in this currency for the configured product. Use another currency or enable adaptive pricing in Dodo." }
    case "TOTAL_PAYMENT_AMOUNT_BELOW_MINIMUM_AMOUNT":
      return { type: T.INVALID_DATA, advice: "The order total is below the smallest payment Dodo Payments accepts." }
    case "INVALID_REQUEST_BODY":
    case "INTEGER_CONVERSION_FAILURE":
      return { type: T.INVALID_DATA, advice: "Dodo Payments refused the request as sent. Check the amount and the provider's options." }
    case "UNAUTHORIZED":
      break
    case "NOT_FOUND":
      return { type: T.NOT_FOUND, advice: "Dodo Payments does not know this object. Check that the store uses the same Dodo account and mode (test or live) it was made with." }
    case "TOO_MANY_REQUESTS":
      return { type: T.UNEXPECTED_STATE, advice: "Dodo Payments is rate-limiting the store. Try again in a minute." }
  }
  if (error.status === 401 || error.status === 403 || error.code === "UNAUTHORIZED") {
    return {
      type: T.UNEXPECTED_STATE,
      advice:
        "Dodo Payments rejected the API key. Check the `apiKey` (DODO_API_KEY) and `environment` (DODO_ENVIRONMENT) options: test keys only work on the test host.",
    }
  }
  return undefined
}

/**
 * Why a Dodo payment is not this session's, or undefined when it is: it names the session in
 * `metadata.session_id` (the checkout request writes it), is in its currency, and its total is
 * the session's amount. A total above it by at most Dodo's own tax is accepted (a tax-exclusive
 * product: the customer paid the tax on top, the store records the cart total); below never.
 */
export function paymentOwnershipError(payment: DodoPayment, data: Record<string, unknown>): MedusaError | undefined {
  const amount = str(data.amount_minor)
  try {
    assertPaymentOfSession(
      NAME,
      { sessionId: str(data.session_id), currency: data.currency, amountMinor: amount },
      { id: payment.payment_id, sessionRef: payment.metadata?.session_id, currency: payment.currency, amountMinor: amount }
    )
  } catch (error) {
    if (error instanceof MedusaError) return error
    throw error
  }
  const expected = BigInt(amount!)
  const total = BigInt(payment.total_amount)
  const tax = BigInt(Math.max(payment.tax ?? 0, 0))
  if (total >= expected && total - tax <= expected) return undefined
  const why = total < expected ? "below" : "above (by more than Dodo's tax)"
  return new MedusaError(
    MedusaError.Types.NOT_ALLOWED,
    `${NAME} payment ${payment.payment_id} does not belong to this payment session: its total ${total} is ${why} the session's ${expected} (minor units). Nothing was captured; the customer must pay again.`
  )
}

/** The storefront's return_url when https (http on loopback) on a host of `hosts` (the `returnUrlHosts` option), else undefined. */
export function allowedReturnUrl(value: unknown, hosts: readonly string[]): string | undefined {
  let url: URL | undefined
  try {
    url = typeof value === "string" && value.length <= 2048 ? new URL(value) : undefined
  } catch {
    url = undefined
  }
  const host = url?.hostname.toLowerCase() ?? ""
  const scheme = url?.protocol === "https:" || (url?.protocol === "http:" && isLoopbackHost(host))
  return url && scheme && !url.username && !url.password && hosts.includes(host) ? url.href : undefined
}
