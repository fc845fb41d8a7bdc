import http from "node:http"
import { expectMedusaError as expectMedusaErrorWithout } from "../../../../test/support/medusa-error"
import type { AddressInfo } from "node:net"
import axios from "axios"
import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type { EmulatorRequest, EmulatorResponse, HookContext, RecordedRequest } from "../../../emulators/core/server"
import { ProcessOutEmulator } from "../../../emulators/processout"
import { ProcessOutProviderService } from "../service"
import { classifyProcessOutError, refundReasonFor } from "../transformers"
import { ProcessorError } from "../../../core/errors"
import { refundListAnswerSchema, transactionAnswerSchema, processoutErrorSchema } from "../wire"
import { loadSpec } from "../../../../test/contract/openapi"
import { MedusaPaymentsDouble } from "../../../../test/support/medusa-payments"

const PROJECT = "test-proj_emulator"
const SECRET = "key_sandbox_emulator"
const BASIC = `Basic ${Buffer.from(`${PROJECT}:${SECRET}`).toString("base64")}`
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** The emulator, plus a switch that turns the next answer into a 200 `{success: false}` envelope. */
class TestEmulator extends ProcessOutEmulator {
  failNextWith200: { error_type: string; message: string } | undefined
  protected async afterHandle(_req: EmulatorRequest, res: EmulatorResponse, _ctx: HookContext): Promise<EmulatorResponse> {
    const failure = this.failNextWith200
    if (!failure) return res
    this.failNextWith200 = undefined
    return { status: 200, body: { success: false, ...failure } }
  }
}

let emulator: TestEmulator
let seq = 0
const card = (kind = "ok") => `card_test_${kind}_${++seq}`

beforeAll(async () => {
  emulator = new TestEmulator()
  await emulator.start()
})
afterAll(() => emulator.stop())
beforeEach(() => emulator.reset())

// ---- Contract: every request we send and every answer the emulator gives --------------------------------
// The spec is a third-party assembly of ProcessOut's reference pages. Operations it lacks are checked against
// the official SDK's definitions (processout-node src/invoice.ts void, src/refund.ts) with our wire schemas.
const NOT_IN_SPEC = [
  /^POST \/invoices\/[^/]+\/void$/, // SDK invoice.ts `void`: body {metadata, amount}, answer {success, transaction}
  /^POST \/transactions\/[^/]+\/refunds$/, // SDK refund.ts `create`: body {amount, reason, information, invoice_detail_ids, metadata}, answer {success}
  /^GET \/transactions\/[^/]+\/refunds$/, // SDK refund.ts `fetchTransactionRefunds`: answer {success, refunds}
  /^GET \/invoices$/, // SDK invoice.ts `all`: answer {success, invoices}
]
const PROCESSOUT_SPEC_DEVIATIONS = [
  {
    problem: /^POST \/invoices request\/metadata must be string$/,
    reason: "the assembly types invoice metadata as a JSON-formatted string; the SDK sends, and every answer carries, a string-to-string object",
  },
  {
    problem: /^GET \/transactions\/\{transaction_id\} 200 response must match exactly one schema in oneOf$/,
    reason: "the assembly turned the page's two examples into a oneOf of two near-identical schemas, so any transaction matches both",
  },
]
const SDK_REFUND_FIELDS = ["amount", "reason", "information", "invoice_detail_ids", "metadata"]

function checkAgainstSdk(r: RecordedRequest): string[] {
  const problems: string[] = []
  const label = `${r.method} ${r.path}`
  const body = (r.body ?? {}) as Record<string, unknown>
  if (r.status >= 400) {
    const e = processoutErrorSchema.safeParse(r.response)
    if (!e.success || r.response === undefined || (r.response as any).success !== false) problems.push(`${label} ${r.status}: not a ProcessOut error envelope`)
    return problems
  }
  if (/\/void$/.test(r.path)) {
    if (Object.keys(body).some((k) => !["metadata", "amount"].includes(k))) problems.push(`${label}: unknown void field`)
    if (!transactionAnswerSchema.safeParse(r.response).success) problems.push(`${label}: answer is not {success, transaction}`)
  } else if (r.method === "POST") {
    if (Object.keys(body).some((k) => !SDK_REFUND_FIELDS.includes(k))) problems.push(`${label}: unknown refund field`)
    if (typeof body.amount !== "string") problems.push(`${label}: amount must be a string`)
    if ((r.response as any)?.success !== true) problems.push(`${label}: answer is not {success: true}`)
  } else if (r.path === "/invoices") {
    if ((r.response as any)?.success !== true || !Array.isArray((r.response as any).invoices)) problems.push(`${label}: answer is not {success, invoices}`)
  } else if (!refundListAnswerSchema.safeParse(r.response).success) {
    problems.push(`${label}: answer is not {success, refunds}`)
  }
  return problems
}

afterEach(() => {
  const journal = emulator.requests()
  const inSpec = journal.filter((r) => !NOT_IN_SPEC.some((p) => p.test(`${r.method} ${r.path}`)))
  const spec = loadSpec("processout-apievangelist-assembled.openapi.json")
  expect(spec.check(inSpec, { deviations: PROCESSOUT_SPEC_DEVIATIONS })).toEqual([])
  expect(journal.filter((r) => !inSpec.includes(r)).flatMap(checkAgainstSdk)).toEqual([])
})

