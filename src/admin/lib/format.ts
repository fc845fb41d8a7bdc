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
