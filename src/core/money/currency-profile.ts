import { ISO_4217_EXPONENTS } from "./iso4217"

/**
 * How one processor writes amounts: which currencies it takes, each one's exponent
 * (ISO 4217 unless the processor says otherwise), the smallest step it accepts in
 * minor units, and the largest amount it carries. Every processor folder declares one.
 */
export interface CurrencyProfile {
  /** The processor's display name, used in error messages ("Clover"). */
  readonly processor: string
  /** Upper-case code → exponent, ISO with the processor's overrides applied. */
  readonly exponents: Readonly<Record<string, number>>
  /** Smallest accepted step in minor units (Checkout.com: 10 for 3-decimal currencies). */
  step(currency: string): number
  /** Largest amount in minor units, as an integer string, or undefined for no limit. */
  maxMinor(currency: string): string | undefined
}

export interface CurrencyProfileSpec {
  processor: string
  /** Exponents that differ from ISO 4217 (or currencies ISO does not list). */
  overrides?: Record<string, number>
  /** When given, only these currencies are accepted (after overrides). */
  only?: readonly string[]
  /** Currencies the processor refuses even though ISO lists them. */
  exclude?: readonly string[]
  step?: (currency: string, exponent: number) => number
  /** A single cap for every currency, or one per currency, in minor units. */
  maxMinor?: string | ((currency: string, exponent: number) => string | undefined)
}

export function defineCurrencyProfile(spec: CurrencyProfileSpec): CurrencyProfile {
  const table: Record<string, number> = { ...ISO_4217_EXPONENTS }
  for (const [code, exponent] of Object.entries(spec.overrides ?? {})) {
    table[code.toUpperCase()] = exponent
  }
  for (const code of spec.exclude ?? []) {
    delete table[code.toUpperCase()]
  }
  if (spec.only) {
    const allowed = new Set(spec.only.map((c) => c.toUpperCase()))
    for (const code of Object.keys(table)) {
      if (!allowed.has(code)) delete table[code]
    }
  }
  const exponents = Object.freeze(table)
  return {
    processor: spec.processor,
    exponents,
    step: (currency) => {
      const code = currency.toUpperCase()
      return spec.step ? spec.step(code, exponents[code]) : 1
    },
    maxMinor: (currency) => {
      const code = currency.toUpperCase()
      if (typeof spec.maxMinor === "function") return spec.maxMinor(code, exponents[code])
      return spec.maxMinor
    },
  }
}
