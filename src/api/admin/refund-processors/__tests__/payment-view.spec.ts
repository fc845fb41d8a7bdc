/**
 * The admin's payment view compares the processor's refunded total with Medusa's. Refunds are
 * rounded to the processor's unit (Checkout.com takes 3-decimal amounts in steps of 10), so the
 * totals may differ by what the ledger records as each refund's rounding: that is not a
 * discrepancy to flag; a refund made outside Medusa is.
 */
import { Modules } from "@medusajs/framework/utils"
import { CheckoutProviderService } from "../../../../providers/checkout/service"
import { paymentView } from "../helpers"
import type { RefundLedgerEntry } from "../../../../core/payment-data"

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const provider = new CheckoutProviderService({ logger: quiet }, { secretKey: "sk_sbox_view", environment: "http://127.0.0.1:9", webhookSignatureKey: "whsec_view_test" })

const refund = (over: Partial<RefundLedgerEntry>): RefundLedgerEntry => ({
  processor_refund_id: "act_1",
  medusa_refund_id: "ref_1",
  amount_minor: "1000",
  requested_amount: "1.004",
  status: "succeeded",
  origin: "medusa",
  created_at: "2026-12-01T00:00:00.000Z",
  ...over,
})

function containerWith(ledger: RefundLedgerEntry[], medusaRefunds: string[]) {
  const refunded = ledger.filter((r) => r.status !== "failed").reduce((sum, r) => sum + BigInt(r.amount_minor), 0n).toString()
  const payment = {
    id: "pay_1",
    amount: 20,
    currency_code: "kwd",
    provider_id: "pp_checkout_checkout",
    data: { processor: "pp_checkout_checkout", currency: "kwd", payment_id: "pay_ckout", amount_minor: "20000", captured_minor: "20000", refunded_minor: refunded, refunds: ledger },
    captures: [{ amount: 20 }],
    refunds: medusaRefunds.map((amount, i) => ({ id: `ref_${i + 1}`, amount })),
  }
  return {
    resolve: (key: string): any =>
      key === Modules.PAYMENT ? { retrievePayment: async () => payment, paymentProviderService_: { retrieveProvider: () => provider } } : undefined,
  } as any
}

describe("the admin's payment view: refunded totals", () => {
  it("does not flag the rounding of each refund to the processor's unit", async () => {
    // Medusa asked 1.004 and 2.006 KWD; Checkout.com took 1.000 and 2.010 (steps of 10 fils).
    const view = await paymentView(
      containerWith([refund({}), refund({ processor_refund_id: "act_2", medusa_refund_id: "ref_2", amount_minor: "2010", requested_amount: "2.006" })], ["1.004", "2.006"]),
      "pay_1"
    )
    expect(view.refunded_difference_minor).toBe("0") // 3010 against 3010: rounding cancelled out
    expect(view.refunded_unexplained_minor).toBe("0")
    const one = await paymentView(containerWith([refund({})], ["1.004"]), "pay_1")
    expect(one.refunded_difference_minor).toBe("-4")
    expect(one.refunded_unexplained_minor).toBe("0")
  })

  it("flags a refund made at the processor outside Medusa, net of rounding", async () => {
    const view = await paymentView(
      containerWith([refund({}), refund({ processor_refund_id: "act_dash", medusa_refund_id: null, requested_amount: null, amount_minor: "500", origin: "processor" })], ["1.004"]),
      "pay_1"
    )
    expect(view.refunded_difference_minor).toBe("496")
    expect(view.refunded_unexplained_minor).toBe("500")
  })
})

describe("the admin's payment view: refunds made for other figures than planned", () => {
  it("lists them with the processor's note and flags the difference, not as rounding", async () => {
    const odd = refund({
      amount_minor: "900",
      requested_amount: "1",
      discrepancy: { planned_minor: "1000", planned_currency: "kwd", processor_minor: "900", processor_currency: "kwd", note: "the processor refunded 900 KWD (minor units) where 1000 KWD was planned." },
    })
    const view = await paymentView(containerWith([odd], ["1"]), "pay_1")
    expect(view.discrepancies).toEqual([{ processor_refund_id: "act_1", medusa_refund_id: "ref_1", note: expect.stringMatching(/refunded 900 KWD/) }])
    expect(view.refunds[0].discrepancy).toMatch(/where 1000 KWD was planned/)
    expect(view.refunded_unexplained_minor).toBe("-100")
  })
})
