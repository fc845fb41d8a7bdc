import { Modules } from "@medusajs/framework/utils"
import { mergeLedgers, updatePaymentLedger } from "../refunds/ledger-store"
import { unfinishedAttemptsOf, attemptsStillUnfinished, UNFINISHED_ATTEMPTS_FIELD, type RefundLedgerEntry } from "../payment-data"

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
            stored = { ...stored, [UNFINISHED_ATTEMPTS_FIELD]: [attempt] }
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
    expect(unfinishedAttemptsOf(stored)).toEqual([attempt])
    expect((stored.refunds as RefundLedgerEntry[]).map((r) => r.status)).toEqual(["succeeded"])
  })

  it("does not bring back an attempt a refund settled while it synced, and settles one whose refund it found", async () => {
    const settledMeanwhile = { medusa_refund_id: "ref_done", amount_minor: "100", at: "2026-01-01T00:00:01.000Z" }
    const found = { medusa_refund_id: "ref_found", amount_minor: "200", at: "2026-01-01T00:00:02.000Z" }
    let stored: Record<string, unknown> = { refunds: [], refunded_minor: "0", [UNFINISHED_ATTEMPTS_FIELD]: [settledMeanwhile, found] }
    const paymentModule = {
      retrievePayment: async () => ({ id: "pay_1", provider_id: "pp_x", data: stored }),
      updatePayment: async ({ data }: { data: Record<string, unknown> }) => void (stored = { ...stored, ...data }),
      paymentProviderService_: {
        retrieveProvider: () => ({
          refundOutcomes: async () => [],
          syncRefundLedger: async (data: Record<string, unknown>) => {
            // Meanwhile ref_done's refund returned and Medusa stored its data, its record removed.
            stored = { ...stored, [UNFINISHED_ATTEMPTS_FIELD]: [found] }
            // The processor holds ref_found's refund (its answer had been lost): linked by its tag.
            return { ...data, refunds: [entry({ processor_refund_id: "re_9", medusa_refund_id: "ref_found", amount_minor: "200" })] }
          },
        }),
      },
    }
    const container = {
      resolve: (key: string): any =>
        key === Modules.PAYMENT ? paymentModule : key === Modules.LOCKING ? { execute: (_k: string, job: () => Promise<unknown>) => job() } : undefined,
    }
    await updatePaymentLedger(container, "pay_1", (data, provider) => provider.syncRefundLedger(data, "pay_1"))
    expect(unfinishedAttemptsOf(stored)).toEqual([])
    expect(stored).toMatchObject({ refunded_minor: "200" })
  })
})

describe("attemptsStillUnfinished", () => {
  const at = (ms: number) => new Date(ms).toISOString()
  const doubt = (id: string, ms: number) => ({ medusa_refund_id: id, amount_minor: "100", at: at(ms) })
  const read = 10 * 60_000

  it("keeps an attempt that may still be running when the processor was read, settles those that had ended", () => {
    const doubts = [doubt("ref_old", read - 6 * 60_000), doubt("ref_recent", read - 60_000), doubt("ref_deleted", read - 1000), doubt("ref_mine", read)]
    const left = attemptsStillUnfinished(doubts, [], { refundId: "ref_mine", readStartedAt: read, attemptBoundMs: 5 * 60_000, liveRefundIds: new Set(["ref_old", "ref_recent"]) })
    expect(left.map((d) => d.medusa_refund_id)).toEqual(["ref_recent"])
  })

  it("without a read of the processor settles only this refund's own record and those the ledger holds", () => {
    const doubts = [doubt("ref_old", 0), doubt("ref_in_ledger", read), doubt("ref_mine", read)]
    const left = attemptsStillUnfinished(doubts, [entry({ medusa_refund_id: "ref_in_ledger" })], { refundId: "ref_mine", attemptBoundMs: 1, liveRefundIds: new Set() })
    expect(left.map((d) => d.medusa_refund_id)).toEqual(["ref_old"])
  })
})
