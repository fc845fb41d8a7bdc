#!/usr/bin/env node
"use strict"
/**
 * Part 3: the money conversion, in its own process.
 *  - ops/s of our toProcessorAmount (Clover profile), of wireAmount.minorInteger, of the two
 *    together (Medusa amount -> the integer Clover is sent), and of getSmallestUnit from
 *    @medusajs/payment-stripe, on the same typical inputs; time slices interleaved, median of
 *    several rounds.
 *  - a shared set of hard cases graded against the exact minor units (ISO 4217 exponents,
 *    half-up rounding).
 *   node bench/money.js [--rounds 9] [--slice-ms 250] [--out file.json]
 */
const path = require("path")
const { registerTs, ROOT } = require("./lib/ts")
const { parseArgs, writeResult } = require("./lib/common")
const { median } = require("./lib/stats")

const args = parseArgs(process.argv.slice(2))
const ROUNDS = Number(args.rounds ?? 9)
const SLICE_MS = Number(args["slice-ms"] ?? 250)

registerTs()
const money = require(path.join(ROOT, "src/core/money/index.ts"))
const { cloverCurrencies } = require(path.join(ROOT, "src/providers/clover/currencies.ts"))
const { getSmallestUnit } = require(require.resolve("@medusajs/payment-stripe/dist/utils/get-smallest-unit.js", { paths: [ROOT] }))
const { BigNumber: MedusaBigNumber } = require(require.resolve("@medusajs/framework/utils", { paths: [ROOT] }))

/** Amounts as Medusa hands them to a provider, in the shapes it uses (raw objects mostly). */
const TYPICAL = [
  [{ value: "47.34", precision: 20 }, "usd"],
  [{ value: "12.34", precision: 20 }, "usd"],
  [{ value: "33.335", precision: 20 }, "usd"],
  [19.99, "eur"],
  ["5.00", "gbp"],
  [{ value: "1500", precision: 20 }, "jpy"],
  [{ value: "12.345", precision: 20 }, "kwd"],
  [0.01, "usd"],
]

/**
 * Hard cases: [what, input, currency, exact minor units]. Expectations: ISO 4217 exponent,
 * half-up rounding of the exact decimal value of the input (a JS number by its shortest text,
 * which is how Medusa prints and stores it).
 */
const HARD = [
  ["huge, string", "1234567890123456.78", "usd", "123456789012345678"],
  ["huge, raw object", { value: "1234567890123456.78", precision: 20 }, "usd", "123456789012345678"],
  ["10^15, number", 1e15, "usd", "100000000000000000"],
  ["10^15 + 0.01, string", "1000000000000000.01", "usd", "100000000000000001"],
  ["just under 10^15, string", "999999999999999.99", "usd", "99999999999999999"],
  ["3-decimal KWD", "12.345", "kwd", "12345"],
  ["3-decimal BHD, raw object", { value: "0.125", precision: 20 }, "bhd", "125"],
  ["3-decimal KWD, whole tens", "1.000", "kwd", "1000"],
  ["3-decimal KWD, half a fils", "0.0005", "kwd", "1"],
  ["3-decimal KWD, huge", "123456789012.345", "kwd", "123456789012345"],
  ["sub-unit 33.335, number", 33.335, "usd", "3334"],
  ["sub-unit 33.3349, string", "33.3349", "usd", "3333"],
  ["sub-unit 0.005, number", 0.005, "usd", "1"],
  ["sub-unit 33.335, raw object", { value: "33.335", precision: 20 }, "usd", "3334"],
  ["raw object EUR", { value: "19.99", precision: 20 }, "eur", "1999"],
  ["Medusa BigNumber 33.335", () => new MedusaBigNumber("33.335"), "usd", "3334"],
  ["0-decimal JPY half, number", 1234.5, "jpy", "1235"],
  ["0-decimal JPY half, string", "0.5", "jpy", "1"],
  ["0-decimal JPY half, raw object", { value: "2.5", precision: 20 }, "jpy", "3"],
  ["0-decimal KRW half, string", "1000.5", "krw", "1001"],
  ["many decimals, JPY just under a half", "100.49999999999999999999", "jpy", "100"],
  ["many decimals, USD just under a half", "12.344999999999999999999", "usd", "1234"],
  ["many decimals, USD rounds up to whole", "19.999999999999999999", "usd", "2000"],
  ["float trap 2.675", 2.675, "usd", "268"],
  ["float trap 1.005", 1.005, "usd", "101"],
  ["float trap 0.1 + 0.2", 0.1 + 0.2, "usd", "30"],
]

