/**
 * The ProcessOut emulator against ProcessOut's documents alone (excerpts in ./documents.ts, each naming its
 * source): their example answers, each documented limit, error and state. No provider code is used; what the
 * suite knows of the emulator is its README (default credentials, test sources, test helpers).
 * Rules that are our reading of a document rather than its words say so ("reading").
 */
import { DEFAULT_PROCESSOUT_PROJECT_ID, DEFAULT_PROCESSOUT_PROJECT_SECRET, ProcessOutEmulator } from "../../../src/emulators/processout"
import {
  SEED_REFUND_OBJECT,
  SPEC_400_NOTHING_TO_REFUND,
  SPEC_401,
  SPEC_404_EVENT,
  SPEC_404_INVOICE,
  SPEC_404_TRANSACTION,
  SPEC_410_DECLINE,
  SPEC_4XX,
  SPEC_AUTHORIZE_200,
  SPEC_CREATE_INVOICE,
  SPEC_CREATE_INVOICE_200,
  SPEC_EVENT_200,
  SPEC_INVOICE_DETAIL,
  SPEC_REFUND_200,
  SPEC_REFUND_REQUEST,
  SPEC_TRANSACTION_CAPTURED_200,
} from "./documents"

const basic = (id = DEFAULT_PROCESSOUT_PROJECT_ID, secret = DEFAULT_PROCESSOUT_PROJECT_SECRET) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`
let emulator: ProcessOutEmulator
let seq = 0
/** A test source (emulator README "Test sources"): `card_…`, declined when it names a decline. */
const card = (kind = "ok") => `card_${kind}_${++seq}`

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { authorization: basic(), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

/** An error in the documented envelope (SPEC_4XX): exactly error_type, message and success false. */
function expectEnvelope(res: { status: number; body: any }, status: number) {
  expect(res.status).toBe(status)
  expect(Object.keys(res.body).sort()).toEqual(Object.keys(SPEC_4XX).sort())
  expect(res.body).toMatchObject({ success: false, error_type: expect.any(String), message: expect.any(String) })
}

/** Every field of a documented example that the answer also has is of the example's JSON type. */
function expectExampleTypes(answer: Record<string, unknown>, example: Record<string, unknown>) {
  const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v)
  const differing = Object.entries(example)
    .filter(([k, v]) => v !== null && k in answer && answer[k] !== null && kind(answer[k]) !== kind(v))
    .map(([k, v]) => `${k}: ${kind(answer[k])}, documented ${kind(v)}`)
  expect(differing).toEqual([])
}

const EXAMPLE_INVOICE = SPEC_CREATE_INVOICE_200.invoice
const invoiceBody = (over: Record<string, unknown> = {}) => ({
  name: EXAMPLE_INVOICE.name,
  amount: EXAMPLE_INVOICE.amount,
  currency: EXAMPLE_INVOICE.currency,
  metadata: EXAMPLE_INVOICE.metadata,
  return_url: EXAMPLE_INVOICE.return_url,
  ...over,
})

async function invoice(over: Record<string, unknown> = {}) {
  const res = await call("POST", "/invoices", invoiceBody(over))
  expect(res.status).toBe(200)
  return res.body.invoice
}
async function authorized(over: Record<string, unknown> = {}) {
  const iv = await invoice(over)
  const res = await call("POST", `/invoices/${iv.id}/authorize`, { source: card() })
  expect(res.status).toBe(200)
  return { invoice: iv, transaction: res.body.transaction }
}
async function captured(over: Record<string, unknown> = {}) {
  const { invoice: iv } = await authorized(over)
  const res = await call("POST", `/invoices/${iv.id}/capture`, {})
  expect(res.status).toBe(200)
  return { invoice: iv, transaction: res.body.transaction }
}

beforeAll(async () => {
  emulator = new ProcessOutEmulator()
  await emulator.start()
})
afterAll(() => emulator.stop())
beforeEach(() => emulator.reset())

describe("spec security: HTTP Basic with the project id as user name; every operation's 401 example", () => {
  it.each([
    ["POST", "/invoices", invoiceBody()],
    ["GET", "/invoices/iv_x", undefined],
    ["POST", "/invoices/iv_x/authorize", { source: "card_x" }],
    ["POST", "/invoices/iv_x/capture", {}],
    ["POST", "/invoices/iv_x/refunds", { amount: "1" }],
    ["GET", "/transactions/tr_x", undefined],
    ["GET", "/events/ev_x", undefined],
  ])("%s %s answers the documented 401 without, or with wrong, credentials", async (method, path, body) => {
    for (const authorization of ["", basic(DEFAULT_PROCESSOUT_PROJECT_ID, "wrong"), basic("proj_other", DEFAULT_PROCESSOUT_PROJECT_SECRET)]) {
      const res = await call(method, path, body, { authorization })
      expect(res).toEqual({ status: 401, body: SPEC_401 })
    }
    expect(emulator.listInvoices()).toEqual([])
  })
})

describe("spec POST /invoices (create-an-invoice)", () => {
  it("answers the example's fields for the example's values", async () => {
    const res = await call("POST", "/invoices", invoiceBody({ webhook_url: EXAMPLE_INVOICE.webhook_url }))
    expect(res.status).toBe(200)
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(SPEC_CREATE_INVOICE_200).sort())
    const { id, project_id, transaction_id, url, created_at, cancel_url, expires_at, ...same } = EXAMPLE_INVOICE
    expect(res.body).toMatchObject({ success: true, invoice: { ...same, id: expect.stringMatching(/^iv_/) } })
    expectExampleTypes(res.body.invoice, EXAMPLE_INVOICE)
  })

  it.each(SPEC_CREATE_INVOICE.required)("refuses an invoice without its required `%s`", async (field) => {
    const body: Record<string, unknown> = invoiceBody()
    delete body[field]
    expectEnvelope(await call("POST", "/invoices", body), 400)
    expect(emulator.listInvoices()).toEqual([])
  })

  it("amount: a major-unit decimal string with at most 4 decimal places (CLF has 4 in ISO 4217)", async () => {
    expect((await invoice({ amount: "1.2345", currency: "CLF" })).amount).toBe("1.2345")
    expectEnvelope(await call("POST", "/invoices", invoiceBody({ amount: "1.23456", currency: "CLF" })), 400)
  })

  it.each([
    ["29.001", "EUR"],
    ["29.5", "JPY"],
    ["29.0001", "KWD"],
  ])("amount %s %s: reading of 'as per ISO 4217': no more decimal places than the currency's minor unit", async (amount, currency) => {
    const res = await call("POST", "/invoices", invoiceBody({ amount, currency }))
    expectEnvelope(res, 400)
    expect(res.body.error_type).toBe(SPEC_400_NOTHING_TO_REFUND.error_type) // the documented type for amounts
  })

  it.each(["EURO", "E", "ZZZ", "123"])("currency %p: must be a valid ISO 4217 code with 3 characters", async (currency) => {
    expectEnvelope(await call("POST", "/invoices", invoiceBody({ currency })), 400)
  })

  it.each(["return_url", "webhook_url"])("%s: must be a valid URL", async (field) => {
    expectEnvelope(await call("POST", "/invoices", invoiceBody({ [field]: "not a url" })), 400)
  })
})

describe("spec GET /invoices/{id} (fetch-an-invoice)", () => {
  it("answers the invoice as created, and the documented 404 for an unknown one", async () => {
    const iv = await invoice()
    expect((await call("GET", `/invoices/${iv.id}`)).body).toEqual({ invoice: iv, success: true })
    expect(await call("GET", "/invoices/iv_unknown")).toEqual({ status: 404, body: SPEC_404_INVOICE })
  })
})

describe("spec POST /invoices/{id}/authorize (authorizing-an-invoice)", () => {
  it("answers an authorized transaction as the 200 example shows it", async () => {
    const { invoice: iv, transaction } = await authorized()
    const { id, project_id, invoice_id, created_at, card_id, error_code, error_message, refunds, metadata, ...same } = SPEC_AUTHORIZE_200.transaction
    expect(transaction).toMatchObject({ ...same, id: expect.stringMatching(/^tr_/), invoice_id: iv.id })
    expectExampleTypes(transaction, SPEC_AUTHORIZE_200.transaction)
    expect((await call("GET", `/invoices/${iv.id}`)).body.invoice.transaction_id).toBe(transaction.id)
  })

  it("answers the documented 410 for a declined card, and 404 for an unknown invoice", async () => {
    const iv = await invoice()
    expect(await call("POST", `/invoices/${iv.id}/authorize`, { source: card("do-not-honor") })).toEqual({ status: 410, body: SPEC_410_DECLINE })
    expect(await call("POST", "/invoices/iv_unknown/authorize", { source: card() })).toEqual({ status: 404, body: SPEC_404_INVOICE })
  })

  it("Idempotency-Key: the same request under the same key authorizes once", async () => {
    const iv = await invoice()
    const body = { source: card() }
    const first = await call("POST", `/invoices/${iv.id}/authorize`, body, { "idempotency-key": "auth-1" })
    const again = await call("POST", `/invoices/${iv.id}/authorize`, body, { "idempotency-key": "auth-1" })
    expect(again).toEqual(first)
    expect(first.body.transaction.attempts_count).toBe(1)
  })
})

describe("spec POST /invoices/{id}/capture (capture-an-invoice)", () => {
  it("captures the authorization: the captured state of fetching-a-transaction's example", async () => {
    const { transaction } = await captured({ amount: "40" })
    const { id, invoice_id, captured_at, refunds, ...same } = SPEC_TRANSACTION_CAPTURED_200.transaction
    expect(transaction).toMatchObject(same)
    expectExampleTypes(transaction, SPEC_TRANSACTION_CAPTURED_200.transaction)
  })

  it("capture_amount captures part of the transaction", async () => {
    const { invoice: iv } = await authorized({ amount: "40" })
    const res = await call("POST", `/invoices/${iv.id}/capture`, { capture_amount: "10.5" })
    expect(res.body.transaction).toMatchObject({ status: "completed", captured: true, authorized_amount: "40", captured_amount: "10.5" })
  })

  it("capture_amount: reading of 'as per ISO 4217': no more decimal places than the currency has", async () => {
    const { invoice: iv } = await authorized({ amount: "40" })
    expectEnvelope(await call("POST", `/invoices/${iv.id}/capture`, { capture_amount: "10.505" }), 400)
  })

  it("a source captures an invoice not yet authorized; a decline is the documented 410; an unknown invoice 404", async () => {
    const iv = await invoice()
    expect((await call("POST", `/invoices/${iv.id}/capture`, { source: card() })).body.transaction).toMatchObject({ status: "completed", captured: true, captured_amount: "29" })
    const other = await invoice()
    expect(await call("POST", `/invoices/${other.id}/capture`, { source: card("do-not-honor") })).toEqual({ status: 410, body: SPEC_410_DECLINE })
    expect(await call("POST", "/invoices/iv_unknown/capture", {})).toEqual({ status: 404, body: SPEC_404_INVOICE })
  })
})

describe("spec POST /invoices/{id}/refunds (refund-an-invoice) and seed 004", () => {
  it("answers exactly the 200 example's fields; `reason` defaults to `other`", async () => {
    const { invoice: iv, transaction } = await captured()
    const res = await call("POST", `/invoices/${iv.id}/refunds`, { amount: "29" })
    expect(res.status).toBe(200)
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(SPEC_REFUND_200).sort())
    expect(Object.keys(res.body.refund).sort()).toEqual(Object.keys(SPEC_REFUND_200.refund).sort())
    const { id, transaction_id, created_at, reason, ...same } = SPEC_REFUND_200.refund
    expect(res.body.refund).toEqual({ ...same, id: expect.stringMatching(/^refd_/), transaction_id: transaction.id, created_at: expect.any(String), reason: SPEC_REFUND_REQUEST.reasonDefault })
  })

  it("seed L13-31: the refund has every field the seed lists, of its type", async () => {
    const { invoice: iv } = await captured()
    const { refund } = (await call("POST", `/invoices/${iv.id}/refunds`, { amount: "5", invoice_detail_ids: [] })).body
    for (const { field, type } of SEED_REFUND_OBJECT) {
      const value = refund[field]
      if (type === "datetime") expect(Number.isNaN(Date.parse(value))).toBe(false)
      else if (type === "[]string") expect(Array.isArray(value) && value.every((v: unknown) => typeof v === "string")).toBe(true)
      else expect(typeof value).toBe(type)
    }
  })

  it("seed L7: the amount is in major units; L1, L5: a part, then the rest; then the documented 400", async () => {
    const { invoice: iv } = await captured()
    expect((await call("POST", `/invoices/${iv.id}/refunds`, { amount: "10.5" })).body.refund.amount).toBe("10.5")
    expect((await call("POST", `/invoices/${iv.id}/refunds`, { amount: "18.5" })).body.refund.amount).toBe("18.5")
    expect(await call("POST", `/invoices/${iv.id}/refunds`, { amount: "0.01" })).toEqual({ status: 400, body: SPEC_400_NOTHING_TO_REFUND })
  })

  it("the total at once, then the documented 400", async () => {
    const { invoice: iv } = await captured()
    expect((await call("POST", `/invoices/${iv.id}/refunds`, { amount: "29" })).status).toBe(200)
    expect(await call("POST", `/invoices/${iv.id}/refunds`, { amount: "1" })).toEqual({ status: 400, body: SPEC_400_NOTHING_TO_REFUND })
  })

  it("the documented 400 for an authorized transaction (available_amount \"0\" in the authorize example)", async () => {
    const { invoice: iv } = await authorized()
    expect(await call("POST", `/invoices/${iv.id}/refunds`, { amount: "1" })).toEqual({ status: 400, body: SPEC_400_NOTHING_TO_REFUND })
    expect(emulator.listRefunds()).toEqual([])
  })

  it("`amount` is required; an unknown invoice is the documented 404", async () => {
    const { invoice: iv } = await captured()
    expectEnvelope(await call("POST", `/invoices/${iv.id}/refunds`, { reason: "fraud" }), 400)
    expect(await call("POST", "/invoices/iv_unknown/refunds", { amount: "1" })).toEqual({ status: 404, body: SPEC_404_INVOICE })
    expect(emulator.listRefunds()).toEqual([])
  })

  it("amount: reading of 'as per ISO 4217': no more decimal places than the currency has", async () => {
    const { invoice: iv } = await captured({ amount: "2900", currency: "JPY" })
    expectEnvelope(await call("POST", `/invoices/${iv.id}/refunds`, { amount: "10.5" }), 400)
    expect(emulator.listRefunds()).toEqual([])
  })

  it.each(SPEC_REFUND_REQUEST.reasons)("reason %p is taken (seed L18 lists three, the spec adds `other`)", async (reason) => {
    const { invoice: iv } = await captured()
    expect((await call("POST", `/invoices/${iv.id}/refunds`, { amount: "1", reason })).body.refund.reason).toBe(reason)
  })

  it("seed L19, L24, L31: information, metadata (string - string) and invoice_detail_ids are taken as sent", async () => {
    const { id: _id, ...detail } = SPEC_INVOICE_DETAIL
    const { invoice: iv } = await captured({ details: [detail] })
    const sent = { amount: "2", information: "Damaged: one mug", metadata: { order: "ord_1", note: "x" }, invoice_detail_ids: [iv.details[0].id] }
    expect((await call("POST", `/invoices/${iv.id}/refunds`, sent)).body.refund).toMatchObject(sent)
  })

  it("seed L31: invoice_detail_ids name details of the transaction's invoice (reading: others, or one named twice, are refused)", async () => {
    const { id: _id, ...detail } = SPEC_INVOICE_DETAIL
    const other = await invoice({ details: [detail] })
    const { invoice: iv } = await captured({ details: [detail, { ...detail, reference: "second" }] })
    for (const ids of [["iv_det_1"], [other.details[0].id], [iv.details[0].id, iv.details[0].id], "iv_det_1", [7]]) {
      expectEnvelope(await call("POST", `/invoices/${iv.id}/refunds`, { amount: "1", invoice_detail_ids: ids }), 400)
    }
    expect(emulator.listRefunds()).toHaveLength(0)
    const both = [iv.details[0].id, iv.details[1].id]
    expect((await call("POST", `/invoices/${iv.id}/refunds`, { amount: "1", invoice_detail_ids: both })).body.refund.invoice_detail_ids).toEqual(both)
  })

  it("seed L15, L22, L26, L29: the readonly fields are ProcessOut's, whatever the request says", async () => {
    const { invoice: iv } = await captured()
    const claimed = { id: "refd_mine", has_failed: true, sandbox: false, created_at: "2000-01-01T00:00:00Z" }
    const { refund } = (await call("POST", `/invoices/${iv.id}/refunds`, { amount: "3", ...claimed })).body
    expect(refund.id).not.toBe(claimed.id)
    expect(refund).toMatchObject({ has_failed: false, sandbox: true })
    expect(refund.created_at).not.toBe(claimed.created_at)
  })

  it("Idempotency-Key: the same refund under the same key is made once", async () => {
    const { invoice: iv } = await captured()
    const first = await call("POST", `/invoices/${iv.id}/refunds`, { amount: "4" }, { "idempotency-key": "refund-1" })
    const again = await call("POST", `/invoices/${iv.id}/refunds`, { amount: "4" }, { "idempotency-key": "refund-1" })
    expect(again).toEqual(first)
    expect(emulator.listRefunds()).toHaveLength(1)
  })
})

describe("spec GET /transactions/{id} (fetching-a-transaction)", () => {
  it("answers the transaction as its operations left it, and the documented 404 for an unknown one", async () => {
    const { transaction } = await captured()
    const res = await call("GET", `/transactions/${transaction.id}`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ success: true, transaction: { id: transaction.id, status: "completed", captured_amount: "29" } })
    expectExampleTypes(res.body.transaction, SPEC_TRANSACTION_CAPTURED_200.transaction)
    expect(await call("GET", "/transactions/tr_unknown")).toEqual({ status: 404, body: SPEC_404_TRANSACTION })
  })
})

describe("spec GET /events/{id} (fetching-an-event)", () => {
  it("a declined payment's event is `transaction.failed` carrying the failed transaction, as the example", async () => {
    const iv = await invoice()
    await call("POST", `/invoices/${iv.id}/authorize`, { source: card("do-not-honor") })
    const [fired] = emulator.listEvents()
    const res = await call("GET", `/events/${fired!.id}`)
    expect(res.status).toBe(200)
    const { event } = res.body
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(SPEC_EVENT_200).sort())
    expect(event).toMatchObject({ id: fired!.id, name: SPEC_EVENT_200.event.name, data: { name: SPEC_EVENT_200.event.name, sandbox: true } })
    expect(event.data.transaction).toMatchObject({ invoice_id: iv.id, status: "failed", error_code: SPEC_410_DECLINE.error_type, authorized: false, captured: false })
    expectExampleTypes(event, SPEC_EVENT_200.event)
    expectExampleTypes(event.data.transaction, SPEC_EVENT_200.event.data.transaction)
  })

  it("answers the documented 404 for an unknown event", async () => {
    expect(await call("GET", "/events/ev_unknown")).toEqual({ status: 404, body: SPEC_404_EVENT })
  })
})

describe("spec POST /invoices `details` (create-an-invoice; answers: fetch-an-invoice 200)", () => {
  const { id: _id, ...detail } = SPEC_INVOICE_DETAIL

  it("keeps the example's detail as sent, with an iv_det_ id, in the answer and on a fetch (spec 200 examples)", async () => {
    const iv = await invoice({ details: [detail] })
    expect(iv.details).toEqual([{ ...detail, id: expect.stringMatching(/^iv_det_[A-Za-z0-9]+$/) }])
    const fetched = await call("GET", `/invoices/${iv.id}`)
    expect(fetched.body.invoice.details).toEqual(iv.details)
    expectExampleTypes(iv.details[0], SPEC_INVOICE_DETAIL)
  })

  it("quantity defaults to 1 (spec: \"Default value is 1\")", async () => {
    const { quantity: _q, ...noQuantity } = detail
    expect((await invoice({ details: [noQuantity] })).details[0].quantity).toBe(1)
  })

  it.each([
    ["no name (required)", { name: undefined }],
    ["no amount (required)", { amount: undefined }],
    ["a name of 81 characters (\"Maximum 80 characters long\")", { name: "n".repeat(81) }],
    ["a type of 31 characters (\"Maximum 30 characters long\")", { type: "t".repeat(31) }],
    ["a reference of 256 characters (\"Maximum 255 characters long\")", { reference: "r".repeat(256) }],
    ["a brand of 81 characters (\"Maximum 80 characters long\")", { brand: "b".repeat(81) }],
    ["a category not listed", { category: "weapons" }],
    ["a condition not listed", { condition: "broken" }],
    ["a quantity that is not an integer (int32)", { quantity: 1.5 }],
    ["an amount as a number (amounts are strings)", { amount: 1000 }],
    ["metadata that is not string - string", { metadata: { a: 1 } }],
  ])("refuses a detail with %s", async (_name, over) => {
    const res = await call("POST", "/invoices", invoiceBody({ details: [{ ...detail, ...over }] }))
    expectEnvelope(res, 400)
    expect(emulator.listInvoices()).toHaveLength(0)
  })
})
