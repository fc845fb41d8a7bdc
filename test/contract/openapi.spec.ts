import { loadSpec } from "./openapi"

describe("loadSpec", () => {
  it("validates bodies of a 3.1 spec (Clover) and finds operations by concrete path", () => {
    const clover = loadSpec("clover-ecommerce-apievangelist-assembled.openapi.yml")
    expect(clover.find("POST", "/v1/charges/ABC123/capture")?.template).toBe("/v1/charges/{chargeId}/capture")
    expect(clover.find("GET", "/v1/charges/ABC123")?.template).toBe("/v1/charges/{chargeId}")
    expect(clover.validateRequest("POST", "/v1/refunds", { charge: "X", amount: 5 })).toEqual([])
    expect(clover.validateRequest("POST", "/v1/refunds", { charge: "X", amount: "5.00" })).toEqual([
      "POST /v1/refunds request/amount must be integer",
    ])
    expect(clover.find("DELETE", "/v1/refunds")).toBeUndefined()
  })

  it("assembles Checkout.com's split 3.0 spec", () => {
    const cko = loadSpec("checkout-fragments/abc_spec")
    expect(cko.find("POST", "/payments/pay_abc/refunds")?.template).toBe("/payments/{id}/refunds")
    expect(cko.validateRequest("POST", "/payments/pay_x/refunds", { amount: 100, reference: "r" })).toEqual([])
    expect(cko.validateRequest("POST", "/payments/pay_x/refunds", { amount: -1 })).not.toEqual([])
  })

  it("loads the Fiserv, Dodo and ProcessOut specs", () => {
    expect(loadSpec("fiserv-commerce-hub-1.24.11.openapi.yaml").find("POST", "/payments/v1/refunds")).toBeDefined()
    expect(loadSpec("dodopayments-1.53.2.openapi.yml").find("POST", "/refunds")).toBeDefined()
    expect(loadSpec("processout-apievangelist-assembled.openapi.json").find("POST", "/invoices/iv_1/refunds")).toBeDefined()
  })
})
