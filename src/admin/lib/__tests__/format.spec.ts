import { refundTotalsMismatch, sumDecimals } from "../format"

describe("sumDecimals (exact, no float)", () => {
  it.each([
    [[0.1, 0.2], "0.3"],
    [[10, 10, 27.34], "47.34"],
    [["1.005", 2], "3.005"],
    [[1, -1], "0"],
    [[], "0"],
    [[1e-7, 1], "1.0000001"],
    [[1e21, 1], "1000000000000000000001"],
    [[-0.5, 0.25], "-0.25"],
  ])("%j -> %s", (values, expected) => {
    expect(sumDecimals(values)).toBe(expected)
  })

  it("refuses what is not a decimal amount", () => {
    expect(sumDecimals([1, "abc"])).toBeNull()
    expect(sumDecimals([Number.NaN])).toBeNull()
    expect(sumDecimals([{ value: "1" }])).toBeNull()
    expect(sumDecimals(["1e999999"])).toBeNull()
  })
})

describe("refundTotalsMismatch (order widget warning)", () => {
  const order = (refunded_total: unknown, ...amounts: unknown[]) =>
    ({ summary: { refunded_total }, payment_collections: [{ payments: [{ refunds: amounts.map((amount) => ({ amount })) }] }] }) as any

  it("is null when the payments and the summary agree, exactly", () => {
    expect(refundTotalsMismatch(order(0.3, 0.1, 0.2))).toBeNull()
    expect(refundTotalsMismatch(order(0))).toBeNull()
    expect(refundTotalsMismatch({} as any)).toBeNull()
    expect(refundTotalsMismatch(order(null, 1))).toBeNull()
  })

  it("names both totals and the difference when a refund is missing from the order", () => {
    expect(refundTotalsMismatch(order(0, 1))).toEqual({ payments: "1", summary: "0", difference: "1" })
    expect(refundTotalsMismatch(order(40, 10, 10))).toEqual({ payments: "20", summary: "40", difference: "-20" })
  })
})
