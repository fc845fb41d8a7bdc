import { MedusaError } from "@medusajs/framework/utils"
import BigNumberJS from "bignumber.js"
import { Decimal, defineCurrencyProfile, fromProcessorMinor, minorToMajor, toDecimal, toProcessorAmount } from ".."
import { AMOUNT_LIMITS, shortAmount } from "../decimal"
import { planRefund } from "../../refunds/planner"
import { refusal } from "../../../../test/support/medusa-error"

// No maximum, as ProcessOut: only the amount bounds stand between its text and bignumber.js.
const unlimited = defineCurrencyProfile({ processor: "ProcessOut" })
const TEN_MB_OF_DIGITS = "9".repeat(10 * 1024 * 1024)

// Refused before the amount is expanded: the old code spent seconds and megabytes here.
describe("amounts in exponent notation and huge amounts are refused before they expand", () => {
  const outside: Array<[string, unknown, RegExp]> = [
    ["1e7000000", "1e7000000", /exponent beyond ±100/],
    ["1e-7000000", "1e-7000000", /exponent beyond ±100/],
    ["-1e7000000", "-1e7000000", /exponent beyond ±100/],
    ["1E+101", "1E+101", /exponent beyond ±100/],
    ["10 MB of digits", TEN_MB_OF_DIGITS, /too long to be an amount/],
    ["10 MB of digits in a raw { value }", { value: TEN_MB_OF_DIGITS, precision: 20 }, /too long to be an amount/],
    ["a number 1e+300", 1e300, /exponent beyond ±100/],
    ["a bigint of 200 digits", 10n ** 200n, /too large to be an amount/],
    ["a bignumber.js 1e7000000", new BigNumberJS("1e7000000"), /outside any amount/],
    // bignumber.js's own range may already make it Infinity: refused either way.
    // (100,000 digits: bignumber.js itself overflows the stack parsing 10 MB on the main thread.)
    ["a bignumber.js of 100,000 digits", new BigNumberJS("9".repeat(100_000)), /outside any amount|not a finite number/],
  ]

  it.each(outside)("toProcessorAmount refuses %s at once, with a short message", (_name, amount, why) => {
    const error = refusal(() => toProcessorAmount(amount, "usd", unlimited))
    expect(error.type).toBe(MedusaError.Types.INVALID_DATA)
    expect(error.message).toMatch(why)
    expect(error.message.length).toBeLessThan(300)
  })

  it.each(outside)("toDecimal refuses %s the same way", (_name, amount, why) => {
    expect(refusal(() => toDecimal(amount, "refund amount")).message).toMatch(why)
  })

  it("a refund of 1e7000000 is refused by the planner with a short message; nothing is planned", () => {
    const data = { processor: "processout", currency: "usd", amount_minor: "5000", captured_minor: "5000", refunds: [] }
    for (const amount of ["1e7000000", "1e-7000000", TEN_MB_OF_DIGITS]) {
      const error = refusal(() => planRefund({ amount, data, profile: unlimited }))
      expect(error.message.length).toBeLessThan(300)
    }
  })

  it("reads processor and payment-data minor amounts within the same bounds", () => {
    for (const minor of ["1e7000000", "1e-7000000", TEN_MB_OF_DIGITS]) {
      for (const read of [() => fromProcessorMinor(minor, "usd", unlimited), () => minorToMajor(minor, "usd", unlimited)]) {
        const error = refusal(read)
        expect(error.message).toMatch(/ProcessOut reported an invalid amount in minor units: .{1,24}\.$/)
      }
    }
  })

  it("refuses a converted amount of more than 100 digits in minor units, even without a processor maximum", () => {
    const error = refusal(() => toProcessorAmount("9".repeat(99), "usd", unlimited))
    expect(error.message).toMatch(/is more than ProcessOut accepts/)
    expect(error.message.length).toBeLessThan(300)
    expect(toProcessorAmount("9".repeat(98), "usd", unlimited).minor).toBe("9".repeat(98) + "00")
  })

  it("still reads every amount within the bounds exactly, exponents included", () => {
    expect(toProcessorAmount("1e3", "eur", unlimited).minor).toBe("100000")
    expect(toProcessorAmount("1.5e2", "usd", unlimited).major).toBe("150.00")
    expect(toDecimal("1e100").toFixed()).toBe("1" + "0".repeat(100))
    expect(toDecimal("1e-100").isZero()).toBe(false)
    expect(toDecimal("0." + "3".repeat(AMOUNT_LIMITS.length - 2)).toFixed()).toBe("0." + "3".repeat(98))
  })

  it("bounds Decimal itself, as a backstop for text that reaches it unchecked", () => {
    expect(new Decimal("1e7000000").isFinite()).toBe(false)
    expect(new Decimal("1e-7000000").isZero()).toBe(true)
    expect(new Decimal("10.50").plus("1e-7000000").toFixed()).toBe("10.5")
  })
})

describe("shortAmount", () => {
  it("shows at most 24 characters and never expands a number", () => {
    expect(shortAmount("12.34")).toBe("12.34")
    expect(shortAmount(TEN_MB_OF_DIGITS)).toBe("9".repeat(23) + "…")
    expect(shortAmount(new BigNumberJS("1e7000000"))).toBe("1.000000e+7000000")
    expect(shortAmount(10n ** 100000n)).toMatch(/^~10\^1000\d\d$/) // estimated from its hex length
    expect(shortAmount(new Decimal("33.335"))).toBe("33.335")
  })
})
