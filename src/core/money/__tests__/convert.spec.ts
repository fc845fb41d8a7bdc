import fc from "fast-check"
import { BigNumber as MedusaBigNumber, MedusaError } from "@medusajs/framework/utils"
import BigNumberJS from "bignumber.js"
import {
  Decimal,
  ISO_4217_EXPONENTS,
  defineCurrencyProfile,
  fromProcessorMinor,
  minorToMajor,
  toDecimal,
  toProcessorAmount,
  wireAmount,
} from ".."
import { serializeJson } from "../../json"
import { refusal } from "../../../../test/support/medusa-error"

const unlimited = defineCurrencyProfile({ processor: "Test" })
const capped = defineCurrencyProfile({ processor: "Capped", maxMinor: "99999999" })
const steppy = defineCurrencyProfile({ processor: "Stepped", step: (_c, e) => (e === 3 ? 10 : 1), maxMinor: "999999999" })

describe("toProcessorAmount: tables", () => {
  it.each([
    // [amount, currency, minor, major]
    ["1000.5", "JPY", "1001", "1001"], // 0 decimals, half-up
    ["1000.49", "JPY", "1000", "1000"],
    [33.335, "usd", "3334", "33.34"], // Medusa's sub-unit amount
    ["33.3349999", "USD", "3333", "33.33"],
    [19.99, "USD", "1999", "19.99"], // a float literal read by its decimal text, not 19.989999…
    [0.1 + 0.2, "USD", "30", "0.30"],
    ["5.1235", "KWD", "5124", "5.124"], // 3 decimals
    ["5.1234", "KWD", "5123", "5.123"],
    ["1.00005", "CLF", "10001", "1.0001"], // 4 decimals
    ["1.00004", "UYW", "10000", "1.0000"],
    ["0.1234567890123456789", "USD", "12", "0.12"], // many decimals
    ["1e3", "EUR", "100000", "1000.00"],
  ])("%s %s → %s minor", (amount, currency, minor, major) => {
    const result = toProcessorAmount(amount, currency, unlimited)
    expect(result.minor).toBe(minor)
    expect(result.major).toBe(major)
    expect(result.currency).toBe(currency.toLowerCase())
  })

  it("reads the raw { value, precision } object refundPayment receives", () => {
    expect(toProcessorAmount({ value: "19.99", precision: 20 }, "usd", unlimited).minor).toBe("1999")
    expect(toProcessorAmount({ value: "33.335000000000000000", precision: 20 }, "usd", unlimited).minor).toBe("3334")
    expect(toProcessorAmount({ value: 12.5 }, "jpy", unlimited).minor).toBe("13")
  })

  it("reads Medusa's BigNumber and bignumber.js instances exactly", () => {
    expect(toProcessorAmount(new MedusaBigNumber("12.345"), "usd", unlimited).minor).toBe("1235")
    expect(toProcessorAmount(new MedusaBigNumber({ value: "7.5", precision: 20 }), "jpy", unlimited).minor).toBe("8")
    expect(toProcessorAmount(new BigNumberJS("123456789012345678.91"), "usd", unlimited).minor).toBe("12345678901234567891")
  })

  it("carries amounts of 10^15 and more without losing a digit", () => {
    expect(toProcessorAmount("1000000000000000", "usd", unlimited).minor).toBe("100000000000000000")
    expect(toProcessorAmount("1234567890123456.78", "usd", unlimited).major).toBe("1234567890123456.78")
    expect(toProcessorAmount({ value: "9999999999999999999.999", precision: 25 }, "kwd", unlimited).minor).toBe("9999999999999999999999")
    const big = toProcessorAmount("1234567890123.45", "usd", unlimited)
    expect(serializeJson({ total: wireAmount.majorNumber(big) })).toBe('{"total":1234567890123.45}')
    expect(serializeJson({ total: wireAmount.majorNumber(toProcessorAmount("10.5", "usd", unlimited)) })).toBe('{"total":10.50}')
    expect(() => wireAmount.minorInteger(toProcessorAmount("1e20", "usd", unlimited))).toThrow(MedusaError)
  })

  it("rounds to the processor's step (Checkout.com-style 3-decimal amounts end in 0)", () => {
    expect(toProcessorAmount("5.124", "KWD", steppy).minor).toBe("5120")
    expect(toProcessorAmount("5.125", "KWD", steppy).minor).toBe("5130")
    expect(toProcessorAmount("1.001", "KWD", steppy).minor).toBe("1000") // Medusa's helper sends 1010
  })

  it.each([
    [0, "must be greater than zero"],
    [-5, "must be greater than zero"],
    ["-0.01", "must be greater than zero"],
    [Number.NaN, "not a finite number"],
    [Number.POSITIVE_INFINITY, "not a finite number"],
    ["abc", "is not a decimal number"],
    ["", "is not a decimal number"],
    [{ value: "NaN" }, "is not a decimal number"],
    [{}, "is not a number"],
    [null, "is missing"],
    ["0.004", "below the smallest amount"],
  ])("refuses %p (%s)", (amount, why) => {
    expect(refusal(() => toProcessorAmount(amount, "usd", capped)).message).toContain(why)
  })

  it("refuses unknown and non-monetary currencies, and amounts over the maximum", () => {
    expect(refusal(() => toProcessorAmount("1", "ZZZ", capped)).message).toContain('currency "ZZZ"')
    expect(refusal(() => toProcessorAmount("1", "XAU", capped)).message).toContain("XAU")
    expect(refusal(() => toProcessorAmount("1", "", capped)).type).toBe(MedusaError.Types.INVALID_DATA)
    const over = refusal(() => toProcessorAmount("1000000.00", "usd", capped))
    expect(over.message).toContain("at most 999999.99 USD")
    expect(toProcessorAmount("999999.99", "usd", capped).minor).toBe("99999999")
    expect(toProcessorAmount("999999.994", "usd", capped).minor).toBe("99999999")
    expect(() => toProcessorAmount("999999.995", "usd", capped)).toThrow(/at most/)
  })

  it("converts processor minor units back to Medusa's major units exactly", () => {
    expect(minorToMajor("1999", "usd", unlimited).toFixed()).toBe("19.99")
    expect(minorToMajor(5130, "kwd", unlimited).toFixed()).toBe("5.13")
    expect(minorToMajor("100000000000000001", "usd", unlimited).toFixed()).toBe("1000000000000000.01")
    expect(fromProcessorMinor("1001", "jpy", unlimited).major).toBe("1001")
    expect(() => fromProcessorMinor("1.5", "usd", unlimited)).toThrow(MedusaError)
  })
})

