import { defineCurrencyProfile } from "../../core/money/currency-profile"

/** One charge is at most $999,999.99 (docs.clover.com appendix, amount_too_large): 99,999,999 minor units. */
export const CLOVER_MAX_MINOR = "99999999"

/**
 * Clover amounts are integer "cents": the smallest unit of the currency. Clover does not
 * document exponents outside USD/CAD, so ISO 4217's are used (README: "Clover"). To change
 * a currency's exponent or the cap, edit this profile (`defineCurrencyProfile({ overrides, maxMinor })`).
 */
export const cloverCurrencies = defineCurrencyProfile({
  processor: "Clover",
  maxMinor: CLOVER_MAX_MINOR,
})