const iso = money.defineCurrencyProfile({ processor: "ISO 4217 (no cap)" })

function grade(fn) {
  const rows = []
  for (const [what, rawInput, currency, expected] of HARD) {
    const input = typeof rawInput === "function" ? rawInput() : rawInput
    let got
    let outcome
    try {
      got = String(fn(input, currency))
      outcome = got === expected ? "right" : "wrong"
    } catch (e) {
      got = `threw: ${String(e && e.message).slice(0, 120)}`
      outcome = "threw"
    }
    rows.push({ what, currency, expected, got, outcome })
  }
  return rows
}

/** Integer → exact decimal text (a number past 2^53 prints its real binary value). */
function exactInteger(n) {
  if (typeof n !== "number" || !Number.isInteger(n)) return String(n)
  return BigInt(n).toString()
}

function opsPerSec(fn) {
  let sink = 0
  let n = 0
  const inputs = TYPICAL
  const end = performance.now() + SLICE_MS
  const t0 = performance.now()
  while (performance.now() < end) {
    for (let k = 0; k < 256; k++) {
      const [amount, currency] = inputs[(n + k) & 7]
      const r = fn(amount, currency)
      sink += typeof r === "number" ? r : 1
    }
    n += 256
  }
  const ms = performance.now() - t0
  if (sink === -1) console.log(sink)
  return n / (ms / 1000)
}

function main() {
  const contenders = {
    ours_toProcessorAmount: (a, c) => money.toProcessorAmount(a, c, cloverCurrencies),
    ours_toWireInteger: (a, c) => money.wireAmount.minorInteger(money.toProcessorAmount(a, c, cloverCurrencies)),
    stripe_getSmallestUnit: (a, c) => getSmallestUnit(a, c),
  }
  const pre = TYPICAL.map(([a, c]) => money.toProcessorAmount(a, c, cloverCurrencies))
  let idx = 0
  contenders.ours_minorInteger = () => money.wireAmount.minorInteger(pre[idx++ & 7])

  // warm-up
  for (const fn of Object.values(contenders)) opsPerSec(fn)
  const samples = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]))
  const names = Object.keys(contenders)
  for (let r = 0; r < ROUNDS; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(r + j) % names.length]
      samples[name].push(opsPerSec(contenders[name]))
    }
  }
  const ops = Object.fromEntries(names.map((k) => [k, { median: median(samples[k]), min: Math.min(...samples[k]), max: Math.max(...samples[k]) }]))

  const correctness = {
    ours: grade((a, c) => money.toProcessorAmount(a, c, iso).minor),
    ours_clover: grade((a, c) => money.toProcessorAmount(a, c, cloverCurrencies).minor),
    ours_wire: grade((a, c) => money.wireAmount.minorInteger(money.toProcessorAmount(a, c, iso))),
    stripe: grade((a, c) => exactInteger(getSmallestUnit(a, c))),
  }
  const count = (rows) => ({
    right: rows.filter((r) => r.outcome === "right").length,
    wrong: rows.filter((r) => r.outcome === "wrong").length,
    threw: rows.filter((r) => r.outcome === "threw").length,
  })
  writeResult(args.out, {
    settings: { rounds: ROUNDS, sliceMs: SLICE_MS, typicalInputs: TYPICAL.length, hardCases: HARD.length },
    ops,
    correctness,
    counts: Object.fromEntries(Object.entries(correctness).map(([k, v]) => [k, count(v)])),
  })
}

main()
