import { BigNumber } from "@medusajs/framework/utils"
import { lineTotalOf } from "../refund-received-return"

// Shapes as Medusa's order module gives a line after an order read with totals (see the workflow).
describe("lineTotalOf (the line's total for its whole ordered quantity)", () => {
  it("is `total` while nothing of the line was returned", () => {
    expect(lineTotalOf({ quantity: 3, total: new BigNumber("100"), detail: { return_received_quantity: 0 } })).toBe("100")
  })

  it("scales `total` (the units not returned) back to the ordered quantity", () => {
    // 3 ordered, 1 returned: Medusa's total covers 2 units of 33.333…
    expect(lineTotalOf({ quantity: 3, total: { value: "66.66666666666666666666", precision: 20 }, detail: { return_received_quantity: 1 } })).toBe(
      "99.99999999999999999999"
    )
  })

  it("uses the returned totals when every unit came back (total 0)", () => {
    expect(
      lineTotalOf({ quantity: 1, total: 0, return_received_total: new BigNumber("12.34"), detail: { return_received_quantity: 1 } })
    ).toBe("12.34")
    expect(
      lineTotalOf({
        quantity: 2,
        total: 0,
        return_received_total: 0,
        return_dismissed_total: { value: "24.68", precision: 20 },
        detail: { return_received_quantity: 0, return_dismissed_quantity: 2 },
      })
    ).toBe("24.68")
  })

  it("reads exact forms, never a float: 0.1 + 0.2 stays 0.3", () => {
    expect(lineTotalOf({ quantity: 1, total: new BigNumber("0.30000000000000000001"), detail: {} })).toBe("0.30000000000000000001")
  })
})
