import {
  AUTO_REFUND_WAIT_MS,
  describeReturnItem,
  returnRefundAmount,
  returnRefundEntries,
  returnRefundsByRefundId,
  orderOwesCustomer,
  orderReturnsSignature,
  returnLabel,
  shouldPollReturns,
  type OrderReturn,
  type ReturnRefundRow,
} from "../return-refunds"

const row = (over: Partial<ReturnRefundRow>): ReturnRefundRow => ({
  id: "retref_1",
  return_id: "return_1",
  order_id: "order_1",
  payment_id: "pay_1",
  status: "refunded",
  trigger: "event",
  amount: "12.34",
  currency_code: "usd",
  items: [{ item_id: "ordli_1", title: "Tee – S", quantity: "1", total: "12.34", reason_code: null, damaged: false }],
  refund_id: "ref_1",
  error_message: null,
  attempts: 1,
  ...over,
})

const ret = (over: Partial<OrderReturn>): OrderReturn => ({ id: "return_1", display_id: 1, status: "received", received_at: null, ...over })

describe("returnRefundAmount (exact)", () => {
  it("prefers Medusa's raw value, keeps every decimal", () => {
    expect(returnRefundAmount({ amount: 12.345, raw_amount: { value: "12.345" } })).toBe("12.345")
    expect(returnRefundAmount({ amount: "0.1", raw_amount: null })).toBe("0.1")
    expect(returnRefundAmount({ amount: 0.3 })).toBe("0.3")
    expect(returnRefundAmount({ amount: null })).toBeNull()
    expect(returnRefundAmount({ amount: Number.NaN })).toBeNull()
  })
})

describe("returnRefundsByRefundId", () => {
  it("maps each Medusa refund id, several on a row spread over payments", () => {
    const a = row({ refund_id: "ref_a" })
    const b = row({ id: "retref_2", return_id: "return_2", refund_id: "ref_b, ref_c" })
    const map = returnRefundsByRefundId([a, b, row({ id: "retref_3", refund_id: null })])
    expect([...map.keys()].sort()).toEqual(["ref_a", "ref_b", "ref_c"])
    expect(map.get("ref_c")).toBe(b)
  })
})

describe("describeReturnItem", () => {
  it("quantity, title, total at every decimal, damaged and reason", () => {
    expect(describeReturnItem({ item_id: "i", title: "Tee – S", quantity: "2", total: "24.68" }, "usd")).toBe("2 × Tee – S — $24.68")
    expect(describeReturnItem({ item_id: "i", quantity: "1", total: "33.333", damaged: true, reason_code: "wrong_size" }, "usd")).toBe(
      "1 × i — $33.333 (damaged, reason wrong_size)"
    )
    expect(describeReturnItem({ item_id: "i", sku: "SKU-1", quantity: 1, total: "0.10" }, "usd")).toBe("1 × SKU-1 — $0.10")
  })
})

describe("returnRefundEntries", () => {
  it("rows first with their return's number; a failed row can be refunded again with its reason", () => {
    const entries = returnRefundEntries([row({ status: "failed", error_message: "Declined: do not honour", refund_id: null })], [ret({ display_id: 7 })])
    expect(entries).toEqual([
      expect.objectContaining({ return_id: "return_1", display_id: 7, problem: "Declined: do not honour", can_refund: true }),
    ])
  })

  it("refunded, nothing to refund and claimed rows get no button", () => {
    const entries = returnRefundEntries(
      [row({}), row({ id: "r2", return_id: "return_2", status: "nothing_to_refund" }), row({ id: "r3", return_id: "return_3", status: "claimed" })],
      []
    )
    expect(entries.map((e) => e.can_refund)).toEqual([false, false, false])
    expect(entries[0].problem).toBeNull()
    expect(entries[2].problem).toMatch(/Sync the payment/)
  })

  it("a claimed row left for over two hours by a store that stopped gets the button; a younger one does not", () => {
    const now = Date.parse("2026-12-04T12:00:00Z")
    const at = (ms: number) => new Date(now - ms).toISOString()
    const entries = returnRefundEntries(
      [row({ status: "claimed", updated_at: at(2 * 60 * 60_000 + 1000) }), row({ id: "r2", return_id: "return_2", status: "claimed", updated_at: at(90 * 60_000) })],
      [],
      null,
      now
    )
    expect(entries.map((e) => e.can_refund)).toEqual([true, false])
    expect(entries[0].problem).toMatch(/never finished.*not sent twice/)
    expect(shouldPollReturns([entries[0].row!], [], now)).toBe(false)
    expect(shouldPollReturns([entries[1].row!], [], now)).toBe(true)
  })

  it("a received return without a row is owed a refund; requested and canceled returns are left out", () => {
    const entries = returnRefundEntries(
      [],
      [
        ret({ id: "return_a", status: "received" }),
        ret({ id: "return_b", status: "partially_received" }),
        ret({ id: "return_c", status: "requested" }),
        ret({ id: "return_d", status: "received", canceled_at: "2026-01-01T00:00:00Z" }),
      ]
    )
    expect(entries.map((e) => [e.return_id, e.can_refund, e.row])).toEqual([
      ["return_a", true, null],
      ["return_b", true, null],
    ])
    expect(entries[0].problem).toMatch(/not refunded/)
  })
})

