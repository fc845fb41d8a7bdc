/**
 * When the provider reads the processor's refunds before sending one (ProcessorPaymentProvider's
 * reconciliation), and when it may skip that read: only when the payment's ledger provably holds
 * every refund (every other Medusa refund of the payment is in it and no earlier attempt is in
 * doubt). Run on Clover and its emulator; the logic is the base class's, shared by all five.
 */
import { MedusaError } from "@medusajs/framework/utils"
import { CloverEmulator } from "../../emulators/clover"
import { CloverProviderService } from "../../providers/clover/service"
import { MedusaPaymentsDouble } from "../../../test/support/medusa-payments"
import { unfinishedAttemptsOf } from "../payment-data"
import { useEmulator } from "../../../test/support/emulator"

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
let seq = 0

const emulator = useEmulator(new CloverEmulator())

function provider(cradle: Record<string, unknown> = {}) {
  return new CloverProviderService(
    { logger: quiet, ...cradle },
    // Clover now takes the customer IP only from the plugin middleware's stamp or this option.
    { apiKey: "emulator_clover_key", environment: emulator.url, captureMode: "manual", maxRetries: 0, timeoutMs: 300, defaultClientIp: "203.0.113.7" }
  )
}

async function capturedCharge(amount = "50.00") {
  const service = provider()
  const id = `payses_read_${++seq}`
  const session = await service.initiatePayment({ amount, currency_code: "usd", data: { session_id: id, source: `clv_test_ok_${seq}`, customer_ip: "203.0.113.7" } })
  const auth = await service.authorizePayment({ data: session.data, context: { idempotency_key: id } })
  return (await service.capturePayment({ data: auth.data, context: { idempotency_key: `capt_${seq}` } })).data!
}

const sent = () => emulator.requests().filter((r) => r.path.startsWith("/v1/refunds")).map((r) => `${r.method} ${r.path.split("?")[0]}`)
const refundedAt = (data: Record<string, unknown>) => emulator.listRefunds(data.charge_id as string).map((r) => r.amount)

describe("the read before a refund", () => {
  it("is skipped when every Medusa refund of the payment is in the ledger: one request per refund", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider(medusa.cradle())
    const paymentId = medusa.addPayment(await capturedCharge())
    await medusa.refund(service, paymentId, "1.00")
    await medusa.refund(service, paymentId, "2.50")
    expect(sent()).toEqual(["POST /v1/refunds", "POST /v1/refunds"])
    expect(refundedAt(medusa.data(paymentId))).toEqual([100, 250])
    expect(medusa.data(paymentId)).toMatchObject({ refunded_minor: "350" })
  })

  it("is skipped for a refund the proven ledger refuses: refused with no request at all", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider(medusa.cradle())
    const paymentId = medusa.addPayment(await capturedCharge("50.00"))
    await medusa.refund(service, paymentId, "50.00")
    const before = emulator.requests().length
    await expect(medusa.refund(service, paymentId, "0.01")).rejects.toThrow(/already fully refunded at Clover/)
    expect(emulator.requests()).toHaveLength(before)
  })

  it("is made when Medusa holds a refund the ledger lacks (a concurrent refund, or a process that died before Medusa's write)", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider(medusa.cradle())
    const data = await capturedCharge()
    const paymentId = medusa.addPayment(data)
    // A refund reached Clover under Medusa refund ref_died, whose data write never happened.
    const died = await service.refundPayment({ amount: "3.00", data, context: { idempotency_key: "ref_died" } })
    expect(died.data).toMatchObject({ refunded_minor: "300" })
    medusa.addRefundRow(paymentId, "ref_died", "3.00")
    const before = sent().length
    const out = await medusa.refund(service, paymentId, "4.00")
    expect(sent().slice(before)).toEqual(["GET /v1/refunds", "POST /v1/refunds"])
    expect(refundedAt(out.data)).toEqual([300, 400])
    // The ledger now holds both, the first linked to its Medusa refund.
    expect(out.data).toMatchObject({ refunded_minor: "700" })
    expect((out.data.refunds as any[]).map((r) => r.medusa_refund_id)).toEqual(["ref_died", out.id])
  })

  it("is always made without Medusa's records (no container): nothing can prove the ledger current", async () => {
    const service = provider()
    const data = await capturedCharge()
    await service.refundPayment({ amount: "1.00", data, context: { idempotency_key: "ref_alone" } })
    expect(sent()).toEqual(["GET /v1/refunds", "POST /v1/refunds"])
  })
})

