/**
 * Admin returns and the captured orders they start from, shared by the specs that run one flow for
 * every processor of the exactly-once harness (return-auto-refund, return-and-refund).
 */
import type { AxiosInstance } from "axios"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { Headers } from "./auth"
import { call, type SeededStore } from "./seed"
import { fulfillOrder, getOrder } from "./admin-orders"
import type { Ctx, PaidPayment, ProcessorUnderTest } from "./exactly-once"

/** An admin return of the given items, requested and confirmed, not received. */
export async function requestReturn(
  api: AxiosInstance,
  admin: Headers,
  store: SeededStore,
  orderId: string,
  items: { id: string; quantity: number; reason_id?: string }[]
) {
  const { return: ret } = await call(
    "create return",
    api.post("/admin/returns", { order_id: orderId, location_id: store.stockLocation.id }, admin)
  )
  await call("request return items", api.post(`/admin/returns/${ret.id}/request-items`, { items }, admin))
  await call("confirm return request", api.post(`/admin/returns/${ret.id}/request`, {}, admin))
  return ret.id as string
}

/** Receives a requested return in the admin: `items` as received, `damaged` as damaged (dismissed). */
export async function receiveReturn(
  api: AxiosInstance,
  admin: Headers,
  returnId: string,
  { items = [], damaged = [] }: { items?: { id: string; quantity: number }[]; damaged?: { id: string; quantity: number }[] }
) {
  await call("begin receiving return", api.post(`/admin/returns/${returnId}/receive`, {}, admin))
  if (items.length) await call("receive items", api.post(`/admin/returns/${returnId}/receive-items`, { items }, admin))
  if (damaged.length) await call("receive damaged items", api.post(`/admin/returns/${returnId}/dismiss-items`, { items: damaged }, admin))
  await call("confirm receipt", api.post(`/admin/returns/${returnId}/receive/confirm`, {}, admin))
}

/**
 * An order of the store's "Large" and "Small" variants paid with `p` (its harness's checkout, captured),
 * then fulfilled: ready for returns. The harness's `pay` returns the payment, so the order is found by it.
 */
export async function capturedOrder(ctx: Ctx, p: ProcessorUnderTest) {
  const { api, container, store } = ctx
  const paid: PaidPayment = await p.pay(ctx)
  const { data } = await container
    .resolve(ContainerRegistrationKeys.QUERY)
    .graph({ entity: "order", fields: ["id", "payment_collections.payments.id"] })
  const orderId = data.find((o: any) => (o.payment_collections ?? []).some((pc: any) => (pc.payments ?? []).some((x: any) => x.id === paid.payment.id)))?.id
  if (!orderId) throw new Error(`no order holds payment ${paid.payment.id}`)
  await fulfillOrder(api, store.adminHeaders, { orderId, locationId: store.stockLocation.id })
  const order = await getOrder(api, store.adminHeaders, orderId)
  const itemOf = (title: string) => order.items.find((i: any) => i.variant_id === store.variants.find((v) => v.title === title)!.id)
  return { order, payment: paid.payment, paid, large: itemOf("Large"), small: itemOf("Small") }
}
