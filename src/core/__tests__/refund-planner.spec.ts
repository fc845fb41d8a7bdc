import fc from "fast-check"
import { MedusaError } from "@medusajs/framework/utils"
import { Decimal, defineCurrencyProfile } from "../money"
import { withLedger, type RefundLedgerEntry } from "../payment-data"
import { linkOutsideRefunds, planRefund, reconcileLedger } from "../refunds/planner"
import { refusal as refused } from "../../../test/support/medusa-error"

const profile = defineCurrencyProfile({ processor: "Acme", maxMinor: "99999999" })
const stepped = defineCurrencyProfile({ processor: "Stepped", step: (_c, e) => (e === 3 ? 10 : 1) })

function payment(captured: string, ledger: RefundLedgerEntry[] = [], currency = "usd", authorized = captured) {
  return withLedger({ processor: "acme", currency, amount_minor: authorized, captured_minor: captured }, ledger)
}

function sent(amountMinor: string, requested: string | null, id = `re_${Math.random()}`, status: RefundLedgerEntry["status"] = "succeeded"): RefundLedgerEntry {
  return {
    processor_refund_id: id,
    medusa_refund_id: requested === null ? null : `ref_${id}`,
    amount_minor: amountMinor,
    requested_amount: requested,
    status,
    origin: requested === null ? "processor" : "medusa",
    created_at: new Date(0).toISOString(),
  }
}

describe("planRefund", () => {
  it("plans a full refund of an untouched charge", () => {
    const plan = planRefund({ amount: { value: "50", precision: 20 }, data: payment("5000"), profile })
    expect(plan).toMatchObject({ kind: "full", untouched: true, clampedToRemainder: false, remainingAfterMinor: "0" })
    expect(plan.amount.minor).toBe("5000")
  })

  it("plans a partial refund in exact minor units", () => {
    const plan = planRefund({ amount: "12.34", data: payment("5000"), profile })
    expect(plan).toMatchObject({ kind: "partial", untouched: false, remainingAfterMinor: "3766" })
    expect(plan.amount.minor).toBe("1234")
  })

  it("does not use the full-refund form when less than the authorization was captured", () => {
    const plan = planRefund({ amount: "30", data: payment("3000", [], "usd", "5000"), profile })
    expect(plan).toMatchObject({ kind: "full", untouched: false })
  })

  it("sends the exact remainder when only rounding residue exceeds it (33.335 three times)", () => {
    let data = payment("10000")
    const amounts: string[] = []
    for (let i = 0; i < 3; i++) {
      const plan = planRefund({ amount: "33.335", data, profile })
      amounts.push(plan.amount.minor)
      data = withLedger(data, [...data.refunds, sent(plan.amount.minor, plan.amount.requested, `r${i}`)])
    }
    expect(amounts).toEqual(["3334", "3334", "3332"])
    expect(data.refunded_minor).toBe("10000")
  })

  it("refuses more than the remainder when it is not rounding residue, naming the numbers", () => {
    const data = payment("5000", [sent("4000", "40")])
    const error = refused(() => planRefund({ amount: "10.01", data, profile }))
    expect(error.type).toBe(MedusaError.Types.INVALID_DATA)
    expect(error.message).toBe(
      "The refund of 10.01 USD is more than the 10.00 USD that remains refundable at Acme (captured 50.00 USD, already refunded 40.00 USD). Refund at most 10.00 USD."
    )
    expect(planRefund({ amount: "10.005", data, profile }).amount.minor).toBe("1000")
  })

  it("refuses a payment that is fully refunded, or was never captured", () => {
    expect(refused(() => planRefund({ amount: "1", data: payment("5000", [sent("5000", "50")]), profile })).type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(refused(() => planRefund({ amount: "1", data: payment("0", [], "usd", "5000"), profile })).message).toContain("Cancel the payment instead")
  })

  it("does not count failed refunds against the remainder", () => {
    const data = payment("5000", [sent("5000", "50", "failed1", "failed")])
    expect(planRefund({ amount: "50", data, profile }).kind).toBe("full")
  })

  it("recognises a retry of a refund already in the ledger", () => {
    const entry = sent("1000", "10", "r1")
    const plan = planRefund({ amount: "10", data: payment("5000", [entry]), profile, medusaRefundId: entry.medusa_refund_id! })
    expect(plan.replay).toEqual(entry)
  })

  it("refuses payment data without the fields it needs", () => {
    const error = refused(() => planRefund({ amount: "1", data: { currency: "usd" }, profile }))
    expect(error.message).toContain("has no captured_minor")
    expect(refused(() => planRefund({ amount: "1", data: undefined, profile })).message).toContain("has no currency")
  })

  it("refuses amounts in payment data that are not whole minor units instead of guessing", () => {
    expect(refused(() => planRefund({ amount: "1", data: payment("5000.5"), profile })).message).toMatch(/captured_minor "5000.5".*not a plain non-negative whole number/)
    const broken = { ...sent("100", "1"), amount_minor: "100.5" }
    expect(refused(() => planRefund({ amount: "1", data: payment("5000", [broken]), profile })).type).toBe(MedusaError.Types.UNEXPECTED_STATE)
  })

  it("keeps exact sums far beyond 2^53 minor units", () => {
    const plan = planRefund({ amount: "0.01", data: payment("90071992547409930", [sent("90071992547409920", null)]), profile: defineCurrencyProfile({ processor: "Acme" }) })
    expect(plan.refundedBeforeMinor).toBe("90071992547409920")
    expect(plan.remainingAfterMinor).toBe("9")
  })

  it("applies the step of 3-decimal currencies", () => {
    const plan = planRefund({ amount: "1.004", data: payment("5000", [], "kwd"), profile: stepped })
    expect(plan.amount.minor).toBe("1000")
  })
})

describe("planRefund: invariants over random refund sequences", () => {
  it("never sends more than captured, never moves an amount by more than half a unit except to the exact remainder", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 5_000_000 }), fc.integer({ min: 0, max: 999 })), { minLength: 1, maxLength: 12 }),
        (capturedMinor, asks) => {
          let data = payment(String(capturedMinor))
          let askedTotal = new Decimal(0)
          for (const [cents, thousandths] of asks) {
            const asked = new Decimal(cents).plus(new Decimal(thousandths).shiftedBy(-3)).shiftedBy(-2)
            const before = data.refunded_minor
            let plan
            try {
              plan = planRefund({ amount: asked.toFixed(), data, profile })
            } catch (e) {
              expect(e).toBeInstanceOf(MedusaError)
              expect(data.refunded_minor).toBe(before) // refusal records nothing
              // Refused only when even the residue rule cannot fit it.
              const remainder = new Decimal(capturedMinor).minus(before)
              expect(remainder.lte(0) || asked.shiftedBy(2).minus(remainder).gt(0)).toBe(true)
              continue
            }
            const deviation = new Decimal(plan.amount.minor).minus(asked.shiftedBy(2)).abs()
            if (!plan.clampedToRemainder) expect(deviation.lte("0.5")).toBe(true)
            else {
              expect(plan.remainingAfterMinor).toBe("0")
              // Clamping only absorbs rounding: the total asked fits within half a unit.
              expect(askedTotal.plus(asked).shiftedBy(2).lte(new Decimal(capturedMinor).plus("0.5"))).toBe(true)
            }
            askedTotal = askedTotal.plus(asked)
            data = withLedger(data, [...data.refunds, sent(plan.amount.minor, plan.amount.requested, `r${data.refunds.length}`)])
            expect(new Decimal(data.refunded_minor).lte(capturedMinor)).toBe(true)
          }
        }
      ),
      { numRuns: 2000 }
    )
  })
})

