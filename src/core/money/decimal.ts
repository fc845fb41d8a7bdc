import BigNumberJS from "bignumber.js"
import { MedusaError } from "@medusajs/framework/utils"
import type { BigNumberInput } from "@medusajs/framework/types"

/**
 * Bounds on an amount read from outside (Medusa, a processor, payment data), checked before
 * bignumber.js expands it: "1e7000000" is 7 MB of digits once printed. No amount comes near.
 */
export const AMOUNT_LIMITS = Object.freeze({ length: 100, exponent: 100 })

/**
 * The one decimal type on the money path. A private bignumber.js clone so no global
 * configuration set by Medusa or a merchant's code can change how we round.
 * EXPONENTIAL_AT is wide so `toString()` never switches to "1e+21" notation. RANGE is a
 * backstop for text that reaches `new Decimal` unchecked: beyond 1e±1000 it becomes
 * Infinity or 0 instead of millions of digits (parse with toDecimal for a clear error).
 */
export const Decimal = BigNumberJS.clone({
  DECIMAL_PLACES: 40,
  ROUNDING_MODE: BigNumberJS.ROUND_HALF_UP,
  EXPONENTIAL_AT: [-1e9, 1e9],
  RANGE: 1000,
  POW_PRECISION: 0,
})
export type Decimal = BigNumberJS

const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/
const SHORT = 24

/** An amount as a message shows it: at most 24 characters, cut with "…", never expanded. */
export function shortAmount(value: unknown): string {
  let text: string
  if (BigNumberJS.isBigNumber(value)) {
    const big = value as BigNumberJS
    // Any clone's toFixed may print millions of digits; toExponential prints a few.
    const huge = big.isFinite() && !big.isZero() && (Math.abs(big.e ?? 0) > AMOUNT_LIMITS.exponent || big.sd() > AMOUNT_LIMITS.length)
    text = huge ? big.toExponential(6) : big.toFixed()
  } else {
    // A bigint's hex text is cheap (a power-of-two base); its decimal text is not.
    const huge = typeof value === "bigint" && (value > 10n ** 30n || value < -(10n ** 30n))
    text = huge ? `${value < 0n ? "-" : ""}~10^${Math.round((value as bigint).toString(16).length * Math.log10(16))}` : String(value)
  }
  return text.length > SHORT ? `${text.slice(0, SHORT - 1)}…` : text
}

function invalid(label: string, why: string): MedusaError {
  return new MedusaError(MedusaError.Types.INVALID_DATA, `The ${label} ${why}.`)
}

/** Decimal text within AMOUNT_LIMITS, refused before bignumber.js reads it otherwise. */
function fromText(text: string, label: string): Decimal {
  const trimmed = text.trim()
  if (trimmed.length > AMOUNT_LIMITS.length) {
    throw invalid(label, `"${shortAmount(trimmed)}" is too long to be an amount (${trimmed.length} characters, at most ${AMOUNT_LIMITS.length})`)
  }
  if (!DECIMAL_TEXT.test(trimmed)) {
    throw invalid(label, `"${shortAmount(trimmed)}" is not a decimal number`)
  }
  const exponent = /e([+-]?\d+)$/i.exec(trimmed)?.[1]
  if (exponent !== undefined && Math.abs(Number(exponent)) > AMOUNT_LIMITS.exponent) {
    throw invalid(label, `"${shortAmount(trimmed)}" has an exponent beyond ±${AMOUNT_LIMITS.exponent}, far outside any amount`)
  }
  return new Decimal(trimmed)
}

/**
 * Reads every shape Medusa hands a provider as an amount, exactly:
 * - a number (taken by its shortest decimal text, so 19.99 stays 19.99);
 * - a decimal string ("33.335", "1e3");
 * - a bignumber.js instance from any copy of the library;
 * - Medusa's `BigNumber` class (its exact inner bignumber, else its raw value);
 * - the raw `{ value, precision }` object that `refundPayment` really receives.
 * NaN, infinities and non-numeric text are refused with a MedusaError.
 */
export function toDecimal(input: BigNumberInput | unknown, label = "amount"): Decimal {
  if (input === null || input === undefined) {
    throw invalid(label, "is missing")
  }
  if (typeof input === "number") {
    if (!Number.isFinite(input)) {
      throw invalid(label, `is not a finite number (${String(input)})`)
    }
    return fromText(String(input), label)
  }
  if (typeof input === "string") {
    return fromText(input, label)
  }
  if (typeof input === "bigint") {
    // Compared before printing: a huge bigint's decimal text costs as much as it is long.
    const limit = 10n ** BigInt(AMOUNT_LIMITS.length)
    if (input >= limit || input <= -limit) throw invalid(label, `${shortAmount(input)} is too large to be an amount`)
    return fromText(input.toString(), label)
  }
  if (typeof input === "object") {
    const candidate = input as Record<string, unknown>
    if (BigNumberJS.isBigNumber(candidate)) {
      const big = candidate as unknown as BigNumberJS
      if (!big.isFinite()) {
        throw invalid(label, `is not a finite number (${big.toString()})`)
      }
      // Checked on the exponent and digit count before toFixed expands it.
      if (!big.isZero() && (Math.abs(big.e ?? 0) > AMOUNT_LIMITS.exponent || big.sd() > AMOUNT_LIMITS.length)) {
        throw invalid(label, `${shortAmount(big)} is outside any amount (more than ${AMOUNT_LIMITS.length} digits or an exponent beyond ±${AMOUNT_LIMITS.exponent})`)
      }
      return new Decimal(big.toFixed())
    }
    // Medusa's BigNumber: prefer the exact bignumber it wraps over its 20-digit raw text.
    const inner = (candidate as { bigNumber?: unknown }).bigNumber
    if (inner && BigNumberJS.isBigNumber(inner)) {
      return toDecimal(inner, label)
    }
    const raw = (candidate as { raw?: unknown }).raw
    if (raw && typeof raw === "object" && "value" in (raw as object)) {
      return toDecimal((raw as { value: unknown }).value, label)
    }
    if ("value" in candidate) {
      const value = candidate.value
      if (typeof value === "string" || typeof value === "number") {
        return toDecimal(value, label)
      }
    }
  }
  throw invalid(label, "is not a number, a decimal string or a Medusa BigNumber")
}
