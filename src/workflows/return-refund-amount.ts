/**
 * How much a received return refunds, from Medusa's own figures, in decimal arithmetic only
 * (MathBN, never a JS float). Pure: the workflow reads the return and the order, this decides.
 *
 *   per line:  quantity = received − damaged (damaged too when the policy refunds damaged items)
 *              amount   = line total × quantity / ordered quantity   (Medusa's total: tax and discounts in)
 *   refund   = Σ lines − return shipping (when the customer pays it)
 *   capped at what the order owes (−summary.pending_difference; plus the return shipping when the
 *   merchant pays it, since Medusa's summary already took it off) and at what the payments can
 *   still refund.
 *
 * Multiplying before dividing keeps whole lines exact: 3 of 3 units of a 100.00 line refund
 * 100.00, not 3 × 33.333…
 */
import { MathBN } from "@medusajs/framework/utils"

type BN = ReturnType<typeof MathBN.convert>
type Num = string | number | { toString(): string }

export type ReturnShippingPolicy = "deduct_from_refund" | "merchant_pays"

export interface AmountPolicy {
  refund_damaged_items: boolean
  return_shipping: ReturnShippingPolicy
}

export interface ReturnLineInput {
  /** Medusa's order line item id. */
  item_id: string
  variant_id: string | null
  sku: string | null
  title: string
  /** Quantity of the line on the order. */
  ordered_quantity: Num
  /** Medusa's total of the whole line (ordered quantity), tax and discounts included. */
  line_total: Num
  /** Received on this return (Medusa counts damaged units in it too). */
  received_quantity: Num
  /** Received as damaged on this return. */
  damaged_quantity: Num
  reason_code: string | null
}

/** One entry of refund.metadata.return_items (the contract the providers read). */
export interface ReturnItemMetadata {
  item_id: string
  variant_id: string | null
  sku: string | null
  title: string
  quantity: string
  unit_total: string
  total: string
  reason_code: string | null
  damaged: boolean
}

export interface AmountInput {
  lines: ReturnLineInput[]
  /** The return's shipping methods' total (tax included); 0 when none. */
  return_shipping_total: Num
  /** What the order owes the customer now: −summary.pending_difference (≤ 0 means nothing). */
  order_owes: Num
  /** The most one of the plugin's captured payments can still refund (a refund is not split). */
  refundable: Num
  policy: AmountPolicy
}

export interface AmountResult {
  /** Decimal string, major units; "0" when nothing is to be refunded. */
  amount: string
  /** Σ lines − shipping, before the caps. */
  uncapped: string
  items_total: string
  shipping_deducted: string
  /** Which bound made the amount smaller than the lines, if any. */
  capped_by: "order" | "payments" | null
  items: ReturnItemMetadata[]
}

/** Decimal places kept in figures sent in metadata (the providers' parser takes up to 20). */
const PLACES = 20
const TITLE_MAX = 255

const bn = (n: Num | null | undefined): BN => MathBN.convert((n ?? 0) as any)
const text = (n: BN): string => n.decimalPlaces(PLACES).toFixed()
const positive = (n: BN): BN => (n.isFinite() && n.gt(0) ? n : MathBN.convert(0))

/** The refund for a received return; every figure is a decimal string. */
export function computeReturnRefund(input: AmountInput): AmountResult {
  const items: ReturnItemMetadata[] = []
  let itemsTotal = MathBN.convert(0)
  // One entry per line item (the providers' parser requires it): a line returned on several
  // return items is merged.
  const merged = new Map<string, { line: ReturnLineInput; received: BN; damaged: BN }>()
  for (const line of input.lines) {
    const at = merged.get(line.item_id)
    if (at) {
      at.received = at.received.plus(positive(bn(line.received_quantity)))
      at.damaged = at.damaged.plus(positive(bn(line.damaged_quantity)))
    } else {
      merged.set(line.item_id, { line, received: positive(bn(line.received_quantity)), damaged: positive(bn(line.damaged_quantity)) })
    }
  }
  for (const { line, received, damaged } of merged.values()) {
    const damagedIn = MathBN.min(damaged, received)
    const quantity = input.policy.refund_damaged_items ? received : MathBN.sub(received, damagedIn)
    const ordered = bn(line.ordered_quantity)
    if (!quantity.gt(0) || !ordered.gt(0)) continue
    const lineTotal = positive(bn(line.line_total))
    const total = MathBN.div(MathBN.mult(lineTotal, quantity), ordered)
    itemsTotal = MathBN.add(itemsTotal, total)
    items.push({
      item_id: line.item_id,
      variant_id: line.variant_id ?? null,
      sku: line.sku ?? null,
      title: Array.from(line.title || line.item_id).slice(0, TITLE_MAX).join(""),
      quantity: quantity.toFixed(),
      unit_total: text(MathBN.div(lineTotal, ordered)),
      total: text(total),
      reason_code: line.reason_code ?? null,
      damaged: input.policy.refund_damaged_items && damagedIn.gt(0),
    })
  }

  const shipping = positive(bn(input.return_shipping_total))
  const customerPays = input.policy.return_shipping === "deduct_from_refund"
  const shippingDeducted = customerPays ? MathBN.min(shipping, itemsTotal) : MathBN.convert(0)
  const uncapped = MathBN.sub(itemsTotal, shippingDeducted)

  // Medusa's summary already counts the return shipping against the customer: when the merchant
  // pays it, the order "owes" that much more than the summary says.
  const owes = MathBN.add(positive(bn(input.order_owes)), customerPays ? 0 : shipping)
  const refundable = positive(bn(input.refundable))
  let amount = uncapped
  let cappedBy: AmountResult["capped_by"] = null
  if (amount.gt(owes)) {
    amount = owes
    cappedBy = "order"
  }
  if (amount.gt(refundable)) {
    amount = refundable
    cappedBy = "payments"
  }
  amount = positive(amount)

  return {
    amount: text(amount),
    uncapped: text(uncapped),
    items_total: text(itemsTotal),
    shipping_deducted: text(shippingDeducted),
    capped_by: cappedBy,
    items,
  }
}

export interface PaymentRefundable {
  id: string
  /** Captured minus refunded, decimal string. */
  refundable: Num
}

/**
 * The payment a return refund goes to: the first (in the order's own order) that can refund the
 * whole amount. A refund is never split over payments: each processor refund carries the return's
 * items in its metadata, and a split would make each one claim all of them. Undefined: none can.
 */
export function pickPayment(amount: Num, payments: PaymentRefundable[]): PaymentRefundable | undefined {
  const want = bn(amount)
  return payments.find((p) => bn(p.refundable).gte(want))
}

/** The most one payment can still refund (the cap of computeReturnRefund). */
export function largestRefundable(payments: PaymentRefundable[]): string {
  return text(payments.reduce<BN>((max, p) => MathBN.max(max, positive(bn(p.refundable))), MathBN.convert(0)))
}
