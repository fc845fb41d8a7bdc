/**
 * Stateful emulator of ProcessOut's API: invoices, authorizations by test token, captures (full or partial),
 * voids, refunds with balances, events fetchable by id and unsigned webhooks posted to a configured URL.
 *
 * Sources, cited at each rule: "seed 004 Lnn" is ProcessOut's refund page as copied in the project's seed
 * (004_afdedcaab45cf32f.txt, line nn); "spec <METHOD path>" is that operation of the assembled OpenAPI file
 * (api-evangelist/processout openapi/_original/processout-openapi.json @ 6c5f2fe8). A rule neither names is ours:
 * marked "CHOICE:" here and listed in src/emulators/README.md (ProcessOut, "Our choices"); a few follow the
 * official SDK's definitions (processout/processout-node src/*.ts) and say so.
 */
import { EmulatorServer, isJsonContentType, type EmulatorRequest, type EmulatorResponse, type RouteHandler } from "../core/server"
import { IdempotencyStore, requestFingerprint } from "../core/idempotency"
import { randomString } from "../core/ids"
import { answeringRefusals, refuse } from "../core/refusal"
import { ISO_4217_EXPONENTS } from "../../core/money/iso4217"
import { Decimal } from "../../core/money/decimal"
import type {
  ProcessOutErrorBody,
  ProcessOutEvent,
  ProcessOutInvoice,
  ProcessOutRefund,
  ProcessOutRefundReason,
  ProcessOutTransaction,
  ProcessOutWebhookBody,
  WebhookDelivery,
} from "./types"

export * from "./types"

export const DEFAULT_PROCESSOUT_PROJECT_ID = "test-proj_emulator"
export const DEFAULT_PROCESSOUT_PROJECT_SECRET = "key_sandbox_emulator"

export interface ProcessOutEmulatorOptions {
  /** Accepted Basic-auth credentials. Default: one project, test-proj_emulator / key_sandbox_emulator. */
  projects?: Array<{ id: string; secret: string }>
  /** Project-level webhook URL; an invoice's `webhook_url` overrides it. Unset: no webhook is posted. */
  webhookUrl?: string
}

/** "immediate": refunds settle at once; "pending": they wait for settleRefund(); "fail": they fail at once. */
export type RefundMode = "immediate" | "pending" | "fail"

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const objectId = (prefix: string): string => `${prefix}_${randomString(32, ALNUM)}`
const REFUND_REASONS: readonly ProcessOutRefundReason[] = ["customer_request", "duplicate", "fraud", "other"]
/** Spec POST /invoices `amount`: "Maximum 4 decimal places supported as per ISO 4217". */
const AMOUNT = /^\d+(\.\d{1,4})?$/
const AUTH_MESSAGE =
  "Could not read your project ID. Please make sure to use Basic HTTP authentication using your project ID as the username. If you have any questions, feel free to ask for help at help@processout.com!"


export function processoutError(status: number, errorType: string, message: string): EmulatorResponse {
  const body: ProcessOutErrorBody = { success: false, error_type: errorType, message }
  return { status, body }
}

function fail(status: number, errorType: string, message: string): never {
  refuse(processoutError(status, errorType, message))
}

/** Amounts are echoed without trailing zeros, as every example shows them ("29", "32.18": spec GET /transactions/{id}). */
function fmt(value: Decimal): string {
  return value.toString() // Decimal: plain notation, no trailing zeros
}

/**
 * CHOICE: answers leave out fields whose value is null (the examples show them as null): the spec types
 * most of them as strings (error_code, voided_at, …) and marks none required, so absent validates everywhere.
 */
function present<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) as T
}

/**
 * CHOICE: a test source's outcome is decided by its content (README "Test sources"). The decline answer is
 * documented: 410 `card.do-not-honor` "The bank has returned a do-not-honor error" (spec POST
 * /invoices/{id}/authorize and /capture, "Transaction error").
 */
function sourceOutcome(source: string): { ok: true } | { ok: false; type: string; message: string } {
  if (source.includes("insufficient")) return { ok: false, type: "card.insufficient-funds", message: "The card has insufficient funds." }
  if (source.includes("do-not-honor")) return { ok: false, type: "card.do-not-honor", message: "The bank has returned a do-not-honor error" }
  if (source.includes("decline")) return { ok: false, type: "card.declined", message: "The card was declined." }
  return { ok: true }
}

interface RefundState {
  refund: ProcessOutRefund
  /** Counted against the available amount but not yet in refunded_amount. */
  pending: boolean
}

export class ProcessOutEmulator extends EmulatorServer {
  readonly projects: ReadonlyArray<{ id: string; secret: string }>
  webhookUrl: string | undefined
  /** How new refunds behave; tests switch it. */
  refundMode: RefundMode = "immediate"

  private invoices = new Map<string, ProcessOutInvoice>()
  private transactions = new Map<string, ProcessOutTransaction>()
  private refunds = new Map<string, RefundState>()
  private events = new Map<string, ProcessOutEvent>()
  private deliveries: WebhookDelivery[] = []
  private inFlight = new Set<Promise<void>>()
  private readonly idempotency = new IdempotencyStore()
  private clock = 0

