/**
 * Refund guard: what Medusa 2.21's refundPaymentWorkflow would fail on AFTER the processor has
 * moved the money, decided before any request reaches the processor.
 *
 * The workflow (node_modules/@medusajs/core-flows/dist/payment/workflows/refund-payment.js;
 * https://docs.medusajs.com/resources/references/medusa-workflows/refundPaymentWorkflow) calls
 * the provider's refundPayment, then records an order transaction, then, for the part of the
 * refund above what the order owes (its summary's pending difference), runs
 * createOrderRefundCreditLinesWorkflow: that refuses a canceled order and creates a new order
 * change, which the order module refuses while another order change of the order is pending or
 * requested. The provider step has no compensation (the money has moved); the order
 * transaction is rolled back, so Medusa's payment lists the refund and the order leaves it out.
 *
 * Pure functions here (the decision and its message); the middleware in ../middlewares.ts loads
 * the state and holds the per-order lock.
 */
import { MedusaError, defaultCurrencies } from "@medusajs/framework/utils"
import { Decimal, toDecimal } from "../core/money/decimal"

/** The order change statuses the order module counts as active (createOrderChange refuses a second one). */
export const ACTIVE_ORDER_CHANGE_STATUSES = ["pending", "requested"] as const

export type RefundGuardOrder = {
  id: string
  display_id?: number | string | null
  status?: string | null
  currency_code?: string | null
  summary?: { pending_difference?: unknown; raw_pending_difference?: unknown } | null
}

export type RefundGuardChange = {
  id: string
  change_type?: string | null
  status?: string | null
}

export type RefundGuardPayment = {
  id: string
  amount?: unknown
  raw_amount?: unknown
  currency_code?: string | null
}

export type RefundGuardInput = {
  order: RefundGuardOrder
  /** The order's changes in an active status (any others are ignored). */
  changes: RefundGuardChange[]
  payment: RefundGuardPayment
  /** The admin's amount (major units) as Medusa's validator passed it; undefined = the payment's amount. */
  amount?: unknown
}

export type RefundGuardDecision =
  | { allow: true; creditLine: Decimal }
  | { allow: false; type: typeof MedusaError.Types.NOT_ALLOWED; message: string; creditLine: Decimal }

type ChangeWords = { what: string; todo: string }

const CHANGE_WORDS: Record<string, ChangeWords> = {
  return_request: { what: "a return being requested", todo: "Confirm or cancel that return request" },
  return_receive: { what: "a return being received", todo: "Confirm or cancel receiving that return" },
  exchange: { what: "an exchange being created", todo: "Confirm or cancel that exchange" },
  claim: { what: "a claim being created", todo: "Confirm or cancel that claim" },
  edit: { what: "an order edit in progress", todo: "Confirm or cancel that order edit" },
  credit_line: { what: "a credit line being added", todo: "Let that order change finish or cancel it" },
  transfer: { what: "an ownership transfer in progress", todo: "Accept or cancel that transfer" },
}

function changeWords(type: string | null | undefined): ChangeWords {
  const key = typeof type === "string" ? type : ""
  return CHANGE_WORDS[key] ?? { what: `an open order change${key ? ` (${clip(key)})` : ""}`, todo: "Confirm or cancel that order change" }
}

