import { mergeLedgers } from "../ledger-store"
import type { RefundLedgerEntry } from "../payment-data"

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
