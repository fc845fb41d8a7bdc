import { computeReturnRefund, largestRefundable, pickPayment, type AmountInput, type ReturnLineInput } from "../return-refund-amount"

const line = (over: Partial<ReturnLineInput> = {}): ReturnLineInput => ({
  item_id: "ordli_1",
  variant_id: "variant_1",
  sku: "SKU-1",
  title: "Shirt",
  ordered_quantity: "1",
  line_total: "100",
  received_quantity: "1",
  damaged_quantity: "0",
  reason_code: null,
  ...over,
})

const input = (over: Partial<AmountInput> = {}): AmountInput => ({
  lines: [line()],
  return_shipping_total: "0",
  order_owes: "1000000",
  refundable: "1000000",
  policy: { refund_damaged_items: false, return_shipping: "deduct_from_refund" },
  ...over,
})

describe("computeReturnRefund", () => {
  it("refunds a whole line of 3 × 33.333… (tax inclusive) as exactly the line's total", () => {
    const r = computeReturnRefund(input({ lines: [line({ ordered_quantity: "3", line_total: "100", received_quantity: "3" })] }))
    expect(r.amount).toBe("100")
    expect(r.items).toEqual([
      expect.objectContaining({ quantity: "3", unit_total: "33.33333333333333333333", total: "100", damaged: false }),
    ])
  })

  it("refunds one of three units as a third of the line, to 20 places, never a float", () => {
    const r = computeReturnRefund(input({ lines: [line({ ordered_quantity: "3", line_total: "100", received_quantity: "1" })] }))
    expect(r.amount).toBe("33.33333333333333333333")
    // 0.1 + 0.2 style: decimal text in, decimal text out
    const s = computeReturnRefund(input({ lines: [line({ line_total: "0.1" }), line({ item_id: "ordli_2", line_total: "0.2" })] }))
    expect(s.amount).toBe("0.3")
  })

  it("leaves damaged units out unless the policy refunds them (Medusa counts them in received_quantity)", () => {
    const l = line({ ordered_quantity: "2", line_total: "24.68", received_quantity: "2", damaged_quantity: "1" })
    const off = computeReturnRefund(input({ lines: [l] }))
    expect(off.amount).toBe("12.34")
    expect(off.items).toEqual([expect.objectContaining({ quantity: "1", total: "12.34", damaged: false })])
    const on = computeReturnRefund(input({ lines: [l], policy: { refund_damaged_items: true, return_shipping: "deduct_from_refund" } }))
    expect(on.amount).toBe("24.68")
    expect(on.items).toEqual([expect.objectContaining({ quantity: "2", total: "24.68", damaged: true })])
  })

  it("refunds nothing for a line received only as damaged, with the policy off", () => {
    const r = computeReturnRefund(input({ lines: [line({ received_quantity: "1", damaged_quantity: "1" })] }))
    expect(r.amount).toBe("0")
    expect(r.items).toEqual([])
  })

  it("refunds nothing when nothing was received (an early order.return_received)", () => {
    const r = computeReturnRefund(input({ lines: [line({ received_quantity: "0" })], return_shipping_total: "5" }))
    expect(r).toEqual(expect.objectContaining({ amount: "0", items: [], shipping_deducted: "0" }))
  })

  it("takes the return shipping off when the customer pays it, never below zero", () => {
    const r = computeReturnRefund(input({ lines: [line({ line_total: "12.34" })], return_shipping_total: "4.99" }))
    expect(r.amount).toBe("7.35")
    expect(r.shipping_deducted).toBe("4.99")
    const small = computeReturnRefund(input({ lines: [line({ line_total: "3" })], return_shipping_total: "4.99" }))
    expect(small.amount).toBe("0")
  })

  it("leaves the return shipping in when the merchant pays it, and lets the order owe that much more", () => {
    const r = computeReturnRefund(
      input({
        lines: [line({ line_total: "12.34" })],
        return_shipping_total: "4.99",
        order_owes: "7.35", // Medusa's summary took the shipping off already
        policy: { refund_damaged_items: false, return_shipping: "merchant_pays" },
      })
    )
    expect(r.amount).toBe("12.34")
    expect(r.capped_by).toBeNull()
  })

  it("is capped by what the order owes and by what the payment can still refund", () => {
    expect(computeReturnRefund(input({ order_owes: "40.5" }))).toEqual(expect.objectContaining({ amount: "40.5", capped_by: "order" }))
    expect(computeReturnRefund(input({ refundable: "10.01" }))).toEqual(expect.objectContaining({ amount: "10.01", capped_by: "payments" }))
    expect(computeReturnRefund(input({ order_owes: "-5" }))).toEqual(expect.objectContaining({ amount: "0", capped_by: "order" }))
  })

  it("merges a line returned on two return items into one metadata entry, and bounds titles", () => {
    const r = computeReturnRefund(
      input({
        lines: [
          line({ ordered_quantity: "4", line_total: "10", received_quantity: "1", title: "x".repeat(300) }),
          line({ ordered_quantity: "4", line_total: "10", received_quantity: "2" }),
        ],
      })
    )
    expect(r.items).toHaveLength(1)
    expect(r.items[0]).toEqual(expect.objectContaining({ quantity: "3", unit_total: "2.5", total: "7.5" }))
    expect(r.items[0].title).toHaveLength(255)
  })
})

describe("pickPayment", () => {
  const payments = [
    { id: "pay_1", refundable: "30" },
    { id: "pay_2", refundable: "50" },
  ]
  it("takes the first payment that can refund the whole amount, never a split", () => {
    expect(pickPayment("30", payments)?.id).toBe("pay_1")
    expect(pickPayment("30.01", payments)?.id).toBe("pay_2")
    expect(pickPayment("50.01", payments)).toBeUndefined()
    expect(largestRefundable(payments)).toBe("50")
    expect(largestRefundable([])).toBe("0")
  })
})