/** Text from the database or a request, shortened for a message. */
function clip(value: unknown, max = 60): string {
  const text = String(value ?? "")
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function orderLabel(order: RefundGuardOrder): string {
  const display = order.display_id
  return display !== undefined && display !== null && display !== "" ? `Order #${clip(display, 20)}` : `Order ${clip(order.id)}`
}

/** An amount as the admin reads it: at the currency's decimals (Medusa's table), exact beyond them. */
export function formatAmount(value: Decimal, currency: string | null | undefined): string {
  const code = String(currency ?? "").toUpperCase()
  const digits = (defaultCurrencies as Record<string, { decimal_digits?: number }>)[code]?.decimal_digits ?? 2
  const places = Math.max(digits, value.decimalPlaces() ?? 0)
  return `${value.toFixed(places)}${code ? ` ${clip(code, 3)}` : ""}`
}

/**
 * The part of the refund Medusa records as a credit line: as the workflow computes it, the
 * amount above what the order owes (a negative pending difference), or all of it when the
 * order owes nothing.
 */
export function creditLineOf(amount: Decimal, pendingDifference: Decimal): Decimal {
  if (pendingDifference.isNegative() && !pendingDifference.isZero()) {
    const owed = pendingDifference.negated()
    return amount.gt(owed) ? amount.minus(owed) : new Decimal(0)
  }
  return amount
}

/**
 * Allow or refuse one refund of `payment` on `order`. Refused only where Medusa's workflow would
 * fail after the provider call; everything it checks before (amount above what was captured,
 * unknown refund reason) is left to it.
 */
export function decideRefund(input: RefundGuardInput): RefundGuardDecision {
  const { order, payment } = input
  const amount =
    input.amount === undefined || input.amount === null
      ? toDecimal(payment.raw_amount ?? payment.amount, "payment amount")
      : toDecimal(input.amount, "refund amount")
  const pending = toDecimal(order.summary?.raw_pending_difference ?? order.summary?.pending_difference ?? 0, "order's pending difference")
  const creditLine = creditLineOf(amount, pending)
  if (!creditLine.gt(0)) return { allow: true, creditLine }

  const currency = payment.currency_code ?? order.currency_code
  const owed = pending.isNegative() ? pending.negated() : new Decimal(0)
  const label = orderLabel(order)
  const why =
    `Medusa records the ${formatAmount(creditLine, currency)} of this refund that is above what the order owes ` +
    `(${formatAmount(owed, currency)}) as a credit line`
  const orLess = owed.gt(0) ? `, or refund at most ${formatAmount(owed, currency)} now` : ""

  if (order.status === "canceled") {
    return {
      allow: false,
      type: MedusaError.Types.NOT_ALLOWED,
      creditLine,
      message:
        `${label} is canceled. ${why}, which a canceled order cannot take: the processor would refund and the order would not record it. ` +
        (owed.gt(0) ? `Refund at most ${formatAmount(owed, currency)}.` : `Nothing above what the order owes can be refunded through this order.`),
    }
  }

  const active = input.changes.filter((c) => (ACTIVE_ORDER_CHANGE_STATUSES as readonly string[]).includes(String(c.status)))
  if (active.length) {
    const change = active[0]
    const words = changeWords(change.change_type)
    return {
      allow: false,
      type: MedusaError.Types.NOT_ALLOWED,
      creditLine,
      message:
        `${label} has ${words.what} (order change ${clip(change.id)}, status ${clip(change.status, 20)}). ` +
        `${why}, which needs an order change of its own, and an order has one active change at a time: ` +
        `the processor would refund and the order would not record it. ${words.todo}, then refund${orLess}.`,
    }
  }
  return { allow: true, creditLine }
}

/** A payment of the order as cancelOrderWorkflow reads it: what it captured and what was refunded of it. */
export type CancelGuardPayment = {
  id: string
  currency_code?: string | null
  captures?: Array<{ amount?: unknown; raw_amount?: unknown }> | null
  refunds?: Array<{ amount?: unknown; raw_amount?: unknown }> | null
}

const sumOf = (rows: Array<{ amount?: unknown; raw_amount?: unknown }> | null | undefined, what: string): Decimal =>
  (rows ?? []).reduce((sum, row) => sum.plus(toDecimal(row.raw_amount ?? row.amount ?? 0, what)), new Decimal(0))

/**
 * Allow or refuse cancelling an order. Medusa's cancelOrderWorkflow (node_modules/@medusajs/core-flows/dist/order/
 * workflows/cancel-order.js) refunds what each captured payment has left, then records those refunds as a credit
 * line order change before it cancels the order: with another order change active, that step fails after the
 * processor refunded, and the order stays open without the refund. Refused only then; what the workflow checks
 * before refunding (a completed or canceled order, fulfillments not canceled) is left to it.
 */
export function decideCancel(input: { order: RefundGuardOrder; changes: RefundGuardChange[]; payments: CancelGuardPayment[] }): { allow: true } | { allow: false; type: typeof MedusaError.Types.NOT_ALLOWED; message: string } {
  const refunded = input.payments.reduce((sum, payment) => {
    const left = sumOf(payment.captures, "captured amount").minus(sumOf(payment.refunds, "refunded amount"))
    return left.gt(0) ? sum.plus(left) : sum
  }, new Decimal(0))
  const active = input.changes.filter((c) => (ACTIVE_ORDER_CHANGE_STATUSES as readonly string[]).includes(String(c.status)))
  if (!refunded.gt(0) || !active.length) return { allow: true }
  const change = active[0]
  const words = changeWords(change.change_type)
  const currency = input.payments[0]?.currency_code ?? input.order.currency_code
  return {
    allow: false,
    type: MedusaError.Types.NOT_ALLOWED,
    message:
      `${orderLabel(input.order)} has ${words.what} (order change ${clip(change.id)}, status ${clip(change.status, 20)}). ` +
      `Cancelling the order refunds the ${formatAmount(refunded, currency)} captured, and Medusa records that refund as a credit line, ` +
      `which needs an order change of its own, and an order has one active change at a time: the processor would refund and the ` +
      `order would stay open without recording it. Nothing was refunded. ${words.todo}, then cancel the order.`,
  }
}

// ---- state, read through Medusa's query (the same links the workflow follows) ---------------

type Query = {
  graph(config: { entity: string; fields: string[]; filters?: Record<string, unknown> }): Promise<{ data: any[] }>
}

/** The order a payment belongs to (payment → payment collection → order link), or undefined. */
export async function orderIdOfPayment(query: Query, paymentId: string): Promise<string | undefined> {
  const { data } = await query.graph({
    entity: "payment",
    fields: ["id", "payment_collection.order.id"],
    filters: { id: paymentId },
  })
  const orderId = data[0]?.payment_collection?.order?.id
  return typeof orderId === "string" && orderId ? orderId : undefined
}

/** What decideRefund needs, read fresh (call it while holding the order's refund lock). */
export async function loadRefundGuardState(
  query: Query,
  paymentId: string,
  orderId: string
): Promise<Omit<RefundGuardInput, "amount"> | undefined> {
  const [payments, orders, changes] = await Promise.all([
    query.graph({ entity: "payment", fields: ["id", "amount", "raw_amount", "currency_code"], filters: { id: paymentId } }),
    query.graph({ entity: "order", fields: ["id", "display_id", "status", "currency_code", "summary"], filters: { id: orderId } }),
    query.graph({
      entity: "order_change",
      fields: ["id", "change_type", "status", "created_at"],
      filters: { order_id: orderId, status: [...ACTIVE_ORDER_CHANGE_STATUSES] },
    }),
  ])
  const payment = payments.data[0]
  const order = orders.data[0]
  if (!payment || !order) return undefined
  return { payment, order, changes: changes.data ?? [] }
}

/** What decideCancel needs, read fresh (call it while holding the order's refund lock). */
export async function loadCancelGuardState(query: Query, orderId: string): Promise<Parameters<typeof decideCancel>[0] | undefined> {
  const [orders, changes] = await Promise.all([
    query.graph({
      entity: "order",
      fields: [
        "id",
        "display_id",
        "status",
        "currency_code",
        "payment_collections.payments.id",
        "payment_collections.payments.currency_code",
        "payment_collections.payments.captures.raw_amount",
        "payment_collections.payments.refunds.raw_amount",
      ],
      filters: { id: orderId },
    }),
    query.graph({
      entity: "order_change",
      fields: ["id", "change_type", "status", "created_at"],
      filters: { order_id: orderId, status: [...ACTIVE_ORDER_CHANGE_STATUSES] },
    }),
  ])
  const order = orders.data[0]
  if (!order) return undefined
  const payments: CancelGuardPayment[] = (order.payment_collections ?? []).flatMap((collection: any) => collection?.payments ?? [])
  return { order, changes: changes.data ?? [], payments }
}
