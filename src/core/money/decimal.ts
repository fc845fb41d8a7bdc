import BigNumberJS from "bignumber.js"
import { MedusaError } from "@medusajs/framework/utils"
import type { BigNumberInput } from "@medusajs/framework/types"

/**
 * The one decimal type on the money path. A private bignumber.js clone so no global
 * configuration set by Medusa or a merchant's code can change how we round.
 * EXPONENTIAL_AT is wide so `toString()` never switches to "1e+21" notation.
 */
export const Decimal = BigNumberJS.clone({
  DECIMAL_PLACES: 40,
  ROUNDING_MODE: BigNumberJS.ROUND_HALF_UP,
  EXPONENTIAL_AT: [-1e9, 1e9],
  POW_PRECISION: 0,
})
export type Decimal = BigNumberJS

const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

function invalid(label: string, why: string): MedusaError {
  return new MedusaError(MedusaError.Types.INVALID_DATA, `The ${label} ${why}.`)
}

function fromText(text: string, label: string): Decimal {
  const trimmed = text.trim()
  if (!DECIMAL_TEXT.test(trimmed)) {
    throw invalid(label, `"${trimmed.slice(0, 40)}" is not a decimal number`)
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
    return new Decimal(String(input))
  }
  if (typeof input === "string") {
    return fromText(input, label)
  }
  if (typeof input === "bigint") {
    return new Decimal(input.toString())
  }
  if (typeof input === "object") {
    const candidate = input as Record<string, unknown>
    if (BigNumberJS.isBigNumber(candidate)) {
      const big = candidate as unknown as BigNumberJS
      if (!big.isFinite()) {
        throw invalid(label, `is not a finite number (${big.toString()})`)
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