describe("a refund attempt in doubt (answer lost, Medusa deletes its refund, the admin retries under a new id)", () => {
  it("is recorded in the payment's data, and the retry adopts the refund instead of sending another", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider(medusa.cradle())
    const paymentId = medusa.addPayment(await capturedCharge())
    emulator.injectFault({ method: "POST", path: "/v1/refunds", fault: { kind: "reset_after_apply" } })
    await expect(medusa.refund(service, paymentId, "12.34", "ref_lost")).rejects.toBeInstanceOf(MedusaError)
    expect(refundedAt(medusa.data(paymentId))).toEqual([1234])
    expect(medusa.refunds.has("ref_lost")).toBe(false)
    expect(unfinishedAttemptsOf(medusa.data(paymentId))).toEqual([expect.objectContaining({ medusa_refund_id: "ref_lost", amount_minor: "1234" })])

    // A restarted process: the record in the payment's data is what makes it read first.
    const restarted = provider(medusa.cradle())
    const retry = await medusa.refund(restarted, paymentId, "12.34", "ref_retry")
    expect(refundedAt(retry.data)).toEqual([1234])
    expect(retry.data).toMatchObject({ refunded_minor: "1234" })
    expect((retry.data.refunds as any[]).map((r) => r.medusa_refund_id)).toEqual(["ref_retry"])
    expect(unfinishedAttemptsOf(retry.data)).toEqual([])

    // Doubt settled: the next refund goes out with one request again.
    const before = sent().length
    await medusa.refund(restarted, paymentId, "1.00")
    expect(sent().slice(before)).toEqual(["POST /v1/refunds"])
    expect(refundedAt(medusa.data(paymentId))).toEqual([1234, 100])
  })

  it("is recorded before sending: when Medusa fails to store a refund the processor made, the retry adopts it", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider(medusa.cradle())
    const paymentId = medusa.addPayment(await capturedCharge())
    medusa.failNextDataWrite = true
    await expect(medusa.refund(service, paymentId, "6.00", "ref_unstored")).rejects.toThrow(/could not store/)
    expect(refundedAt(medusa.data(paymentId))).toEqual([600])
    expect(medusa.refunds.has("ref_unstored")).toBe(false)
    expect(unfinishedAttemptsOf(medusa.data(paymentId))).toEqual([expect.objectContaining({ medusa_refund_id: "ref_unstored", amount_minor: "600" })])
    const retry = await medusa.refund(provider(medusa.cradle()), paymentId, "6.00", "ref_retry_unstored")
    expect(refundedAt(retry.data)).toEqual([600])
    expect((retry.data.refunds as any[]).map((r) => [r.amount_minor, r.medusa_refund_id])).toEqual([["600", "ref_retry_unstored"]])
  })

  it("sends nothing when the attempt cannot be recorded", async () => {
    const medusa = new MedusaPaymentsDouble()
    const cradle = { ...medusa.cradle(), paymentService: { update: async () => { throw new Error("database down") } } }
    const paymentId = medusa.addPayment(await capturedCharge())
    const failure = await medusa.refund(provider(cradle), paymentId, "5.00", "ref_unrecorded").catch((e) => e)
    expect(failure).toBeInstanceOf(MedusaError)
    expect(failure.message).toMatch(/not sent to Clover.*Nothing was refunded; try again/)
    expect(sent().filter((r) => r.startsWith("POST"))).toEqual([])
  })

  it("adopts the lost attempt even after the plugin's sync put it in the ledger without a Medusa refund", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider(medusa.cradle())
    const paymentId = medusa.addPayment(await capturedCharge())
    emulator.injectFault({ method: "POST", path: "/v1/refunds", fault: { kind: "reset_after_apply" } })
    await expect(medusa.refund(service, paymentId, "7.00", "ref_lost3")).rejects.toBeInstanceOf(MedusaError)
    // The payment.refunded subscriber of another refund syncs the ledger: the orphan is listed, unlinked.
    const synced = await service.syncRefundLedger(medusa.data(paymentId), paymentId)
    expect((synced.refunds as any[]).map((r) => [r.amount_minor, r.medusa_refund_id])).toEqual([["700", null]])
    medusa.payments.set(paymentId, synced)
    const retry = await medusa.refund(service, paymentId, "7.00", "ref_retry3")
    expect(refundedAt(retry.data)).toEqual([700])
    expect((retry.data.refunds as any[]).map((r) => [r.amount_minor, r.medusa_refund_id])).toEqual([["700", "ref_retry3"]])
  })

  it("adopts a lost attempt of the whole amount, synced into the ledger unlinked, instead of refusing its retry as already refunded", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider(medusa.cradle())
    const paymentId = medusa.addPayment(await capturedCharge("50.00"))
    emulator.injectFault({ method: "POST", path: "/v1/refunds", fault: { kind: "reset_after_apply" } })
    await expect(medusa.refund(service, paymentId, "50.00", "ref_lost_whole")).rejects.toBeInstanceOf(MedusaError)
    medusa.payments.set(paymentId, await service.syncRefundLedger(medusa.data(paymentId), paymentId))
    // The stored ledger says 50.00 of 50.00 refunded; the read shows it is the lost attempt of this retry.
    const retry = await medusa.refund(service, paymentId, "50.00", "ref_retry_whole")
    expect(refundedAt(retry.data)).toEqual([5000])
    expect((retry.data.refunds as any[]).map((r) => [r.amount_minor, r.medusa_refund_id])).toEqual([["5000", "ref_retry_whole"]])
    expect(medusa.refunds.has("ref_retry_whole")).toBe(true)
  })

  it("after any failed attempt the next refund reads first, then goes back to one request", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider(medusa.cradle())
    const paymentId = medusa.addPayment(await capturedCharge())
    emulator.injectFault({ method: "POST", path: "/v1/refunds", fault: { kind: "status", status: 400 } })
    await expect(medusa.refund(service, paymentId, "1.00")).rejects.toBeInstanceOf(MedusaError)
    let before = sent().length
    await medusa.refund(service, paymentId, "1.00")
    expect(sent().slice(before)).toEqual(["GET /v1/refunds", "POST /v1/refunds"])
    before = sent().length
    await medusa.refund(service, paymentId, "1.00")
    expect(sent().slice(before)).toEqual(["POST /v1/refunds"])
    expect(refundedAt(medusa.data(paymentId))).toEqual([100, 100])
    expect(unfinishedAttemptsOf(medusa.data(paymentId))).toEqual([])
  })

  it("keeps the record of an attempt made while this refund was in flight (Medusa merges the data a refund returns)", async () => {
    const medusa = new MedusaPaymentsDouble()
    const cradle = medusa.cradle() as { paymentService: { update(input: { id: string; data: Record<string, unknown> }): Promise<unknown> } }
    const update = cradle.paymentService.update
    let injected = false
    cradle.paymentService = {
      ...cradle.paymentService,
      // Right after this refund records its own attempt, another instance records one for ref_other.
      update: async (input) => {
        const out = await update(input)
        if (!injected) {
          injected = true
          medusa.addRefundRow(input.id, "ref_other")
          const stored = medusa.data(input.id)
          medusa.payments.set(input.id, { ...stored, refunds_in_doubt: [...unfinishedAttemptsOf(stored), { medusa_refund_id: "ref_other", amount_minor: "500", at: new Date().toISOString() }] })
        }
        return out
      },
    }
    const service = provider(cradle)
    const paymentId = medusa.addPayment(await capturedCharge())
    const out = await medusa.refund(service, paymentId, "1.00", "ref_mine")
    expect(unfinishedAttemptsOf(out.data).map((d) => d.medusa_refund_id)).toEqual(["ref_other"])
    // ref_other may have reached Clover: the next refund reads before sending.
    const before = sent().length
    await medusa.refund(service, paymentId, "1.00")
    expect(sent().slice(before)).toEqual(["GET /v1/refunds", "POST /v1/refunds"])
  })

  it("a refund made in the processor's dashboard, once in the ledger, makes every later refund read first", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider(medusa.cradle())
    const data = await capturedCharge()
    const paymentId = medusa.addPayment(data)
    await provider().refundPayment({ amount: "2.00", data, context: {} }) // no Medusa refund: as from the dashboard
    medusa.payments.set(paymentId, await service.syncRefundLedger(data, paymentId))
    for (const amount of ["1.00", "1.00"]) {
      const before = sent().length
      await medusa.refund(service, paymentId, amount)
      expect(sent().slice(before)).toEqual(["GET /v1/refunds", "POST /v1/refunds"])
    }
    expect(medusa.data(paymentId)).toMatchObject({ refunded_minor: "400" })
  })
})
