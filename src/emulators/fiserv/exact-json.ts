/**
 * JSON with exact numbers, for Fiserv's major-unit amounts ("total": 1234567890123.45).
 *
 * JSON.parse turns every number into a double: past 15 significant digits it silently changes the
 * amount, and trailing zeros are gone. The emulator reads request bodies with `parseExactJson`, which
 * keeps each number token's text in a `JsonNumber`, and writes answers with `serializeJson` (core/json)
 * and `JsonDecimal`, so a total goes out with exactly the digits it has.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
  toJSON(): number {
    return Number(this.text)
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const MARK = "\u0000num:"

/**
 * Parses JSON text like JSON.parse, except that every number becomes a JsonNumber holding its exact
 * source text. Throws SyntaxError on malformed JSON (the same inputs JSON.parse rejects).
 */
export function parseExactJson(text: string): unknown {
  // Re-write number tokens outside strings as marked strings, then let JSON.parse do the rest.
  let out = ""
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    if (ch === '"') {
      let j = i + 1
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1
      out += text.slice(i, j + 1)
      i = j + 1
      continue
    }
    if (ch === "-" || (ch >= "0" && ch <= "9")) {
      NUMBER.lastIndex = i
      const m = NUMBER.exec(text)
      if (!m) throw new SyntaxError(`Unexpected token in JSON at position ${i}`)
      out += JSON.stringify(MARK + m[0])
      i += m[0].length
      continue
    }
    out += ch
    i++
  }
  return JSON.parse(out, (_key, value) =>
    typeof value === "string" && value.startsWith(MARK) ? new JsonNumber(value.slice(MARK.length)) : value
  )
}

/** The plain JSON value a JSON.parse of the same text would give (numbers as doubles). */
export function toPlainJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value))
}
