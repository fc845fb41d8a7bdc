import http from "node:http"
import { expectMedusaError as expectMedusaErrorWithout } from "../../../../test/support/medusa-error"
import type { AddressInfo } from "node:net"
import axios from "axios"
import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type { EmulatorRequest, EmulatorResponse, HookContext, RecordedRequest } from "../../../emulators/core/server"
import { ProcessOutEmulator } from "../../../emulators/processout"
import { ProcessOutProviderService } from "../service"
import { minorFromWire } from "../currencies"
import { classifyProcessOutError, refundReasonFor } from "../transformers"
import { ProcessorError } from "../../../core/errors"
import { refundListAnswerSchema, transactionAnswerSchema, processoutErrorSchema } from "../wire"
import { loadSpec } from "../../../../test/contract/openapi"
import { MedusaPaymentsDouble } from "../../../../test/support/medusa-payments"

const PROJECT = "test-proj_emulator"
const SECRET = "key_sandbox_emulator"
const WEBHOOK_SECRET = "whsec_unit_tests_0123456789"
const BASIC = `Basic ${Buffer.from(`${PROJECT}:${SECRET}`).toString("base64")}`
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/**
 * The emulator, plus a switch that turns the next answer into a 200 `{success: false}` envelope, one that
 * rewrites answers, and one that answers every event read 429.
 */
