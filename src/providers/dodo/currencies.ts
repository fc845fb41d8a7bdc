import { wireAmount, type ProcessorAmount } from "../../core/money/convert"
import { defineCurrencyProfile } from "../../core/money/currency-profile"

/** Dodo's `Currency` enum (OpenAPI 1.53.2). */
export const DODO_CURRENCY_CODES: readonly string[] = (
  "AED ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP BYN BZD CAD CHF CLP CNY COP " +
  "CRC CUP CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS " +
  "INR IQD JMD JOD JPY KES KGS KHR KMF KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR " +
  "MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SEK " +
  "SGD SHP SLE SLL SOS SRD SSP STN SVC SZL THB TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD " +
  "XOF XPF YER ZAR ZMW"
).split(" ")

/**
 * UNCONFIRMED: Dodo documents amounts as the currency's "smallest unit" ("in JPY, ¥1500 is 1500",
 * GetProductsListResponseItem.price) but says nothing about 3-decimal currencies (BHD, IQD, JOD, KWD,
 * LYD, OMR, TND). ISO 4217 exponents are used for every currency. To follow Dodo if it turns out to
 * differ (say KWD in fils/10), put the exponent here: `{ KWD: 2 }`. Withdrawn codes Dodo still lists
 * (ANG, BGN, HRK, SLL) are left out because ISO gives them no exponent; add them here to accept them.
 */
export const DODO_EXPONENT_OVERRIDES: Readonly<Record<string, number>> = Object.freeze({})

/** Dodo's amount fields are int32: 2,147,483,647 minor units at most. */
export const DODO_MAX_MINOR = "2147483647"

export const dodoCurrencies = defineCurrencyProfile({
  processor: "Dodo Payments",
  overrides: DODO_EXPONENT_OVERRIDES,
  only: DODO_CURRENCY_CODES,
  maxMinor: DODO_MAX_MINOR,
})

/** Dodo's wire amount: integer minor units as a JSON number (wire.ts: int32, tax included). */
export function dodoWireAmount(amount: ProcessorAmount): number {
  return wireAmount.minorInteger(amount)
}
