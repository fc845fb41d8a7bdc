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
  let found = false
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    // toJSON runs before the replacer, so look at the holder's original value.
    const original = this[key]
    if (original instanceof JsonDecimal) {
      found = true
      return MARK + original.text
    }
    return v
  })
  if (!found) return text
  return text.replace(/"\\u0000jsondecimal:(-?\d+(?:\.\d+)?)"/g, "$1")
}
