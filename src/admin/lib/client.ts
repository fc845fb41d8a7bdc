/**
 * A small client for the plugin's admin routes (src/api/admin/refund-processors), sending the
 * dashboard's own credentials: its session cookie, or its JWT when the admin uses JWT auth.
 * `__BACKEND_URL__` and `__AUTH_TYPE__` are defined by Medusa's admin bundler (also for plugins).
 */
import type { OrderReturn, ReturnRefundRow } from "./return-refunds"
import type { PaymentView, ProviderView, TestResult } from "./types"

declare const __BACKEND_URL__: string | undefined
declare const __AUTH_TYPE__: string | undefined
declare const __JWT_TOKEN_STORAGE_KEY__: string | undefined

function backendUrl(): string {
  try {
    const url = typeof __BACKEND_URL__ !== "undefined" ? __BACKEND_URL__ : undefined
    return (url || "/").replace(/\/+$/, "")
  } catch {
    return ""
  }
}

function jwtHeader(): Record<string, string> {
  try {
    const type = typeof __AUTH_TYPE__ !== "undefined" ? __AUTH_TYPE__ : "session"
    if (type !== "jwt") return {}
    const key = (typeof __JWT_TOKEN_STORAGE_KEY__ !== "undefined" && __JWT_TOKEN_STORAGE_KEY__) || "medusa_auth_token"
    const token = window.localStorage.getItem(key)
    return token ? { authorization: `Bearer ${token}` } : {}
  } catch {
    return {}
  }
}

/** A JSON request to the store's admin API with the dashboard's credentials; a non-2xx answer throws its message. */
export async function request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${backendUrl()}${path}`, {
    method,
    credentials: "include",
    headers: { accept: "application/json", ...(method === "POST" ? { "content-type": "application/json" } : {}), ...jwtHeader() },
    body: method === "POST" ? JSON.stringify(body ?? {}) : undefined,
  })
  const text = await res.text()
  let answer: any = undefined
  try {
    answer = text ? JSON.parse(text) : undefined
  } catch {
    answer = undefined
  }
  if (!res.ok) {
    const message = answer?.message || `The request failed (HTTP ${res.status}).`
    throw new Error(message)
  }
  return answer as T
}

const BASE = "/admin/refund-processors"

export const refundProcessorsApi = {
  orderPayments: (orderId: string) =>
    request<{ payments: PaymentView[]; count: number }>("GET", `${BASE}/orders/${encodeURIComponent(orderId)}/payments`),
  payment: (paymentId: string) => request<{ payment: PaymentView }>("GET", `${BASE}/payments/${encodeURIComponent(paymentId)}`),
  sync: (paymentId: string) =>
    request<{ payment: PaymentView; synced_at: string }>("POST", `${BASE}/payments/${encodeURIComponent(paymentId)}/sync`),
  providers: () => request<{ providers: ProviderView[]; count: number; backend_url: string }>("GET", `${BASE}/providers`),
  testConnection: (providerId: string) =>
    request<TestResult>("POST", `${BASE}/providers/${encodeURIComponent(providerId)}/connection-check`),
  returnRefunds: (orderId: string) =>
    request<{ return_refunds: ReturnRefundRow[]; count: number }>("GET", `${BASE}/orders/${encodeURIComponent(orderId)}/return-refunds`),
  /** Medusa's own returns of the order: a received return without a return-refund row is one nothing refunded. */
  orderReturns: (orderId: string) =>
    request<{ returns: OrderReturn[]; count: number }>(
      "GET",
      `/admin/returns?order_id=${encodeURIComponent(orderId)}&fields=id,display_id,status,received_at,canceled_at&limit=100`
    ),
  /** "Refund this return": Medusa's figure for the received items, once (an amount is never sent). */
  refundReturn: (returnId: string) =>
    request<{ outcome: "refunded" | "nothing_to_refund" | "failed" | "already_handled"; return_refund: ReturnRefundRow | null; message?: string }>(
      "POST",
      `${BASE}/returns/${encodeURIComponent(returnId)}/refund`
    ),
}

export const queryKeys = {
  all: ["refund-processors"] as const,
  order: (orderId: string) => ["refund-processors", "order", orderId] as const,
  /** Under order(): invalidating the order's key reads its returns again too. */
  orderReturns: (orderId: string) => ["refund-processors", "order", orderId, "returns"] as const,
  providers: () => ["refund-processors", "providers"] as const,
}