describe("reconcileLedger and linkOutsideRefunds", () => {
  it("gives a refund recorded without its processor id that id, instead of counting it twice", () => {
    const pending: RefundLedgerEntry = { ...sent("700", "7", "x"), processor_refund_id: null, medusa_refund_id: "ref_7", status: "pending" }
    const { data: reconciled, added } = reconcileLedger(payment("5000", [pending]), [
      { id: "refd_7", amount_minor: "700", status: "succeeded", medusa_refund_id: "ref_7" },
    ])
    expect(added).toEqual([])
    expect(reconciled.refunds).toEqual([{ ...pending, processor_refund_id: "refd_7", status: "succeeded" }])
    expect(reconciled.refunded_minor).toBe("700")
  })

  it("adds refunds made outside Medusa and lets a Medusa refund claim them once", () => {
    const data = payment("5000", [sent("1000", "10", "mine")])
    const { data: reconciled, added } = reconcileLedger(data, [
      { id: "mine", amount_minor: "1000", status: "succeeded" },
      { id: "dash", amount_minor: "4000", status: "succeeded" },
    ])
    expect(added.map((a) => a.processor_refund_id)).toEqual(["dash"])
    expect(reconciled.refunded_minor).toBe("5000")
    const plan = planRefund({ amount: "40", data: payment("5000", [sent("1000", "10", "mine")]), profile })
    const claimed = linkOutsideRefunds(reconciled, plan.amount, "ref_new", profile)
    expect(claimed?.refunds.find((r) => r.processor_refund_id === "dash")?.medusa_refund_id).toBe("ref_new")
    expect(linkOutsideRefunds(claimed!, plan.amount, "ref_other", profile)).toBeUndefined()
  })

  it("does not claim outside refunds smaller than the Medusa refund", () => {
    const reconciled = reconcileLedger(payment("5000"), [{ id: "dash", amount_minor: "1000", status: "succeeded" }]).data
    const plan = planRefund({ amount: "20", data: payment("5000"), profile })
    expect(linkOutsideRefunds(reconciled, plan.amount, "ref_x", profile)).toBeUndefined()
  })
})
