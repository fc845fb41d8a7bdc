import type { Logger } from "./http"
import type { RefundReturn } from "./return-items"

/**
 * A processor's refund reason for Medusa's reason codes: the refund reason's `code` (Medusa 2.21 derives it from
 * the label: "Shipping Issue" → shipping_issue, @medusajs/payment migration Migration20250929124701) or, for a
 * refund of a return, the return reason `value` of its items.
 *
 * Overrides have the store-settings shape `{ [processorId]: { [medusaReasonCode]: processorReason } }`: the
 * processor's identifier ("processout") or Medusa's provider id ("pp_processout_processout") keys it.
 */
export type ReasonMap<R extends string = string> = Readonly<Record<string, R>>
export type ReasonOverrides = Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>

/** Codes to look up, most specific first: the refund's reason, then the one reason all returned items share. */
export function medusaReasonCodes(refund: { reasonCode?: string | null }, returned?: RefundReturn): string[] {
  const codes: string[] = []
  if (refund.reasonCode) codes.push(refund.reasonCode)
  const itemCodes = [...new Set((returned?.items ?? []).map((i) => i.reasonCode).filter((c): c is string => !!c))]
  if (itemCodes.length === 1) codes.push(itemCodes[0]!)
  return codes
}

const own = (map: Readonly<Record<string, unknown>> | undefined, key: string) =>
  !!map && typeof map === "object" && Object.prototype.hasOwnProperty.call(map, key)

/**
 * The first reason found for the codes, in order of who decides: the store's override (settings), the provider's
 * option, then the processor's defaults. A value that is not one of the processor's reasons is skipped with a
 * warning (an override is data someone typed). Undefined when nothing maps: the provider's guess applies.
 */
export function mapReason<R extends string>(
  codes: readonly string[],
  input: {
    allowed: readonly R[]
    processorIds: readonly string[]
    defaults: ReasonMap<R>
    options?: Readonly<Record<string, R>>
    override?: ReasonOverrides
    logger?: Pick<Logger, "warn">
  }
): R | undefined {
  const overrides = input.processorIds.map((id) => (own(input.override, id) ? input.override![id] : undefined)).filter(Boolean)
  const tables: Array<Readonly<Record<string, unknown>> | undefined> = [...overrides, input.options, input.defaults]
  for (const code of codes) {
    for (const table of tables) {
      if (!own(table, code)) continue
      const value = table![code]
      if (typeof value === "string" && (input.allowed as readonly string[]).includes(value)) return value as R
      input.logger?.warn(`[refund reasons] "${code.slice(0, 60)}" maps to a reason the processor does not have; ignored (allowed: ${input.allowed.join(", ")})`)
    }
  }
  return undefined
}

/**
 * The store's reason map (Settings → Refund processors, kept in the plugin's refund-policy module) as this
 * process last read it. A provider runs in the payment module's container and cannot reach the plugin's module,
 * so the plugin's paths that read the policy publish it here: every policy read and change, and the admin refund
 * route's guard before each refund (so another instance's change is seen by the next refund).
 */
let storeOverrides: ReasonOverrides | undefined

/** Publishes the store's map, kept only in its documented shape and bounded (it is data an admin typed). */
export function publishStoreReasonMap(map: unknown): void {
  storeOverrides = boundedReasonMap(map)
}

export function storeReasonMap(): ReasonOverrides | undefined {
  return storeOverrides
}

function boundedReasonMap(map: unknown): ReasonOverrides | undefined {
  if (!map || typeof map !== "object" || Array.isArray(map)) return undefined
  const out: Record<string, Record<string, string>> = {}
  for (const [processor, table] of Object.entries(map as Record<string, unknown>).slice(0, 50)) {
    if (processor.length > 100 || !table || typeof table !== "object" || Array.isArray(table)) continue
    const codes = Object.entries(table as Record<string, unknown>)
      .filter(([code, reason]) => code.length <= 100 && typeof reason === "string" && reason.length <= 100)
      .slice(0, 500)
    // Plain objects without a prototype: a code named "__proto__" stays a key.
    out[processor] = Object.assign(Object.create(null), Object.fromEntries(codes))
  }
  return Object.keys(out).length ? out : undefined
}
