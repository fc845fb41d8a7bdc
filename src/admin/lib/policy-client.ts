/**
 * The admin client of the return-to-refund policy routes (src/api/admin/refund-processors/policy),
 * through ./client.ts's request (the dashboard's own credentials).
 */
import { request } from "./client"

// Type-only: erased from the admin bundle, so the dashboard and the routes share one shape.
import type { RefundPolicyView, ReturnShipping } from "../../modules/refund-policy/policy"

export type { ReturnShipping }
export type RefundPolicy = RefundPolicyView

export type RefundPolicyPatch = Partial<Pick<RefundPolicy, "auto_refund_on_receipt" | "refund_damaged_items" | "return_shipping" | "reason_map">>

/** A processor's refund reasons and the plugin's defaults (src/api/admin/refund-processors/reason-catalogue.ts). */
export interface ProcessorReasons {
  processor: string
  name: string
  reasons: string[]
  defaults: Record<string, string>
}

export interface RefundPolicyChange {
  id: string
  actor_id: string
  changes: Record<string, { before: unknown; after: unknown }>
  created_at: string
}

const BASE = "/admin/refund-processors/policy"

export const refundPolicyApi = {
  get: () => request<{ policy: RefundPolicy; reasons: ProcessorReasons[] }>("GET", BASE),
  update: (patch: RefundPolicyPatch) => request<{ policy: RefundPolicy; changed: string[] }>("POST", BASE, patch),
  changes: (limit = 20) =>
    request<{ changes: RefundPolicyChange[]; count: number }>("GET", `${BASE}/changes?limit=${encodeURIComponent(String(limit))}`),
}

export const policyQueryKeys = {
  policy: () => ["refund-processors", "policy"] as const,
  changes: () => ["refund-processors", "policy", "changes"] as const,
}
