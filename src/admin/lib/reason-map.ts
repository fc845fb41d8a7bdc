import type { ProcessorReasons } from "./policy-client"

export type StoreReasonMap = Record<string, Record<string, string>>

export interface ReasonRow {
  /** Medusa's reason code (a refund reason's code, or a return reason's value). */
  code: string
  /** The plugin's default for it, or null: the provider's guess from the code and label applies. */
  defaultReason: string | null
  /** The store's choice, or null: the default applies. */
  chosen: string | null
}

/** The store's saved map in its shape (processor → code → reason); anything else is dropped. */
export function storeReasonMapOf(saved: unknown): StoreReasonMap {
  const out: StoreReasonMap = {}
  if (!saved || typeof saved !== "object" || Array.isArray(saved)) return out
  for (const [processor, table] of Object.entries(saved as Record<string, unknown>)) {
    if (!table || typeof table !== "object" || Array.isArray(table)) continue
    const codes = Object.entries(table as Record<string, unknown>).filter(([, reason]) => typeof reason === "string")
    if (codes.length) out[processor] = Object.fromEntries(codes) as Record<string, string>
  }
  return out
}

/** One row per code the processor's defaults, the store's map or the store's own reasons name, sorted. */
export function reasonRows(entry: ProcessorReasons, map: StoreReasonMap, medusaCodes: readonly string[]): ReasonRow[] {
  const own = map[entry.processor] ?? {}
  const codes = [...new Set([...Object.keys(entry.defaults), ...Object.keys(own), ...medusaCodes])].sort()
  return codes.map((code) => ({ code, defaultReason: entry.defaults[code] ?? null, chosen: own[code] ?? null }))
}

/** The map with one choice set, or removed (null: back to the default); a processor left with none is removed. */
export function withChoice(map: StoreReasonMap, processor: string, code: string, reason: string | null): StoreReasonMap {
  const table = { ...(map[processor] ?? {}) }
  if (reason === null) delete table[code]
  else table[code] = reason
  const out = { ...map }
  if (Object.keys(table).length) out[processor] = table
  else delete out[processor]
  return out
}
