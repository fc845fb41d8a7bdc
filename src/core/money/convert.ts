import { MedusaError } from "@medusajs/framework/utils"
import type { BigNumberInput } from "@medusajs/framework/types"
import { JsonDecimal } from "../json"
import type { CurrencyProfile } from "./currency-profile"
import { AMOUNT_LIMITS, Decimal, shortAmount, toDecimal } from "./decimal"

/**
 * An amount as a processor will carry it, with everything needed to audit the
 * conversion: the exact amount Medusa asked for and the rounding applied.
 */
export interface ProcessorAmount {
  /** Lower-case ISO code, the way Medusa stores currencies. */
  currency: string
  /** The processor's exponent for the currency. */
  exponent: number
  /** Integer amount in the processor's minor units (10^-exponent), a multiple of the step. */
  minor: string
  /** The same amount in major units with exactly `exponent` decimals ("10.50", "1000", "5.130"). */
  major: string
  /** Medusa's exact amount in major units, before rounding. */
  requested: string
  /** minor − requested × 10^exponent, exactly; never more than half a step either way. */
  residueMinor: string
}

function refuse(message: string): MedusaError {
  return new MedusaError(MedusaError.Types.INVALID_DATA, message)
}

/** The processor's exponent for a currency, or a MedusaError naming the processor. */
export function currencyExponent(currency: string, profile: CurrencyProfile): number {
  const code = String(currency ?? "").trim().toUpperCase()
  const exponent = /^[A-Z]{3}$/.test(code) ? profile.exponents[code] : undefined
  if (exponent === undefined) {
    throw refuse(
      `${profile.processor} cannot carry amounts in the currency "${String(currency ?? "").slice(0, 10)}": ` +
        `it is not an ISO 4217 currency that ${profile.processor} supports. ` +
        `Use a supported currency for this region or another payment provider.`
    )
  }
  return exponent
}

function format(minor: Decimal, exponent: number): string {
  return minor.shiftedBy(-exponent).toFixed(exponent)
}

function build(minor: Decimal, requested: Decimal, currency: string, exponent: number): ProcessorAmount {
  return {
    currency: currency.trim().toLowerCase(),
    exponent,
    minor: minor.toFixed(0),
    major: format(minor, exponent),
    requested: requested.toFixed(),
    residueMinor: minor.minus(requested.shiftedBy(exponent)).toFixed(),
  }
}

function checkRange(minor: Decimal, shown: Decimal, currency: string, exponent: number, profile: CurrencyProfile, label: string) {
  const code = currency.toUpperCase()
  const step = profile.step(currency)
  if (minor.lte(0)) {
    const smallest = format(new Decimal(step), exponent)
    throw refuse(
      `The ${label} ${shortAmount(shown)} ${code} is below the smallest amount ${profile.processor} can carry ` +
        `(${smallest} ${code}). Enter a larger amount.`
    )
  }
  // Without a processor maximum, still at most AMOUNT_LIMITS.length digits: what a ledger reads back.
  const max = profile.maxMinor(currency) ?? "9".repeat(AMOUNT_LIMITS.length)
  if (minor.gt(max)) {
    throw refuse(
      `The ${label} ${shortAmount(shown)} ${code} is more than ${profile.processor} accepts in one transaction ` +
        `(at most ${shortAmount(format(new Decimal(max), exponent))} ${code}). Split it into smaller amounts.`
    )
  }
}

/**
 * Converts a Medusa amount (major units, any BigNumberInput) into the processor's unit,
 * rounding half-up to the nearest step the processor accepts, so the amount sent never
 * differs from Medusa's by more than half a step. Zero, negative, unrepresentable
 * (rounds to zero), over-maximum amounts and unknown currencies are refused with a
 * MedusaError before anything is sent.
 */
export function toProcessorAmount(
  amount: BigNumberInput | unknown,
  currency: string,
  profile: CurrencyProfile,
  label = "amount"
): ProcessorAmount {
  return toProcessorAmountFromText(amount, currency, profile) ?? toProcessorAmountExact(amount, currency, profile, label)
}

const PLAIN_DECIMAL = /^(\d+)(?:\.(\d*))?$/

/** The amount as plain decimal text ("12.345"), when it is given that way (what Medusa passes). */
function plainDecimalText(amount: unknown): string | undefined {
  if (typeof amount === "string") return amount.trim()
  if (typeof amount === "number") return Number.isFinite(amount) ? String(amount) : undefined
  if (amount && typeof amount === "object" && !Decimal.isBigNumber(amount) && !("bigNumber" in amount) && !("raw" in amount)) {
    const value = (amount as { value?: unknown }).value
    if (typeof value === "string" || typeof value === "number") return plainDecimalText(value)
  }
  return undefined
}

/** "0012.3400" → "12.34": the text Decimal#toFixed() prints. */
function canonical(int: string, frac: string): string {
  const i = int.replace(/^0+(?=\d)/, "")
  const f = frac.replace(/0+$/, "")
  return f ? `${i}.${f}` : i
}

