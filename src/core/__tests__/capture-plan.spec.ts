import { MedusaError } from "@medusajs/framework/utils"
import { planCapture } from "../capture-plan"
import { cloverCurrencies } from "../../providers/clover/public"
import { refusal } from "../../../test/support/medusa-error"

const data = (extra: Record<string, unknown> = {}) => ({ currency: "usd", amount_minor: "3000", captured_minor: "0", ...extra })
const plan = (medusaAmount: unknown, extra: Record<string, unknown> = {}, capturesOnce?: string) =>
  planCapture({ data: data(extra), profile: cloverCurrencies, medusaAmount: medusaAmount as any, capturesOnce })

describe("planCapture", () => {
  it("captures everything authorized, in the processor's 'all' form, when Medusa's amount is the whole or unknown", () => {
    expect(plan(undefined)).toMatchObject({ amount: { minor: "3000" }, partial: undefined })
    expect(plan("30")).toMatchObject({ amount: { minor: "3000" }, partial: undefined })
  })

  it("captures part exactly, converted from Medusa's decimal amount", () => {
    expect(plan({ value: "12.345", precision: 20 })).toMatchObject({ amount: { minor: "1235" }, partial: { minor: "1235" } })
  })

  it("refuses more than remains authorized, and a second capture where the processor captures once", () => {
    expect(refusal(() => plan("30.01")).message).toMatch(/30\.01 USD is more than the 30\.00 USD that remains authorized/)
    expect(refusal(() => plan("20", { captured_minor: "1500" })).message).toMatch(/more than the 15\.00 USD that remains/)
    expect(plan("15", { captured_minor: "1500" })).toMatchObject({ amount: { minor: "1500" }, capturedMinor: 1500n })
    const once = refusal(() => plan("10", { captured_minor: "1000" }, "Acme captures an authorization once"))
    expect([once.type, once.message]).toEqual([MedusaError.Types.NOT_ALLOWED, expect.stringMatching(/^Acme captures an authorization once, and 10\.00 USD of this one is already captured/)])
    expect(refusal(() => plan(undefined, { captured_minor: "3000" })).message).toMatch(/already fully captured/)
  })

  it("refuses payment data it cannot read exactly, before any call", () => {
    expect(refusal(() => plan("1", { amount_minor: "30.5" })).type).toBe(MedusaError.Types.UNEXPECTED_STATE)
  })
})
