/**
 * Stateful emulator of ProcessOut's API: invoices, authorizations by test token, captures (full or partial),
 * voids, refunds with balances, events fetchable by id and unsigned webhooks posted to a configured URL.
 *
 * Follows docs.processout.com (as assembled in shared/specs/processout-apievangelist-assembled.openapi.json)
 * and the official SDK's definitions (processout/processout-node src/*.ts), summarised in
 * shared/research/processors.md section 5. Where ProcessOut's docs are silent the choice is ours and is listed
 * in src/emulators/README.md; search this file for "CHOICE:" to find each one.
 */
import { EmulatorServer, isJsonContentType, type EmulatorRequest, type EmulatorResponse, type RouteHandler } from "../core/server"
import { IdempotencyStore, requestFingerprint } from "../core/idempotency"
import { randomString } from "../core/ids"
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
const AMOUNT = /^\d+(\.\d{1,4})?$/
const AUTH_MESSAGE =
  "Could not read your project ID. Please make sure to use Basic HTTP authentication using your project ID as the username. If you have any questions, feel free to ask for help at help@processout.com!"

class ProcessOutRequestError extends Error {
  constructor(readonly response: EmulatorResponse) {
    super("processout request error")
  }
}

export function processoutError(status: number, errorType: string, message: string): EmulatorResponse {
  const body: ProcessOutErrorBody = { success: false, error_type: errorType, message }
  return { status, body }
}

function fail(status: number, errorType: string, message: string): never {
  throw new ProcessOutRequestError(processoutError(status, errorType, message))
}

/** Amounts are echoed without trailing zeros ("29", "9.99"), as ProcessOut's examples show. */
function fmt(value: Decimal): string {
  return value.toString() // Decimal: plain notation, no trailing zeros
}

/**
 * Answers leave out fields whose value is null: the spec types most of them as strings (error_code,
 * voided_at, …) and marks none required, so an absent field is what validates everywhere.
 */
function present<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) as T
}

