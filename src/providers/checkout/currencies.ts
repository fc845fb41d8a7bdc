import { defineCurrencyProfile } from "../../core/money/currency-profile"

/**
 * Checkout.com's own exponent table (docs: payments/accept-payments/format-the-amount-value),
 * the same for the Payments API and the classic Charges API:
 * - full amount (exponent 0): BIF DJF GNF ISK JPY KMF KRW PYG RWF UGX VUV VND XAF XOF XPF;
 * - divide by 1000 (exponent 3): BHD IQD JOD KWD LYD OMR TND, and "the last digit must always be
 *   a 0": the step is 10 minor units, so these currencies move in hundredths;
 * - divide by 100: every other currency, including ISO's 0-decimal CLP and UYI and 4-decimal
 *   CLF and UYW, which Checkout.com's lists do not name.
 * Amounts have at most 9 digits.
 */
export const CHECKOUT_ZERO_DECIMAL = ["BIF", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VUV", "VND", "XAF", "XOF", "XPF"] as const
export const CHECKOUT_THREE_DECIMAL = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"] as const

/**
 * CLP is UNCONFIRMED: the docs page's CLP note is cut off in every copy read. CLP is not on the
 * full-amount list, so it is divided by 100 (exponent 2); Medusa's CLP amounts are whole pesos, and
 * the step of 100 keeps them whole (12 CLP is sent as 1200). To treat CLP as a full-amount currency
 * instead, change this line to `{ exponent: 0, step: 1 }`.
 */
export const CHECKOUT_CLP = { exponent: 2, step: 100 } as const

const overrides: Record<string, number> = { CLP: CHECKOUT_CLP.exponent }
for (const code of CHECKOUT_ZERO_DECIMAL) overrides[code] = 0
for (const code of CHECKOUT_THREE_DECIMAL) overrides[code] = 3
// ISO exponents Checkout.com does not follow: not on its 0 or 3 lists, so divided by 100.
for (const code of ["UYI", "CLF", "UYW"]) overrides[code] = 2

export const CHECKOUT_MAX_MINOR = "999999999"

export const checkoutCurrencies = defineCurrencyProfile({
  processor: "Checkout.com",
  overrides,
  step: (code, exponent) => (code === "CLP" ? CHECKOUT_CLP.step : exponent === 3 ? 10 : 1),
  maxMinor: CHECKOUT_MAX_MINOR,
})
