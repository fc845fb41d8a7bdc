/**
 * Pure helpers of the order widget's returns: which refund paid for which return (the
 * `return_refund` rows of GET /admin/refund-processors/orders/:id/return-refunds, matched to the
 * ledger by Medusa refund id), and which returns the admin can still refund. No React, no fetch.
 */
import { STALE_CLAIM_MS } from "../../modules/refund-policy/stale-claim"
import { formatMajor } from "./format"

export type ReturnRefundStatus = "claimed" | "refunded" | "failed" | "nothing_to_refund"

/** One entry of refund.metadata.return_items (docs/returns-to-refunds.md); decimals as strings. */
export interface ReturnRefundItem {
  item_id: string
  title?: string | null
  sku?: string | null
  quantity: string | number
  unit_total?: string | number | null
  total: string | number
  reason_code?: string | null
  damaged?: boolean
}

/** A row of GET /admin/refund-processors/orders/:id/return-refunds. */
export interface ReturnRefundRow {
  id: string
  return_id: string
  order_id: string
  payment_id: string | null
  status: ReturnRefundStatus
  trigger: "event" | "admin"
  amount: string | number | null
  /** Medusa's exact form of a bigNumber field; preferred over `amount` when present. */
  raw_amount?: { value: string | number } | null
  currency_code: string | null
  items: ReturnRefundItem[] | null
  /** Medusa refund id(s), comma-separated when the refund was spread over several payments. */
  refund_id: string | null
  error_message: string | null
  attempts: number
  created_at?: string
  updated_at?: string
}

/** A Medusa return of the order (GET /admin/returns?order_id=…). */
export interface OrderReturn {
  id: string
  display_id?: number | null
  status: string
  received_at?: string | null
  canceled_at?: string | null
}

/** The row's amount as exact decimal text, or null. A JSON number's shortest text is exact for what Medusa sent. */
export function returnRefundAmount(row: Pick<ReturnRefundRow, "amount" | "raw_amount">): string | null {
  const raw = row.raw_amount?.value
  const value = raw !== undefined && raw !== null ? raw : row.amount
  if (value === null || value === undefined) return null
  return typeof value === "number" ? (Number.isFinite(value) ? String(value) : null) : String(value)
}

/** Medusa refund id → the return-refund row that made it (rows carry several ids when spread over payments). */
export function returnRefundsByRefundId(rows: ReturnRefundRow[]): Map<string, ReturnRefundRow> {
  const map = new Map<string, ReturnRefundRow>()
  for (const row of rows) {
    for (const id of (row.refund_id ?? "").split(",")) {
      const trimmed = id.trim()
      if (trimmed) map.set(trimmed, row)
    }
  }
  return map
}

/** "2 × Shirt – Small (damaged)": one line per returned item, never float arithmetic. */
export function describeReturnItem(item: ReturnRefundItem, currency: string): string {
  const name = item.title || item.sku || item.item_id
  const total = item.total === null || item.total === undefined ? null : formatMajor(String(item.total), currency, null)
  const extras = [item.damaged ? "damaged" : null, item.reason_code ? `reason ${item.reason_code}` : null].filter(Boolean)
  return `${String(item.quantity)} × ${name}${total ? ` — ${total}` : ""}${extras.length ? ` (${extras.join(", ")})` : ""}`
}

const RECEIVED = new Set(["received", "partially_received"])

export type ReturnRefundEntry = {
  return_id: string
  display_id: number | null
  /** The row, or null for a received return nothing has refunded yet. */
  row: ReturnRefundRow | null
  /** Why the admin may need to act (the row's error, or the missing refund); null when nothing is owed. */
  problem: string | null
  /** Whether "Refund this return" applies: a failed row, a stale claimed one, or a received return without a row. */
  can_refund: boolean
}

/**
 * One entry per return that has a return-refund row or was received, in the rows' order then the
 * returns'. A `failed` row, a `claimed` one left by a store that stopped (isStaleClaim) and a received return
 * without a row get "Refund this return": the route retries the first two and claims the third; the other states
 * are left alone, as the workflow does.
 */
