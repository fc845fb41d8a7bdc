/**
 * The refund guard's decision: refuse exactly the refunds Medusa 2.21's refundPaymentWorkflow
 * would fail on after the provider call (a credit line on an order with an active order change,
 * or on a canceled order), allow everything else, and say what to finish first.
 */
import { creditLineOf, decideCancel, decideRefund, formatAmount, type RefundGuardInput } from "../refund-guard"
import { Decimal } from "../../core/money/decimal"

const payment = { id: "pay_1", amount: 47.34, raw_amount: { value: "47.34", precision: 20 }, currency_code: "usd" }
const order = (over: Partial<RefundGuardInput["order"]> = {}): RefundGuardInput["order"] => ({
  id: "order_1",
  display_id: 12,
  status: "pending",
  currency_code: "usd",
  summary: { pending_difference: 0, raw_pending_difference: { value: "0", precision: 20 } },
  ...over,
})
const owes = (value: string) => ({ pending_difference: Number(value), raw_pending_difference: { value, precision: 20 } })
const returnBeingRequested = { id: "ordch_ret", change_type: "return_request", status: "pending" }

describe("creditLineOf (as the workflow computes it)", () => {
  it.each([
    ["1", "0", "1"],
    ["1", "5", "1"], // the customer still owes: all of the refund is a credit line
    ["12.34", "-12.34", "0"],
    ["10", "-12.34", "0"],
    ["13.34", "-12.34", "1"],
    ["0.1", "-0.09999999999999999999", "0.00000000000000000001"],
  ])("refund %s with pending difference %s -> %s", (amount, pending, expected) => {
    expect(creditLineOf(new Decimal(amount), new Decimal(pending)).toFixed()).toBe(expected)
  })
})

