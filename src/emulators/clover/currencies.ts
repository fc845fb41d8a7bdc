/**
 * Active ISO 4217 alphabetic codes that have a minor unit (funds, metals and test codes such as XAU, XDR, XTS, XXX
 * are excluded), lower-cased as Clover's `currency` field requires.
 * Source: github.com/datasets/currency-codes data/codes-all.csv @ ab9b0ae (2026-02-01), rows without a
 * withdrawal date. Clover documents "ISO 4217, lower case, max 3"; which of
 * these a real merchant account accepts depends on its Multi Currency Pricing setup.
 */
export const CLOVER_CURRENCIES: ReadonlySet<string> = new Set(
  [
    "aed afn all amd aoa ars aud awg azn bam bbd bdt bhd bif bmd bnd bob bov brl bsd btn bwp byn bzd cad",
    "cdf che chf chw clf clp cny cop cou crc cup cve czk djf dkk dop dzd egp ern etb eur fjd fkp gbp gel",
    "ghs gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr iqd irr isk jmd jod jpy kes kgs khr kmf kpw krw",
    "kwd kyd kzt lak lbp lkr lrd lsl lyd mad mdl mga mkd mmk mnt mop mru mur mvr mwk mxn mxv myr mzn nad",
    "ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sdg sek sgd shp",
    "sle sos srd ssp stn svc syp szl thb tjs tmt tnd top try ttd twd tzs uah ugx usd usn uyi uyu uyw uzs",
    "ved ves vnd vuv wst xad xaf xcd xcg xof xpf yer zar zmw zwg",
  ]
    .join(" ")
    .split(" ")
)
