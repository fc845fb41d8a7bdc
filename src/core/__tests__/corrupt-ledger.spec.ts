import { MedusaError } from "@medusajs/framework/utils"
import { defineCurrencyProfile } from "../money"
import { integerMinorOf, ledgerOf, refundedMinorOf, withLedger, type RefundLedgerEntry } from "../payment-data"
import { linkOutsideRefunds, planRefund, reconcileLedger } from "../refunds/planner"
import { refusal } from "../../../test/support/medusa-error"

const profile = defineCurrencyProfile({ processor: "Acme" })

function entry(amount_minor: unknown, requested_amount: unknown = null, id = "re_1"): RefundLedgerEntry {
  return { processor_refund_id: id, medusa_refund_id: `ref_${id}`, amount_minor, requested_amount, status: "succeeded", origin: "medusa", created_at: new Date(0).toISOString() } as RefundLedgerEntry
}

/** Payment data as stored, written without withLedger (which refuses to write a corrupt ledger). */
function stored(refunds: unknown, captured: unknown = "5000", authorized: unknown = captured) {
  return { processor: "acme", currency: "usd", amount_minor: authorized, captured_minor: captured, refunded_minor: "0", refunds }
}

describe("a ledger entry whose amount is not a plain non-negative integer string", () => {
  it("-100.00 cannot make the planner allow 120.00 on a 50.00 capture", () => {
    // Before: refunded -100 and a rounding drift of +9900 planned a "clamped" refund of 51.00.
    const error = refusal(() => planRefund({ amount: "120.00", data: stored([entry("-100.00", "-100.00", "re_neg")]), profile }))
    expect(error.type).toBe(MedusaError.Types.UNEXPECTED_STATE)
    expect(error.message).toMatch(/^This payment's refund ledger .* is corrupt: entry 1 of 1 \(refund re_neg\) has amount_minor "-100\.00", not a plain non-negative whole number of minor units\. No refund was sent\./)
    expect(error.message).toMatch(/correct the entry before refunding again/)
  })

  it("a negative integer entry cannot either (before: 120.00 planned in full on 50.00)", () => {
    expect(refusal(() => planRefund({ amount: "120.00", data: stored([entry("-7000")]), profile })).message).toMatch(/amount_minor "-7000"/)
  })

  it.each(["0x64", "1e3", "1E3", "0100", "00", " 100", "100 ", "+100", "-0", "100.00", "100.5", "", "１００", "Infinity", "NaN"])(
    "refuses amount_minor %p, wherever the ledger is read",
    (amount) => {
      const data = stored([entry("100", "1.00", "re_ok"), entry(amount, null, "re_bad")])
      for (const read of [
        () => ledgerOf(data),
        () => planRefund({ amount: "1.00", data, profile }),
        () => refundedMinorOf(data.refunds as RefundLedgerEntry[]),
        () => withLedger({}, data.refunds as RefundLedgerEntry[]),
        () => reconcileLedger(data, []),
        () => linkOutsideRefunds(data, { minor: "100", currency: "usd" }, "ref_x", profile),
      ]) {
        expect(refusal(read).message).toContain("entry 2 of 2 (refund re_bad) has amount_minor")
      }
    }
  )

  it.each([100, null, undefined, 1n, { value: "100" }])("refuses a non-string amount_minor %p", (amount) => {
    expect(refusal(() => ledgerOf(stored([entry(amount)]))).message).toMatch(/entry 1 of 1 \(refund re_1\) has amount_minor .*, not a plain/)
  })

  it.each(["-100.00", "1e3", "0x10", "+1", " 1", "01.5", "1.", 5])("refuses requested_amount %p", (requested) => {
    expect(refusal(() => planRefund({ amount: "1.00", data: stored([entry("100", requested)]), profile })).message).toMatch(/has requested_amount .*, not a plain non-negative decimal amount/)
  })

  it("refuses entries that are not records and a ledger that is not a list", () => {
    expect(refusal(() => ledgerOf(stored([null]))).message).toContain("entry 1 of 1 is not a refund record")
    expect(refusal(() => ledgerOf(stored(["100"]))).message).toContain("entry 1 of 1 is not a refund record")
    expect(refusal(() => planRefund({ amount: "1.00", data: stored({ 0: entry("100") }), profile })).message).toContain("it is an object, not a list")
    expect(refusal(() => ledgerOf(stored("-100"))).message).toContain('it is the string -100, not a list')
  })

  it("shows a huge amount or id in short form", () => {
    const message = refusal(() => ledgerOf(stored([entry("-" + "9".repeat(1_000_000), null, "re_" + "x".repeat(10_000))]))).message
    expect(message.length).toBeLessThan(400)
    expect(message).toContain("…")
  })

  it("still reads plain amounts, and null or missing ledgers as empty", () => {
    const ledger = [entry("0", "0"), entry("1050", "10.5"), entry("90071992547409930", null), { ...entry("-1"), amount_minor: "77", status: "failed" as const }]
    expect(ledgerOf(stored(ledger))).toHaveLength(4)
    expect(refundedMinorOf(ledger)).toBe("90071992547410980")
    expect(ledgerOf(stored(undefined))).toEqual([])
    expect(ledgerOf(stored(null))).toEqual([])
    expect(ledgerOf(undefined)).toEqual([])
  })
})

describe("captured_minor and amount_minor are read the same way by the planner", () => {
  it.each(["-5000", "0x1388", "5e3", "05000", " 5000", "+5000", "5000.00", "5000.5"])("refuses captured_minor %p", (captured) => {
    const error = refusal(() => planRefund({ amount: "1.00", data: stored([], captured, "5000"), profile }))
    expect(error.type).toBe(MedusaError.Types.UNEXPECTED_STATE)
    expect(error.message).toMatch(/data holds captured_minor ".*", which is not a plain non-negative whole number of minor units\. No refund was sent/)
  })

  it.each(["-5000", "0x1388", "5e3", "05000", "+5000", 5e21, -5000, 50.5])("refuses amount_minor %p", (authorized) => {
    expect(refusal(() => planRefund({ amount: "1.00", data: stored([], "5000", authorized), profile })).message).toMatch(/data holds amount_minor/)
  })

  it("integerMinorOf takes plain non-negative integer text only", () => {
    expect(integerMinorOf("0")).toBe(0n)
    expect(integerMinorOf("90071992547409930")).toBe(90071992547409930n)
    for (const value of ["-1", "01", "1e3", "0x1", " 1", "+1", "1.0", "", 1, "9".repeat(101)]) expect(integerMinorOf(value)).toBeUndefined()
  })
})

describe("amounts the provider wrote in payment data, read before a request", () => {
  const { paymentMinor } = require("../payment-data") as typeof import("../payment-data")
  it.each(["0x10", " 100", "-5", "1e3", "0100", "12.5", ""])("refuses captured_minor %p", (value) => {
    expect(() => paymentMinor({ captured_minor: value }, "captured_minor", "Clover")).toThrow(/not a plain non-negative whole number of minor units\. Nothing was sent to Clover/)
  })
  it("reads plain integer text, and a missing field as the fallback", () => {
    expect(paymentMinor({ captured_minor: "4734" }, "captured_minor", "Clover")).toBe(4734n)
    expect(paymentMinor({}, "captured_minor", "Clover", 0n)).toBe(0n)
    expect(() => paymentMinor({}, "amount_minor", "Clover")).toThrow(/amount_minor \(missing\)/)
  })
})