/**
 * The common case without bignumber.js (the conversion target in BENCHMARKS.md): plain decimal text and a
 * step of 1. Half-up rounding to `exponent` decimals is a digit operation on the text: keep
 * the digits, add one when the first dropped digit is 5 or more. Anything else (exponent
 * notation, BigNumber objects, steps, zero, over the maximum) returns undefined and goes the
 * exact decimal way, which also words the refusals. Both ways give identical results
 * (money/__tests__/convert.spec.ts checks it on random inputs).
 */
function toProcessorAmountFromText(amount: unknown, currency: string, profile: CurrencyProfile): ProcessorAmount | undefined {
  const text = plainDecimalText(amount)
  // Long text goes the exact way, which refuses it before anything expands it.
  if (text === undefined || text.length > AMOUNT_LIMITS.length) return undefined
  const match = PLAIN_DECIMAL.exec(text)
  if (!match) return undefined
  const exponent = currencyExponent(currency, profile)
  if (profile.step(currency) !== 1) return undefined
  const int = match[1]
  const frac = match[2] ?? ""
  let minor = (int + frac.padEnd(exponent, "0").slice(0, exponent)).replace(/^0+(?=\d)/, "")
  const dropped = frac.slice(exponent)
  let residue = "0"
  if (/[1-9]/.test(dropped)) {
    const scale = 10n ** BigInt(dropped.length)
    const droppedValue = BigInt(dropped)
    if (dropped[0] >= "5") {
      minor = (BigInt(minor) + 1n).toString()
      residue = fractionText(scale - droppedValue, dropped.length)
    } else {
      residue = `-${fractionText(droppedValue, dropped.length)}`
    }
  }
  if (minor === "0") return undefined
  const max = profile.maxMinor(currency) ?? "9".repeat(AMOUNT_LIMITS.length)
  if (minor.length > max.length || (minor.length === max.length && minor > max)) return undefined
  const major = exponent === 0 ? minor : `${minor.length > exponent ? minor.slice(0, -exponent) : "0"}.${minor.slice(-exponent).padStart(exponent, "0")}`
  return { currency: currency.trim().toLowerCase(), exponent, minor, major, requested: canonical(int, frac), residueMinor: residue }
}

/** value / 10^digits as canonical decimal text. */
function fractionText(value: bigint, digits: number): string {
  const text = value.toString().padStart(digits + 1, "0")
  return canonical(text.slice(0, text.length - digits), text.slice(text.length - digits))
}

/** The exact decimal conversion for every input and step (and every refusal). */
export function toProcessorAmountExact(
  amount: BigNumberInput | unknown,
  currency: string,
  profile: CurrencyProfile,
  label = "amount"
): ProcessorAmount {
  const exponent = currencyExponent(currency, profile)
  const requested = toDecimal(amount, label)
  const code = currency.toUpperCase()
  if (requested.lte(0)) {
    throw refuse(`The ${label} must be greater than zero (got ${shortAmount(requested)} ${code}).`)
  }
  const step = profile.step(currency)
  // Round half-up to a multiple of `step`: exact decimal arithmetic throughout.
  const units = requested.shiftedBy(exponent).dividedBy(step).integerValue(Decimal.ROUND_HALF_UP)
  const rounded = units.multipliedBy(step)
  checkRange(rounded, requested, currency, exponent, profile, label)
  return build(rounded, requested, currency, exponent)
}

/** An amount already in the processor's minor units (a remainder, a processor total). */
export function fromProcessorMinor(
  minor: string | number | bigint,
  currency: string,
  profile: CurrencyProfile
): ProcessorAmount {
  const exponent = currencyExponent(currency, profile)
  const value = minorDecimal(minor, profile)
  if (!value.isInteger() || value.isNegative()) {
    throw refuse(`${profile.processor} reported an invalid amount in minor units: ${shortAmount(minor)}.`)
  }
  return build(value, value.shiftedBy(-exponent), currency, exponent)
}

/** Minor units → Medusa's major-unit decimal, exact. */
export function minorToMajor(minor: string | number | bigint, currency: string, profile: CurrencyProfile): Decimal {
  const exponent = currencyExponent(currency, profile)
  return minorDecimal(minor, profile).shiftedBy(-exponent)
}

/** A minor-unit amount from payment data or a processor, read within AMOUNT_LIMITS. */
function minorDecimal(minor: string | number | bigint, profile: CurrencyProfile): Decimal {
  try {
    return toDecimal(minor, "amount in minor units")
  } catch {
    throw refuse(`${profile.processor} reported an invalid amount in minor units: ${shortAmount(minor)}.`)
  }
}

/** The three wire forms processors use. */
export const wireAmount = {
  /** Integer minor units as a JSON number (Clover, Checkout.com, Dodo). */
  minorInteger(amount: ProcessorAmount): number {
    const value = Number(amount.minor)
    if (!Number.isSafeInteger(value)) {
      throw refuse(`The amount ${shortAmount(amount.major)} ${amount.currency.toUpperCase()} is too large to send as an integer.`)
    }
    return value
  },
  /** Major units as a JSON number token with exact digits (Fiserv). */
  majorNumber(amount: ProcessorAmount): JsonDecimal {
    return new JsonDecimal(amount.major)
  },
  /** Major units as a decimal string (ProcessOut). */
  majorString(amount: ProcessorAmount): string {
    return amount.major
  },
}