export function returnRefundEntries(
  rows: ReturnRefundRow[],
  returns: OrderReturn[],
  orderOwesCustomer: boolean | null = null,
  now: number = Date.now()
): ReturnRefundEntry[] {
  const byReturn = new Map(returns.map((r) => [r.id, r]))
  const entries: ReturnRefundEntry[] = rows.map((row) => {
    const stale = row.status === "claimed" && isStaleClaim(row, now)
    return {
      return_id: row.return_id,
      display_id: byReturn.get(row.return_id)?.display_id ?? null,
      row,
      problem:
        row.status === "failed"
          ? row.error_message || "The refund failed; the processor gave no reason."
          : stale
            ? "Its refund started long ago and never finished: the store stopped during it. Refund this return again: a refund the processor already made is recorded, not sent twice."
            : row.status === "claimed"
              ? "Being refunded. If this stays, the store stopped during the processor call: Sync the payment to see what the processor did; after two hours, Refund this return can take it over."
              : row.error_message,
      can_refund: row.status === "failed" || stale,
    }
  })
  const seen = new Set(rows.map((r) => r.return_id))
  for (const ret of returns) {
    if (seen.has(ret.id) || ret.canceled_at || !RECEIVED.has(ret.status)) continue
    // Refunded from the order's payments (Medusa's refund form): the order owes nothing, so the
    // button would only answer "nothing to refund"; it is not offered.
    const settled = orderOwesCustomer === false
    entries.push({
      return_id: ret.id,
      display_id: ret.display_id ?? null,
      row: null,
      problem: settled
        ? "Received; not refunded by this plugin. The order owes the customer nothing now (refunded from Payments)."
        : "Received, not refunded: automatic refunds are off, or the return was received before they were turned on.",
      can_refund: !settled,
    })
  }
  return entries
}

/** A `claimed` row untouched for STALE_CLAIM_MS: the admin may take its refund over. */
export function isStaleClaim(row: Pick<ReturnRefundRow, "status" | "updated_at">, now: number = Date.now()): boolean {
  const at = Date.parse(row.updated_at ?? "")
  return row.status === "claimed" && Number.isFinite(at) && now - at > STALE_CLAIM_MS
}

export const RETURN_REFUND_STATUS_LABELS: Record<ReturnRefundStatus | "not_refunded", string> = {
  claimed: "Refunding",
  refunded: "Refunded",
  failed: "Failed",
  nothing_to_refund: "Nothing to refund",
  not_refunded: "Not refunded",
}

/**
 * Whether the order owes the customer money per Medusa's summary (a negative pending difference);
 * null when the summary does not say. Sign only: no arithmetic on the amount.
 */
export function orderOwesCustomer(summary: { pending_difference?: number | string | null } | null | undefined): boolean | null {
  const value = summary?.pending_difference
  if (value === null || value === undefined) return null
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : String(value).trim()
  if (!/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return null
  return text.startsWith("-") && /[1-9]/.test(text.replace(/[eE].*$/, ""))
}

/** How long after a receipt the widget keeps looking for the automatic refund (Medusa's event is asynchronous). */
export const AUTO_REFUND_WAIT_MS = 2 * 60_000

/**
 * Whether the widget should read the returns again soon: a refund is being made (`claimed`), or a
 * return was received moments ago and its automatic refund may not have started yet.
 */
export function shouldPollReturns(rows: ReturnRefundRow[], returns: OrderReturn[], now: number): boolean {
  if (rows.some((r) => r.status === "claimed" && !isStaleClaim(r, now))) return true
  const refunded = new Set(rows.map((r) => r.return_id))
  return returns.some((r) => {
    if (refunded.has(r.id) || r.canceled_at || !RECEIVED.has(r.status) || !r.received_at) return false
    const at = Date.parse(r.received_at)
    return Number.isFinite(at) && now - at < AUTO_REFUND_WAIT_MS
  })
}

type OrderItemLike = {
  id: string
  detail?: { return_requested_quantity?: unknown; return_received_quantity?: unknown; return_dismissed_quantity?: unknown } | null
}

/**
 * Changes when a return of the order is requested or received (Medusa's line items count both in
 * their `detail`), so the widget reads the returns again when the dashboard reloads the order.
 */
export function orderReturnsSignature(order: { items?: OrderItemLike[] | null; summary?: { pending_difference?: unknown } | null }): string {
  const items = (order.items ?? []).map(
    (i) => `${i.id}:${String(i.detail?.return_requested_quantity ?? "")}:${String(i.detail?.return_received_quantity ?? "")}:${String(i.detail?.return_dismissed_quantity ?? "")}`
  )
  return `${items.join("|")}#${String(order.summary?.pending_difference ?? "")}`
}

/** "Return #PJH63Z7": the label the dashboard's activity gives a return (the id's last 7 characters), not its display_id. */
export function returnLabel(returnId: string): string {
  return `Return #${returnId.slice(-7)}`
}