describe("shouldPollReturns", () => {
  const now = Date.parse("2026-12-04T12:00:00Z")
  it("while a refund is being made", () => {
    expect(shouldPollReturns([row({ status: "claimed" })], [], now)).toBe(true)
    expect(shouldPollReturns([row({})], [], now)).toBe(false)
  })
  it("for a while after a receipt nothing has refunded yet, not forever", () => {
    const just = new Date(now - 5_000).toISOString()
    const long = new Date(now - AUTO_REFUND_WAIT_MS - 1).toISOString()
    expect(shouldPollReturns([], [ret({ received_at: just })], now)).toBe(true)
    expect(shouldPollReturns([], [ret({ received_at: long })], now)).toBe(false)
    expect(shouldPollReturns([row({})], [ret({ received_at: just })], now)).toBe(false)
    expect(shouldPollReturns([], [ret({ status: "requested", received_at: just })], now)).toBe(false)
  })
})

describe("orderOwesCustomer and a return refunded from Payments", () => {
  it("reads the sign of Medusa's pending difference", () => {
    expect(orderOwesCustomer({ pending_difference: -12.34 })).toBe(true)
    expect(orderOwesCustomer({ pending_difference: "-0.001" })).toBe(true)
    expect(orderOwesCustomer({ pending_difference: 0 })).toBe(false)
    expect(orderOwesCustomer({ pending_difference: "-0" })).toBe(false)
    expect(orderOwesCustomer({ pending_difference: 5 })).toBe(false)
    expect(orderOwesCustomer({})).toBeNull()
    expect(orderOwesCustomer(null)).toBeNull()
    expect(orderOwesCustomer({ pending_difference: "abc" })).toBeNull()
  })

  it("a received return without a row is not offered the button when the order owes nothing", () => {
    const [settled] = returnRefundEntries([], [ret({})], false)
    expect(settled.can_refund).toBe(false)
    expect(settled.problem).toMatch(/owes the customer nothing/)
    expect(returnRefundEntries([], [ret({})], true)[0].can_refund).toBe(true)
  })
})

describe("orderReturnsSignature", () => {
  it("changes when the dashboard's order counts a return requested or received", () => {
    const item = (requested: number, received: number) => ({ id: "ordli_1", detail: { return_requested_quantity: requested, return_received_quantity: received, return_dismissed_quantity: 0 } })
    const before = orderReturnsSignature({ items: [item(0, 0)], summary: { pending_difference: 0 } })
    const requested = orderReturnsSignature({ items: [item(1, 0)], summary: { pending_difference: 0 } })
    const received = orderReturnsSignature({ items: [item(0, 1)], summary: { pending_difference: -30 } })
    expect(new Set([before, requested, received]).size).toBe(3)
    expect(orderReturnsSignature({ items: [item(0, 1)], summary: { pending_difference: -30 } })).toBe(received)
    expect(orderReturnsSignature({})).toBe("#")
  })
})

describe("returnLabel", () => {
  it("names a return as the dashboard's activity does", () => {
    expect(returnLabel("return_01M91MHNJRT5DCNBPM8PJH63Z7")).toBe("Return #PJH63Z7")
  })
})
