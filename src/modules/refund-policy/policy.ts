/**
 * The store's refund policy as the rest of the plugin reads and writes it: defaults when no row
 * was saved, and every change audited (who, which field, before and after).
 */
import { ContainerRegistrationKeys, MedusaError, Modules } from "@medusajs/framework/utils"
import { publishStoreReasonMap } from "../../core/reason-map"
import { REFUND_POLICY_MODULE } from "./index"
import type RefundPolicyModuleService from "./service"

export type ReturnShipping = "deduct_from_refund" | "merchant_pays"

export interface RefundPolicyView {
  store_id: string
  auto_refund_on_receipt: boolean
  refund_damaged_items: boolean
  return_shipping: ReturnShipping
  reason_map: Record<string, unknown>
  processor_settings: Record<string, unknown>
  /** False while the defaults are in force (nothing saved yet). */
  saved: boolean
  updated_at: string | null
}

export type RefundPolicyPatch = Partial<Pick<RefundPolicyView, "auto_refund_on_receipt" | "refund_damaged_items" | "return_shipping" | "reason_map" | "processor_settings">>

export const POLICY_DEFAULTS = Object.freeze({
  auto_refund_on_receipt: false,
  refund_damaged_items: false,
  return_shipping: "deduct_from_refund" as ReturnShipping,
  reason_map: {} as Record<string, unknown>,
  processor_settings: {} as Record<string, unknown>,
})

const FIELDS = Object.keys(POLICY_DEFAULTS) as Array<keyof typeof POLICY_DEFAULTS>

type Container = { resolve<T = any>(key: string): T }

/** True when the store has the refund-policy module (a plugin entry registers it; see README "Install"). */
export function hasRefundPolicyModule(container: Container & { hasRegistration?(key: string): boolean }): boolean {
  if (typeof container.hasRegistration === "function") return container.hasRegistration(REFUND_POLICY_MODULE)
  try {
    container.resolve(REFUND_POLICY_MODULE)
    return true
  } catch {
    return false
  }
}

function serviceOf(container: Container): RefundPolicyModuleService {
  try {
    return container.resolve<RefundPolicyModuleService>(REFUND_POLICY_MODULE)
  } catch {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      "The refund-policy module of medusa-refund-processors is not registered: list the package under `plugins` in medusa-config.ts (Medusa then registers the plugin's modules) and run `npx medusa db:migrate`."
    )
  }
}

/** The store the policy belongs to: Medusa's (first) store; "default" when the store module has none. */
export async function storeIdOf(container: Container): Promise<string> {
  try {
    const stores = await container.resolve(Modules.STORE).listStores({}, { select: ["id"], take: 1 })
    return stores?.[0]?.id ?? "default"
  } catch {
    return "default"
  }
}

function view(storeId: string, row: any | undefined): RefundPolicyView {
  return {
    store_id: storeId,
    auto_refund_on_receipt: row?.auto_refund_on_receipt ?? POLICY_DEFAULTS.auto_refund_on_receipt,
    refund_damaged_items: row?.refund_damaged_items ?? POLICY_DEFAULTS.refund_damaged_items,
    return_shipping: row?.return_shipping ?? POLICY_DEFAULTS.return_shipping,
    reason_map: row?.reason_map ?? {},
    processor_settings: row?.processor_settings ?? {},
    saved: !!row,
    updated_at: row?.updated_at ? new Date(row.updated_at).toISOString() : null,
  }
}

/** The policy in force (the defaults when none was saved). */
export async function readRefundPolicy(container: Container): Promise<RefundPolicyView> {
  const storeId = await storeIdOf(container)
  const [row] = await serviceOf(container).listRefundPolicies({ store_id: storeId }, { take: 1 })
  const policy = view(storeId, row)
  publishStoreReasonMap(policy.reason_map)
  return policy
}

/** Reads the policy for what providers use of it (the reason map) when the module is registered; best effort. */
export async function refreshStorePolicy(container: Container & { hasRegistration?(key: string): boolean }): Promise<void> {
  if (!hasRefundPolicyModule(container)) return
  try {
    await readRefundPolicy(container)
  } catch {
    // The last map read stays in force.
  }
}

/**
 * Writes the fields given and records one audit row with their before/after (fields that did not
 * change are left out; nothing changed, nothing written).
 */
export async function updateRefundPolicy(
  container: Container,
  patch: RefundPolicyPatch,
  actorId: string
): Promise<{ policy: RefundPolicyView; changes: Record<string, { before: unknown; after: unknown }> }> {
  const service = serviceOf(container)
  const storeId = await storeIdOf(container)
  const [row] = await service.listRefundPolicies({ store_id: storeId }, { take: 1 })
  const before = view(storeId, row)
  const changes: Record<string, { before: unknown; after: unknown }> = {}
  for (const field of FIELDS) {
    if (!(field in patch) || patch[field] === undefined) continue
    if (JSON.stringify(before[field]) !== JSON.stringify(patch[field])) changes[field] = { before: before[field], after: patch[field] }
  }
  if (!Object.keys(changes).length) return { policy: before, changes }
  const values = Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.after]))
  if (row) await service.updateRefundPolicies({ id: row.id, ...values } as any)
  else await service.createRefundPolicies({ store_id: storeId, ...values } as any)
  await service.createRefundPolicyChanges({ store_id: storeId, actor_id: actorId, changes: changes as any })
  container.resolve(ContainerRegistrationKeys.LOGGER).info(
    `[refund-policy] ${actorId} changed ${Object.keys(changes).join(", ")}`
  )
  const [saved] = await service.listRefundPolicies({ store_id: storeId }, { take: 1 })
  const policy = view(storeId, saved)
  publishStoreReasonMap(policy.reason_map)
  return { policy, changes }
}