/** Card outcome of a test source, decided by its content (README "Test sources"). */
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

    this.route("POST", "/invoices", this.idempotent((req) => this.createInvoice(req)))
    // SDK invoice.ts `all`: {success, invoices}, newest first; `limit` (1..100, default 10). Not in the assembled spec.
    this.route("GET", "/invoices", this.safe((req) => {
      const limit = Math.min(100, Math.max(1, Number(req.query.limit ?? 10) || 10))
      const invoices = this.listInvoices().reverse().slice(0, limit).map((i) => present(i))
      return { status: 200, body: { success: true, invoices } }
    }))
    this.route("GET", "/invoices/:id", this.safe((req) => ({ status: 200, body: { success: true, invoice: present(structuredClone(this.requireInvoice(req.params.id!))) } })))
    this.route("POST", "/invoices/:id/authorize", this.idempotent((req) => this.authorize(req)))
    this.route("POST", "/invoices/:id/capture", this.idempotent((req) => this.capture(req)))
    this.route("POST", "/invoices/:id/void", this.idempotent((req) => this.void(req)))
    this.route("POST", "/invoices/:id/refunds", this.idempotent((req) => this.refundInvoice(req)))
    this.route("GET", "/transactions/:id", this.safe((req) => ({ status: 200, body: { success: true, transaction: this.view(this.requireTransaction(req.params.id!)) } })))
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

  /** Basic auth for every API path (unknown ones too), then content type. */
  protected guard(req: EmulatorRequest): EmulatorResponse | undefined {
    if (!this.projectOf(req)) return processoutError(401, "request.authentication.invalid", AUTH_MESSAGE)
    if (req.method === "POST" && req.rawBody.trim() !== "" && !isJsonContentType(req.headers["content-type"])) {
      // CHOICE: 400 request.validation.invalid-content-type (undocumented).
      return processoutError(400, "request.validation.invalid-content-type", "The request body must be JSON (Content-Type: application/json).")
    }
    return undefined
  }

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
    return (req) => {
      try {
        return handler(req)
      } catch (err) {
        if (err instanceof ProcessOutRequestError) return err.response
        throw err
      }
    }
  }

  /**
   * `Idempotency-Key` on POSTs (spec: authorize, refunds; the SDK sends it on any call): the first answer for
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

  /** A decimal string, > 0, at most 4 decimals ("Maximum 4 decimal places supported as per ISO 4217"). */
  private amount(value: unknown, field: string, required: boolean): Decimal | undefined {
    if (value === undefined || value === null) {
      if (required) fail(400, `request.validation.missing-${field.replace(/_/g, "-")}`, `The ${field} is required.`)
      return undefined
    }
    if (typeof value !== "string" || !AMOUNT.test(value) || new Decimal(value).lte(0)) {
      fail(400, "request.validation.invalid-amount", `The ${field} must be a positive decimal string with at most 4 decimal places.`)
    }
    return new Decimal(value)
  }

  private stringMap(value: unknown, field: string): Record<string, string> {
    if (value === undefined || value === null) return {}
    if (typeof value !== "object" || Array.isArray(value) || Object.values(value as object).some((v) => typeof v !== "string")) {
      fail(400, `request.validation.invalid-${field}`, `The ${field} must be an object of string keys and string values.`)
    }
    return { ...(value as Record<string, string>) }
  }

  private optionalUrl(value: unknown, field: string): string | undefined {
    if (value === undefined || value === null) return undefined
    if (typeof value !== "string" || !/^https?:\/\/\S+$/.test(value)) {
      fail(400, `request.validation.invalid-${field.replace(/_/g, "-")}`, `The ${field} must be a valid URL.`)
    }
    return value
  }

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

  /** Posts `{event_id, event_type}` without any signature (ProcessOut signs nothing: fetch the event). */
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

  /** Derived amounts: available = captured − refunds not failed; refunded = settled refunds. */
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
    if (typeof b.name !== "string" || b.name.trim() === "") fail(400, "request.validation.missing-name", "The invoice name is required.")
    if (b.name.length > 255) fail(400, "request.validation.invalid-name", "The invoice name must be at most 255 characters.")
    const amount = this.amount(b.amount, "amount", true)!
    if (typeof b.currency !== "string") fail(400, "request.validation.missing-currency", "The currency is required.")
    const currency = b.currency.toUpperCase()
    // CHOICE: any active ISO 4217 code with a minor unit, case-insensitive; stored upper case.
    if (!/^[A-Z]{3}$/.test(currency) || ISO_4217_EXPONENTS[currency] === undefined) {
      fail(400, "request.validation.invalid-currency", `The currency ${JSON.stringify(b.currency)} is not a valid ISO 4217 currency.`)
    }
    const invoice: ProcessOutInvoice = {
      id: objectId("iv"),
      project_id: this.projectOf(req)!,
      name: b.name,
      amount: fmt(amount),
      currency,
      metadata: this.stringMap(b.metadata, "metadata"),
      details: [],
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

  private newTransaction(invoice: ProcessOutInvoice, source: string): ProcessOutTransaction {
    const zero = "0"
    const tx: ProcessOutTransaction = {
      id: objectId("tr"),
      project_id: invoice.project_id,
      invoice_id: invoice.id,
      name: invoice.name,
      status: "waiting",
      currency: invoice.currency,
      // The transaction carries its invoice's metadata (spec examples show the same object on both).
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

  /** Authorizes the invoice with a source; used by /authorize and by /capture with a source. */
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
      // The spec documents declines on authorize and capture as HTTP 410 (card.do-not-honor example).
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
    const requested = this.amount(b.capture_amount, "capture_amount", false)
    let tx = invoice.transaction_id ? this.transactions.get(invoice.transaction_id) : undefined
    if (!tx || tx.status === "failed") {
      if (b.source === undefined) {
        fail(400, "request.validation.missing-source", "The invoice has no authorized transaction: a source is required to capture it.")
      }
      const result = this.authorizeTransaction(invoice, b.source)
      if (!("id" in result)) return result
      tx = result
    }
    if (tx.captured) fail(400, "request.transaction.already-captured", "The transaction was already captured.")
    if (tx.voided) fail(400, "request.transaction.voided", "The transaction was voided and cannot be captured anymore.")
    const authorized = new Decimal(tx.authorized_amount)
    const amount = requested ?? authorized
    if (amount.gt(authorized)) {
      fail(400, "request.validation.invalid-amount", `The capture amount ${fmt(amount)} is greater than the authorized amount ${tx.authorized_amount}.`)
    }
    // CHOICE: one capture per transaction; a partial capture releases the rest of the authorization.
    tx.status = "completed"
    tx.captured = true
    tx.captured_amount = tx.captured_amount_local = fmt(amount)
    tx.captured_at = this.now()
    this.recompute(tx)
    this.fire("transaction.captured", tx)
    return { status: 200, body: { success: true, transaction: this.view(tx) } }
  }

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

  private refundInvoice(req: EmulatorRequest): EmulatorResponse {
    const invoice = this.requireInvoice(req.params.id!)
    const tx = invoice.transaction_id ? this.transactions.get(invoice.transaction_id) : undefined
    const refund = this.createRefund(req, tx)
    return { status: 200, body: { success: true, refund } }
  }

  private refundTransaction(req: EmulatorRequest): EmulatorResponse {
    const tx = this.requireTransaction(req.params.id!)
    this.createRefund(req, tx)
    // CHOICE: like the SDK expects (refund.ts `create` reads only `success`), this answer has no refund object.
    return { status: 200, body: { success: true } }
  }

  private createRefund(req: EmulatorRequest, tx: ProcessOutTransaction | undefined): ProcessOutRefund {
    const b = this.body(req)
    const amount = this.amount(b.amount, "amount", true)!
    if (b.reason !== undefined && (typeof b.reason !== "string" || !(REFUND_REASONS as readonly string[]).includes(b.reason))) {
      fail(400, "request.validation.invalid-reason", `The reason must be one of ${REFUND_REASONS.join(", ")}.`)
    }
    if (b.information !== undefined && b.information !== null && typeof b.information !== "string") {
      fail(400, "request.validation.invalid-information", "The information must be a string.")
    }
    const detailIds = b.invoice_detail_ids
    if (detailIds !== undefined && detailIds !== null && (!Array.isArray(detailIds) || detailIds.some((d) => typeof d !== "string"))) {
      fail(400, "request.validation.invalid-invoice-detail-ids", "The invoice_detail_ids must be an array of strings.")
    }
    const metadata = this.stringMap(b.metadata, "metadata")
    const available = tx ? new Decimal(tx.available_amount) : new Decimal(0)
    if (!tx || available.lte(0)) {
      // Documented (spec, refunds 400): also what an authorized-only or fully refunded transaction answers.
      fail(400, "request.validation.invalid-amount", "No amount is available on the transaction to be refunded.")
    }
    if (amount.gt(available)) {
      // CHOICE: same error type as above, with its own message (ProcessOut documents only the first).
      fail(400, "request.validation.invalid-amount", `The refund amount ${fmt(amount)} is greater than the amount available on the transaction (${tx.available_amount}).`)
    }
    const refund: ProcessOutRefund = {
      id: objectId("refd"),
      transaction_id: tx.id,
      amount: fmt(amount),
      reason: (b.reason as ProcessOutRefundReason | undefined) ?? "other",
      information: typeof b.information === "string" ? b.information : "",
      funding_source: "",
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

  private getRefundRoute(req: EmulatorRequest): EmulatorResponse {
    const tx = this.requireTransaction(req.params.id!)
    const state = this.refunds.get(req.params.refundId!)
    if (!state || state.refund.transaction_id !== tx.id) fail(404, "resource.refund.not-found", "The refund could not be found.")
    return { status: 200, body: { success: true, refund: structuredClone(state.refund) } }
  }

  private getEventRoute(req: EmulatorRequest): EmulatorResponse {
    const event = this.events.get(req.params.id!)
    if (!event || event.project_id !== this.projectOf(req)) fail(404, "resource.event.not-found", "The event could not be found.")
    return { status: 200, body: { success: true, event: structuredClone(event) } }
  }
}
