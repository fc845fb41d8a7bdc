/**
 * What the settings page shows of each processor's refund reasons: the processor's own list (Clover's and
 * ProcessOut's refund objects have a reason enum; the others take free text only) and the plugin's default map
 * from Medusa reason codes, which the store's `reason_map` overrides.
 */
import { CHECKOUT_DEFAULT_REASON_MAP, CHECKOUT_REASONS } from "../../../providers/checkout/reasons"
import { CLOVER_DEFAULT_REASON_MAP, CLOVER_REASONS } from "../../../providers/clover/reasons"
import { DODO_DEFAULT_REASON_MAP, DODO_REASONS } from "../../../providers/dodo/reasons"
import { FISERV_DEFAULT_REASON_MAP, FISERV_REASONS } from "../../../providers/fiserv/reasons"
import { PROCESSOUT_DEFAULT_REASON_MAP, PROCESSOUT_REASONS } from "../../../providers/processout/reasons"

export interface ProcessorReasons {
  /** The key of the store's reason_map ("clover"), as the providers read it (core/reason-map.ts). */
  processor: string
  name: string
  /** The processor's reason values; empty: it takes no reason code, only the free text. */
  reasons: readonly string[]
  defaults: Readonly<Record<string, string>>
}

export const REASON_CATALOGUE: readonly ProcessorReasons[] = Object.freeze([
  { processor: "clover", name: "Clover", reasons: CLOVER_REASONS, defaults: CLOVER_DEFAULT_REASON_MAP },
  { processor: "processout", name: "ProcessOut", reasons: PROCESSOUT_REASONS, defaults: PROCESSOUT_DEFAULT_REASON_MAP },
  { processor: "checkout", name: "Checkout.com", reasons: CHECKOUT_REASONS, defaults: CHECKOUT_DEFAULT_REASON_MAP },
  { processor: "dodo", name: "Dodo Payments", reasons: DODO_REASONS, defaults: DODO_DEFAULT_REASON_MAP },
  { processor: "fiserv", name: "Fiserv", reasons: FISERV_REASONS, defaults: FISERV_DEFAULT_REASON_MAP },
])

/**
 * Problems of a reason map an admin sent: a processor without a reason list, or a value the processor does
 * not have. The providers would skip such entries anyway; refusing them says so when the admin saves.
 */
export function reasonMapProblems(map: Record<string, unknown>): string[] {
  const problems: string[] = []
  for (const [processor, table] of Object.entries(map)) {
    const entry = REASON_CATALOGUE.find((c) => c.processor === processor)
    if (!entry || !entry.reasons.length) {
      problems.push(`"${processor.slice(0, 40)}" takes no refund reason codes (processors with a reason list: ${REASON_CATALOGUE.filter((c) => c.reasons.length).map((c) => c.processor).join(", ")})`)
      continue
    }
    if (!table || typeof table !== "object" || Array.isArray(table)) {
      problems.push(`${processor}: must be an object of Medusa reason code → ${entry.name} reason`)
      continue
    }
    for (const [code, reason] of Object.entries(table as Record<string, unknown>)) {
      if (!/^[A-Za-z0-9_.-]{1,100}$/.test(code)) problems.push(`${processor}: "${code.slice(0, 40)}" is not a reason code`)
      else if (typeof reason !== "string" || !entry.reasons.includes(reason)) {
        problems.push(`${processor}.${code}: must be one of ${entry.reasons.join(", ")}`)
      }
    }
  }
  return problems
}
