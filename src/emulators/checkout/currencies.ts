/**
 * Checkout.com's amount rules as its docs state them (payments/accept-payments/format-the-amount-value),
 * kept apart from the provider's profile on purpose: the emulator checks what Checkout.com documents.
 * - full amount: BIF DJF GNF ISK JPY KMF KRW PYG RWF UGX VUV VND XAF XOF XPF;
 * - divide by 1000, last digit always 0: BHD IQD JOD KWD LYD OMR TND;
 * - divide by 100: every other currency;
 * - at most 9 digits, no decimals.
 */
import { ISO_4217_EXPONENTS } from "../../core/money/iso4217"

export const FULL_AMOUNT_CURRENCIES: ReadonlySet<string> = new Set(
  "BIF DJF GNF ISK JPY KMF KRW PYG RWF UGX VUV VND XAF XOF XPF".split(" ")
)
export const THOUSANDTHS_CURRENCIES: ReadonlySet<string> = new Set("BHD IQD JOD KWD LYD OMR TND".split(" "))

/** Upper-case ISO 4217 codes the emulator accepts: every active code with a minor unit. */
export function isKnownCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && ISO_4217_EXPONENTS[code] !== undefined
}

export const MAX_AMOUNT = 999_999_999

/** Why an amount is invalid for the currency, or undefined when it is valid. */
export function amountProblem(amount: number, currency: string): string | undefined {
  if (!Number.isSafeInteger(amount) || amount < 0) return "amount must be a non-negative whole number of minor units"
  if (amount > MAX_AMOUNT) return "amount must have at most 9 digits"
  if (THOUSANDTHS_CURRENCIES.has(currency) && amount % 10 !== 0) return `the last digit of a ${currency} amount must be 0`
  return undefined
}

/** The smallest step an amount moves in: 10 for the /1000 currencies, else 1. */
export function amountStep(currency: string): number {
  return THOUSANDTHS_CURRENCIES.has(currency) ? 10 : 1
}