describe("decideRefund", () => {
  it("allows any refund when no order change is open", () => {
    expect(decideRefund({ order: order(), changes: [], payment, amount: 1 })).toEqual(expect.objectContaining({ allow: true }))
  })

  it("refuses a refund above what the order owes while a return is being requested, naming the change", () => {
    const d = decideRefund({ order: order(), changes: [returnBeingRequested], payment, amount: 1 })
    expect(d.allow).toBe(false)
    if (d.allow) return
    expect(d.type).toBe("not_allowed")
    expect(d.message).toBe(
      "Order #12 has a return being requested (order change ordch_ret, status pending). " +
        "Medusa records the 1.00 USD of this refund that is above what the order owes (0.00 USD) as a credit line, " +
        "which needs an order change of its own, and an order has one active change at a time: " +
        "the processor would refund and the order would not record it. Confirm or cancel that return request, then refund."
    )
  })

  it("allows up to what the order owes while a change is open (no credit line, no order change)", () => {
    const o = order({ summary: owes("-12.34") })
    expect(decideRefund({ order: o, changes: [returnBeingRequested], payment, amount: 12.34 }).allow).toBe(true)
    expect(decideRefund({ order: o, changes: [returnBeingRequested], payment, amount: 5 }).allow).toBe(true)
  })

  it("refuses one cent above what the order owes, and offers what can be refunded now", () => {
    const d = decideRefund({ order: order({ summary: owes("-12.34") }), changes: [{ id: "ordch_rcv", change_type: "return_receive", status: "requested" }], payment, amount: 12.35 })
    expect(d.allow).toBe(false)
    if (d.allow) return
    expect(d.message).toContain("has a return being received (order change ordch_rcv, status requested)")
    expect(d.message).toContain("the 0.01 USD of this refund that is above what the order owes (12.34 USD)")
    expect(d.message).toMatch(/Confirm or cancel receiving that return, then refund, or refund at most 12\.34 USD now\.$/)
  })

  it("takes the payment's amount when the admin gives none (as the workflow does)", () => {
    const d = decideRefund({ order: order({ summary: owes("-47.34") }), changes: [returnBeingRequested], payment })
    expect(d).toEqual(expect.objectContaining({ allow: true }))
    const over = decideRefund({ order: order({ summary: owes("-47.33") }), changes: [returnBeingRequested], payment, amount: undefined })
    expect(over.allow).toBe(false)
    expect(over.creditLine.toFixed()).toBe("0.01")
  })

  it("reads amounts exactly: no float drift at the boundary", () => {
    // 0.1 + 0.2 in floats is 0.30000000000000004; owed 0.3 must allow a 0.3 refund.
    const o = order({ summary: owes("-0.3") })
    expect(decideRefund({ order: o, changes: [returnBeingRequested], payment, amount: 0.3 }).allow).toBe(true)
  })

  it.each([
    ["exchange", "exchange", "an exchange being created", "Confirm or cancel that exchange"],
    ["claim", "claim", "a claim being created", "Confirm or cancel that claim"],
    ["edit", "edit", "an order edit in progress", "Confirm or cancel that order edit"],
    ["credit_line", "credit_line", "a credit line being added", "Let that order change finish or cancel it"],
    ["typeless", null, "an open order change", "Confirm or cancel that order change"],
    ["500-character", "x".repeat(500), "an open order change (xxxxxxxx", "Confirm or cancel that order change"],
  ])("names an active %s change and what to do", (_label, type, what, todo) => {
    const d = decideRefund({ order: order(), changes: [{ id: "ordch_x", change_type: type as any, status: "pending" }], payment, amount: 1 })
    expect(d.allow).toBe(false)
    if (d.allow) return
    expect(d.message).toContain(`has ${what}`)
    expect(d.message).toContain(`${todo}, then refund.`)
    expect(d.message.length).toBeLessThan(600)
  })

  it("ignores changes that are not active", () => {
    const changes = [
      { id: "a", change_type: "return_request", status: "confirmed" },
      { id: "b", change_type: "claim", status: "canceled" },
      { id: "c", change_type: "edit", status: "declined" },
    ]
    expect(decideRefund({ order: order(), changes, payment, amount: 1 }).allow).toBe(true)
  })

  it("refuses a credit line on a canceled order", () => {
    const d = decideRefund({ order: order({ status: "canceled" }), changes: [], payment, amount: 1 })
    expect(d.allow).toBe(false)
    if (d.allow) return
    expect(d.message).toMatch(/^Order #12 is canceled\./)
    expect(decideRefund({ order: order({ status: "canceled", summary: owes("-2") }), changes: [], payment, amount: 2 }).allow).toBe(true)
    const over = decideRefund({ order: order({ status: "canceled", summary: owes("-2") }), changes: [], payment, amount: 3 })
    expect(over.allow ? "" : over.message).toMatch(/Refund at most 2\.00 USD\.$/)
  })

  it("names the order by id when it has no display id", () => {
    const d = decideRefund({ order: order({ display_id: null }), changes: [returnBeingRequested], payment, amount: 1 })
    expect(d.allow ? "" : d.message).toMatch(/^Order order_1 has/)
  })

  it("refuses junk amounts with a MedusaError rather than guessing", () => {
    expect(() => decideRefund({ order: order(), changes: [], payment, amount: "1e999999" })).toThrow(/refund amount/)
    expect(() => decideRefund({ order: order(), changes: [], payment, amount: Number.NaN })).toThrow(/refund amount/)
    expect(() => decideRefund({ order: order({ summary: { pending_difference: "abc" } }), changes: [], payment, amount: 1 })).toThrow(/pending difference/)
  })
})

describe("formatAmount", () => {
  it("prints at the currency's decimals, exactly beyond them", () => {
    expect(formatAmount(new Decimal("1"), "usd")).toBe("1.00 USD")
    expect(formatAmount(new Decimal("1.005"), "usd")).toBe("1.005 USD")
    expect(formatAmount(new Decimal("100"), "jpy")).toBe("100 JPY")
    expect(formatAmount(new Decimal("1"), "kwd")).toBe("1.000 KWD")
  })
})

describe("decideCancel (cancelOrderWorkflow refunds, then needs a credit line order change)", () => {
  const raw = (value: string) => ({ raw_amount: { value, precision: 20 } })
  const captured = (captures: string[], refunds: string[] = []) => ({ id: "pay_1", currency_code: "usd", captures: captures.map(raw), refunds: refunds.map(raw) })
  const edit = { id: "ordch_edit", change_type: "edit", status: "pending" }

  it("refuses while a change is active and a captured payment has money left, naming the change and the amount", () => {
    const decision = decideCancel({ order: order(), changes: [edit], payments: [captured(["30", "17.34"], ["5"])] })
    expect(decision.allow).toBe(false)
    if (decision.allow) return
    expect(decision.type).toBe("not_allowed")
    expect(decision.message).toBe(
      "Order #12 has an order edit in progress (order change ordch_edit, status pending). Cancelling the order refunds the 42.34 USD " +
        "captured, and Medusa records that refund as a credit line, which needs an order change of its own, and an order has one " +
        "active change at a time: the processor would refund and the order would stay open without recording it. Nothing was " +
        "refunded. Confirm or cancel that order edit, then cancel the order."
    )
  })

  it.each([
    ["no active change", [], [captured(["47.34"])]],
    ["a change no longer active", [{ ...edit, status: "confirmed" }], [captured(["47.34"])]],
    ["nothing captured", [edit], [captured([])]],
    ["everything already refunded", [edit], [captured(["47.34"], ["47.34"])]],
    ["no payment", [edit], []],
  ])("allows it with %s", (_name, changes, payments) => {
    expect(decideCancel({ order: order(), changes, payments }).allow).toBe(true)
  })
})