// ---- Helpers ----------------------------------------------------------------------------------------------

function provider(options: Record<string, unknown> = {}, cradle: Record<string, unknown> = {}) {
  return new ProcessOutProviderService(
    { logger: quiet, ...cradle },
    {
      projectId: PROJECT,
      projectSecret: SECRET,
      environment: emulator.url,
      captureMode: "manual",
      maxRetries: 0,
      returnUrl: "https://shop.example/checkout/return",
      cancelUrl: "https://shop.example/checkout/cancel",
      ...options,
    }
  )
}

const expectMedusaError = (promise: Promise<unknown>, type: string, text: RegExp | string) =>
  expectMedusaErrorWithout(promise, type, text, [SECRET])

/** initiate + authorize (+ capture) like Medusa does, returning the payment data. */
async function paid(amount: string, opts: { capture?: boolean; currency?: string; service?: ProcessOutProviderService; source?: string } = {}) {
  const service = opts.service ?? provider()
  const id = ++seq
  const session = await service.initiatePayment({
    amount,
    currency_code: opts.currency ?? "usd",
    data: { session_id: `payses_${id}`, source: opts.source ?? card() },
    context: { idempotency_key: `payses_${id}` },
  })
  const auth = await service.authorizePayment({ data: session.data, context: { idempotency_key: `payses_${id}` } })
  if (opts.capture === false) return auth.data!
  const captured = await service.capturePayment({ data: auth.data, context: { idempotency_key: `capt_${id}` } })
  return captured.data!
}

const refundPosts = () => emulator.requests({ method: "POST", path: /\/refunds$/ }) as Array<RecordedRequest & { body: any }>

/** A refund made in ProcessOut's dashboard (outside Medusa). */
async function dashboardRefund(invoiceId: string, amount: string) {
  const res = await axios.post(
    `${emulator.url}/invoices/${invoiceId}/refunds`,
    { amount, reason: "other" },
    { headers: { authorization: BASIC }, validateStatus: () => true }
  )
  expect(res.status).toBe(200)
  return res.data.refund
}

// ---- Tests ------------------------------------------------------------------------------------------------

describe("initiatePayment", () => {
  it("creates an invoice with the amount as an exact major-unit string, and no secret in session data", async () => {
    const out = await provider().initiatePayment({
      amount: { value: "19.99", precision: 20 },
      currency_code: "usd",
      data: { session_id: "payses_1" },
      context: { idempotency_key: "payses_1" },
    })
    const [req] = emulator.requests({ method: "POST", path: "/invoices" })
    expect(req.headers.authorization).toBe(BASIC)
    expect(req.headers["api-version"]).toBe("1.4.0.0")
    expect(req.headers["idempotency-key"]).toMatch(/^invoice-payses_1-/)
    expect(req.body).toEqual({
      name: "Medusa payses_1",
      amount: "19.99",
      currency: "USD",
      metadata: { session_id: "payses_1" },
      return_url: "https://shop.example/checkout/return",
      cancel_url: "https://shop.example/checkout/cancel",
    })
    expect(out.id).toMatch(/^iv_/)
    expect(out.data).toMatchObject({ processor: "processout", invoice_id: out.id, currency: "usd", amount_minor: "1999", captured_minor: "0", refunds: [] })
    expect(JSON.stringify(out.data)).not.toContain(SECRET)
    expect(emulator.getInvoice(out.id)).toMatchObject({ amount: "19.99", currency: "USD", metadata: { session_id: "payses_1" } })
  })

  it.each([
    ["jpy", "2900", "2900", "2900"],
    ["kwd", "12.3456", "12.346", "12346"],
    ["usd", "29", "29.00", "2900"],
    ["clf", "1.23456", "1.2346", "12346"],
  ])("writes %s %s at the currency's ISO precision (%s)", async (currency, amount, wire, minor) => {
    const out = await provider().initiatePayment({ amount, currency_code: currency, data: {} })
    expect(emulator.requests({ method: "POST", path: "/invoices" })[0].body).toMatchObject({ amount: wire, currency: currency.toUpperCase() })
    expect(out.data).toMatchObject({ amount_minor: minor })
  })

  it("refuses an unknown currency and a zero amount before any request", async () => {
    await expectMedusaError(provider().initiatePayment({ amount: 10, currency_code: "zzz", data: {} }), "invalid_data", /currency "zzz"/)
    await expectMedusaError(provider().initiatePayment({ amount: 0, currency_code: "usd", data: {} }), "invalid_data", /greater than zero/)
    expect(emulator.requests()).toHaveLength(0)
  })

  it("updatePayment makes a new invoice for a new amount and keeps the invoice for the same one", async () => {
    const service = provider()
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { session_id: "payses_u" }, context: { idempotency_key: "payses_u" } })
    const same = await service.updatePayment({ amount: "10.00", currency_code: "usd", data: session.data!, context: {} })
    expect(same.data!.invoice_id).toBe(session.data!.invoice_id)
    const changed = await service.updatePayment({ amount: "12.50", currency_code: "usd", data: session.data!, context: {} })
    expect(changed.data).toMatchObject({ amount_minor: "1250" })
    expect(changed.data!.invoice_id).not.toBe(session.data!.invoice_id)
    expect(emulator.getInvoice(changed.data!.invoice_id as string)).toMatchObject({ amount: "12.5" })
  })
})

