/**
 * What the base does with the processor's immediate answer to a refund, for every processor:
 * - declined in the answer: a MedusaError with the processor's reason (Medusa records no refund,
 *   the refundable balance stays), and the attempt kept in the payment's ledger as failed;
 * - made for other figures than planned (amount or currency): never thrown, since the money moved
 *   and Medusa would delete its refund; the ledger holds the processor's figures, marked.
 */
import { MedusaError } from "@medusajs/framework/utils"
import { MedusaPaymentsDouble } from "../../../test/support/medusa-payments"
import { defineCurrencyProfile } from "../money/currency-profile"
import { ledgerOf } from "../payment-data"
import { ProcessorPaymentProvider, type SendRefundInput, type SentRefund } from "../provider"
import { reconcileLedger } from "../refunds/planner"

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

class ScriptedProvider extends ProcessorPaymentProvider<Record<string, unknown>> {
  static identifier = "scripted"
  protected readonly profile = defineCurrencyProfile({ processor: "Scripted" })
  answer: (input: SendRefundInput) => SentRefund = () => ({ processorRefundId: "re_1", status: "succeeded" })
  sends = 0
  constructor(cradle: Record<string, unknown>) {
    super({ logger: quiet, ...cradle }, {}, [])
  }
  protected async sendRefund(input: SendRefundInput) {
    this.sends++
    return this.answer(input)
  }
  protected async listProcessorRefunds() {
    return []
  }
  protected async authorize(): Promise<any> {}
  protected async capture(): Promise<any> {}
  protected async cancel(): Promise<any> {}
  protected async remove(): Promise<any> {}
  protected async retrieve(): Promise<any> {}
  protected async status(): Promise<any> {}
  protected async webhook(): Promise<any> {}
}

const captured = () => ({ processor: "scripted", currency: "usd", amount_minor: "5000", captured_minor: "5000", refunded_minor: "0", refunds: [] })

describe("a refund the processor declines in its answer", () => {
  it("throws with the processor's reason, keeps the attempt as failed, and Medusa keeps no refund", async () => {
    const medusa = new MedusaPaymentsDouble()
    const provider = new ScriptedProvider(medusa.cradle())
    provider.answer = () => ({ processorRefundId: "re_declined", status: "failed", failureReason: "insufficient_merchant_balance" })
    const paymentId = medusa.addPayment(captured())
    const error = await medusa.refund(provider, paymentId, "12.00", "ref_declined").catch((e) => e)
    expect(error).toBeInstanceOf(MedusaError)
    expect(error.message).toMatch(/Scripted declined the refund of 12(\.00)? USD \(insufficient_merchant_balance\)\. Nothing was refunded/)
    const data = medusa.data(paymentId)
    expect(ledgerOf(data)).toEqual([expect.objectContaining({ processor_refund_id: "re_declined", medusa_refund_id: "ref_declined", status: "failed", failure_reason: "insufficient_merchant_balance" })])
    expect(data.refunded_minor).toBe("0")
    expect(data.refunds_in_doubt).toEqual([])
    // The balance is intact: the admin can refund again.
    provider.answer = () => ({ processorRefundId: "re_ok", status: "succeeded" })
    const again = await medusa.refund(provider, paymentId, "12.00", "ref_again")
    expect(again.data.refunded_minor).toBe("1200")
  })
})

describe("a refund the processor made for other figures than planned", () => {
  it.each([
    ["another amount", { amountMinor: "900", currency: "USD" }, "900", { processor_minor: "900", processor_currency: "usd" }],
    ["another currency", { amountMinor: "1000", currency: "EUR" }, "1000", { processor_minor: "1000", processor_currency: "eur" }],
  ])("is recorded with the processor's figures and marked, not thrown (%s)", async (_what, refunded, ledgerMinor, marked) => {
    const medusa = new MedusaPaymentsDouble()
    const provider = new ScriptedProvider(medusa.cradle())
    provider.answer = () => ({ processorRefundId: "re_odd", status: "succeeded", refunded })
    const paymentId = medusa.addPayment(captured())
    const out = await medusa.refund(provider, paymentId, "10.00", "ref_odd")
    const [entry] = ledgerOf(out.data)
    expect(entry).toMatchObject({ processor_refund_id: "re_odd", amount_minor: ledgerMinor, discrepancy: { planned_minor: "1000", planned_currency: "usd", ...marked } })
    expect(entry.discrepancy?.note).toMatch(/check the payment at the processor/)
  })

  it("is recorded plainly when the figures agree (case and leading zeros aside)", async () => {
    const medusa = new MedusaPaymentsDouble()
    const provider = new ScriptedProvider(medusa.cradle())
    provider.answer = () => ({ processorRefundId: "re_same", status: "succeeded", refunded: { amountMinor: "1000", currency: "USD" } })
    const paymentId = medusa.addPayment(captured())
    const out = await medusa.refund(provider, paymentId, "10.00")
    expect(ledgerOf(out.data)[0].discrepancy).toBeUndefined()
  })
})

describe("a refund the processor settles for other figures than the ledger holds", () => {
  it("takes the processor's figures, marked, when the ledger is reconciled", async () => {
    const data = { ...captured(), refunds: [{ processor_refund_id: "act_1", medusa_refund_id: "ref_1", amount_minor: "1000", requested_amount: "10", status: "pending" as const, origin: "medusa" as const, created_at: "2026-01-01T00:00:00Z" }] }
    const out = reconcileLedger(data, [{ id: "act_1", amount_minor: "900", status: "succeeded" }]).data
    expect(ledgerOf(out)[0]).toMatchObject({ amount_minor: "900", status: "succeeded", discrepancy: { planned_minor: "1000", processor_minor: "900" } })
    expect(out.refunded_minor).toBe("900")
    // Read again: marked once, unchanged.
    const again = reconcileLedger(out, [{ id: "act_1", amount_minor: "900", status: "succeeded" }]).data
    expect(ledgerOf(again)[0].discrepancy).toEqual(ledgerOf(out)[0].discrepancy)
  })
})
