/**
 * The refund amount of a request an emulator received, as it went over the wire, whatever the
 * processor's field looks like: shared by the walkthrough (medusa exec) and scripts/demo.js's
 * automatic path (loaded through ts-node). Exact: Decimal, never float sums.
 */
import { Decimal } from "../../src/core/money/decimal"

/** The refund amount as it went over the wire, whatever the processor's field looks like. */
export function wireAmount(body: any): string {
  if (!body || typeof body !== "object") return "—"
  const a = body.amount
  if (typeof a === "number" || typeof a === "string") return String(a)
  if (a && typeof a === "object") {
    const v = a.total ?? a.value
    if (v !== undefined) return `${v}${a.currency ? ` ${a.currency}` : ""}`
    return JSON.stringify(a)
  }
  if (Array.isArray(body.items)) {
    const sum = body.items.reduce((s: Decimal, i: any) => s.plus(String(i?.amount ?? 0)), new Decimal(0))
    return `${sum.toFixed()} over ${body.items.length} line${body.items.length === 1 ? "" : "s"}`
  }
  return "no amount (full refund)"
}


/** "1235" → "1235 (minor units)" when it is the ledger's minor amount, "12.35" → "12.35 (major units)". */
export function withUnit(wire: string, minor: string | undefined, exponent: number | undefined): string {
  const number = /^-?\d+(\.\d+)?/.exec(wire)?.[0]
  if (!number || minor === undefined) return wire
  if (new Decimal(number).eq(minor)) return `${wire} (minor units)`
  if (exponent !== undefined && new Decimal(number).eq(new Decimal(minor).shiftedBy(-exponent))) return `${wire} (major units)`
  return wire
}