describe("authorizePayment", () => {
  it("authorizes the invoice with the card token and Medusa's key, and drops the token", async () => {
    const data = await paid("49.99", { capture: false })
    const [req] = emulator.requests({ method: "POST", path: /\/authorize$/ })
    expect(req.path).toBe(`/invoices/${data.invoice_id}/authorize`)
    expect(req.headers["idempotency-key"]).toMatch(/^payses_/)
    expect(req.body).toEqual({ source: expect.stringMatching(/^card_test_ok_/) })
    expect(data).toMatchObject({ transaction_id: expect.stringMatching(/^tr_/), transaction_status: "authorized", amount_minor: "4999", captured_minor: "0" })
    expect(data.source).toBeNull() // cleared (null: Medusa merges data, a key left out would stay)
  })

  it("captures at once in automatic capture mode", async () => {
    const service = provider({ captureMode: "automatic" })
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { source: card() } })
    const out = await service.authorizePayment({ data: session.data, context: { idempotency_key: "payses_auto" } })
    expect(out.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(out.data).toMatchObject({ captured_minor: "1000" })
    expect(emulator.requests({ method: "POST", path: /\/capture$/ })[0].body).toEqual({ source: expect.any(String) })
  })

  it("reports a declined card as a payment authorization error with ProcessOut's error_type and message", async () => {
    const service = provider()
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { source: card("do-not-honor") } })
    await expectMedusaError(service.authorizePayment({ data: session.data }), "payment_authorization_error", /card\.do-not-honor: The bank has returned a do-not-honor error.*declined/s)
  })

  it("refuses to authorize without a card token, before any request", async () => {
    const service = provider()
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: {} })
    const before = emulator.requests().length
    await expectMedusaError(service.authorizePayment({ data: session.data }), "invalid_data", /card token/)
    expect(emulator.requests()).toHaveLength(before)
  })

  it("does not charge twice when Medusa authorizes the same session again", async () => {
    const data = await paid("10", { capture: false })
    const again = await provider().authorizePayment({ data, context: { idempotency_key: "payses_x" } })
    expect(again.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(emulator.requests({ method: "POST", path: /\/authorize$/ })).toHaveLength(1)
  })
})

describe("capturePayment", () => {
  it("captures the whole authorization without capture_amount", async () => {
    const data = await paid("25.50")
    const [req] = emulator.requests({ method: "POST", path: /\/capture$/ })
    expect(req.body).toEqual({})
    expect(req.headers["idempotency-key"]).toMatch(/^capt_/)
    expect(data).toMatchObject({ captured_minor: "2550", available_minor: "2550" })
    expect(emulator.getTransaction(data.transaction_id as string)).toMatchObject({ status: "completed", captured_amount: "25.5" })
  })

  it("captures part of the authorization when Medusa records a partial capture", async () => {
    const captureService = { retrieve: async (id: string) => ({ id, raw_amount: { value: "10.25", precision: 20 } }) }
    const service = provider({}, { captureService })
    const data = await paid("25.50", { capture: false, service })
    const out = await service.capturePayment({ data, context: { idempotency_key: "capt_partial" } })
    expect(emulator.requests({ method: "POST", path: /\/capture$/ })[0].body).toEqual({ capture_amount: "10.25" })
    expect(out.data).toMatchObject({ captured_minor: "1025", amount_minor: "2550" })
  })

  it("refuses a second capture", async () => {
    const data = await paid("25.50")
    await expectMedusaError(provider().capturePayment({ data, context: { idempotency_key: "capt_other" } }), "not_allowed", /already captured/)
  })
})

