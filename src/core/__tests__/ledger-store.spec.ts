import { Modules } from "@medusajs/framework/utils"
import { mergeLedgers, updatePaymentLedger } from "../ledger-store"
import { refundsInDoubtOf, REFUNDS_IN_DOUBT, type RefundLedgerEntry } from "../payment-data"

const entry = (over: Partial<RefundLedgerEntry>): RefundLedgerEntry => ({
  processor_refund_id: "re_1",
  medusa_refund_id: null,
  amount_minor: "100",
  requested_amount: null,
  status: "pending",
  origin: "processor",
  created_at: "2026-01-01T00:00:00.000Z",
  ...over,
})

describe("mergeLedgers", () => {
  it("keeps Medusa's facts from a concurrent write and the processor's status from the sync", () => {
    const synced = [entry({ status: "succeeded", medusa_refund_id: "ref_1" })]
    const written = [entry({ medusa_refund_id: "ref_1", requested_amount: "1.004", origin: "medusa" }), entry({ processor_refund_id: "re_2", medusa_refund_id: "ref_2", requested_amount: "2" })]
    expect(mergeLedgers(synced, written)).toEqual([
      entry({ status: "succeeded", medusa_refund_id: "ref_1", requested_amount: "1.004", origin: "medusa" }),
      entry({ processor_refund_id: "re_2", medusa_refund_id: "ref_2", requested_amount: "2" }),
    ])
  })
  it("never duplicates an entry", () => {
    const a = [entry({}), entry({ processor_refund_id: "re_3" })]
    expect(mergeLedgers(a, a)).toHaveLength(2)
  })
})

describe("updatePaymentLedger", () => {
  it("keeps a refund attempt recorded while it synced: the next refund of the payment must still read the processor", async () => {
    const attempt = { medusa_refund_id: "ref_live", amount_minor: "500", at: "2026-01-01T00:00:01.000Z" }
    let stored: Record<string, unknown> = { refunds: [entry({ medusa_refund_id: "ref_1" })], refunded_minor: "100" }
    const paymentModule = {
      retrievePayment: async () => ({ id: "pay_1", provider_id: "pp_x", data: stored }),
      updatePayment: async ({ data }: { data: Record<string, unknown> }) => void (stored = data),
      paymentProviderService_: {
        retrieveProvider: () => ({
          refundOutcomes: async () => [],
          // The sync reads the processor; meanwhile the provider records an attempt (recordAttempt).
          syncRefundLedger: async (data: Record<string, unknown>) => {
            stored = { ...stored, [REFUNDS_IN_DOUBT]: [attempt] }
            return { ...data, refunds: [entry({ medusa_refund_id: "ref_1", status: "succeeded" })] }
          },
        }),
      },
    }
    const container = {
      resolve: (key: string): any =>
        key === Modules.PAYMENT ? paymentModule : key === Modules.LOCKING ? { execute: (_k: string, job: () => Promise<unknown>) => job() } : undefined,
    }
    await updatePaymentLedger(container, "pay_1", (data, provider) => provider.syncRefundLedger(data, "pay_1"))
    expect(refundsInDoubtOf(stored)).toEqual([attempt])
    expect((stored.refunds as RefundLedgerEntry[]).map((r) => r.status)).toEqual(["succeeded"])
  })
})
