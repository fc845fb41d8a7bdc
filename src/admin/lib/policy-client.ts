/**
 * The admin client of the return-to-refund policy routes (src/api/admin/refund-processors/policy),
 * sending the dashboard's own credentials as ./client.ts does: its session cookie, or its JWT.
 */
declare const __BACKEND_URL__: string | undefined
declare const __AUTH_TYPE__: string | undefined
declare const __JWT_TOKEN_STORAGE_KEY__: string | undefined

export type ReturnShipping = "deduct_from_refund" | "merchant_pays"

export interface RefundPolicy {
  store_id: string
  auto_refund_on_receipt: boolean
  refund_damaged_items: boolean
  return_shipping: ReturnShipping
  reason_map: Record<string, unknown>
  processor_settings: Record<string, unknown>
  saved: boolean
  updated_at: string | null
}

export type RefundPolicyPatch = Partial<Pick<RefundPolicy, "auto_refund_on_receipt" | "refund_damaged_items" | "return_shipping">>

export interface RefundPolicyChange {
  id: string
  actor_id: string
  changes: Record<string, { before: unknown; after: unknown }>
  created_at: string
}

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

async function request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${backendUrl()}${path}`, {
    method,
    credentials: "include",
    headers: { accept: "application/json", ...(method === "POST" ? { "content-type": "application/json" } : {}), ...jwtHeader() },
    body: method === "POST" ? JSON.stringify(body ?? {}) : undefined,
  })
  const text = await res.text()
  let parsed: any = undefined
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  if (!res.ok) throw new Error(parsed?.message || `The request failed (HTTP ${res.status}).`)
  return parsed as T
}

const BASE = "/admin/refund-processors/policy"

export const refundPolicyApi = {
  get: () => request<{ policy: RefundPolicy }>("GET", BASE),
  update: (patch: RefundPolicyPatch) => request<{ policy: RefundPolicy; changed: string[] }>("POST", BASE, patch),
  changes: (limit = 20) =>
    request<{ changes: RefundPolicyChange[]; count: number }>("GET", `${BASE}/changes?limit=${encodeURIComponent(String(limit))}`),
}

export const policyQueryKeys = {
  policy: () => ["refund-processors", "policy"] as const,
  changes: () => ["refund-processors", "policy", "changes"] as const,
}
