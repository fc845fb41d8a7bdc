#!/usr/bin/env node
"use strict"
/**
 * NOT part of `npm run bench`, and not used by the package: a sketch of the fix proposed for
 * the conversion target (BENCHMARKS.md, Targets: >= 1,000,000 ops/s), to show it is reachable and exact.
 *
 * src/core/money/convert.ts toProcessorAmount spends its time in bignumber.js: shiftedBy
 * (a multiplication by a parsed "1eN"), dividedBy(step) at 40 decimal places even when the
 * step is 1, multipliedBy(step), a second shiftedBy + toFixed for `major`, and an eager
 * residueMinor (minus + shiftedBy). For plain decimal text (what Medusa passes: numbers by
 * their shortest text, "12.34", { value: "12.34" }) and a step of 1, half-up rounding to N
 * decimals is a string operation: keep N fraction digits, round up when the first dropped
 * digit is 5 or more, carry. Anything else (exponent notation, bignumber instances, steps of
 * 10) keeps the current exact path.
 *
 *   node bench/sketches/money-fast-path.js
 * Fuzzes the sketch against toProcessorAmount (every field), then times both.
 */
const path = require("path")
const { registerTs, ROOT } = require("../lib/ts")

registerTs()
const money = require(path.join(ROOT, "src/core/money/index.ts"))
const { cloverCurrencies } = require(path.join(ROOT, "src/providers/clover/currencies.ts"))
const { Decimal, currencyExponent } = money

const PLAIN = /^(\d+)(?:\.(\d*))?$/

function plainText(amount) {
  if (typeof amount === "string") return amount.trim()
  if (typeof amount === "number") return Number.isFinite(amount) ? String(amount) : null
  if (amount && typeof amount === "object" && !Decimal.isBigNumber(amount) && !amount.bigNumber && !amount.raw) {
    if (typeof amount.value === "string" || typeof amount.value === "number") return plainText(amount.value)
  }
  return null
}

/** "0012.3400" -> "12.34", "5.00" -> "5": what Decimal#toFixed() prints for plain text. */
function normalise(int, frac) {
  const i = int.replace(/^0+(?=\d)/, "")
  const f = frac.replace(/0+$/, "")
  return f ? `${i}.${f}` : i
}

/** d / 10^k as plain decimal text (d >= 0n), trailing zeros dropped. */
function fraction(d, k) {
  if (d === 0n) return "0"
  const s = d.toString().padStart(k + 1, "0")
  return normalise(s.slice(0, s.length - k), s.slice(s.length - k))
}

/**
 * Half-up to `exponent` decimals on the text. Returns the integer minor units, Medusa's exact
 * amount and the residue (minor - requested x 10^exponent), all as text; null when the text is
 * not a plain decimal.
 */
function roundText(text, exponent) {
  const m = PLAIN.exec(text)
  if (!m) return null
  const frac = m[2] ?? ""
  let digits = (m[1] + (frac + "0".repeat(exponent)).slice(0, exponent)).replace(/^0+(?=\d)/, "")
  const dropped = frac.length > exponent ? frac.slice(exponent) : ""
  let residue = "0"
  if (/[1-9]/.test(dropped)) {
    const k = dropped.length
    const d = BigInt(dropped)
    if (dropped.charCodeAt(0) >= 53 /* "5": half or more, up */) {
      const a = digits.split("")
      let i = a.length - 1
      while (i >= 0 && a[i] === "9") a[i--] = "0"
      if (i < 0) a.unshift("1")
      else a[i] = String.fromCharCode(a[i].charCodeAt(0) + 1)
      digits = a.join("")
      residue = fraction(10n ** BigInt(k) - d, k)
    } else {
      residue = `-${fraction(d, k)}`
    }
  }
  return { minor: digits, requested: normalise(m[1], frac), residue }
}

/** The same ProcessorAmount as toProcessorAmount, without bignumber.js on the common path. */
function toProcessorAmountFast(amount, currency, profile, label = "amount") {
  const exponent = currencyExponent(currency, profile)
  const text = plainText(amount)
  const r = text === null || profile.step(currency) !== 1 ? null : roundText(text, exponent)
  const max = profile.maxMinor(currency)
  const minor = r?.minor
  const overMax = r !== null && max !== undefined && (minor.length > max.length || (minor.length === max.length && minor > max))
  // zero, over the cap, or not plain text: the current path (it words the refusals)
  if (r === null || minor === "0" || overMax) return money.toProcessorAmount(amount, currency, profile, label)
  const major = exponent ? `${minor.length > exponent ? minor.slice(0, -exponent) : "0"}.${minor.slice(-exponent).padStart(exponent, "0")}` : minor
  return { currency: currency.trim().toLowerCase(), exponent, minor, major, requested: r.requested, residueMinor: r.residue }
}

function fuzz(n = 20000) {
  const iso = money.defineCurrencyProfile({ processor: "ISO" })
  const currencies = ["usd", "jpy", "kwd", "eur", "bhd", "clf"]
  let diffs = 0
  for (let i = 0; i < n; i++) {
    const c = currencies[i % currencies.length]
    const int = String(Math.floor(Math.random() * 10 ** (1 + Math.floor(Math.random() * 12))))
    let frac = ""
    for (let k = Math.floor(Math.random() * 8); k > 0; k--) frac += String(Math.floor(Math.random() * 10))
    if (frac && Math.random() < 0.3) frac = frac.slice(0, -1) + "5"
    const text = frac ? `${int}.${frac}` : int
    for (const input of [text, { value: text, precision: 20 }, Number(text)]) {
      for (const profile of [iso, cloverCurrencies]) {
        const show = (f) => {
          try {
            const a = f(input, c, profile)
            return [a.currency, a.exponent, a.minor, a.major, a.requested, a.residueMinor].join("|")
          } catch (e) {
            return `refused: ${e.message}`
          }
        }
        const want = show(money.toProcessorAmount)
        const got = show(toProcessorAmountFast)
        if (want !== got) {
          if (diffs++ < 5) console.log("DIFF", JSON.stringify(input), c, want, got)
        }
      }
    }
  }
  return diffs
}

function opsPerSec(fn) {
  const inputs = [
    [{ value: "47.34", precision: 20 }, "usd"],
    [{ value: "12.34", precision: 20 }, "usd"],
    [{ value: "33.335", precision: 20 }, "usd"],
    [19.99, "eur"],
    ["5.00", "gbp"],
    [{ value: "1500", precision: 20 }, "jpy"],
    [{ value: "12.345", precision: 20 }, "kwd"],
    [0.01, "usd"],
  ]
  let sink = 0
  const rates = []
  for (let round = 0; round < 7; round++) {
    let n = 0
    const t0 = performance.now()
    while (performance.now() - t0 < 250) {
      for (let k = 0; k < 512; k++) sink += fn(inputs[k & 7][0], inputs[k & 7][1], cloverCurrencies).minor.length
      n += 512
    }
    rates.push(n / ((performance.now() - t0) / 1000))
  }
  if (sink < 0) console.log(sink)
  return rates.sort((a, b) => a - b)[3]
}

const diffs = fuzz()
console.log(`fuzz: ${diffs} differences from toProcessorAmount (every field, ISO and Clover profiles)`)
for (let rep = 0; rep < 2; rep++) {
  console.log(`toProcessorAmount (current): ${Math.round(opsPerSec(money.toProcessorAmount)).toLocaleString("en-US")} ops/s`)
  console.log(`sketch (string fast path):   ${Math.round(opsPerSec(toProcessorAmountFast)).toLocaleString("en-US")} ops/s`)
}
