import { defineCurrencyProfile } from "../../core/money/currency-profile"

/**
 * Fiserv Commerce Hub's own currency table (github.com/Fiserv/Commerce-Hub,
 * docs/Resources/Master-Data/Currency-Code.md): code → decimals of `amount.total`. It is not ISO 4217: BIF, GNF, KMF and
 * XAF take 2 decimals (ISO: 0), and it still lists codes ISO has withdrawn (ANG, BGN, HRK, SLL, STD, VEF). Only
 * these currencies are accepted. To change a currency's decimals, edit this table (README "Fiserv").
 */
const TABLE =
  "AFN:2 DZD:2 ARS:2 AMD:2 AWG:2 AUD:2 AZN:2 BSD:2 BHD:3 BDT:2 BBD:2 BYN:2 BZD:2 BMD:2 VEF:2 BOB:2 VES:2 BAM:2 " +
  "BWP:2 BRL:2 GBP:2 BND:2 BGN:2 BIF:2 KHR:2 CAD:2 CVE:2 KYD:2 XAF:2 XOF:0 XPF:0 CLP:0 CNY:2 COP:2 CDF:2 CRC:2 " +
  "HRK:2 CUP:2 CZK:2 DKK:2 DJF:0 DOP:2 ANG:2 XCD:2 EGP:2 ETB:2 EUR:2 FJD:2 GMD:2 GEL:2 GHS:2 GIP:2 GNF:2 GTQ:2 " +
  "GYD:2 HNL:2 HKD:2 HUF:2 ISK:0 INR:2 IDR:2 IRR:2 IQD:3 ILS:2 JMD:2 JPY:0 JOD:3 KZT:2 KES:2 KMF:2 KWD:3 LAK:2 " +
  "LBP:2 LYD:3 MOP:2 MKD:2 MGA:2 MWK:2 MYR:2 MVR:2 MUR:2 MXN:2 MDL:2 MNT:2 MAD:2 MMK:2 NAD:2 NPR:2 NZD:2 NIO:2 " +
  "NGN:2 VUV:0 NOK:2 OMR:3 PKR:2 PAB:2 PGK:2 PYG:0 PEN:2 PHP:2 PLN:2 QAR:2 RON:2 RUB:2 RWF:0 SHP:2 SVC:2 WST:2 " +
  "STD:2 SAR:2 RSD:2 SCR:2 SLL:2 SGD:2 SBD:2 SOS:2 ZAR:2 KRW:0 LKR:2 SRD:2 SEK:2 CHF:2 SYP:2 TWD:2 TJS:2 TZS:2 " +
  "THB:2 TOP:2 TTD:2 TND:3 TRY:2 UGX:0 UAH:2 AED:2 USD:2 UYU:2 UZS:2 VND:0 YER:2 ZMW:2"

export const FISERV_EXPONENTS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(
    TABLE.split(" ").map((entry) => {
      const [code, decimals] = entry.split(":")
      return [code!, Number(decimals)]
    })
  )
)

/** The spec's `Amount.total` maximum is 1e18 (major units). */
export const fiservCurrencies = defineCurrencyProfile({
  processor: "Fiserv",
  overrides: FISERV_EXPONENTS,
  only: Object.keys(FISERV_EXPONENTS),
  maxMinor: (_code, exponent) => `1${"0".repeat(18 + exponent)}`,
})
