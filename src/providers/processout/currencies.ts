import { ProcessorError } from "../../core/errors"
import { currencyExponent, type ProcessorAmount } from "../../core/money/convert"
import { defineCurrencyProfile } from "../../core/money/currency-profile"
import { Decimal, shortAmount, toDecimal } from "../../core/money/decimal"

/**
 * ProcessOut amounts are decimal strings in major units, "Maximum 4 decimal places
 * supported as per ISO 4217" (POST /invoices). We write every amount at the currency's ISO
 * 4217 precision ("29.00" USD, "2900" JPY, "29.000" KWD): exactly what Medusa's amount
 * rounds to in that currency, never more digits than ProcessOut takes (CLF and UYW have 4).
 * ProcessOut documents no per-currency exponent table and no maximum (README: "Amounts").
 */
export const processoutCurrencies = defineCurrencyProfile({ processor: "ProcessOut" })

/** A decimal string from ProcessOut → integer minor units at our exponent, exactly. */
export function minorFromWire(amount: string | null | undefined, currency: string, what: string): string {
  if (amount === null || amount === undefined || amount === "") return "0"
  const exponent = currencyExponent(currency, processoutCurrencies)
  const unreadable = (why: string) =>
    new ProcessorError({ processor: "ProcessOut", kind: "invalid_response", message: `ProcessOut reported the ${what} ${shortAmount(amount)} ${currency.toUpperCase()}, ${why}` })
  let minor: Decimal
  try {
    // Bounded before it is expanded: an answer of "1e7000000" is refused, not computed.
    minor = toDecimal(amount, what).shiftedBy(exponent)
  } catch {
    throw unreadable("which is not an amount")
  }
  if (!minor.isFinite() || !minor.isInteger()) throw unreadable(`which has more decimals than the currency's ${exponent}`)
  return minor.toString() // an integer; Decimal never switches to exponent notation
}

/**
 * An amount ProcessOut answered for a refund it made, in minor units, never rounded and never thrown on:
 * once money moved its figures are recorded as they are. More decimals than the currency has give a
 * fractional figure ("1234.5"), which the base records as a difference from the plan.
 */
export function answeredMinor(amount: string, currency: string): string {
  try {
    return toDecimal(amount, "refunded amount").shiftedBy(currencyExponent(currency, processoutCurrencies)).toString()
  } catch {
    return shortAmount(amount) // not an amount: recorded as the processor's figure, which the base marks as a difference
  }
}

/** ProcessOut writes currencies upper case ("EUR"); Medusa stores them lower case. */
export function wireCurrency(amount: ProcessorAmount): string {
  return amount.currency.toUpperCase()
}
