/** Display helpers. Amounts arrive as exact decimal strings and are formatted as strings. */

/** "cents" for 2-decimal currencies, else a neutral name of the processor's unit. */
export function minorUnitName(exponent: number | null): string {
  if (exponent === 2) return "cents"
  if (exponent === 0) return "units"
  if (exponent === 3) return "thousandths"
  return "minor units"
}

/** 123456 → "123,456" (exact: no float). */
export function formatMinor(minor: string | null): string {
  if (minor === null) return "—"
  const negative = minor.startsWith("-")
  const digits = negative ? minor.slice(1) : minor
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")
  return negative ? `-${grouped}` : grouped
}

/** "47.34", "usd" → "$47.34"; keeps every decimal Medusa has (12.335 stays 12.335). */
export function formatMajor(major: string | null, currency: string, exponent: number | null): string {
  if (major === null || major === undefined) return "—"
  const decimals = (major.split(".")[1] ?? "").length
  const min = exponent ?? 2
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: currency.toUpperCase(),
      minimumFractionDigits: min,
      maximumFractionDigits: Math.min(20, Math.max(min, decimals)),
      // Intl formats decimal strings exactly
    }).format(major as unknown as number)
  } catch {
    return `${major} ${currency.toUpperCase()}`
  }
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—"
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return date.toLocaleString("en-GB", { day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" })
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/

/**
 * An amount Medusa's API sent (a JSON number or a decimal string) as an exact scaled integer:
 * the number's shortest decimal text, never float arithmetic. Null for anything else.
 */
function scaled(value: unknown): { units: bigint; scale: number } | null {
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : typeof value === "string" ? value.trim() : ""
  const m = DECIMAL.exec(text)
  if (!m || text.length > 60) return null
  const [, sign, int, frac = "", exp = "0"] = m
  const e = Number(exp)
  let digits = int + frac
  let scale = frac.length - e
  if (scale < 0) {
    digits += "0".repeat(-scale)
    scale = 0
  }
  const units = BigInt(digits)
  return { units: sign === "-" ? -units : units, scale }
}

/** The exact sum of decimal amounts as decimal text ("12.34"); null when one is not a number. */
export function sumDecimals(values: unknown[]): string | null {
  const parts = values.map(scaled)
  if (parts.some((p) => p === null)) return null
  const scale = Math.max(0, ...parts.map((p) => p!.scale))
  const total = parts.reduce((sum, p) => sum + p!.units * 10n ** BigInt(scale - p!.scale), 0n)
  const negative = total < 0n
  const digits = (negative ? -total : total).toString().padStart(scale + 1, "0")
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, "") : digits
  return `${negative && text !== "0" ? "-" : ""}${text}`
}

/**
 * Refunded per the order's payments and per its summary, when they differ. Medusa's refund
 * workflow refunds at the processor first and records the order side after; a failure there
 * leaves the two apart (https://docs.medusajs.com/resources/references/medusa-workflows/refundPaymentWorkflow).
 */
export function refundTotalsMismatch(order: {
  summary?: { refunded_total?: number | string } | null
  payment_collections?: Array<{ payments?: Array<{ refunds?: Array<{ amount?: number | string }> | null }> | null }> | null
}): { payments: string; summary: string; difference: string } | null {
  const refunds = (order.payment_collections ?? []).flatMap((pc) => pc?.payments ?? []).flatMap((p) => p.refunds ?? [])
  const payments = sumDecimals(refunds.map((r) => r.amount))
  const summary = order.summary?.refunded_total === undefined ? null : sumDecimals([order.summary.refunded_total])
  if (payments === null || summary === null) return null
  const difference = sumDecimals([payments, summary.startsWith("-") ? summary.slice(1) : `-${summary}`])
  if (difference === null || difference === "0") return null
  return { payments, summary, difference }
}