  constructor(opts: ProcessOutEmulatorOptions = {}) {
    super()
    this.projects = opts.projects?.length
      ? opts.projects.map((p) => ({ ...p }))
      : [{ id: DEFAULT_PROCESSOUT_PROJECT_ID, secret: DEFAULT_PROCESSOUT_PROJECT_SECRET }]
    this.webhookUrl = opts.webhookUrl

    // Documented: spec POST /invoices, GET /invoices/{id}, POST /invoices/{id}/authorize, /capture, /refunds,
    // GET /transactions/{id}, GET /events/{id}. The other routes follow the SDK (each says where).
    this.route("POST", "/invoices", this.idempotent((req) => this.createInvoice(req)))
    // CHOICE (SDK invoice.ts `all`): {success, invoices}, newest first; `limit` (1..100, default 10).
    this.route("GET", "/invoices", this.safe((req) => {
      const limit = Math.min(100, Math.max(1, Number(req.query.limit ?? 10) || 10))
      const invoices = this.listInvoices().reverse().slice(0, limit).map((i) => present(i))
      return { status: 200, body: { success: true, invoices } }
    }))
    this.route("GET", "/invoices/:id", this.safe((req) => ({ status: 200, body: { success: true, invoice: present(structuredClone(this.requireInvoice(req.params.id!))) } })))
    this.route("POST", "/invoices/:id/authorize", this.idempotent((req) => this.authorize(req)))
    this.route("POST", "/invoices/:id/capture", this.idempotent((req) => this.capture(req)))
    this.route("POST", "/invoices/:id/void", this.idempotent((req) => this.void(req))) // CHOICE (SDK invoice.ts `void`)
    this.route("POST", "/invoices/:id/refunds", this.idempotent((req) => this.refundInvoice(req)))
    this.route("GET", "/transactions/:id", this.safe((req) => ({ status: 200, body: { success: true, transaction: this.view(this.requireTransaction(req.params.id!)) } })))
    // CHOICE (SDK refund.ts `create`, `fetchTransactionRefunds`, `find`): not in the documents.
    this.route("POST", "/transactions/:id/refunds", this.idempotent((req) => this.refundTransaction(req)))
    this.route("GET", "/transactions/:id/refunds", this.safe((req) => this.listRefundsRoute(req)))
    this.route("GET", "/transactions/:id/refunds/:refundId", this.safe((req) => this.getRefundRoute(req)))
    this.route("GET", "/events/:id", this.safe((req) => this.getEventRoute(req)))
  }

  // ---------------------------------------------------------------- state accessors for tests

  getInvoice(id: string): ProcessOutInvoice | undefined {
    const invoice = this.invoices.get(id)
    return invoice && structuredClone(invoice)
  }

  listInvoices(): ProcessOutInvoice[] {
    return [...this.invoices.values()].map((i) => structuredClone(i))
  }

  getTransaction(id: string): ProcessOutTransaction | undefined {
    const tx = this.transactions.get(id)
    return tx && this.view(tx)
  }

  /** A transaction as ProcessOut answers it: its refunds list filled in, null fields left out. */
  private view(tx: ProcessOutTransaction): ProcessOutTransaction {
    return present({ ...structuredClone(tx), refunds: this.listRefunds(tx.id), operations: [] })
  }

  /** The transaction of an invoice, if it has one. */
  transactionOfInvoice(invoiceId: string): ProcessOutTransaction | undefined {
    const id = this.invoices.get(invoiceId)?.transaction_id
    return id ? this.getTransaction(id) : undefined
  }

  /** Refunds in creation order, optionally only those of one transaction. */
  listRefunds(transactionId?: string): ProcessOutRefund[] {
    return [...this.refunds.values()]
      .filter((r) => transactionId === undefined || r.refund.transaction_id === transactionId)
      .map((r) => structuredClone(r.refund))
  }

  /** Events fired so far, oldest first. */
  listEvents(): ProcessOutEvent[] {
    return [...this.events.values()].map((e) => structuredClone(e))
  }

  /** The webhook body ProcessOut would POST for an event. */
  webhookBody(event: ProcessOutEvent | string): ProcessOutWebhookBody {
    const e = typeof event === "string" ? this.events.get(event) : event
    if (!e) throw new Error(`Unknown event ${String(event)}`)
    return { event_id: e.id, event_type: e.name }
  }

  /** Webhooks posted (or attempted) so far. */
  webhookDeliveries(): WebhookDelivery[] {
    return this.deliveries.map((d) => structuredClone(d))
  }

