import type { AxiosInstance } from "axios"
import type { Headers } from "./auth"
import { call } from "./seed"

const ORDER_FIELDS = [
  "id",
  "status",
  "currency_code",
  "total",
  "item_total",
  "shipping_total",
  "tax_total",
  "summary",
  "*items",
  "*payment_collections",
  "*payment_collections.payments",
  "*payment_collections.payments.captures",
  "*payment_collections.payments.refunds",
].join(",")

/** The order with its summary and payments (captures and refunds). */
export async function getOrder(api: AxiosInstance, adminHeaders: Headers, orderId: string) {
  const { order } = await call(
    "read order",
    api.get(`/admin/orders/${orderId}?fields=${encodeURIComponent(ORDER_FIELDS)}`, adminHeaders)
  )
  return order
}

/** All payments of an order. */
export function orderPayments(order: any): any[] {
  return (order.payment_collections ?? []).flatMap((pc: any) => pc.payments ?? [])
}

/** The order's single payment (throws if there is not exactly one). */
export async function getOnlyPayment(api: AxiosInstance, adminHeaders: Headers, orderId: string) {
  const payments = orderPayments(await getOrder(api, adminHeaders, orderId))
  if (payments.length !== 1) {
    throw new Error(`expected exactly one payment on order ${orderId}, found ${payments.length}`)
  }
  return payments[0]
}

/** A payment with captures and refunds (incl. refund reason ids). */
export async function getPayment(api: AxiosInstance, adminHeaders: Headers, paymentId: string) {
  const fields = "*captures,*refunds,refunds.refund_reason_id,refunds.created_by"
  const { payment } = await call(
    "read payment",
    api.get(`/admin/payments/${paymentId}?fields=${encodeURIComponent(`+${fields}`)}`, adminHeaders)
  )
  return payment
}

export async function capturePayment(
  api: AxiosInstance,
  adminHeaders: Headers,
  paymentId: string,
  amount?: number
) {
  const body = amount === undefined ? {} : { amount }
  const { payment } = await call(
    "capture payment",
    api.post(`/admin/payments/${paymentId}/capture`, body, adminHeaders)
  )
  return payment
}

export async function createRefundReason(
  api: AxiosInstance,
  adminHeaders: Headers,
  { label = "Return", code = `return_${Date.now()}` }: { label?: string; code?: string } = {}
) {
  const { refund_reason } = await call(
    "create refund reason",
    api.post("/admin/refund-reasons", { label, code }, adminHeaders)
  )
  return refund_reason
}

/** POST /admin/payments/:id/refund. Rejects (with the response attached) on HTTP errors. */
export async function refundPayment(
  api: AxiosInstance,
  adminHeaders: Headers,
  paymentId: string,
  body: { amount?: number; refund_reason_id?: string; note?: string }
) {
  const { payment } = await call(
    "refund payment",
    api.post(`/admin/payments/${paymentId}/refund`, body, adminHeaders)
  )
  return payment
}

/** Fulfils the given items (default: every item, full quantity) from a stock location. */
export async function fulfillOrder(
  api: AxiosInstance,
  adminHeaders: Headers,
  {
    orderId,
    locationId,
    items,
  }: { orderId: string; locationId?: string; items?: { id: string; quantity: number }[] }
) {
  const toFulfill =
    items ??
    (await getOrder(api, adminHeaders, orderId)).items.map((i: any) => ({
      id: i.id,
      quantity: Number(i.quantity),
    }))
  const body: Record<string, unknown> = { items: toFulfill }
  if (locationId) body.location_id = locationId
  const { order } = await call(
    "create fulfillment",
    api.post(`/admin/orders/${orderId}/fulfillments`, body, adminHeaders)
  )
  return order
}

/**
 * An admin return, start to finish: create, request items, confirm the request,
 * begin receiving, receive the items, confirm the receipt.
 */
export async function returnItems(
  api: AxiosInstance,
  adminHeaders: Headers,
  {
    orderId,
    locationId,
    items,
  }: { orderId: string; locationId?: string; items: { id: string; quantity: number }[] }
) {
  const body: Record<string, unknown> = { order_id: orderId }
  if (locationId) body.location_id = locationId
  const { return: ret } = await call("create return", api.post("/admin/returns", body, adminHeaders))

  await call(
    "request return items",
    api.post(`/admin/returns/${ret.id}/request-items`, { items }, adminHeaders)
  )
  await call("confirm return request", api.post(`/admin/returns/${ret.id}/request`, {}, adminHeaders))
  await call("begin receiving return", api.post(`/admin/returns/${ret.id}/receive`, {}, adminHeaders))
  await call(
    "receive return items",
    api.post(`/admin/returns/${ret.id}/receive-items`, { items }, adminHeaders)
  )
  const confirmed = await call(
    "confirm return receipt",
    api.post(`/admin/returns/${ret.id}/receive/confirm`, {}, adminHeaders)
  )
  return confirmed.return ?? ret
}

/**
 * Converts a major-unit amount to integer minor units for a 2-decimal currency without
 * binary floating-point artefacts (12.34 * 100 = 1233.9999999999998).
 */
export function toCents(amount: number | string): number {
  const s = typeof amount === "number" ? amount.toFixed(6) : amount
  const neg = s.trim().startsWith("-")
  const [int, frac = ""] = s.replace("-", "").trim().split(".")
  const cents = Number(int) * 100 + Number((frac + "00").slice(0, 2))
  const rest = (frac + "000000").slice(2)
  if (/[1-9]/.test(rest)) throw new Error(`${amount} is not a whole number of cents`)
  return neg ? -cents : cents
}