describe("refundPayment", () => {
  it("sends a partial refund as an exact decimal string with Medusa's refund id as Idempotency-Key and metadata", async () => {
    const refundService = { retrieve: async () => ({ note: "one mug broken", refund_reason: { code: "return", label: "Return" } }) }
    const service = provider({}, { refundService })
    const data = await paid("50.00", { service })
    const out = await service.refundPayment({ amount: { value: "12.345", precision: 20 }, data, context: { idempotency_key: "ref_01PARTIAL" } })
    const [req] = refundPosts()
    expect(req.path).toBe(`/invoices/${data.invoice_id}/refunds`)
    expect(req.headers["idempotency-key"]).toBe("ref_01PARTIAL")
    expect(req.body).toEqual({
      amount: "12.35",
      reason: "customer_request",
      information: "one mug broken",
      metadata: { medusa_refund_id: "ref_01PARTIAL", session_id: data.session_id },
    })
    expect(out.data).toMatchObject({ invoice_id: data.invoice_id, refunded_minor: "1235" })
    expect((out.data!.refunds as any[])[0]).toMatchObject({
      processor_refund_id: expect.stringMatching(/^refd_/),
      medusa_refund_id: "ref_01PARTIAL",
      amount_minor: "1235",
      requested_amount: "12.345",
      status: "pending", // accepted; the transaction is not read to see it counted (README "Refund status")
      origin: "medusa",
    })
    expect(emulator.getTransaction(data.transaction_id as string)).toMatchObject({ refunded_amount: "12.35", available_amount: "37.65" })
  })

  it("sends only the refund POST when Medusa's records prove the ledger current; the ledger sync then marks it succeeded and refreshes the amounts", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider({}, medusa.cradle())
    const paidData = await paid("50.00", { service })
    const paymentId = medusa.addPayment(paidData)
    const sentBy = async (refund: () => Promise<unknown>) => {
      const before = emulator.requests().length
      await refund()
      return emulator.requests().slice(before).map((r) => `${r.method} ${r.path}`)
    }
    /** What the plugin's subscriber does after Medusa stored the refund. */
    const sync = async () => {
      const synced = await service.syncRefundLedger(medusa.data(paymentId), paymentId)
      medusa.payments.set(paymentId, synced)
      return synced
    }
    const invoiceRefunds = `POST /invoices/${paidData.invoice_id}/refunds`

    expect(await sentBy(() => medusa.refund(service, paymentId, "12.34", "ref_one_a"))).toEqual([invoiceRefunds])
    expect(medusa.data(paymentId).refunds).toEqual([expect.objectContaining({ medusa_refund_id: "ref_one_a", amount_minor: "1234", status: "pending" })])
    expect(medusa.data(paymentId)).toMatchObject({ refunded_minor: "1234", available_minor: "5000" }) // the transaction was not read
    let synced = await sync()
    expect(synced.refunds).toEqual([expect.objectContaining({ medusa_refund_id: "ref_one_a", amount_minor: "1234", status: "succeeded" })])
    expect(synced).toMatchObject({ refunded_minor: "1234", processor_refunded_minor: "1234", available_minor: "3766", captured_minor: "5000" })

    // A refund ProcessOut has not counted yet stays pending through a sync, then turns succeeded once it is.
    emulator.refundMode = "pending"
    expect(await sentBy(() => medusa.refund(service, paymentId, "5", "ref_one_b"))).toEqual([invoiceRefunds])
    synced = await sync()
    expect((synced.refunds as any[]).map((r) => [r.medusa_refund_id, r.status])).toEqual([["ref_one_a", "succeeded"], ["ref_one_b", "pending"]])
    emulator.settleRefund((synced.refunds as any[])[1].processor_refund_id, "succeeded")
    synced = await sync()
    expect((synced.refunds as any[]).map((r) => [r.medusa_refund_id, r.status])).toEqual([["ref_one_a", "succeeded"], ["ref_one_b", "succeeded"]])
    expect(synced).toMatchObject({ refunded_minor: "1734", processor_refunded_minor: "1734", available_minor: "3266" })
    expect(emulator.listRefunds(paidData.transaction_id as string)).toHaveLength(2)
  })

  it("sends the full amount explicitly for a full refund (the field is required)", async () => {
    const data = await paid("50.00")
    await provider().refundPayment({ amount: 50, data, context: { idempotency_key: "ref_full" } })
    expect(refundPosts()[0].body).toMatchObject({ amount: "50.00" })
    expect(emulator.getTransaction(data.transaction_id as string)).toMatchObject({ refunded_amount: "50", available_amount: "0", refunded: true })
  })

  it.each([
    ["jpy", "5000", "1234.5", "1235", "1235"],
    ["kwd", "10.000", "3.3335", "3.334", "3334"],
    ["bhd", "1", "0.0005", "0.001", "1"],
  ])("refunds %s exactly at its precision (%s paid, %s asked → %s)", async (currency, amount, asked, wire, minor) => {
    const data = await paid(amount, { currency })
    const out = await provider().refundPayment({ amount: asked, data, context: { idempotency_key: `ref_${currency}` } })
    expect(refundPosts()[0].body).toMatchObject({ amount: wire })
    expect(out.data).toMatchObject({ refunded_minor: minor })
  })

  it("refunds the rest after a partial refund, then refuses more without calling ProcessOut", async () => {
    const service = provider()
    let data = await paid("50.00")
    data = (await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_a" } })).data!
    data = (await service.refundPayment({ amount: "30", data, context: { idempotency_key: "ref_b" } })).data!
    expect(refundPosts().map((r) => r.body.amount)).toEqual(["20.00", "30.00"])
    expect(emulator.getTransaction(data.transaction_id as string)).toMatchObject({ refunded_amount: "50", available_amount: "0" })
    const before = emulator.requests().length
    await expectMedusaError(service.refundPayment({ amount: "1", data, context: { idempotency_key: "ref_c" } }), "not_allowed", /already fully refunded at ProcessOut/)
    expect(emulator.requests()).toHaveLength(before)
  })

  it("does not send again a refund the ledger already holds, and ProcessOut replays a repeated key", async () => {
    const service = provider()
    const paidData = await paid("50.00")
    const { data } = await service.refundPayment({ amount: "20", data: paidData, context: { idempotency_key: "ref_once" } })
    const again = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_once" } })
    expect(again.data).toEqual(data)
    // A lost answer: Medusa's data is stale, the same key goes out again and ProcessOut answers the first refund.
    const replayed = await service.refundPayment({ amount: "20", data: paidData, context: { idempotency_key: "ref_once" } })
    expect(emulator.listRefunds(paidData.transaction_id as string)).toHaveLength(1)
    expect((replayed.data!.refunds as any[])[0].processor_refund_id).toBe((data!.refunds as any[])[0].processor_refund_id)
  })

  it.each([
    ["duplicate_order", {}, "duplicate"],
    ["fraud_suspected", {}, "fraud"],
    ["goodwill", {}, "customer_request"],
    ["goodwill", { refundReasons: { goodwill: "other" } }, "other"],
    [null, { defaultRefundReason: "other" }, "other"],
  ])("maps the Medusa reason code %s to ProcessOut's reason", async (code, options, expected) => {
    const refundService = { retrieve: async () => ({ note: null, refund_reason: code ? { code, label: code } : null }) }
    const service = provider(options, { refundService })
    const data = await paid("50.00", { service })
    await service.refundPayment({ amount: "5", data, context: { idempotency_key: "ref_reason" } })
    expect(refundPosts()[0].body).toMatchObject({ reason: expected })
    expect(refundPosts()[0].body.information).toBeUndefined()
  })

  it("can refund through /transactions/{id}/refunds, whose answer has no refund object", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider({ refundVia: "transaction" }, medusa.cradle())
    const data = await paid("50.00", { service })
    const paymentId = medusa.addPayment(data)
    const before = emulator.requests().length
    const out = await medusa.refund(service, paymentId, "7.5", "ref_tx")
    // The answer is only {success}: ours is found in the refund list by its metadata; the transaction is not read.
    expect(emulator.requests().slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /transactions/${data.transaction_id}/refunds`,
      `GET /transactions/${data.transaction_id}/refunds`,
    ])
    const [refund] = emulator.listRefunds(data.transaction_id as string)
    expect(out.data.refunds).toEqual([expect.objectContaining({ processor_refund_id: refund.id, medusa_refund_id: "ref_tx", amount_minor: "750", status: "pending" })])
    const synced = await service.syncRefundLedger(out.data, paymentId)
    expect(synced.refunds).toEqual([expect.objectContaining({ processor_refund_id: refund.id, medusa_refund_id: "ref_tx", amount_minor: "750", status: "succeeded" })])
  })

  it("records a refund already made in the ProcessOut dashboard instead of failing ('No amount is available…')", async () => {
    const data = await paid("50.00")
    await dashboardRefund(data.invoice_id as string, "50")
    const out = await provider().refundPayment({ amount: "50", data, context: { idempotency_key: "ref_dash" } })
    const ledger = out.data!.refunds as any[]
    expect(ledger).toHaveLength(1)
    expect(ledger[0]).toMatchObject({ origin: "processor", medusa_refund_id: "ref_dash", amount_minor: "5000" })
    expect(emulator.listRefunds(data.transaction_id as string)).toHaveLength(1)
  })

  it("reads ProcessOut's refunds first when the ledger is stale, and refuses more than remains without sending", async () => {
    const data = await paid("50.00")
    await dashboardRefund(data.invoice_id as string, "40")
    await expectMedusaError(
      provider().refundPayment({ amount: "20", data, context: { idempotency_key: "ref_stale" } }),
      "invalid_data",
      /more than the 10\.00 USD that remains refundable at ProcessOut \(captured 50\.00 USD, already refunded 40\.00 USD\)/
    )
    expect(refundPosts()).toHaveLength(1) // the dashboard's only
    expect(emulator.listRefunds(data.transaction_id as string)).toHaveLength(1)
  })

  it("maps 'No amount is available on the transaction to be refunded' to a clear error when nothing covers the refund", async () => {
    const data = await paid("50.00", { capture: false })
    // Medusa believes something was captured; ProcessOut has nothing refundable.
    await expectMedusaError(
      provider().refundPayment({ amount: "5", data: { ...data, captured_minor: "5000" }, context: { idempotency_key: "ref_none" } }),
      "not_allowed",
      /HTTP 400 request\.validation\.invalid-amount: No amount is available on the transaction to be refunded\.\)\. Nothing remains refundable/
    )
  })

  it("adopts the refund of an earlier attempt whose answer was lost when Medusa retries under a new refund id", async () => {
    // Medusa deleted ref_old after the failed attempt (medusajs/medusa#16681); only ref_new exists.
    const refundService = {
      retrieve: async (id: string) => ({ id, payment_id: "pay_1", note: null, refund_reason: null }),
      list: async () => [{ id: "ref_new" }],
    }
    const service = provider({}, { refundService })
    const data = await paid("50.00", { service })
    await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_old" } }) // answer "lost": data not kept
    const retried = await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_new" } })
    expect(emulator.listRefunds(data.transaction_id as string)).toHaveLength(1)
    expect(refundPosts()).toHaveLength(1)
    expect(retried.data!.refunds as any[]).toEqual([expect.objectContaining({ medusa_refund_id: "ref_new", amount_minor: "2000" })])
  })

  it("fails the Medusa refund when ProcessOut answers has_failed", async () => {
    const data = await paid("50.00")
    emulator.refundMode = "fail"
    await expectMedusaError(provider().refundPayment({ amount: "5", data, context: { idempotency_key: "ref_failed" } }), "not_allowed", /failed at the payment provider\. Nothing was refunded/)
    expect(emulator.getTransaction(data.transaction_id as string)).toMatchObject({ refunded_amount: "0", available_amount: "50" })
  })

  it("treats a 2xx answer with success: false as an error, with error_type and message", async () => {
    const data = await paid("50.00")
    emulator.failNextWith200 = { error_type: "request.validation.invalid-amount", message: "No amount is available on the transaction to be refunded." }
    const error = await expectMedusaError(provider().refundPayment({ amount: "5", data, context: { idempotency_key: "ref_200" } }), "not_allowed", /HTTP 200 request\.validation\.invalid-amount: No amount is available/)
    expect(error.message).toMatch(/Nothing remains refundable/)
  })

  describe("bad input: a MedusaError, and nothing refunded", () => {
    let data: Record<string, unknown>
    beforeEach(async () => {
      data = await paid("50.00")
    })
    afterEach(() => {
      expect(emulator.listRefunds()).toHaveLength(0)
    })
    it.each([
      ["negative", -5, /greater than zero/],
      ["zero", 0, /greater than zero/],
      ["NaN", Number.NaN, /not a finite number/],
      ["text", "ten", /not a decimal number/],
      ["sub-cent", "0.004", /below the smallest amount/],
      ["over the captured amount", "50.02", /more than the 50\.00 USD that remains refundable/],
    ])("%s amount", async (_name, amount, text) => {
      await expectMedusaError(provider().refundPayment({ amount, data, context: { idempotency_key: "ref_bad" } }), "invalid_data", text)
      expect(refundPosts()).toHaveLength(0) // refused before any request
    })
    it("payment data without the transaction id", async () => {
      const { transaction_id, ...rest } = data
      await expectMedusaError(provider().refundPayment({ amount: 5, data: rest, context: { idempotency_key: "ref_bad" } }), "invalid_data", /has no transaction_id/)
    })
    it("unknown currency", async () => {
      await expectMedusaError(provider().refundPayment({ amount: 5, data: { ...data, currency: "zzz" }, context: { idempotency_key: "ref_bad" } }), "invalid_data", /currency "zzz"/)
    })
    it("wrong credentials (ProcessOut answers 401)", async () => {
      const error = await expectMedusaError(
        provider({ projectSecret: "key_wrong_secret_1" }).refundPayment({ amount: 5, data, context: { idempotency_key: "ref_bad" } }),
        "unexpected_state",
        /ProcessOut could not refund the payment \(HTTP 401 request\.authentication\.invalid: .*\)\. ProcessOut rejected the store's credentials/
      )
      expect(error.message).not.toContain("key_wrong_secret_1")
    })
  })
})

describe("cancel, retrieve, status", () => {
  it("voids an authorized invoice and reports it canceled; a second cancel sends nothing", async () => {
    const service = provider()
    const data = await paid("30", { capture: false })
    const out = await service.cancelPayment({ data, context: { idempotency_key: "pay_1" } })
    const [req] = emulator.requests({ method: "POST", path: /\/void$/ })
    expect(req.path).toBe(`/invoices/${data.invoice_id}/void`)
    expect(req.headers["idempotency-key"]).toBe("void-pay_1")
    expect(out.data).toMatchObject({ voided: true, transaction_status: "voided" })
    expect((await service.getPaymentStatus({ data: out.data })).status).toBe(PaymentSessionStatus.CANCELED)
    await service.cancelPayment({ data: out.data, context: { idempotency_key: "pay_1" } })
    expect(emulator.requests({ method: "POST", path: /\/void$/ })).toHaveLength(1)
  })

  it("refuses to void a captured payment", async () => {
    const data = await paid("30")
    await expectMedusaError(provider().cancelPayment({ data }), "not_allowed", /Refund it instead/)
  })

  it("maps transaction states to Medusa statuses and reconciles dashboard refunds on retrieve", async () => {
    const service = provider()
    const authorized = await paid("30", { capture: false })
    expect((await service.getPaymentStatus({ data: authorized })).status).toBe(PaymentSessionStatus.AUTHORIZED)
    const captured = (await service.capturePayment({ data: authorized, context: { idempotency_key: "capt_s" } })).data!
    expect((await service.getPaymentStatus({ data: captured })).status).toBe(PaymentSessionStatus.CAPTURED)
    await dashboardRefund(captured.invoice_id as string, "5")
    const retrieved = await service.retrievePayment({ data: captured })
    expect(retrieved.data).toMatchObject({ refunded_minor: "500", processor_refunded_minor: "500", available_minor: "2500" })
    expect((retrieved.data!.refunds as any[])[0]).toMatchObject({ origin: "processor", amount_minor: "500", status: "succeeded" })
  })

  it("finds the transaction through the invoice when the authorize answer was lost", async () => {
    const data = await paid("30", { capture: false })
    const { transaction_id, ...lost } = data
    expect((await provider().getPaymentStatus({ data: lost })).status).toBe(PaymentSessionStatus.AUTHORIZED)
  })

  it("deletes a session without a transaction locally, and voids an authorized one", async () => {
    const service = provider()
    expect((await service.deletePayment({ data: { currency: "usd" } })).data).toEqual({ currency: "usd" })
    expect(emulator.requests()).toHaveLength(0)
    const data = await paid("30", { capture: false })
    await service.deletePayment({ data })
    expect(emulator.getTransaction(data.transaction_id as string)).toMatchObject({ status: "voided", voided: true })
  })
})

describe("webhooks: the body is a hint, the event is fetched", () => {
  const hook = (body: unknown) => ({ data: body as Record<string, unknown>, rawData: JSON.stringify(body), headers: {} })

  it("maps authorized, captured, failed and voided events read back from GET /events/{id}", async () => {
    const service = provider()
    const data = await paid("30")
    const events = emulator.listEvents()
    expect(events.map((e) => e.name)).toEqual(["transaction.authorized", "transaction.captured"])
    const authorized = await service.getWebhookActionAndData(hook(emulator.webhookBody(events[0])))
    expect(authorized).toEqual({ action: PaymentActions.AUTHORIZED, data: { session_id: data.session_id, amount: "30" } })
    const captured = await service.getWebhookActionAndData(hook(emulator.webhookBody(events[1])))
    expect(captured).toEqual({ action: PaymentActions.SUCCESSFUL, data: { session_id: data.session_id, amount: "30" } })
    expect(emulator.requests({ method: "GET", path: `/events/${events[1].id}` })).toHaveLength(1)

    const voidable = await paid("12.34", { capture: false })
    await service.cancelPayment({ data: voidable })
    const voided = emulator.listEvents().find((e) => e.name === "transaction.voided")!
    expect(await service.getWebhookActionAndData(hook(emulator.webhookBody(voided)))).toEqual({
      action: PaymentActions.CANCELED,
      data: { session_id: voidable.session_id, amount: "12.34" },
    })

    const declined = await service.initiatePayment({ amount: "9.99", currency_code: "usd", data: { session_id: "payses_dec", source: card("decline") } })
    await service.authorizePayment({ data: declined.data }).catch(() => undefined)
    const failed = emulator.listEvents().find((e) => e.name === "transaction.failed")!
    expect(await service.getWebhookActionAndData(hook(emulator.webhookBody(failed)))).toEqual({
      action: PaymentActions.FAILED,
      data: { session_id: "payses_dec", amount: "9.99" },
    })
  })

  it("ignores a forged event id and trusts ProcessOut's event name over the body's", async () => {
    const service = provider()
    await paid("30", { capture: false })
    const forged = await service.getWebhookActionAndData(hook({ event_id: "ev_forged123", event_type: "transaction.captured" }))
    expect(forged.action).toBe(PaymentActions.NOT_SUPPORTED)
    const authorized = emulator.listEvents()[0]
    const lying = await service.getWebhookActionAndData(hook({ event_id: authorized.id, event_type: "transaction.captured" }))
    expect(lying.action).toBe(PaymentActions.AUTHORIZED)
    const junk = await service.getWebhookActionAndData(hook({ hello: "world" }))
    expect(junk.action).toBe(PaymentActions.NOT_SUPPORTED)
  })

  it("acts once per event id (duplicate deliveries are dropped)", async () => {
    const service = provider()
    await paid("30")
    const body = emulator.webhookBody(emulator.listEvents()[1])
    expect((await service.getWebhookActionAndData(hook(body))).action).toBe(PaymentActions.SUCCESSFUL)
    expect((await service.getWebhookActionAndData(hook(body))).action).toBe(PaymentActions.NOT_SUPPORTED)
    expect(emulator.requests({ method: "GET", path: /^\/events\// })).toHaveLength(1)
  })

  it("asks ProcessOut once for an event both Medusa's webhook subscriber and the refund-outcome subscriber verify", async () => {
    const service = provider()
    let data = await paid("50.00")
    emulator.refundMode = "pending"
    data = (await service.refundPayment({ amount: "10", data, context: { idempotency_key: "ref_e1" } })).data!
    emulator.settleRefund((data.refunds as any[])[0].processor_refund_id, "succeeded")
    const event = emulator.listEvents().find((e) => e.name === "transaction.operation.refund.succeeded" || e.name === "transaction.refunded")!
    const delivery = hook(emulator.webhookBody(event))
    const [action, outcomes] = await Promise.all([service.getWebhookActionAndData(delivery), service.refundOutcomes(delivery)])
    expect(action).toEqual({ action: PaymentActions.NOT_SUPPORTED })
    expect(outcomes).toEqual([expect.objectContaining({ medusa_refund_id: "ref_e1", status: "succeeded" })])
    expect(emulator.requests({ method: "GET", path: `/events/${event.id}` })).toHaveLength(1)
  })

  it("reports pending, then settled or failed refunds to the ledger (refundOutcomes)", async () => {
    const service = provider()
    let data = await paid("50.00")
    emulator.refundMode = "pending"
    data = (await service.refundPayment({ amount: "10", data, context: { idempotency_key: "ref_p1" } })).data!
    data = (await service.refundPayment({ amount: "5", data, context: { idempotency_key: "ref_p2" } })).data!
    const ledger = data.refunds as any[]
    expect(ledger.map((r) => r.status)).toEqual(["pending", "pending"])
    const pendingEvent = emulator.listEvents().find((e) => e.name === "transaction.operation.refund.pending")!
    expect(await service.getWebhookActionAndData(hook(emulator.webhookBody(pendingEvent)))).toEqual({ action: PaymentActions.NOT_SUPPORTED })

    emulator.settleRefund(ledger[0].processor_refund_id, "succeeded")
    emulator.settleRefund(ledger[1].processor_refund_id, "failed")
    const failedEvent = emulator.listEvents().find((e) => e.name === "transaction.operation.refund.failed")!
    const outcomes = await service.refundOutcomes(hook(emulator.webhookBody(failedEvent)))
    expect(outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ processor_refund_id: ledger[0].processor_refund_id, status: "succeeded", medusa_refund_id: "ref_p1", processor_payment_id: data.invoice_id, session_id: data.session_id }),
        expect.objectContaining({ processor_refund_id: ledger[1].processor_refund_id, status: "failed", medusa_refund_id: "ref_p2", failure_reason: expect.stringMatching(/has_failed/) }),
      ])
    )
    expect(await service.refundOutcomes(hook(emulator.webhookBody(failedEvent)))).toEqual([]) // duplicate
    // A non-refund event has no refund outcomes.
    expect(await service.refundOutcomes(hook(emulator.webhookBody(emulator.listEvents()[0])))).toEqual([])
  })

  it("the emulator posts unsigned {event_id, event_type} to the invoice's webhook_url", async () => {
    const received: unknown[] = []
    const server = http.createServer((req, res) => {
      let body = ""
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        received.push({ headers: req.headers, body: JSON.parse(body) })
        res.end("ok")
      })
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/payment/processout_processout`
      const service = provider({ webhookUrl: url })
      const data = await paid("30", { service })
      await emulator.flushWebhooks()
      expect(emulator.requests({ method: "POST", path: "/invoices" })[0].body).toMatchObject({ webhook_url: url })
      expect(received.map((r: any) => r.body.event_type)).toEqual(["transaction.authorized", "transaction.captured"])
      expect((received[0] as any).headers).not.toHaveProperty("x-processout-signature")
      const action = await service.getWebhookActionAndData(hook((received[1] as any).body))
      expect(action).toEqual({ action: PaymentActions.SUCCESSFUL, data: { session_id: data.session_id, amount: "30" } })
    } finally {
      server.close()
    }
  })
})

