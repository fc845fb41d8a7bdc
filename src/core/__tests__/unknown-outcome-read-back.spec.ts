/**
 * The coordinator's read-back after a refund send whose outcome is unknown (ProcessorRefunds.readBack): the
 * processor's refund carrying this refund's tag stands in for the lost answer; with none, the error stands, or the
 * refund is sent again only where the processor allows it. Run on a scripted processor, without HTTP.
 */
import { mayHaveApplied, ProcessorError } from "../errors"
import { cloverCurrencies } from "../../providers/clover/currencies"
import { RefundCoordinator } from "../refunds/coordinator"
import { MedusaPaymentRecords } from "../refunds/medusa-records"
import type { ProcessorRefundView } from "../refunds/planner"
import type { ProcessorRefunds, SendRefundInput, SentRefund, UnknownOutcomeReadBack } from "../refunds/types"

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const data = () => ({ currency: "usd", amount_minor: "5000", captured_minor: "5000", refunded_minor: "0", refunds: [] })

const timeout = () => new ProcessorError({ processor: "Scripted", kind: "timeout", message: "no answer in time" })
const http503 = () => new ProcessorError({ processor: "Scripted", kind: "http", status: 503, message: "HTTP 503" })
const http400 = () => new ProcessorError({ processor: "Scripted", kind: "http", status: 400, message: "HTTP 400" })

/** A processor whose sends follow a script: an error to throw, or "ok"; `made` is what it holds afterwards. */
function scripted(script: Array<ProcessorError | "ok" | "made, answer lost">, readBack?: UnknownOutcomeReadBack, listFails = false) {
  const made: ProcessorRefundView[] = []
  const calls = { sends: 0, lists: 0 }
  const processor: ProcessorRefunds = {
    processor: "Scripted",
    profile: cloverCurrencies,
    readsBeforeSending: false,
    readBack,
    async send(input: SendRefundInput): Promise<SentRefund> {
      const step = script[calls.sends++] ?? "ok"
      const make = () => made.push({ id: `re_${calls.sends}`, amount_minor: input.plan.amount.minor, status: "succeeded", tag: input.idempotencyKey, currency: "usd" })
      if (step instanceof ProcessorError) throw step
      make()
      if (step === "made, answer lost") throw timeout()
      return { processorRefundId: `re_${calls.sends}`, status: "succeeded", refunded: { amountMinor: input.plan.amount.minor, currency: "usd" } }
    },
    async listRefunds() {
      calls.lists++
      if (listFails) throw new Error("read failed")
      return made
    },
    async readForSync() {
      return { refunds: made }
    },
    tag: (id) => id,
    isAlreadyRefunded: () => false,
    attemptBoundMs: () => 60_000,
  }
  return { coordinator: new RefundCoordinator(processor, new MedusaPaymentRecords(undefined), quiet), made, calls }
}

const refund = (coordinator: RefundCoordinator, key: string) => coordinator.refund({ amount: "12.34", data: data(), context: { idempotency_key: key } } as any, key)

const readBack = (resends = 0): UnknownOutcomeReadBack => ({
  outcomeUnknown: mayHaveApplied,
  resendDelayMs: (error, n) => (error.kind === "http" && n < resends ? 0 : undefined),
  dataPatch: { remembered_state: null },
})

describe("the read-back after a refund send whose outcome is unknown", () => {
  it("records the refund the processor made under this refund's tag, and sends nothing more", async () => {
    const { coordinator, made, calls } = scripted(["made, answer lost"], readBack(2))
    const out = await refund(coordinator, "ref_lost")
    expect(calls).toEqual({ sends: 1, lists: 1 })
    expect(made).toHaveLength(1)
    expect(out.data).toMatchObject({ refunded_minor: "1234", remembered_state: null })
    expect((out.data!.refunds as any[]).map((r) => [r.processor_refund_id, r.medusa_refund_id, r.amount_minor])).toEqual([["re_1", "ref_lost", "1234"]])
  })

  it("compares the figures the processor's listing gives with the plan; a figure it does not give is not read as zero", async () => {
    const other = scripted(["made, answer lost"], readBack())
    other.made.push = function (view: ProcessorRefundView) {
      return Array.prototype.push.call(this, { ...view, amount_minor: "1200", refunded: { amountMinor: "1200", currency: "usd" } })
    }
    const marked = await refund(other.coordinator, "ref_other_amount")
    expect((marked.data!.refunds as any[])[0]).toMatchObject({ amount_minor: "1200", discrepancy: expect.objectContaining({ planned_minor: "1234", processor_minor: "1200" }) })

    const unknown = scripted(["made, answer lost"], readBack())
    unknown.made.push = function (view: ProcessorRefundView) {
      return Array.prototype.push.call(this, { ...view, amount_minor: "0", refunded: {} })
    }
    const planned = await refund(unknown.coordinator, "ref_no_amount")
    expect((planned.data!.refunds as any[])[0]).toMatchObject({ amount_minor: "1234" })
    expect((planned.data!.refunds as any[])[0].discrepancy).toBeUndefined()
  })

  it("sends again after a 5xx once the read shows nothing was made, where the processor allows it: one refund", async () => {
    const { coordinator, made, calls } = scripted([http503(), "ok"], readBack(1))
    const out = await refund(coordinator, "ref_503")
    expect(calls).toEqual({ sends: 2, lists: 1 })
    expect(made.map((r) => r.amount_minor)).toEqual(["1234"])
    expect(out.data).toMatchObject({ refunded_minor: "1234" })
  })

  it("never sends again after a timeout with nothing found: the error stands", async () => {
    const { coordinator, calls } = scripted([timeout()], readBack(2))
    await expect(refund(coordinator, "ref_timeout")).rejects.toThrow("no answer in time")
    expect(calls).toEqual({ sends: 1, lists: 1 })
  })

  it("keeps the send's own error when the read fails", async () => {
    const { coordinator, calls } = scripted(["made, answer lost"], readBack(2), true)
    await expect(refund(coordinator, "ref_unread")).rejects.toThrow("no answer in time")
    expect(calls).toEqual({ sends: 1, lists: 1 })
  })

  it("reads nothing after a refusal (4xx), or for a processor that asks for no read-back", async () => {
    const refused = scripted([http400()], readBack(2))
    await expect(refund(refused.coordinator, "ref_400")).rejects.toThrow("HTTP 400")
    expect(refused.calls).toEqual({ sends: 1, lists: 0 })
    const without = scripted(["made, answer lost"])
    await expect(refund(without.coordinator, "ref_plain")).rejects.toThrow("no answer in time")
    expect(without.calls).toEqual({ sends: 1, lists: 0 })
  })

  it("does not take another refund's, or a failed one, for this refund", async () => {
    const { coordinator, made, calls } = scripted([timeout()], readBack(2))
    made.push({ id: "re_other", amount_minor: "1234", status: "succeeded", tag: "ref_other" })
    made.push({ id: "re_failed", amount_minor: "1234", status: "failed", tag: "ref_mine" })
    await expect(refund(coordinator, "ref_mine")).rejects.toThrow("no answer in time")
    expect(calls).toEqual({ sends: 1, lists: 1 })
  })
})
