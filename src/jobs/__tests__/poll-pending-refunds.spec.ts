import pollPendingRefunds from "../poll-pending-refunds"

const quiet = { info() {}, warn() {}, error() {} }
const old = new Date(Date.now() - 3_600_000).toISOString()
const pending = (id: string) => ({ processor_refund_id: id, medusa_refund_id: `ref_${id}`, amount_minor: "100", requested_amount: "1", status: "pending", origin: "medusa", created_at: old })

describe("the poll of pending refunds", () => {
  it("goes on past a payment whose ledger is corrupt", async () => {
    const payments: Record<string, any> = {
      pay_corrupt: { id: "pay_corrupt", provider_id: "pp_scripted_scripted", data: { refunds: [{ ...pending("re_bad"), amount_minor: "-100.00" }] } },
      pay_ok: { id: "pay_ok", provider_id: "pp_scripted_scripted", data: { refunds: [pending("re_ok")] } },
    }
    const synced: string[] = []
    const provider = {
      syncRefundLedger: async (data: any, paymentId: string) => (synced.push(paymentId), data),
      refundOutcomes: async () => [],
    }
    const paymentModule = {
      listRefunds: async () => [{ id: "ref_1", payment_id: "pay_corrupt" }, { id: "ref_2", payment_id: "pay_ok" }],
      retrievePayment: async (id: string) => payments[id],
      updatePayment: async ({ id, data }: any) => (payments[id] = { ...payments[id], data }),
      paymentProviderService_: { retrieveProvider: () => provider },
    }
    const locking = { execute: (_key: string, job: () => Promise<unknown>) => job() }
    const container = {
      resolve: (key: string) => ({ payment: paymentModule, locking, logger: quiet, notification: {} } as Record<string, unknown>)[key],
    }
    await pollPendingRefunds(container as any)
    expect(synced).toEqual(["pay_ok"])
  })
})