describe("error classification", () => {
  const error = (status: number, code: string, message: string) =>
    new ProcessorError({ processor: "ProcessOut", kind: "http", status, code, processorMessage: message, message })
  it.each([
    [400, "request.validation.invalid-amount", "No amount is available on the transaction to be refunded.", "not_allowed", /Nothing remains refundable/],
    [400, "request.validation.invalid-amount", "The refund amount 30 is greater than the amount available on the transaction (29.75).", "invalid_data", /more than remains/],
    [410, "card.do-not-honor", "The bank has returned a do-not-honor error", "payment_authorization_error", /declined/],
    [401, "request.authentication.invalid", "Could not read your project ID.", "unexpected_state", /PROCESSOUT_PROJECT_ID/],
    [404, "resource.invoice.not-found", "The invoice could not be found.", "not_found", /same ProcessOut project/],
    [400, "request.idempotency-key.conflict", "reused", "not_allowed", /idempotency key/],
    [400, "request.transaction.already-captured", "The transaction was already captured.", "not_allowed", /current state/],
  ])("HTTP %s %s → %s", (status, code, message, type, advice) => {
    const advised = classifyProcessOutError(error(status, code, message))!
    expect(advised.type).toBe(type)
    expect(advised.advice).toMatch(advice)
  })
  it("reason guesses never leave ProcessOut's four values", () => {
    const options = { refundReasons: {}, defaultRefundReason: "customer_request" as const }
    for (const code of ["", "damaged", "DUPLICATE", "fraudulent", "other", "x"]) {
      expect(["customer_request", "duplicate", "fraud", "other"]).toContain(refundReasonFor(code, options))
    }
  })
})