describe("toProcessorAmount: properties over every ISO currency", () => {
  const currencies = Object.keys(ISO_4217_EXPONENTS)
  const cap = new Decimal("99999999")

  it("is exact for amounts the currency can express, and round-trips", () => {
    fc.assert(
      fc.property(fc.constantFrom(...currencies), fc.bigInt({ min: 1n, max: 99999999n }), (currency, minor) => {
        const exponent = ISO_4217_EXPONENTS[currency]
        const major = new Decimal(minor.toString()).shiftedBy(-exponent).toFixed(exponent)
        const result = toProcessorAmount(major, currency, capped)
        expect(result.minor).toBe(minor.toString())
        expect(result.residueMinor).toBe("0")
        expect(minorToMajor(result.minor, currency, capped).eq(major)).toBe(true)
      }),
      { numRuns: 3000 }
    )
  })

  it("never moves a sub-unit amount by more than half a unit, and refuses what it cannot carry", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...currencies),
        fc.bigInt({ min: 0n, max: 100000000n }),
        fc.bigInt({ min: 0n, max: 999999n }),
        (currency, whole, fraction) => {
          const exponent = ISO_4217_EXPONENTS[currency]
          // An amount with up to 6 digits beyond the currency's precision.
          const asked = new Decimal(`${whole}.${fraction.toString().padStart(6, "0")}`).shiftedBy(-exponent)
          const exactMinor = asked.shiftedBy(exponent)
          const expected = exactMinor.integerValue(Decimal.ROUND_HALF_UP)
          if (expected.lte(0) || expected.gt(cap)) {
            expect(() => toProcessorAmount(asked.toFixed(), currency, capped)).toThrow(MedusaError)
            return
          }
          const result = toProcessorAmount(asked.toFixed(), currency, capped)
          expect(result.minor).toBe(expected.toFixed(0))
          expect(new Decimal(result.minor).minus(exactMinor).abs().lte("0.5")).toBe(true)
          expect(new Decimal(result.residueMinor).eq(new Decimal(result.minor).minus(exactMinor))).toBe(true)
        }
      ),
      { numRuns: 5000 }
    )
  })

  it("respects a processor step: results are multiples of it, within half a step", () => {
    fc.assert(
      fc.property(fc.constantFrom("KWD", "BHD", "JOD", "OMR", "TND"), fc.bigInt({ min: 5n, max: 99999999n }), (currency, thousandths) => {
        const asked = new Decimal(thousandths.toString()).shiftedBy(-3)
        const result = toProcessorAmount(asked.toFixed(), currency, steppy)
        expect(Number(result.minor) % 10).toBe(0)
        expect(new Decimal(result.minor).minus(thousandths.toString()).abs().lte(5)).toBe(true)
      }),
      { numRuns: 2000 }
    )
  })

  it("reads numbers, strings and raw objects of the same amount identically", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99999999 }), (cents) => {
        const text = new Decimal(cents).shiftedBy(-2).toFixed(2)
        const asNumber = Number(text)
        const a = toProcessorAmount(asNumber, "usd", capped).minor
        const b = toProcessorAmount(text, "usd", capped).minor
        const c = toProcessorAmount({ value: text, precision: 20 }, "usd", capped).minor
        const d = toProcessorAmount(new MedusaBigNumber(text), "usd", capped).minor
        expect([a, b, c, d]).toEqual([String(cents), String(cents), String(cents), String(cents)])
      }),
      { numRuns: 2000 }
    )
  })
})

describe("toDecimal", () => {
  it("never goes through a float for strings", () => {
    expect(toDecimal("0.30000000000000000001").toFixed()).toBe("0.30000000000000000001")
    expect(toDecimal({ value: "1.000000000000000000001" }).toFixed()).toBe("1.000000000000000000001")
  })
})

describe("the text fast path", () => {
  it("gives exactly what the decimal path gives, for every input shape", () => {
    const { toProcessorAmountExact } = require("../convert")
    const show = (f: Function, ...args: unknown[]) => {
      try {
        return JSON.stringify(f(...args))
      } catch (e) {
        return `refused: ${(e as Error).message}`
      }
    }
    fc.assert(
      fc.property(
        fc.constantFrom("usd", "jpy", "kwd", "clf", "eur", "bhd"),
        fc.stringMatching(/^\d{1,14}(\.\d{0,9})?$/),
        fc.constantFrom("text", "raw", "number"),
        fc.constantFrom(unlimited, capped),
        (currency, text, shape, profile) => {
          const input = shape === "text" ? text : shape === "raw" ? { value: text, precision: 20 } : Number(text)
          expect(show(toProcessorAmount, input, currency, profile)).toBe(show(toProcessorAmountExact, input, currency, profile))
        }
      ),
      { numRuns: 20000 }
    )
  })
})
