/**
 * Exact money conversion between Medusa amounts and processors' units, for merchants' own
 * code too (import from "<package>/money"). No JS float on the path: every amount is
 * read as a decimal (numbers by their shortest decimal text) and converted exactly.
 */
export { Decimal, toDecimal } from "./decimal"
export { defineCurrencyProfile, type CurrencyProfile, type CurrencyProfileSpec } from "./currency-profile"
export {
  currencyExponent,
  fromProcessorMinor,
  minorToMajor,
  toProcessorAmount,
  wireAmount,
  type ProcessorAmount,
} from "./convert"
export { ISO_4217_EXPONENTS } from "./iso4217"
// The serializer that writes wireAmount.majorNumber as a bare JSON number with exact digits.
export { JsonDecimal, serializeJson } from "../json"