describe("testConnection", () => {
  it("proves the credentials with one authenticated read, and names the problem otherwise", async () => {
    expect(await provider().testConnection()).toEqual({ ok: true, message: expect.stringMatching(/accepted the credentials \(emulator or custom URL\)/) })
    const bad = await provider({ projectSecret: "key_wrong_secret_2" }).testConnection()
    expect(bad.ok).toBe(false)
    expect(bad.message).toMatch(/request\.authentication\.invalid/)
    expect(bad.message).not.toContain("key_wrong_secret_2")
    expect(emulator.requests({ method: "GET", path: "/invoices" }).map((r) => r.query)).toEqual([{ limit: "1" }, { limit: "1" }])
  })
})

describe("validateOptions", () => {
  it("names the bad option and never echoes a secret", () => {
    expect(() => ProcessOutProviderService.validateOptions({})).toThrow(/`projectId` is required.*`projectSecret` is required/)
    const error = (() => {
      try {
        ProcessOutProviderService.validateOptions({ projectId: PROJECT, projectSecret: "key_secret_value_1", refundVia: "payment", defaultRefundReason: "because" })
      } catch (e) {
        return e as Error
      }
    })()!
    expect(error).toBeInstanceOf(MedusaError)
    expect(error.message).toMatch(/`refundVia`/)
    expect(error.message).toMatch(/`defaultRefundReason`/)
    expect(error.message).not.toContain("key_secret_value_1")
    expect(() => ProcessOutProviderService.validateOptions({ projectId: PROJECT, projectSecret: SECRET, environment: "http://127.0.0.1:4550" })).not.toThrow()
  })
})