class TestEmulator extends ProcessOutEmulator {
  failNextWith200: { error_type: string; message: string } | undefined
  rewrite: ((req: EmulatorRequest, body: any) => void) | undefined
  rateLimitEvents = false
  protected async beforeHandle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> {
    if (!this.rateLimitEvents || !req.path.startsWith("/events/")) return undefined
    return { status: 429, headers: { "retry-after": "1" }, body: { success: false, error_type: "request.rate-limit.exceeded", message: "Too many requests." } }
  }
  protected async afterHandle(req: EmulatorRequest, res: EmulatorResponse, _ctx: HookContext): Promise<EmulatorResponse> {
    this.rewrite?.(req, res.body)
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
beforeEach(() => {
  emulator.reset()
  emulator.rateLimitEvents = false
  emulator.rewrite = undefined
})

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
    problem: /^POST \/invoices request\/details must be object$/,
    reason: "the assembly types the request's `details` as one object; the invoice answers (GET /invoices/{id} 200) list details as an array, each with its own id, which a refund names (invoice_detail_ids)",
  },
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

/**
 * Medusa's payment sessions as the payment module would hold them: the session each invoice names,
 * with that invoice's id, amount and currency (what initiatePayment stored).
 */
const paymentSessionService = {
  async retrieve(id: string) {
    const invoice = emulator.listInvoices().filter((i) => i.metadata?.session_id === id).pop()
    if (!invoice) throw new MedusaError(MedusaError.Types.NOT_FOUND, `PaymentSession with id: ${id} was not found`)
    const currency = invoice.currency.toLowerCase()
    return { id, data: { session_id: id, invoice_id: invoice.id, currency, amount_minor: minorFromWire(invoice.amount, currency, "amount") } }
  },
}

function provider(options: Record<string, unknown> = {}, cradle: Record<string, unknown> = {}) {
  return new ProcessOutProviderService(
    { logger: quiet, paymentSessionService, ...cradle },
    {
      projectId: PROJECT,
      projectSecret: SECRET,
      environment: emulator.url,
      captureMode: "manual",
      maxRetries: 0,
      returnUrl: "https://shop.example/checkout/return",
      cancelUrl: "https://shop.example/checkout/cancel",
      webhookSecret: WEBHOOK_SECRET,
      ...options,
    }
  )
}

/** A webhook as Medusa hands it to the provider, with the header the plugin's middleware sets from `?token=`. */
const hook = (body: unknown, token: string | null = WEBHOOK_SECRET) => ({
  data: body as Record<string, unknown>,
  rawData: JSON.stringify(body),
  headers: token === null ? {} : { "x-medusa-webhook-token": token },
})

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
    expect(same.data).toEqual({ currency: "usd", amount_minor: "1000" }) // the stored invoice stays (Medusa merges)
    expect(emulator.requests({ method: "POST", path: "/invoices" })).toHaveLength(1)
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
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { session_id: "payses_auto", source: card() } })
    const out = await service.authorizePayment({ data: session.data, context: { idempotency_key: "payses_auto" } })
    expect(out.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(out.data).toMatchObject({ captured_minor: "1000" })
    expect(emulator.requests({ method: "POST", path: /\/capture$/ })[0].body).toEqual({ source: expect.any(String) })
  })

  it("reports a declined card as a payment authorization error with ProcessOut's error_type and message", async () => {
    const service = provider()
    const session = await service.initiatePayment({ amount: "10", currency_code: "usd", data: { session_id: "payses_dnh", source: card("do-not-honor") } })
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

  it("a capture answered for another amount is kept as ProcessOut's figures and reported, never thrown (money moved)", async () => {
    const errors: string[] = []
    const service = provider({}, { logger: { ...quiet, error: (m: string) => errors.push(m) } })
    const data = await paid("25.50", { capture: false, service })
    emulator.rewrite = (req, body) => {
      if (req.path.endsWith("/capture")) body.transaction.captured_amount = "25"
    }
    const out = await service.capturePayment({ data, context: { idempotency_key: "capt_diff" } })
    expect(out.data).toMatchObject({ captured_minor: "2500" }) // what ProcessOut holds bounds the refunds
    expect(errors).toEqual([expect.stringMatching(/captured 2500 USD \(minor units\) where 2550 USD was asked/)])
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
      information: "Return: one mug broken", // ProcessOut's reason keeps one of four words: the label goes here too
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

  it("refunds the rest after a partial refund, then refuses more without sending ProcessOut a refund", async () => {
    const service = provider()
    let data = await paid("50.00")
    data = (await service.refundPayment({ amount: "20", data, context: { idempotency_key: "ref_a" } })).data!
    data = (await service.refundPayment({ amount: "30", data, context: { idempotency_key: "ref_b" } })).data!
    expect(refundPosts().map((r) => r.body.amount)).toEqual(["20.00", "30.00"])
    expect(emulator.getTransaction(data.transaction_id as string)).toMatchObject({ refunded_amount: "50", available_amount: "0" })
    const before = emulator.requests({ method: "POST" }).length
    await expectMedusaError(service.refundPayment({ amount: "1", data, context: { idempotency_key: "ref_c" } }), "not_allowed", /already fully refunded at ProcessOut/)
    expect(emulator.requests({ method: "POST" })).toHaveLength(before) // without Medusa's records the ledger is read first; nothing is sent
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
    expect(refundPosts()[0].body.information).toBe(code ?? undefined) // the reason as Medusa names it; no note
  })

  it("sends a long note shortened visibly to 255 characters, never cutting a character in two", async () => {
    const note = `${"x".repeat(252)}😀😀 and more`
    const refundService = { retrieve: async () => ({ note, refund_reason: { code: "return", label: "Return" } }) }
    const service = provider({}, { refundService })
    const data = await paid("50.00", { service })
    await service.refundPayment({ amount: "5", data, context: { idempotency_key: "ref_long" } })
    const information: string = refundPosts()[0].body.information
    expect(Array.from(information)).toHaveLength(255)
    expect(information).toBe(`Return: ${"x".repeat(246)}…`)
    expect(emulator.listRefunds()[0].information).toBe(information)
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

  it("a refund ProcessOut answers has_failed ends in a MedusaError with its reason, the attempt kept in the ledger as failed", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider({}, medusa.cradle())
    const paymentId = medusa.addPayment(await paid("50.00", { service }))
    emulator.refundMode = "fail"
    await expectMedusaError(
      medusa.refund(service, paymentId, "5", "ref_failed"),
      "not_allowed",
      /ProcessOut declined the refund of 5\.00 USD \(ProcessOut answered its refund refd_\w+ with has_failed: true, giving no reason\)\. Nothing was refunded and Medusa records no refund/
    )
    expect(medusa.refunds.has("ref_failed")).toBe(false)
    expect(medusa.data(paymentId).refunds).toEqual([
      expect.objectContaining({ medusa_refund_id: "ref_failed", processor_refund_id: expect.stringMatching(/^refd_/), amount_minor: "500", status: "failed", failure_reason: expect.stringMatching(/has_failed: true/) }),
    ])
    expect(emulator.getTransaction(medusa.data(paymentId).transaction_id as string)).toMatchObject({ refunded_amount: "0", available_amount: "50" })
    // The admin can simply refund again: the failed attempt holds nothing back.
    emulator.refundMode = "immediate"
    await medusa.refund(service, paymentId, "50", "ref_again")
    expect((medusa.data(paymentId).refunds as any[]).map((r) => [r.medusa_refund_id, r.status])).toEqual([["ref_failed", "failed"], ["ref_again", "pending"]])
  })

  describe("once ProcessOut made the refund, other figures are recorded, never thrown", () => {
    const errors: string[] = []
    const logger = { ...quiet, error: (m: string) => errors.push(m) }
    beforeEach(() => void (errors.length = 0))

    it.each([
      ["a different amount", "4.99", "499", "499"],
      ["more decimals than USD has", "4.995", "500", "499.5"],
    ])("%s in the refund answer: the ledger holds ProcessOut's figures, marked", async (_name, answered, ledgerMinor, processorMinor) => {
      const medusa = new MedusaPaymentsDouble()
      const service = provider({}, { ...medusa.cradle(), logger })
      const paymentId = medusa.addPayment(await paid("50.00", { service }))
      emulator.rewrite = (req, body) => {
        if (req.method === "POST" && req.path.endsWith("/refunds")) body.refund.amount = answered
      }
      const out = await medusa.refund(service, paymentId, "5", "ref_diff")
      expect(out.data.refunds).toEqual([
        expect.objectContaining({
          medusa_refund_id: "ref_diff",
          amount_minor: ledgerMinor,
          discrepancy: expect.objectContaining({ planned_minor: "500", planned_currency: "usd", processor_minor: processorMinor }),
        }),
      ])
      expect(medusa.refunds.has("ref_diff")).toBe(true) // Medusa keeps its refund
      expect(errors.join("\n")).toMatch(/ref_diff .*where 500 USD was planned/)
    })

    it("through /transactions/{id}/refunds, the figures come from the refund read back", async () => {
      const medusa = new MedusaPaymentsDouble()
      const service = provider({ refundVia: "transaction" }, { ...medusa.cradle(), logger })
      const paymentId = medusa.addPayment(await paid("50.00", { service }))
      emulator.rewrite = (req, body) => {
        if (req.method === "GET" && req.path.endsWith("/refunds")) body.refunds[0].amount = "4"
      }
      const out = await medusa.refund(service, paymentId, "5", "ref_tx_diff")
      expect(out.data.refunds).toEqual([expect.objectContaining({ amount_minor: "400", discrepancy: expect.objectContaining({ planned_minor: "500", processor_minor: "400" }) })])
    })

    it("an unreadable refund answer, or a read-back that fails, is recorded as pending, found later by its tag", async () => {
      const medusa = new MedusaPaymentsDouble()
      const service = provider({}, { ...medusa.cradle(), logger })
      const paymentId = medusa.addPayment(await paid("50.00", { service }))
      emulator.rewrite = (req, body) => {
        if (req.method === "POST" && req.path.endsWith("/refunds")) delete body.refund.amount
      }
      let out = await medusa.refund(service, paymentId, "5", "ref_odd") // read back from the list
      expect(out.data.refunds).toEqual([expect.objectContaining({ medusa_refund_id: "ref_odd", processor_refund_id: expect.stringMatching(/^refd_/), amount_minor: "500", status: "pending" })])
      emulator.injectFault({ method: "GET", path: /\/refunds$/, fault: { kind: "status", status: 503, body: { success: false, error_type: "processout.unavailable", message: "Try again later." } } })
      out = await medusa.refund(service, paymentId, "7", "ref_lost")
      expect((out.data.refunds as any[])[1]).toMatchObject({ medusa_refund_id: "ref_lost", processor_refund_id: null, amount_minor: "700", status: "pending" })
      emulator.rewrite = undefined
      const synced = await service.syncRefundLedger(medusa.data(paymentId), paymentId)
      expect((synced.refunds as any[]).map((r) => [r.medusa_refund_id, !!r.processor_refund_id, r.status])).toEqual([["ref_odd", true, "succeeded"], ["ref_lost", true, "succeeded"]])
    })
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

  it("without the transaction's refunded_amount (a guessed field), refunds are pending and no amount is guessed, until a read shows it", async () => {
    const medusa = new MedusaPaymentsDouble()
    const service = provider({}, medusa.cradle())
    const paymentId = medusa.addPayment(await paid("50.00", { service }))
    const sync = async () => {
      medusa.payments.set(paymentId, await service.syncRefundLedger(medusa.data(paymentId), paymentId))
      return medusa.data(paymentId)
    }
    await medusa.refund(service, paymentId, "10", "ref_a")
    expect(await sync()).toMatchObject({ refunds: [expect.objectContaining({ status: "succeeded" })], processor_refunded_minor: "1000", available_minor: "4000" })
    await medusa.refund(service, paymentId, "5", "ref_b")
    emulator.rewrite = (req, body) => {
      const tx = req.path.startsWith("/events/") ? body?.event?.data?.transaction : req.path.startsWith("/transactions/") ? body?.transaction : undefined
      if (tx) for (const field of ["refunded_amount", "available_amount"]) delete tx[field]
    }
    const synced = await sync()
    expect((synced.refunds as any[]).map((r) => [r.medusa_refund_id, r.status])).toEqual([["ref_a", "pending"], ["ref_b", "pending"]])
    expect(synced).toMatchObject({ processor_refunded_minor: "1000", available_minor: "4000" }) // kept, not replaced by "0"
    const event = emulator.listEvents().filter((e) => e.name === "transaction.refunded").pop()!
    expect((await service.refundOutcomes(hook(emulator.webhookBody(event)))).map((o) => o.status)).toEqual(["pending", "pending"])
    emulator.rewrite = undefined // the poll job's next read has the field
    expect(await sync()).toMatchObject({ refunds: [expect.objectContaining({ status: "succeeded" }), expect.objectContaining({ status: "succeeded" })], processor_refunded_minor: "1500", available_minor: "3500" })
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

// ---- Zero trust (docs/security.md): nothing from a shopper, a webhook or an answer moves money unverified ----------------

describe("storefront data", () => {
  it("a shopper-passed transaction_id of another, smaller payment cannot complete authorization", async () => {
    const service = provider()
    const small = await paid("5.00", { capture: false })
    const shopper = { transaction_id: small.transaction_id, invoice_id: small.invoice_id, transaction_status: "authorized", amount_minor: "500", capture_key: "x" }
    const out = await service.initiatePayment({ amount: "465.00", currency_code: "usd", data: { ...shopper, session_id: "payses_big" }, context: { idempotency_key: "payses_big" } })
    // What Medusa stores: the shopper's data merged with the provider's answer.
    const stored = { ...shopper, session_id: "payses_big", ...out.data }
    expect(stored).toMatchObject({ session_id: "payses_big", invoice_id: out.id, transaction_id: null, transaction_status: null, capture_key: null, amount_minor: "46500" })
    const mark = emulator.requests().length
    await expectMedusaError(service.authorizePayment({ data: stored, context: { idempotency_key: "payses_big" } }), "invalid_data", /card token/)
    expect(emulator.requests().slice(mark)).toEqual([])
    expect(emulator.getTransaction(small.transaction_id as string)).toMatchObject({ status: "authorized", captured: false })
  })

  it("updatePayment never returns an id the caller passed", async () => {
    const service = provider()
    const other = await paid("30", { capture: false })
    const session = await service.initiatePayment({ amount: "30", currency_code: "usd", data: { session_id: "payses_upd" }, context: { idempotency_key: "payses_upd" } })
    const forged = { ...session.data, invoice_id: other.invoice_id, capture_key: "capt_x", source: "card_new" }
    const same = await service.updatePayment({ amount: "30", currency_code: "usd", data: forged, context: {} })
    expect(same.data).toEqual({ source: "card_new", currency: "usd", amount_minor: "3000" })
    const changed = await service.updatePayment({ amount: "31", currency_code: "usd", data: forged, context: {} })
    expect(changed.data).toEqual({ source: "card_new", currency: "usd", amount_minor: "3100", invoice_id: expect.not.stringMatching(other.invoice_id as string) })
  })
})

describe("a payment found at ProcessOut is trusted only when it is this session's", () => {
  const tampered: Array<[string, (own: Record<string, unknown>, other: Record<string, unknown>) => Record<string, unknown>, RegExp]> = [
    ["another session's transaction", (own, other) => ({ ...own, transaction_id: other.transaction_id }), /not on the session's invoice/],
    ["another session's transaction and invoice", (own, other) => ({ ...own, transaction_id: other.transaction_id, invoice_id: other.invoice_id }), /does not name this session/],
    ["a transaction of another amount", (own) => ({ ...own, amount_minor: "2999" }), /its amount 3000 is not the session's 2999/],
    ["a transaction in another currency", (own) => ({ ...own, currency: "eur" }), /its currency USD is not the session's eur/],
    ["an invoice of another amount (transaction id lost)", (own) => ({ ...own, transaction_id: undefined, amount_minor: "3001", source: card() }), /its amount 3000 is not the session's 3001/],
  ]
  it.each(tampered)("%s: authorize, status, retrieve and cancel refuse it; nothing is captured or voided", async (_name, tamper, why) => {
    const service = provider()
    const other = await paid("30", { capture: false })
    const own = await paid("30", { capture: false })
    const data = tamper(own, other)
    const mark = emulator.requests().length
    await expectMedusaError(service.authorizePayment({ data, context: { idempotency_key: "payses_again" } }), "not_allowed", why)
    await expectMedusaError(service.getPaymentStatus({ data }), "not_allowed", why)
    await expectMedusaError(service.retrievePayment({ data }), "not_allowed", why)
    await expectMedusaError(service.cancelPayment({ data, context: { idempotency_key: "pay_t" } }), "not_allowed", why)
    expect(emulator.requests().slice(mark).filter((r) => r.method !== "GET")).toEqual([])
    for (const tx of [own.transaction_id, other.transaction_id]) {
      expect(emulator.getTransaction(tx as string)).toMatchObject({ status: "authorized", captured: false, voided: false })
    }
  })

  it("an authorization answered for less than the session's amount is not reported as paid", async () => {
    const service = provider()
    const session = await service.initiatePayment({ amount: "30", currency_code: "usd", data: { session_id: "payses_less", source: card() } })
    emulator.rewrite = (req, body) => {
      if (req.path.endsWith("/authorize")) body.transaction.authorized_amount = "5"
    }
    await expectMedusaError(
      service.authorizePayment({ data: session.data, context: { idempotency_key: "payses_less" } }),
      "unexpected_state",
      /of 5 USD, not this session's amount\. Check that transaction/
    )
    expect(emulator.requests({ method: "POST", path: /\/capture$/ })).toEqual([])
  })

  it("a webhook whose transaction is not the named session's (invoice, amount, currency, unknown session) is ignored", async () => {
    await paid("30")
    const body = emulator.webhookBody(emulator.listEvents()[1])
    const storedAs = (patch: Record<string, unknown>) => ({
      async retrieve(id: string) {
        const session = await paymentSessionService.retrieve(id)
        return { ...session, data: { ...session.data, ...patch } }
      },
    })
    for (const patch of [{ invoice_id: "iv_other" }, { amount_minor: "2999" }, { currency: "eur" }]) {
      expect(await provider({}, { paymentSessionService: storedAs(patch) }).getWebhookActionAndData(hook(body))).toEqual({ action: PaymentActions.NOT_SUPPORTED })
    }
    const unknown = { retrieve: async () => Promise.reject(new MedusaError(MedusaError.Types.NOT_FOUND, "not found")) }
    expect(await provider({}, { paymentSessionService: unknown }).getWebhookActionAndData(hook(body))).toEqual({ action: PaymentActions.NOT_SUPPORTED })
    expect((await provider().getWebhookActionAndData(hook(body))).action).toBe(PaymentActions.SUCCESSFUL)
  })
})

describe("ids into URL paths", () => {
  const bad = ["iv_x/../../transactions/tr_y", "iv_abc?expand=transaction", "../invoices", "iv_%2F..", "tr_abc", " iv_abc", "iv_" + "a".repeat(200)]
  it.each(bad)("invoice id %p is refused before any request", async (invoiceId) => {
    const data: Record<string, unknown> = { ...(await paid("30", { capture: false })), invoice_id: invoiceId, source: card() }
    const { transaction_id, ...lost } = data
    const mark = emulator.requests().length
    const service = provider()
    await expectMedusaError(service.authorizePayment({ data: lost, context: { idempotency_key: "payses_inj" } }), "invalid_data", /not a ProcessOut id/)
    await expectMedusaError(service.capturePayment({ data, context: { idempotency_key: "capt_inj" } }), "invalid_data", /not a ProcessOut id/)
    await expectMedusaError(service.cancelPayment({ data, context: { idempotency_key: "pay_inj" } }), "invalid_data", /not a ProcessOut id/)
    await expectMedusaError(service.getPaymentStatus({ data: lost }), "invalid_data", /not a ProcessOut id/)
    await expectMedusaError(service.retrievePayment({ data: lost }), "invalid_data", /not a ProcessOut id/)
    expect(emulator.requests().slice(mark)).toEqual([])
  })

  it.each(["tr_x/../../invoices/iv_y", "tr_abc#", "iv_abc"])("transaction id %p is refused before any request", async (transactionId) => {
    const data = { ...(await paid("30")), transaction_id: transactionId }
    const mark = emulator.requests().length
    const service = provider({ refundVia: "transaction" })
    await expectMedusaError(service.getPaymentStatus({ data }), "invalid_data", /transaction id .* is not a ProcessOut id/)
    await expectMedusaError(service.authorizePayment({ data }), "invalid_data", /transaction id .* is not a ProcessOut id/)
    await expectMedusaError(service.refundPayment({ amount: 5, data, context: { idempotency_key: "ref_inj" } }), "invalid_data", /transaction id .* is not a ProcessOut id/)
    expect(emulator.requests().slice(mark)).toEqual([])
  })

  it("a webhook event id that is not ProcessOut's is ignored without a request", async () => {
    const service = provider()
    for (const eventId of ["ev_../../invoices", "ev_a/b", "ev_a?b", "x", "ev_a_b"]) {
      expect(await service.getWebhookActionAndData(hook({ event_id: eventId }))).toEqual({ action: PaymentActions.NOT_SUPPORTED })
    }
    expect(emulator.requests()).toEqual([])
  })
})

describe("webhooks: the URL token, the read budget, 429s and the shared memory", () => {
  it("a webhook without the URL token, or with a wrong one, costs no read; 300 forged posts make none", async () => {
    const service = provider()
    await paid("30")
    const real = emulator.webhookBody(emulator.listEvents()[1])
    for (const token of [null, "", "wrong", `${WEBHOOK_SECRET}x`, WEBHOOK_SECRET.slice(0, -1), WEBHOOK_SECRET.toUpperCase()]) {
      expect(await service.getWebhookActionAndData(hook(real, token))).toEqual({ action: PaymentActions.NOT_SUPPORTED })
      expect(await service.refundOutcomes(hook(real, token))).toEqual([])
    }
    const forged = await Promise.all(
      Array.from({ length: 300 }, (_, i) => service.getWebhookActionAndData(hook({ event_id: `ev_forged${i}` }, i % 2 ? "not-the-secret-0123456789" : null)))
    )
    expect(forged.filter((r) => r.action !== PaymentActions.NOT_SUPPORTED)).toEqual([])
    expect(emulator.requests({ method: "GET", path: /^\/events\// })).toHaveLength(0)
    // The same delivery with the token is read and acted on.
    expect((await service.getWebhookActionAndData(hook(real))).action).toBe(PaymentActions.SUCCESSFUL)
  })

  it("verifyWebhookToken (for the plugin's middleware) accepts only the secret, and nothing without one", async () => {
    const service = provider()
    expect(service.webhookTokenHeader).toBe("x-medusa-webhook-token")
    expect(service.verifyWebhookToken(WEBHOOK_SECRET)).toBe(true)
    for (const token of [undefined, "", "wrong", `${WEBHOOK_SECRET} `]) expect(service.verifyWebhookToken(token)).toBe(false)
    const warnings: string[] = []
    const open = provider({ webhookSecret: undefined }, { logger: { ...quiet, warn: (m: string) => warnings.push(m) } })
    expect(open.verifyWebhookToken(undefined)).toBe(false)
    expect(open.verifyWebhookToken("")).toBe(false)
    await paid("30")
    expect(await open.getWebhookActionAndData(hook(emulator.webhookBody(emulator.listEvents()[1])))).toEqual({ action: PaymentActions.NOT_SUPPORTED })
    expect(emulator.requests({ method: "GET", path: /^\/events\// })).toHaveLength(0)
    expect(warnings.join("\n")).toMatch(/`webhookSecret`/)
    expect(() => ProcessOutProviderService.validateOptions({ projectId: PROJECT, projectSecret: SECRET, webhookSecret: "short" })).toThrow(/`webhookSecret` must be at least 16/)
  })

  it("reads at most webhookReadsPerMinute events; more are ignored without an error, and read once the budget refills", async () => {
    const service = provider({ webhookReadsPerMinute: 2 })
    await paid("30")
    await paid("31")
    const events = emulator.listEvents()
    const actions = []
    for (const e of events) actions.push((await service.getWebhookActionAndData(hook(emulator.webhookBody(e)))).action)
    expect(actions).toEqual([PaymentActions.AUTHORIZED, PaymentActions.SUCCESSFUL, PaymentActions.NOT_SUPPORTED, PaymentActions.NOT_SUPPORTED])
    expect(emulator.requests({ method: "GET", path: /^\/events\// })).toHaveLength(2)
    const later = Date.now() + 60_000
    const clock = jest.spyOn(Date, "now").mockImplementation(() => later)
    try {
      expect((await service.getWebhookActionAndData(hook(emulator.webhookBody(events[3])))).action).toBe(PaymentActions.SUCCESSFUL)
    } finally {
      clock.mockRestore()
    }
  })

  it("a 429 on the event read is logged, not thrown (Medusa would retry the webhook) and not retried", async () => {
    const warnings: string[] = []
    const service = provider({ maxRetries: 2 }, { logger: { ...quiet, warn: (m: string) => warnings.push(m) } })
    await paid("30")
    const delivery = hook(emulator.webhookBody(emulator.listEvents()[1]))
    emulator.rateLimitEvents = true
    expect(await service.getWebhookActionAndData(delivery)).toEqual({ action: PaymentActions.NOT_SUPPORTED })
    expect(await service.refundOutcomes(delivery)).toEqual([])
    expect(emulator.requests({ method: "GET", path: /^\/events\// }).map((r) => r.status)).toEqual([429, 429])
    expect(warnings.join("\n")).toMatch(/rate-limited/)
    // Not remembered: handled once ProcessOut answers again.
    emulator.rateLimitEvents = false
    expect((await service.getWebhookActionAndData(delivery)).action).toBe(PaymentActions.SUCCESSFUL)
  })

  it("remembers handled events in Medusa's caching module, shared by every instance", async () => {
    const cache = new Map<string, unknown>()
    const caching = {
      get: async ({ key }: { key: string }) => cache.get(key),
      set: async ({ key, data }: { key: string; data: unknown }) => void cache.set(key, data),
    }
    const [a, b] = [provider({}, { caching }), provider({}, { caching })]
    await paid("30")
    const event = emulator.listEvents()[1]
    const delivery = hook(emulator.webhookBody(event))
    expect((await a.getWebhookActionAndData(delivery)).action).toBe(PaymentActions.SUCCESSFUL)
    expect(await b.getWebhookActionAndData(delivery)).toEqual({ action: PaymentActions.NOT_SUPPORTED })
    expect(await provider({}, { caching }).getWebhookActionAndData(delivery)).toEqual({ action: PaymentActions.NOT_SUPPORTED }) // a restart
    expect(emulator.requests({ method: "GET", path: `/events/${event.id}` })).toHaveLength(1)
    expect([...cache.keys()]).toEqual([`medusa-refund-processors:webhook:processout:action:${event.id}`])
  })
})

describe("refund reasons", () => {
  it("are looked up as own keys only: constructor, toString and __proto__ are not reasons", () => {
    const options = { refundReasons: { damaged: "fraud" as const }, defaultRefundReason: "other" as const }
    for (const code of ["constructor", "toString", "__proto__", "hasOwnProperty"]) expect(refundReasonFor(code, options)).toBe("other")
    expect(refundReasonFor("damaged", options)).toBe("fraud")
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

describe("the cart's lines as invoice details, and a return's as invoice_detail_ids (seed 004 L31)", () => {
  const lines = [
    { id: "cali_1", variant_id: "variant_tee", sku: "TEE-M", title: "T-Shirt – M", quantity: "2", unit_price: "12.345" },
    { id: "cali_2", variant_id: "variant_mug", sku: null, title: "Mug", quantity: "1", unit_price: "10" },
    { id: "cali_3", variant_id: null, sku: null, title: "Custom engraving", quantity: "1", unit_price: "0" },
  ]
  const returnItem = (over: Record<string, unknown> = {}) => ({
    item_id: "ordli_1",
    variant_id: "variant_tee",
    sku: "TEE-M",
    title: "T-Shirt – M",
    quantity: "2",
    unit_total: "12.35",
    total: "24.69",
    reason_code: "damaged",
    damaged: true,
    ...over,
  })

  async function paidWithLines(service: ProcessOutProviderService, stamp: Record<string, unknown>, amount = "34.69") {
    const id = ++seq
    const session = await service.initiatePayment({
      amount,
      currency_code: "usd",
      data: { session_id: `payses_${id}`, source: card(), ...stamp },
      context: { idempotency_key: `payses_${id}` },
    })
    const auth = await service.authorizePayment({ data: session.data, context: { idempotency_key: `payses_${id}` } })
    return { session, data: (await service.capturePayment({ data: auth.data, context: { idempotency_key: `capt_${id}` } })).data! }
  }

  it("creates the invoice with the stamped lines as details (name, unit amount, quantity, reference), and stores no line in the session", async () => {
    const service = provider()
    const { session } = await paidWithLines(service, service.stampCartLines(lines, { amount: { value: "34.69" }, currency: "usd" }))
    const [req] = emulator.requests({ method: "POST", path: "/invoices" }) as Array<RecordedRequest & { body: any }>
    expect(req.body.details).toEqual([
      { name: "T-Shirt – M", amount: "12.35", quantity: 2, reference: "variant_tee", metadata: { medusa_line_item_id: "cali_1", medusa_variant_id: "variant_tee" } },
      { name: "Mug", amount: "10.00", quantity: 1, reference: "variant_mug", metadata: { medusa_line_item_id: "cali_2", medusa_variant_id: "variant_mug" } },
      { name: "Custom engraving", amount: "0", quantity: 1, reference: "cali_3", metadata: { medusa_line_item_id: "cali_3" } },
    ])
    expect(emulator.getInvoice(session.id)!.details.map((d) => d.id)).toEqual([expect.stringMatching(/^iv_det_/), expect.stringMatching(/^iv_det_/), expect.stringMatching(/^iv_det_/)])
    expect(session.data).toMatchObject({ cart_lines: null, cart_lines_proof: null })
  })

  it.each([
    ["lines the shopper wrote, without a proof", () => ({ cart_lines: JSON.stringify(lines) })],
    ["lines stamped for another amount", () => provider().stampCartLines(lines, { amount: "99", currency: "usd" })],
    ["lines stamped with another store's secret", () => provider({ projectSecret: "key_other_store_secret" }).stampCartLines(lines, { amount: "34.69", currency: "usd" })],
    ["stamped lines the shopper edited", () => {
      const stamp = provider().stampCartLines(lines, { amount: "34.69", currency: "usd" })
      return { ...stamp, cart_lines: stamp.cart_lines!.replace("12.345", "0.01") }
    }],
  ])("sends no details for %s", async (_name, stamp) => {
    await paidWithLines(provider(), stamp())
    const [req] = emulator.requests({ method: "POST", path: "/invoices" }) as Array<RecordedRequest & { body: any }>
    expect(req.body.details).toBeUndefined()
  })

  it("a refund of a returned whole line names its invoice detail; a line returned in part names none", async () => {
    const metadata = { return_id: "ret_1", return_items: [returnItem(), returnItem({ item_id: "ordli_2", variant_id: "variant_mug", sku: null, title: "Mug", quantity: "1" })] }
    const infos: string[] = []
    const service = provider({}, { logger: { ...quiet, info: (m: string) => infos.push(m) }, refundService: { retrieve: async (id: string) => ({ id, note: null, metadata }) } })
    const { session, data } = await paidWithLines(service, service.stampCartLines(lines, { amount: "34.69", currency: "usd" }))
    await service.refundPayment({ amount: "34.69", data, context: { idempotency_key: "ref_ret1" } })
    const details = emulator.getInvoice(session.id)!.details
    const [refund] = refundPosts()
    expect(refund.status).toBe(200)
    expect(refund.body.invoice_detail_ids).toEqual([details[0]!.id, details[1]!.id])
    expect(refund.body.metadata).toEqual({ medusa_refund_id: "ref_ret1", session_id: data.session_id, return_id: "ret_1" })
    expect(emulator.requests({ method: "GET", path: `/invoices/${session.id}` }).length).toBeGreaterThan(0)

    emulator.reset()
    const partial = provider({}, { logger: { ...quiet, info: (m: string) => infos.push(m) }, refundService: { retrieve: async (id: string) => ({ id, metadata: { return_items: [returnItem({ quantity: "1" })] } }) } })
    const second = await paidWithLines(partial, partial.stampCartLines(lines, { amount: "34.69", currency: "usd" }))
    await partial.refundPayment({ amount: "12.35", data: second.data, context: { idempotency_key: "ref_ret2" } })
    expect(refundPosts()[0].body.invoice_detail_ids).toBeUndefined()
    expect(infos.join("\n")).toMatch(/1 returned line\(s\) come back in part/)
  })

  it("refunds without ids, never failing, when return_items is invalid or the invoice has no details", async () => {
    const warnings: string[] = []
    const service = provider({}, { logger: { ...quiet, warn: (m: string) => warnings.push(m) }, refundService: { retrieve: async (id: string) => ({ id, metadata: { return_items: [returnItem({ quantity: 2 })] } }) } })
    const data = await paid("20", { service })
    await service.refundPayment({ amount: 5, data, context: { idempotency_key: "ref_bad" } })
    expect(refundPosts()[0]).toMatchObject({ status: 200 })
    expect(refundPosts()[0].body.invoice_detail_ids).toBeUndefined()
    expect(warnings.join("\n")).toMatch(/return_items ignored/)
    const plain = provider({}, { refundService: { retrieve: async (id: string) => ({ id, metadata: { return_items: [returnItem()] } }) } })
    const other = await paid("20", { service: plain })
    await plain.refundPayment({ amount: 5, data: other, context: { idempotency_key: "ref_nodetails" } })
    expect(refundPosts()[1]).toMatchObject({ status: 200 })
    expect(refundPosts()[1].body.invoice_detail_ids).toBeUndefined()
  })
})
