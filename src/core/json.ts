/**
 * A JSON number written with exactly these digits ("10.50", "1234567890123.45").
 * JSON.stringify can only write JS doubles, which lose digits past 2^53 and drop
 * trailing zeros; processors that take major-unit numbers (Fiserv) need the exact text,
 * and an HMAC over the body must cover those bytes.
 */
export class JsonDecimal {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) {
      throw new Error(`JsonDecimal needs plain decimal text, got "${text}"`)
    }
  }
  toJSON(): string {
    // Only reached if someone bypasses serializeJson: a string keeps the digits.
    return this.text
  }
}

const MARK = "\u0000jsondecimal:"

/** JSON.stringify that writes every JsonDecimal as a bare number token with its exact digits. */
export function serializeJson(value: unknown): string {
  // A replacer function takes JSON.stringify off its fast path: use it only when needed.
  if (!holdsDecimal(value, 0)) return JSON.stringify(value)
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    // toJSON runs before the replacer, so look at the holder's original value.
    const original = this[key]
    return original instanceof JsonDecimal ? MARK + original.text : v
  })
  return text.replace(/"\\u0000jsondecimal:(-?\d+(?:\.\d+)?)"/g, "$1")
}

/** Whether a JsonDecimal sits anywhere in plain objects and arrays (deep structures: assume yes). */
function holdsDecimal(value: unknown, depth: number): boolean {
  if (value instanceof JsonDecimal) return true
  if (value === null || typeof value !== "object") return false
  if (depth > 32) return true
  if (Array.isArray(value)) return value.some((item) => holdsDecimal(item, depth + 1))
  for (const key in value as Record<string, unknown>) if (holdsDecimal((value as Record<string, unknown>)[key], depth + 1)) return true
  return false
}