  /** Waits until every webhook POST started so far has finished. */
  async flushWebhooks(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight])
  }

  /** Settles a pending refund: "succeeded" counts it in refunded_amount, "failed" releases its amount. */
  settleRefund(refundId: string, outcome: "succeeded" | "failed"): ProcessOutRefund {
    const state = this.refunds.get(refundId)
    if (!state || !state.pending) throw new Error(`Refund ${refundId} is not pending`)
    const tx = this.transactions.get(state.refund.transaction_id)!
    state.pending = false
    if (outcome === "failed") {
      state.refund.has_failed = true
      this.recompute(tx)
      // CHOICE: event name for an asynchronously failed refund (the documented list is truncated).
      this.fire("transaction.operation.refund.failed", tx)
    } else {
      this.recompute(tx)
      this.fire("transaction.refunded", tx)
    }
    return structuredClone(state.refund)
  }

  // ---------------------------------------------------------------- EmulatorServer hooks

  protected resetState(): void {
    this.invoices = new Map()
    this.transactions = new Map()
    this.refunds = new Map()
    this.events = new Map()
    this.deliveries = []
    this.idempotency.clear()
    this.refundMode = "immediate"
  }

  protected stateSnapshot(): unknown {
    return {
      invoices: this.listInvoices(),
      transactions: [...this.transactions.values()],
      refunds: this.listRefunds(),
      events: this.listEvents(),
      webhookDeliveries: this.webhookDeliveries(),
      idempotencyKeys: this.idempotency.size,
    }
  }

  /**
   * Basic auth with the project id as user name on every API path (spec `security`; the 401 answer and its
   * message are every operation's 401 example), then content type.
   */
  protected guard(req: EmulatorRequest): EmulatorResponse | undefined {
    if (!this.projectOf(req)) return processoutError(401, "request.authentication.invalid", AUTH_MESSAGE)
    if (req.method === "POST" && req.rawBody.trim() !== "" && !isJsonContentType(req.headers["content-type"])) {
      // CHOICE: 400 request.validation.invalid-content-type (undocumented).
      return processoutError(400, "request.validation.invalid-content-type", "The request body must be JSON (Content-Type: application/json).")
    }
    return undefined
  }

  // CHOICE: the error types of an unknown route, malformed JSON and an emulator fault (undocumented), in the
  // documented envelope `{error_type, message, success: false}` (spec, every operation's 4XX example).
  protected notFound(req: EmulatorRequest): EmulatorResponse {
    return processoutError(404, "request.route.not-found", `The route ${req.method} ${req.path} could not be found.`)
  }

  protected malformedJson(): EmulatorResponse {
    return processoutError(400, "request.validation.invalid-json", "The request body is not valid JSON.")
  }

  protected internalError(_req: EmulatorRequest, err: unknown): EmulatorResponse {
    return processoutError(500, "processout.internal", `Emulator internal error: ${err instanceof Error ? err.message : String(err)}`)
  }

  // ---------------------------------------------------------------- plumbing

  private projectOf(req: EmulatorRequest): string | undefined {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? "")
    if (!match) return undefined
    const decoded = Buffer.from(match[1]!, "base64").toString("utf8")
    const colon = decoded.indexOf(":")
    if (colon < 0) return undefined
    const id = decoded.slice(0, colon)
    const secret = decoded.slice(colon + 1)
    return this.projects.find((p) => p.id === id && p.secret === secret)?.id
  }

  private safe(handler: RouteHandler): RouteHandler {
    return answeringRefusals(handler)
  }

  /**
   * `Idempotency-Key` on POSTs ("Unique key to your request that will be used for idempotency": a header of
   * every documented operation in the spec; the SDK sends it on any call): the first answer for
   * (project, key) is replayed for the same method/path/body.
   * CHOICE: a different request with the same key gets 400 request.idempotency-key.conflict; every first
   * answer is stored, errors included.
   */
  private idempotent(handler: RouteHandler): RouteHandler {
    const run = this.safe(handler)
    return (req) => {
      const key = req.headers["idempotency-key"]
      if (!key) return run(req)
      const scope = this.projectOf(req) ?? ""
      const fingerprint = requestFingerprint(req.method, req.path, req.body ?? req.rawBody)
      const hit = this.idempotency.lookup(scope, key, fingerprint)
      if (hit.kind === "replay") return hit.response
      if (hit.kind === "mismatch") {
        return processoutError(400, "request.idempotency-key.conflict", "This idempotency key was already used with a different request.")
      }
      const res = run(req)
      this.idempotency.save(scope, key, fingerprint, { status: res.status, body: res.body })
      return res
    }
  }

  private now(): string {
    // Strictly increasing timestamps, so "newest first" is well defined within one millisecond.
    const t = Math.max(Date.now(), this.clock + 1)
    this.clock = t
    return new Date(t).toISOString()
  }

  // 404 `resource.invoice.not-found` / `resource.transaction.not-found` and their messages: spec GET
  // /invoices/{id}, POST /invoices/{id}/authorize, /capture, /refunds and GET /transactions/{id}, 404 examples.
  private requireInvoice(id: string): ProcessOutInvoice {
    const invoice = this.invoices.get(id)
    if (!invoice) fail(404, "resource.invoice.not-found", "The invoice could not be found.")
    return invoice
  }

  private requireTransaction(id: string): ProcessOutTransaction {
    const tx = this.transactions.get(id)
    if (!tx) fail(404, "resource.transaction.not-found", "The transaction could not be found.")
    return tx
  }

  private body(req: EmulatorRequest): Record<string, unknown> {
    if (req.body === undefined) return {}
    if (req.body === null || typeof req.body !== "object" || Array.isArray(req.body)) {
      fail(400, "request.validation.invalid-body", "The request body must be a JSON object.")
    }
    return req.body as Record<string, unknown>
  }

  /**
   * A decimal string in major units (seed 004 L7; spec: `amount` is a string) with at most 4 decimals
   * ("Maximum 4 decimal places supported as per ISO 4217", spec POST /invoices) and no more than the
   * currency's ISO 4217 minor unit. CHOICE: that per-currency reading of "as per ISO 4217" (no document
   * gives a table; "10.5" JPY or "10.00" JPY is refused, the strict side), > 0, and the error type
   * `request.validation.invalid-amount` (the documented type for amounts, spec POST /invoices/{id}/refunds 400).
   */
  private amount(value: unknown, field: string, required: boolean, currency?: string): Decimal | undefined {
    if (value === undefined || value === null) {
      if (required) fail(400, `request.validation.missing-${field.replace(/_/g, "-")}`, `The ${field} is required.`)
      return undefined
    }
    if (typeof value !== "string" || !AMOUNT.test(value) || new Decimal(value).lte(0)) {
      fail(400, "request.validation.invalid-amount", `The ${field} must be a positive decimal string with at most 4 decimal places.`)
    }
    const exponent = currency === undefined ? undefined : ISO_4217_EXPONENTS[currency]
    const decimals = value.split(".")[1]?.length ?? 0
    if (exponent !== undefined && decimals > exponent) {
      fail(400, "request.validation.invalid-amount", `The ${field} ${value} has more decimal places than ${currency} has (${exponent}, ISO 4217).`)
    }
    return new Decimal(value)
  }

  /** Metadata "in the form of key-value pairs (string - string)" (seed 004 L24; spec POST /invoices). CHOICE: else refused. */
  private stringMap(value: unknown, field: string): Record<string, string> {
    if (value === undefined || value === null) return {}
    if (typeof value !== "object" || Array.isArray(value) || Object.values(value as object).some((v) => typeof v !== "string")) {
      fail(400, `request.validation.invalid-${field}`, `The ${field} must be an object of string keys and string values.`)
    }
    return { ...(value as Record<string, string>) }
  }

  /** Spec POST /invoices `return_url`, `webhook_url`: "Must be a valid URL". CHOICE: http(s) only. */
  private optionalUrl(value: unknown, field: string): string | undefined {
    if (value === undefined || value === null) return undefined
    if (typeof value !== "string" || !/^https?:\/\/\S+$/.test(value)) {
      fail(400, `request.validation.invalid-${field.replace(/_/g, "-")}`, `The ${field} must be a valid URL.`)
    }
    return value
  }

  /**
   * An event as spec GET /events/{id} 200 shows it: {id, project_id, name, data: {name, sandbox, transaction},
   * sandbox, fired_at}. Only `transaction.failed` is a documented name there; CHOICE: the others (authorized,
   * captured, voided, refunded, operation.refund.pending/failed) follow ProcessOut's events page as summarised in
   * the project's research, whose list is truncated.
   */
  private fire(name: string, tx: ProcessOutTransaction): ProcessOutEvent {
    const event: ProcessOutEvent = {
      id: objectId("ev"),
      project_id: tx.project_id,
      name,
      data: { name, sandbox: true, transaction: this.view(tx) },
      sandbox: true,
      fired_at: this.now(),
    }
    this.events.set(event.id, event)
    const url = this.invoices.get(tx.invoice_id)?.webhook_url ?? this.webhookUrl
    if (url) this.deliver(url, this.webhookBody(event))
    return event
  }

  /**
   * CHOICE (not in the seed or the spec; ProcessOut's webhook pages as summarised in the project's research):
   * posts `{event_id, event_type}` without any signature, once, to the invoice's `webhook_url` ("Custom webhook
   * URL for this purchase", spec POST /invoices) or the project's URL. The receiver fetches the event.
   */
  private deliver(url: string, body: ProcessOutWebhookBody): void {
    const delivery: WebhookDelivery = { url, body }
    this.deliveries.push(delivery)
    const run = (async () => {
      try {
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
        delivery.status = res.status
        await res.arrayBuffer().catch(() => undefined)
      } catch (err) {
        delivery.error = err instanceof Error ? err.message : String(err)
      }
    })()
    this.inFlight.add(run)
    void run.finally(() => this.inFlight.delete(run))
  }

  /**
   * Derived amounts. Only zeros are in the documents' examples (spec GET /transactions/{id}); the SDK
   * (transaction.ts) defines refunded_amount as "successfully refunded" and available_amount as
   * "captured - refunded", which this follows for refunds that settle at once (the default).
   * CHOICE: a refund held "pending" (a test mode) already counts against available_amount, so no more than
   * was captured can be refunded, but not yet in refunded_amount.
   */
  private recompute(tx: ProcessOutTransaction): void {
    const refunds = [...this.refunds.values()].filter((r) => r.refund.transaction_id === tx.id && !r.refund.has_failed)
    const reserved = refunds.reduce((s, r) => s.plus(r.refund.amount), new Decimal(0))
    const settled = refunds.filter((r) => !r.pending).reduce((s, r) => s.plus(r.refund.amount), new Decimal(0))
    const captured = new Decimal(tx.captured_amount)
    tx.available_amount = tx.available_amount_local = fmt(captured.minus(reserved))
    tx.refunded_amount = tx.refunded_amount_local = fmt(settled)
    tx.refunded = settled.gt(0)
    if (settled.gt(0)) tx.refunded_at = tx.refunded_at ?? this.now()
  }

  // ---------------------------------------------------------------- invoices

  private createInvoice(req: EmulatorRequest): EmulatorResponse {
    const b = this.body(req)
    // Spec POST /invoices: name, amount and currency are required.
    if (typeof b.name !== "string" || b.name.trim() === "") fail(400, "request.validation.missing-name", "The invoice name is required.")
    // CHOICE: at most 255 characters (no document gives a limit).
    if (b.name.length > 255) fail(400, "request.validation.invalid-name", "The invoice name must be at most 255 characters.")
    this.amount(b.amount, "amount", true)
    if (typeof b.currency !== "string") fail(400, "request.validation.missing-currency", "The currency is required.")
    const currency = b.currency.toUpperCase()
    // Spec POST /invoices: "Must be a valid ISO 4217 currency code with 3 characters".
    // CHOICE: active codes with a minor unit only, any case, stored upper case (as every example shows them).
    if (!/^[A-Z]{3}$/.test(currency) || ISO_4217_EXPONENTS[currency] === undefined) {
      fail(400, "request.validation.invalid-currency", `The currency ${JSON.stringify(b.currency)} is not a valid ISO 4217 currency.`)
    }
    const amount = this.amount(b.amount, "amount", true, currency)!
    const invoice: ProcessOutInvoice = {
      id: objectId("iv"),
      project_id: this.projectOf(req)!,
      name: b.name,
      amount: fmt(amount),
      currency,
      metadata: this.stringMap(b.metadata, "metadata"),
      details: this.invoiceDetails(b.details, currency),
      cancel_url: this.optionalUrl(b.cancel_url, "cancel_url") ?? null,
      url: "",
      sandbox: true,
      created_at: this.now(),
      expires_at: null,
    }
    invoice.url = `https://checkout.processout.com/${invoice.project_id}/${invoice.id}`
    const returnUrl = this.optionalUrl(b.return_url, "return_url")
    const webhookUrl = this.optionalUrl(b.webhook_url, "webhook_url")
    if (returnUrl) invoice.return_url = returnUrl
    if (webhookUrl) invoice.webhook_url = webhookUrl
    this.invoices.set(invoice.id, invoice)
    return { status: 200, body: { success: true, invoice: present(structuredClone(invoice)) } }
  }

  /**
   * Spec POST /invoices `details`: "Details of the items or products that are being purchased", each with `name`
   * (required, "Maximum 80 characters long"), `amount` (required, "Amount charged for this item or product"),
   * `type` (max 30), `quantity` (integer, "Default value is 1"), `metadata` (string - string), `category` and
   * `condition` (listed values), `reference` and `description` (max 255), `brand` and `model` (max 80),
   * `discount_amount`. The spec's invoice answers (GET /invoices/{id} 200) list them as an array, each with
   * its id (`iv_det_…`), which refunds name (seed 004 L31). CHOICES: an array is expected (the request schema's
   * single object is taken as a one-item array); amounts are non-negative decimal strings held to the invoice's
   * currency like `amount` (a free item is 0); quantity at least 1; other fields pass through unchecked; at most
   * 100 details; their sum is not compared with the invoice amount (no document says it must match).
   */
  private invoiceDetails(value: unknown, currency: string): Array<Record<string, unknown>> {
    if (value === undefined || value === null) return []
    const list = Array.isArray(value) ? value : [value]
    const invalid = (why: string): never => fail(400, "request.validation.invalid-details", `The invoice details are invalid: ${why}.`)
    if (list.length > 100) invalid("at most 100 details")
    return list.map((raw, i) => {
      if (!raw || typeof raw !== "object" || Array.isArray(raw)) invalid(`details[${i}] must be an object`)
      const d = raw as Record<string, unknown>
      if (typeof d.name !== "string" || d.name.trim() === "") invalid(`details[${i}].name is required`)
      const limits: Record<string, number> = { name: 80, type: 30, reference: 255, description: 255, brand: 80, model: 80 }
      for (const [field, max] of Object.entries(limits)) {
        if (d[field] === undefined || d[field] === null) continue
        if (typeof d[field] !== "string") invalid(`details[${i}].${field} must be a string`)
        if ((d[field] as string).length > max) invalid(`details[${i}].${field} is longer than ${max} characters`)
      }
      for (const field of ["amount", "discount_amount"]) {
        const v = d[field]
        if (v === undefined && field === "discount_amount") continue
        if (typeof v !== "string" || !AMOUNT.test(v)) invalid(`details[${i}].${field} must be a decimal string`)
        const decimals = (v as string).split(".")[1]?.length ?? 0
        if (decimals > (ISO_4217_EXPONENTS[currency] ?? 4)) invalid(`details[${i}].${field} has more decimal places than ${currency} has`)
      }
      if (d.quantity !== undefined && d.quantity !== null && !(Number.isInteger(d.quantity) && (d.quantity as number) >= 1 && (d.quantity as number) <= 2 ** 31 - 1)) {
        invalid(`details[${i}].quantity must be an integer of at least 1 (int32)`)
      }
      const categories = ["food", "entertainment", "home", "appliance", "bidding", "gift", "technology", "media", "communication", "health", "sport", "personal-service", "professional-service", "clothing", "travel", "tickets", "transport", "other"]
      if (d.category != null && !categories.includes(d.category as string)) invalid(`details[${i}].category is not a listed category`)
      if (d.condition != null && !["new", "refurbished", "used", "other"].includes(d.condition as string)) invalid(`details[${i}].condition is not a listed condition`)
      const metadata = this.stringMap(d.metadata, "details-metadata")
      return { ...d, id: objectId("iv_det"), amount: fmt(new Decimal(d.amount as string)), quantity: (d.quantity as number | undefined) ?? 1, metadata }
    })
  }

  private newTransaction(invoice: ProcessOutInvoice, source: string): ProcessOutTransaction {
    const zero = "0"
    const tx: ProcessOutTransaction = {
      id: objectId("tr"),
      project_id: invoice.project_id,
      invoice_id: invoice.id,
      name: invoice.name,
      status: "waiting", // CHOICE: never answered (authorize sets authorized or failed at once)
      currency: invoice.currency,
      // CHOICE: the transaction carries its invoice's metadata (the spec's invoice and transaction examples both
      // show {"fruit": "banana"}, of different invoices, so this is a reading, not a rule).
      metadata: { ...invoice.metadata },
      sandbox: true,
      created_at: this.now(),
      gateway_name: "sandbox",
      gateway_configuration_id: "gway_conf_emulator",
      payment_type: "card",
      error_code: null,
      error_message: null,
      amount: invoice.amount,
      amount_local: invoice.amount,
      authorized_amount: zero,
      authorized_amount_local: zero,
      captured_amount: zero,
      captured_amount_local: zero,
      available_amount: zero,
      available_amount_local: zero,
      refunded_amount: zero,
      refunded_amount_local: zero,
      voided_amount: zero,
      voided_amount_local: zero,
      refunded_at: null,
      voided_at: null,
      attempts_count: 0,
      authorized: false,
      captured: false,
      refunded: false,
      voided: false,
      chargedback: false,
      refunds: [],
      operations: [],
    }
    if (source.startsWith("card_")) tx.card_id = source
    this.transactions.set(tx.id, tx)
    invoice.transaction_id = tx.id
    return tx
  }

  /**
   * Authorizes the invoice with a source ("a card, a token or a gateway request", spec POST
   * /invoices/{id}/authorize and /capture), giving the state of the authorize 200 example: status
   * `authorized`, authorized_amount = amount, captured and available "0". CHOICE: the source is required and
   * must start `card_`, `tok_` (the spec's id shapes) or `gway_req_`.
   */
  private authorizeTransaction(invoice: ProcessOutInvoice, source: unknown): ProcessOutTransaction | EmulatorResponse {
    if (typeof source !== "string" || source.trim() === "") fail(400, "request.validation.missing-source", "The source is required.")
    if (!/^(card_|tok_|gway_req_)/.test(source)) {
      fail(400, "request.validation.invalid-source", "The source must be a card (card_…), a customer token (tok_…) or a gateway request.")
    }
    const existing = invoice.transaction_id ? this.transactions.get(invoice.transaction_id) : undefined
    if (existing && existing.status !== "failed") {
      // CHOICE: error type for authorizing an invoice that already has a live transaction (undocumented).
      fail(400, "request.transaction.already-authorized", "The invoice was already authorized.")
    }
    const tx = existing ?? this.newTransaction(invoice, source)
    tx.attempts_count += 1
    const outcome = sourceOutcome(source)
    if (!outcome.ok) {
      tx.status = "failed"
      tx.error_code = outcome.type
      tx.error_message = outcome.message
      this.fire("transaction.failed", tx)
      // Spec POST /invoices/{id}/authorize and /capture, 410 "Transaction error": a decline is answered 410;
      // the failed transaction's event is `transaction.failed` (spec GET /events/{id} 200).
      return processoutError(410, outcome.type, outcome.message)
    }
    tx.status = "authorized"
    tx.error_code = null
    tx.error_message = null
    tx.authorized = true
    tx.authorized_amount = tx.authorized_amount_local = tx.amount
    tx.authorized_at = this.now()
    this.fire("transaction.authorized", tx)
    return tx
  }

  private authorize(req: EmulatorRequest): EmulatorResponse {
    const invoice = this.requireInvoice(req.params.id!)
    const b = this.body(req)
    const result = this.authorizeTransaction(invoice, b.source)
    if (!("id" in result)) return result
    return { status: 200, body: { success: true, transaction: this.view(result) } }
  }

  private capture(req: EmulatorRequest): EmulatorResponse {
    const invoice = this.requireInvoice(req.params.id!)
    const b = this.body(req)
    // Spec POST /invoices/{id}/capture: `capture_amount` "Amount to capture partially the transaction".
    const requested = this.amount(b.capture_amount, "capture_amount", false, invoice.currency)
    let tx = invoice.transaction_id ? this.transactions.get(invoice.transaction_id) : undefined
    if (!tx || tx.status === "failed") {
      if (b.source === undefined) {
        fail(400, "request.validation.missing-source", "The invoice has no authorized transaction: a source is required to capture it.")
      }
      const result = this.authorizeTransaction(invoice, b.source)
      if (!("id" in result)) return result
      tx = result
    }
    // CHOICE: these refusals and their error types (undocumented).
    if (tx.captured) fail(400, "request.transaction.already-captured", "The transaction was already captured.")
    if (tx.voided) fail(400, "request.transaction.voided", "The transaction was voided and cannot be captured anymore.")
    const authorized = new Decimal(tx.authorized_amount)
    const amount = requested ?? authorized
    if (amount.gt(authorized)) {
      fail(400, "request.validation.invalid-amount", `The capture amount ${fmt(amount)} is greater than the authorized amount ${tx.authorized_amount}.`)
    }
    // CHOICE: one capture per transaction; a partial capture releases the rest of the authorization.
    // The captured state is spec GET /transactions/{id} "Payout Items expanded": status `completed`,
    // captured true, available_amount = captured_amount.
    tx.status = "completed"
    tx.captured = true
    tx.captured_amount = tx.captured_amount_local = fmt(amount)
    tx.captured_at = this.now()
    this.recompute(tx)
    this.fire("transaction.captured", tx)
    return { status: 200, body: { success: true, transaction: this.view(tx) } }
  }

  /**
   * CHOICE (SDK invoice.ts `void`; not in the documents): voids an authorized, uncaptured transaction. Its
   * voided state is the one spec POST /invoices/{id}/capture's 200 example shows: status `voided`, voided true.
   */
  private void(req: EmulatorRequest): EmulatorResponse {
    const invoice = this.requireInvoice(req.params.id!)
    this.body(req)
    const tx = invoice.transaction_id ? this.transactions.get(invoice.transaction_id) : undefined
    if (!tx || tx.status === "failed") fail(400, "request.transaction.not-voidable", "The invoice has no authorized transaction to void.")
    if (tx.voided) fail(400, "request.transaction.already-voided", "The transaction was already voided.")
    if (tx.captured) fail(400, "request.transaction.not-voidable", "The transaction was captured: refund it instead.")
    tx.status = "voided"
    tx.voided = true
    tx.voided_amount = tx.voided_amount_local = tx.authorized_amount
    tx.voided_at = this.now()
    this.fire("transaction.voided", tx)
    return { status: 200, body: { success: true, transaction: this.view(tx) } }
  }

  // ---------------------------------------------------------------- refunds

  /** Spec POST /invoices/{id}/refunds: 200 `{refund, success}`; nothing captured or left is its documented 400. */
  private refundInvoice(req: EmulatorRequest): EmulatorResponse {
    const invoice = this.requireInvoice(req.params.id!)
    const tx = invoice.transaction_id ? this.transactions.get(invoice.transaction_id) : undefined
    const refund = this.createRefund(req, tx, invoice.currency)
    return { status: 200, body: { success: true, refund } }
  }

  private refundTransaction(req: EmulatorRequest): EmulatorResponse {
    const tx = this.requireTransaction(req.params.id!)
    this.createRefund(req, tx, tx.currency)
    // CHOICE: like the SDK expects (refund.ts `create` reads only `success`), this answer has no refund object.
    return { status: 200, body: { success: true } }
  }

  private createRefund(req: EmulatorRequest, tx: ProcessOutTransaction | undefined, currency: string): ProcessOutRefund {
    const b = this.body(req)
    // Spec POST /invoices/{id}/refunds: `amount` required, a string; in major units (seed 004 L7).
    const amount = this.amount(b.amount, "amount", true, currency)!
    // Spec POST /invoices/{id}/refunds: reason `customer_request`, `duplicate`, `fraud` or `other`, default `other`
    // (seed 004 L18 lists the first three). Null is unset: the SDK sends null for every field not given (refund.ts).
    // CHOICE: another value is refused with request.validation.invalid-reason.
    if (b.reason != null && (typeof b.reason !== "string" || !(REFUND_REASONS as readonly string[]).includes(b.reason))) {
      fail(400, "request.validation.invalid-reason", `The reason must be one of ${REFUND_REASONS.join(", ")}.`)
    }
    if (b.information !== undefined && b.information !== null && typeof b.information !== "string") {
      fail(400, "request.validation.invalid-information", "The information must be a string.")
    }
    const detailIds = b.invoice_detail_ids
    if (detailIds !== undefined && detailIds !== null && (!Array.isArray(detailIds) || detailIds.some((d) => typeof d !== "string"))) {
      fail(400, "request.validation.invalid-invoice-detail-ids", "The invoice_detail_ids must be an array of strings.")
    }
    if (Array.isArray(detailIds) && detailIds.length) {
      // Seed 004 L31: "List of invoice detail IDs for which the refund is made"; spec POST /invoices/{id}/capture
      // `invoice_detail_ids`: "invoice details created with the invoice". CHOICE: each must be a detail of this
      // transaction's invoice, named once; else 400 request.validation.invalid-invoice-detail-ids.
      const invoice = tx ? this.invoices.get(tx.invoice_id) : undefined
      const known = new Set((invoice?.details ?? []).map((d) => (d as { id?: unknown }).id))
      const unknown = (detailIds as string[]).find((id) => !known.has(id))
      if (unknown !== undefined || new Set(detailIds).size !== detailIds.length) {
        fail(400, "request.validation.invalid-invoice-detail-ids", `The invoice_detail_ids must name details of the transaction's invoice, once each${unknown !== undefined ? ` (${String(unknown).slice(0, 40)} is not one)` : ""}.`)
      }
    }
    // Seed 004 L19 (information, a string), L24 (metadata, string - string), L31 (invoice_detail_ids, string[]).
    const metadata = this.stringMap(b.metadata, "metadata")
    const available = tx ? new Decimal(tx.available_amount) : new Decimal(0)
    if (!tx || available.lte(0)) {
      // Documented (spec, refunds 400): also what an authorized-only or fully refunded transaction answers.
      fail(400, "request.validation.invalid-amount", "No amount is available on the transaction to be refunded.")
    }
    if (amount.gt(available)) {
      // SDK refund.ts: the amount "Must not be greater than the amount still available on the transaction".
      // CHOICE: same error type as above, with its own message (ProcessOut documents only the first).
      fail(400, "request.validation.invalid-amount", `The refund amount ${fmt(amount)} is greater than the amount available on the transaction (${tx.available_amount}).`)
    }
    // Fields of spec POST /invoices/{id}/refunds 200 and seed 004 L13-31. The readonly ones (id, has_failed,
    // sandbox, created_at: seed 004 L15, L22, L26, L29) are ProcessOut's, whatever the request says.
    const refund: ProcessOutRefund = {
      id: objectId("refd"),
      transaction_id: tx.id,
      amount: fmt(amount),
      reason: (b.reason as ProcessOutRefundReason | null | undefined) ?? "other",
      information: typeof b.information === "string" ? b.information : "",
      funding_source: "",
      // CHOICE: "fail" mode answers has_failed: true at once; the seed (L21-23) only says a refund can fail
      // asynchronously, so whether ProcessOut ever answers so is unconfirmed (the mode tests that case).
      has_failed: this.refundMode === "fail",
      metadata,
      sandbox: true,
      created_at: this.now(),
      invoice_detail_ids: (detailIds as string[] | undefined) ?? null,
    }
    this.refunds.set(refund.id, { refund, pending: this.refundMode === "pending" })
    this.recompute(tx)
    if (this.refundMode === "pending") this.fire("transaction.operation.refund.pending", tx)
    else if (this.refundMode === "immediate") this.fire("transaction.refunded", tx)
    return structuredClone(refund)
  }

  private listRefundsRoute(req: EmulatorRequest): EmulatorResponse {
    const tx = this.requireTransaction(req.params.id!)
    return { status: 200, body: { success: true, refunds: this.listRefunds(tx.id) } }
  }

  /** CHOICE (SDK refund.ts `find`), with 404 `resource.refund.not-found` after the documented not-found types. */
  private getRefundRoute(req: EmulatorRequest): EmulatorResponse {
    const tx = this.requireTransaction(req.params.id!)
    const state = this.refunds.get(req.params.refundId!)
    if (!state || state.refund.transaction_id !== tx.id) fail(404, "resource.refund.not-found", "The refund could not be found.")
    return { status: 200, body: { success: true, refund: structuredClone(state.refund) } }
  }

  /** Spec GET /events/{id}: 200 `{event, success}`, 404 `resource.event.not-found`. CHOICE: another project's event is 404. */
  private getEventRoute(req: EmulatorRequest): EmulatorResponse {
    const event = this.events.get(req.params.id!)
    if (!event || event.project_id !== this.projectOf(req)) fail(404, "resource.event.not-found", "The event could not be found.")
    return { status: 200, body: { success: true, event: structuredClone(event) } }
  }
}
