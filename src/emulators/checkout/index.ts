/**
 * Stateful emulator of Checkout.com: the unified Payments API (`/payments…`) and the classic v2 Charges
 * API (`/v2/charges…`) in one server.
 *
 * Follows checkout/checkout-api-reference (2021 split OpenAPI, abc_spec / nas_spec), the classic docs page "Refund a
 * payment" (cited "seed l.N"), Checkout.com's capture and amount-format guides and the legacy SDKs: the sources are
 * listed in src/emulators/README.md. Where the docs are silent the choice is ours and is listed there too; search
 * this file for "CHOICE:" to find each one.
 */
import { createHmac, randomUUID } from "node:crypto"
import { EmulatorServer, isJsonContentType, type EmulatorRequest, type EmulatorResponse, type RouteHandler } from "../core/server"
import { IdempotencyStore, requestFingerprint } from "../core/idempotency"
import { DIGITS, UPPER_ALNUM, randomString } from "../core/ids"
import { answeringRefusals, Refusal } from "../core/refusal"
import { amountProblem, amountStep, isKnownCurrency } from "./currencies"
import type {
  CheckoutPaymentAction,
  CheckoutPaymentRecord,
  CheckoutWebhookEvent,
  ClassicChargeRecord,
  ClassicErrorBody,
  EmulatedAction,
  SignedWebhook,
  WebhookDelivery,
} from "./types"

export * from "./types"
export { FULL_AMOUNT_CURRENCIES, THOUSANDTHS_CURRENCIES, MAX_AMOUNT, amountProblem } from "./currencies"

/** A current-account ("NAS") sandbox key: sent as `Authorization: Bearer <key>`. */
export const DEFAULT_CHECKOUT_SECRET_KEY = "sk_sbox_emulatorkeyforcheckoutdotco"
/** A previous-structure ("ABC") / classic key: sent raw, `Authorization: <key>`. */
export const DEFAULT_CHECKOUT_ABC_SECRET_KEY = "sk_test_0e3a2f6c-1b7d-4c8e-9f00-5a6b7c8d9e0f"
export const DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY = "emulator_checkout_signature_key"
/** CHOICE: the `Cko-Version` header's value (the spec names the header, not its values). */
const CKO_VERSION = "1.0.0"
/** Partial captures plus partial refunds allowed on one payment (capture guide: "a maximum of 150 partial actions"). */
export const PARTIAL_ACTION_LIMIT = 150

export interface RefundDeclineInput {
  amount: number
  currency: string
  reference?: string
  metadata?: Record<string, unknown>
}

export interface CheckoutEmulatorOptions {
  /** Current-account keys, accepted only as `Bearer <key>`. Default: [DEFAULT_CHECKOUT_SECRET_KEY]. */
  secretKeys?: string[]
  /** Previous-structure and classic keys, accepted only raw. Default: [DEFAULT_CHECKOUT_ABC_SECRET_KEY]. */
  abcSecretKeys?: string[]
  /**
   * Milliseconds after which an accepted refund (Payments API) settles. Default 0. `null`: refunds stay
   * pending until `settleRefunds()` is called (there is no control route for it).
   */
  refundDelayMs?: number | null
  /** Where to POST signed webhooks (payment_approved, payment_captured, payment_voided, payment_refunded, …). */
  webhookUrl?: string
  /** Key of the Cko-Signature HMAC. Default: DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY. */
  webhookSignatureKey?: string
  /** Which refunds are declined when they settle. Default: see `defaultRefundDecline`. */
  declineRefund?: (refund: RefundDeclineInput) => boolean
}

/**
 * The documented test rule: a refund is declined when its amount, counted in the currency's steps (tens for
 * 3-decimal currencies), ends in 05: 12.05 USD (1205), 105 JPY, 1.050 KWD (1050).
 */
export function defaultRefundDecline(refund: RefundDeclineInput): boolean {
  return (refund.amount / amountStep(refund.currency)) % 100 === 5
}

const B32 = "abcdefghijklmnopqrstuvwxyz234567"
const ckoId = (prefix: string): string => `${prefix}_${randomString(26, B32)}`
const now = (): string => new Date().toISOString()

const APPROVED = { response_code: "10000", response_summary: "Approved" }
const DECLINED = { response_code: "20005", response_summary: "Declined - Do Not Honour" }


function paymentsError(status: number, errorType: string, codes?: string[]): EmulatorResponse {
  return { status, body: { request_id: randomUUID(), error_type: errorType, ...(codes ? { error_codes: codes } : {}) } }
}
const invalid = (...codes: string[]) => new Refusal(paymentsError(422, "request_invalid", codes))
const processing = (...codes: string[]) => new Refusal(paymentsError(422, "processing_error", codes))
/** 403 "… not allowed": the spec documents no body; the SDK's fixture has `error_type: action_not_allowed`. */
const notAllowed = () => new Refusal(paymentsError(403, "action_not_allowed"))
const paymentNotFound = () => new Refusal({ status: 404 })

function classicError(status: number, errorCode: string, message: string, errors?: string[], codes?: string[]): EmulatorResponse {
  const body: ClassicErrorBody = { errorCode, message, eventId: randomUUID() }
  if (errors) body.errors = errors
  if (codes) body.errorMessageCodes = codes
  return { status, body }
}
/** CHOICE: validation failures are HTTP 400 with errorCode 70000 ("Validation error", ResponseError.java). */
const classicInvalid = (error: string, code = "70000") => new Refusal(classicError(400, "70000", "Validation error", [error], [code]))

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

function bodyObject(body: unknown, onError: () => Refusal): Record<string, unknown> {
  if (body === undefined) return {}
  if (!isRecord(body)) throw onError()
  return body
}

export class CheckoutEmulator extends EmulatorServer {
  readonly secretKeys: readonly string[]
  readonly abcSecretKeys: readonly string[]
  refundDelayMs: number | null
  webhookUrl: string | undefined
  readonly webhookSignatureKey: string
  private readonly declineRefund: (refund: RefundDeclineInput) => boolean

  private payments = new Map<string, CheckoutPaymentRecord>()
  private charges = new Map<string, ClassicChargeRecord>()
  private usedTokens = new Set<string>()
  private readonly idempotency = new IdempotencyStore()
  private timers = new Set<NodeJS.Timeout>()
  private deliveries: WebhookDelivery[] = []
  private inFlight = new Set<Promise<void>>()

  constructor(opts: CheckoutEmulatorOptions = {}) {
    super()
    this.secretKeys = opts.secretKeys?.length ? [...opts.secretKeys] : [DEFAULT_CHECKOUT_SECRET_KEY]
    this.abcSecretKeys = opts.abcSecretKeys?.length ? [...opts.abcSecretKeys] : [DEFAULT_CHECKOUT_ABC_SECRET_KEY]
    this.refundDelayMs = opts.refundDelayMs === undefined ? 0 : opts.refundDelayMs
    this.webhookUrl = opts.webhookUrl
    this.webhookSignatureKey = opts.webhookSignatureKey ?? DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY
    this.declineRefund = opts.declineRefund ?? defaultRefundDecline

    this.route("POST", "/payments", this.idempotent((req) => this.requestPayment(req)))
    this.route("GET", "/payments/:id", this.safe((req) => this.getPaymentRoute(req)))
    this.route("GET", "/payments/:id/actions", this.safe((req) => this.getActionsRoute(req)))
    this.route("POST", "/payments/:id/captures", this.idempotent((req) => this.capture(req)))
    this.route("POST", "/payments/:id/voids", this.idempotent((req) => this.voidPayment(req)))
    this.route("POST", "/payments/:id/refunds", this.idempotent((req) => this.refund(req)))

    this.route("POST", "/v2/charges/token", this.safe((req) => this.classicCharge(req)))
    this.route("GET", "/v2/charges/:id", this.safe((req) => this.classicGet(req)))
    this.route("GET", "/v2/charges/:id/history", this.safe((req) => this.classicHistory(req)))
    this.route("POST", "/v2/charges/:id/capture", this.safe((req) => this.classicCapture(req)))
    this.route("POST", "/v2/charges/:id/void", this.safe((req) => this.classicVoid(req)))
    this.route("POST", "/v2/charges/:id/refund", this.safe((req) => this.classicRefund(req)))
  }

  async stop(): Promise<void> {
    this.clearTimers()
    await this.flushWebhooks()
    await super.stop()
  }

  // ---------------------------------------------------------------- state accessors for tests

  getPayment(id: string): CheckoutPaymentRecord | undefined {
    const p = this.payments.get(id)
    return p && structuredClone(p)
  }

  listPayments(): CheckoutPaymentRecord[] {
    return [...this.payments.values()].map((p) => structuredClone(p))
  }

  /** Refund actions of a payment (or all), pending ones included, oldest first. */
  listRefunds(paymentId?: string): Array<EmulatedAction & { payment_id: string }> {
    return [...this.payments.values()]
      .filter((p) => paymentId === undefined || p.id === paymentId)
      .flatMap((p) => p.actions.filter((a) => a.type === "Refund").map((a) => ({ ...structuredClone(a), payment_id: p.id })))
  }

  /** The balances of a payment, as GET /payments/{id} returns them to current accounts. */
  balances(id: string) {
    const p = this.payments.get(id)
    return p ? balancesOf(p) : undefined
  }

  getCharge(id: string): ClassicChargeRecord | undefined {
    const c = this.charges.get(id)
    return c && structuredClone(c)
  }

  /** The classic charge chain of a charge id (root first). */
  chargeChain(id: string): ClassicChargeRecord[] {
    const rootId = this.charges.get(id)?.rootId
    return [...this.charges.values()].filter((c) => c.rootId === rootId).map((c) => structuredClone(c))
  }

  /** Webhooks sent to `webhookUrl`, in order. */
  webhookDeliveries(): WebhookDelivery[] {
    return this.deliveries.map((d) => structuredClone(d))
  }

  /** Waits for webhook deliveries in flight. */
  async flushWebhooks(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight])
  }

  /** Settles every pending refund now (or only those due when `dueOnly`); returns the settled actions. */
  settleRefunds(dueOnly = false): EmulatedAction[] {
    const settled: EmulatedAction[] = []
    const at = Date.now()
    for (const payment of this.payments.values()) {
      for (const action of payment.actions) {
        if (action.type !== "Refund" || action.state !== "pending") continue
        if (dueOnly && (action.due_at === undefined || action.due_at > at)) continue
        const declined = this.declineRefund({ amount: action.amount, currency: payment.currency, reference: action.reference, metadata: action.metadata })
        Object.assign(action, { state: "processed", approved: !declined, processed_on: now(), ...(declined ? DECLINED : APPROVED) })
        delete action.due_at
        settled.push(structuredClone(action))
        this.emit(declined ? "payment_refund_declined" : "payment_refunded", payment, action)
      }
    }
    return settled
  }

  /** A webhook event body for a payment (and one of its actions), as Checkout.com sends it. */
  webhookEvent(type: string, paymentId: string, actionId?: string): CheckoutWebhookEvent {
    const payment = this.payments.get(paymentId)
    if (!payment) throw new Error(`No payment ${paymentId}`)
    const action = actionId ? payment.actions.find((a) => a.id === actionId) : undefined
    if (actionId && !action) throw new Error(`No action ${actionId} on ${paymentId}`)
    return this.event(type, payment, action)
  }

  /** Serializes and signs an event: `Cko-Signature` = hex HMAC-SHA256(raw body, signature key). */
  signWebhook(event: CheckoutWebhookEvent, key = this.webhookSignatureKey): SignedWebhook {
    const rawBody = JSON.stringify(event)
    const signature = createHmac("sha256", key).update(rawBody).digest("hex")
    return { event, rawBody, signature, headers: { "content-type": "application/json", "cko-signature": signature } }
  }

  // ---------------------------------------------------------------- EmulatorServer hooks

  protected resetState(): void {
    this.clearTimers()
    this.payments = new Map()
    this.charges = new Map()
    this.usedTokens = new Set()
    this.idempotency.clear()
    this.deliveries = []
  }

  protected stateSnapshot(): unknown {
    return {
      payments: this.listPayments(),
      charges: [...this.charges.values()],
      idempotencyKeys: this.idempotency.size,
      webhooks: this.deliveries.map(({ url, event, status, error }) => ({ url, type: event.type, status, error })),
    }
  }

  protected guard(req: EmulatorRequest): EmulatorResponse | undefined {
    const classic = req.path.startsWith("/v2/")
    if (!classic && req.path !== "/payments" && !req.path.startsWith("/payments/")) return undefined
    const auth = (req.headers.authorization ?? "").trim()
    if (classic) {
      // Classic: the raw secret key, never "Bearer" (checkout-java-library ApiHttpClient).
      if (!this.abcSecretKeys.includes(auth)) {
        // CHOICE: 401 with errorCode 70000; the classic 401 body is undocumented.
        return classicError(401, "70000", "Authentication failed: send the secret key as the Authorization header.")
      }
    } else if (!this.payKeyKind(auth)) {
      // Checkout.com answers 401 with no body.
      return { status: 401 }
    }
    // Seed l.50-53: classic requests require `Content-Type: application/json`, with or without a body.
    if (req.method === "POST" && (classic || req.rawBody.trim() !== "") && !isJsonContentType(req.headers["content-type"])) {
      return classic ? classicError(400, "70000", "Validation error", ["Content-Type must be application/json"]) : paymentsError(422, "request_malformed")
    }
    this.settleRefunds(true)
    return undefined
  }

  protected notFound(req: EmulatorRequest): EmulatorResponse {
    return req.path.startsWith("/v2/") ? classicError(404, "70000", `Not found: ${req.method} ${req.path}`) : { status: 404 }
  }

  protected malformedJson(req: EmulatorRequest): EmulatorResponse {
    return req.path.startsWith("/v2/") ? classicError(400, "70000", "Validation error", ["Malformed JSON"]) : paymentsError(422, "request_malformed")
  }

  /** Scripted error statuses answer in the Payments API's error shape. */
  protected faultBody(status: number): unknown {
    return { request_id: randomUUID(), error_type: status === 429 ? "too_many_requests" : `scripted_fault_${status}` }
  }

  protected internalError(_req: EmulatorRequest, err: unknown): EmulatorResponse {
    return paymentsError(500, `emulator_error: ${err instanceof Error ? err.message : String(err)}`)
  }

  // ---------------------------------------------------------------- plumbing

  /** "nas" for `Bearer <current key>`, "abc" for a raw previous-structure key, else undefined. */
  private payKeyKind(auth: string): "nas" | "abc" | undefined {
    const bearer = /^Bearer\s+(\S+)$/i.exec(auth)
    if (bearer) return this.secretKeys.includes(bearer[1]!) ? "nas" : undefined
    return this.abcSecretKeys.includes(auth) ? "abc" : undefined
  }

  private safe(handler: RouteHandler): RouteHandler {
    return (req) => {
      const res = answeringRefusals(handler)(req)
      if (req.path.startsWith("/v2/")) return res
      // {abc,nas}_spec paths: answers carry `Cko-Request-Id` and `Cko-Version` (CHOICE: on every routed answer; the version value is ours).
      const requestId = res.headers?.["cko-request-id"] ?? (isRecord(res.body) && typeof res.body.request_id === "string" ? res.body.request_id : randomUUID())
      return { ...res, headers: { ...res.headers, "cko-request-id": requestId, "cko-version": CKO_VERSION } }
    }
  }

  /**
   * `Cko-Idempotency-Key`: the first answer for (credentials, key) is replayed for the same method, path and body.
   * CHOICE: a different request with the same key gets 409 `request_invalid` / `idempotency_key_reused`; key
   * retention and the conflict answer are undocumented. Answers of every status are stored, except 5xx.
   */
  private idempotent(handler: RouteHandler): RouteHandler {
    const run = this.safe(handler)
    return this.safe((req) => {
      const key = req.headers["cko-idempotency-key"]
      if (!key) return run(req)
      const scope = req.headers.authorization ?? ""
      const fingerprint = requestFingerprint(req.method, req.path, req.body ?? req.rawBody)
      const hit = this.idempotency.lookup(scope, key, fingerprint)
      if (hit.kind === "replay") return hit.response
      if (hit.kind === "mismatch") return paymentsError(409, "request_invalid", ["idempotency_key_reused"])
      const res = run(req)
      if (res.status < 500) this.idempotency.save(scope, key, fingerprint, { status: res.status, body: res.body })
      return res
    })
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private requirePayment(id: string): CheckoutPaymentRecord {
    const p = this.payments.get(id)
    if (!p) throw paymentNotFound()
    return p
  }

  private links(p: CheckoutPaymentRecord, kind?: "nas" | "abc") {
    const base = `${this.url}/payments/${p.id}`
    const b = balancesOf(p)
    return {
      self: { href: base },
      actions: { href: `${base}/actions` },
      ...(b.available_to_void > 0 ? { void: { href: `${base}/voids` } } : {}),
      ...(b.available_to_capture > 0 ? { capture: { href: `${base}/captures` } } : {}),
      ...(b.available_to_refund > 0 ? { refund: { href: `${base}/refunds` } } : {}),
      ...(kind === "nas" && b.available_to_capture > 0 ? { authorize: { href: `${base}/authorizations` } } : {}),
    }
  }

  private event(type: string, p: CheckoutPaymentRecord, action?: EmulatedAction): CheckoutWebhookEvent {
    const metadata = { ...(p.metadata ?? {}), ...(action?.metadata ?? {}) }
    return {
      id: ckoId("evt"),
      type,
      version: "1.0.33",
      created_on: now(),
      data: {
        id: p.id,
        ...(action ? { action_id: action.id } : {}),
        amount: action?.amount ?? p.amount,
        currency: p.currency,
        ...((action?.reference ?? p.reference) ? { reference: action?.reference ?? p.reference } : {}),
        response_code: action?.response_code ?? p.response_code,
        response_summary: action?.response_summary ?? p.response_summary,
        processed_on: action?.processed_on ?? p.requested_on,
        ...(Object.keys(metadata).length ? { metadata } : {}),
      },
      _links: { self: { href: `${this.baseUrlOrEmpty()}/workflows/events/${type}` }, payment: { href: `${this.baseUrlOrEmpty()}/payments/${p.id}` } },
    }
  }

  private baseUrlOrEmpty(): string {
    try {
      return this.url
    } catch {
      return "http://127.0.0.1"
    }
  }

  /** Sends a signed webhook to `webhookUrl` (when set), without blocking the request that caused it. */
  private emit(type: string, p: CheckoutPaymentRecord, action?: EmulatedAction): void {
    const url = this.webhookUrl
    if (!url) return
    const signed = this.signWebhook(this.event(type, p, action))
    const delivery: WebhookDelivery = { ...signed, url }
    this.deliveries.push(delivery)
    const sending = fetch(url, { method: "POST", headers: signed.headers, body: signed.rawBody })
      .then(async (res) => {
        delivery.status = res.status
        await res.text()
      })
      .catch((err: unknown) => {
        delivery.error = err instanceof Error ? err.message : String(err)
      })
      .finally(() => this.inFlight.delete(sending))
    this.inFlight.add(sending)
  }

  private scheduleSettlement(action: EmulatedAction): void {
    if (this.refundDelayMs === null) return
    action.due_at = Date.now() + this.refundDelayMs
    // Without a webhook URL refunds settle lazily, on the next request after they are due.
    if (!this.webhookUrl) return
    this.settleWhenDue(action, this.refundDelayMs)
  }

  /** A timer can fire a millisecond before Date.now() reaches `due_at`: then it waits out the rest. */
  private settleWhenDue(action: EmulatedAction, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.settleRefunds(true)
      if (action.state === "pending" && action.due_at !== undefined) this.settleWhenDue(action, Math.max(1, action.due_at - Date.now()))
    }, delayMs)
    timer.unref()
    this.timers.add(timer)
  }

  // ---------------------------------------------------------------- Payments API

  private requestPayment(req: EmulatorRequest): EmulatorResponse {
    const b = bodyObject(req.body, () => invalid("request_body_invalid"))
    const source = b.source
    if (!isRecord(source)) throw invalid("payment_source_required")
    if (source.type !== "token") throw invalid("payment_source_type_invalid")
    const token = source.token
    if (typeof token !== "string" || !token.startsWith("tok_")) throw invalid("token_invalid")
    const currency = b.currency
    if (typeof currency !== "string" || !isKnownCurrency(currency)) throw invalid("currency_invalid")
    const amount = b.amount ?? 0
    if (typeof amount !== "number" || amountProblem(amount, currency)) throw invalid("amount_invalid")
    const capture = b.capture ?? true
    if (typeof capture !== "boolean") throw invalid("capture_invalid")
    const reference = b.reference
    if (reference !== undefined && (typeof reference !== "string" || reference.length > 50)) throw invalid("reference_invalid")
    const paymentType = b.payment_type ?? "Regular"
    if (!["Regular", "Recurring", "MOTO", "Installment", "Unscheduled"].includes(String(paymentType))) throw invalid("payment_type_invalid")
    const metadata = b.metadata
    if (metadata !== undefined && (!isRecord(metadata) || Object.values(metadata).some((v) => v !== null && typeof v === "object"))) {
      // Current accounts: "this object only allows one level of depth".
      throw invalid("metadata_invalid")
    }
    if (b.description !== undefined && (typeof b.description !== "string" || b.description.length > 100)) throw invalid("description_invalid")
    const customer = b.customer
    if (customer !== undefined && !isRecord(customer)) throw invalid("customer_invalid")
    if (this.usedTokens.has(token)) throw invalid("token_used")
    this.usedTokens.add(token)

    const at = now()
    const kind = this.payKeyKind((req.headers.authorization ?? "").trim())
    const declined = token.includes("decline")
    const pending3ds = !declined && token.includes("3ds")
    const verification = amount === 0
    const p: CheckoutPaymentRecord = {
      id: ckoId("pay"),
      requested_on: at,
      amount,
      currency,
      payment_type: String(paymentType),
      approved: !declined && !pending3ds,
      status: declined ? "Declined" : pending3ds ? "Pending" : verification ? "Card Verified" : "Authorized",
      ...(declined ? DECLINED : APPROVED),
      source: { type: "card", id: ckoId("src"), last4: "4242", bin: "424242", scheme: "Visa", expiry_month: 12, expiry_year: 2030 },
      actions: [],
      partial_actions: 0,
    }
    if (reference !== undefined) p.reference = reference
    if (typeof b.description === "string") p.description = b.description
    if (metadata !== undefined) p.metadata = metadata as Record<string, unknown>
    if (isRecord(customer)) p.customer = { id: ckoId("cus"), ...(typeof customer.email === "string" ? { email: customer.email } : {}), ...(typeof customer.name === "string" ? { name: customer.name } : {}) }
    if (typeof b.processing_channel_id === "string") p.processing_channel_id = b.processing_channel_id
    this.payments.set(p.id, p)

    if (pending3ds) {
      // 202: the customer must complete 3D Secure at the redirect link (approvePending() stands in for it).
      return {
        status: 202,
        body: { id: p.id, status: "Pending", reference: p.reference, _links: { self: { href: `${this.url}/payments/${p.id}` }, redirect: { href: `${this.url}/3ds/${p.id}` } } },
      }
    }
    const auth: EmulatedAction = {
      id: ckoId("act"),
      type: verification ? "Card Verification" : "Authorization",
      amount,
      state: "processed",
      approved: !declined,
      requested_on: at,
      processed_on: at,
      ...(declined ? DECLINED : APPROVED),
      ...(reference !== undefined ? { reference } : {}),
    }
    p.actions.push(auth)
    if (!declined && !verification && capture) {
      // CHOICE: capture:true captures at once, so the answer already says Captured (the live API may answer
      // Authorized and capture moments later).
      p.actions.push({ id: ckoId("act"), type: "Capture", amount, state: "processed", approved: true, requested_on: at, processed_on: at, ...APPROVED })
      p.status = "Captured"
    }
    this.emit(declined ? "payment_declined" : "payment_approved", p, auth)
    if (p.status === "Captured") this.emit("payment_captured", p, p.actions[1])
    // Declines are 201 too: "check the approved field".
    return {
      status: 201,
      body: {
        id: p.id,
        action_id: auth.id,
        amount,
        currency,
        approved: p.approved,
        status: p.status,
        ...(declined ? {} : { auth_code: randomString(6, DIGITS) }),
        response_code: p.response_code,
        response_summary: p.response_summary,
        source: p.source,
        ...(p.customer ? { customer: p.customer } : {}),
        processed_on: at,
        ...(p.reference !== undefined ? { reference: p.reference } : {}),
        ...(kind === "nas" ? { balances: balancesOf(p) } : {}),
        _links: this.links(p, kind),
      },
    }
  }

  /** Stands in for the customer completing 3D Secure on a Pending payment. */
  approvePending(id: string): void {
    const p = this.payments.get(id)
    if (!p || p.status !== "Pending") throw new Error(`No pending payment ${id}`)
    const at = now()
    p.status = "Authorized"
    p.approved = true
    p.actions.push({ id: ckoId("act"), type: "Authorization", amount: p.amount, state: "processed", approved: true, requested_on: at, processed_on: at, ...APPROVED })
    this.emit("payment_approved", p, p.actions[p.actions.length - 1])
  }

  private getPaymentRoute(req: EmulatorRequest): EmulatorResponse {
    const p = this.requirePayment(req.params.id ?? "")
    const kind = this.payKeyKind((req.headers.authorization ?? "").trim())
    return {
      status: 200,
      body: {
        id: p.id,
        requested_on: p.requested_on,
        source: p.source,
        amount: p.amount,
        currency: p.currency,
        payment_type: p.payment_type,
        ...(p.reference !== undefined ? { reference: p.reference } : {}),
        ...(p.description !== undefined ? { description: p.description } : {}),
        approved: p.approved,
        status: statusOf(p),
        ...(p.customer ? { customer: p.customer } : {}),
        ...(p.metadata ? { metadata: p.metadata } : {}),
        // Balances are returned to current accounts only (nas_spec Payment.yaml).
        ...(kind === "nas" ? { balances: balancesOf(p) } : {}),
        _links: this.links(p, kind),
      },
    }
  }

  private getActionsRoute(req: EmulatorRequest): EmulatorResponse {
    const p = this.requirePayment(req.params.id ?? "")
    // CHOICE: a refund appears among the actions once processed (approved or declined); pending ones do not.
    const body: CheckoutPaymentAction[] = p.actions
      .filter((a) => a.state === "processed")
      .map((a) => ({
        id: a.id,
        type: a.type,
        processed_on: a.processed_on!,
        amount: a.amount,
        approved: a.approved!,
        response_code: a.response_code!,
        response_summary: a.response_summary!,
        ...(a.reference !== undefined ? { reference: a.reference } : {}),
        ...(a.metadata ? { metadata: a.metadata } : {}),
      }))
      .reverse()
    return { status: 200, body }
  }

  private actionBody(req: EmulatorRequest): { amount?: number; reference?: string; metadata?: Record<string, unknown>; b: Record<string, unknown> } {
    const b = bodyObject(req.body, () => invalid("request_body_invalid"))
    const amount = b.amount
    if (amount !== undefined && (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount < 0)) throw invalid("amount_invalid")
    const reference = b.reference
    if (reference !== undefined && (typeof reference !== "string" || reference.length > 50)) throw invalid("reference_invalid")
    const metadata = b.metadata
    if (metadata !== undefined && (!isRecord(metadata) || Object.values(metadata).some((v) => v !== null && typeof v === "object"))) throw invalid("metadata_invalid")
    return { amount: amount as number | undefined, reference: reference as string | undefined, metadata: metadata as Record<string, unknown> | undefined, b }
  }

  private accepted(p: CheckoutPaymentRecord, action: EmulatedAction): EmulatorResponse {
    return {
      status: 202,
      body: { action_id: action.id, ...(action.reference !== undefined ? { reference: action.reference } : {}), _links: { payment: { href: `${this.url}/payments/${p.id}` } } },
    }
  }

  private checkAmount(amount: number, p: CheckoutPaymentRecord): void {
    if (amount === 0 || amountProblem(amount, p.currency)) throw invalid("amount_invalid")
  }

  private capture(req: EmulatorRequest): EmulatorResponse {
    const p = this.requirePayment(req.params.id ?? "")
    const { amount: requested, reference, metadata, b } = this.actionBody(req)
    if (b.capture_type !== undefined && b.capture_type !== "Final" && b.capture_type !== "NonFinal") throw invalid("capture_type_invalid")
    const bal = balancesOf(p)
    if (!p.approved || bal.available_to_capture <= 0) throw notAllowed()
    // CaptureRequest.yaml: "If not specified, the full payment amount will be captured" (read as written:
    // after a partial capture that is more than remains, and refused).
    const amount = requested ?? p.amount
    this.checkAmount(amount, p)
    if (amount > bal.available_to_capture) {
      throw processing(bal.total_captured > 0 ? "capture_value_greater_than_remaining_authorized" : "capture_value_greater_than_authorized")
    }
    const partial = amount < bal.available_to_capture
    if (partial) this.countPartial(p)
    const at = now()
    const action: EmulatedAction = { id: ckoId("act"), type: "Capture", amount, state: "processed", approved: true, requested_on: at, processed_on: at, ...APPROVED }
    if (reference !== undefined) action.reference = reference
    if (metadata) action.metadata = metadata
    p.actions.push(action)
    // nas_spec CaptureRequest.yaml (POST /payments/{id}/captures): "If set to `Final`, the remaining
    // available-to-capture balance will be voided"; Checkout's capture guide
    // (https://www.checkout.com/docs/payments/manage-payments/capture-a-payment): "The default value is Final".
    if (b.capture_type !== "NonFinal" && partial) {
      p.actions.push({ id: ckoId("act"), type: "Void", amount: bal.available_to_capture - amount, state: "processed", approved: true, requested_on: at, processed_on: at, ...APPROVED })
    }
    this.emit("payment_captured", p, action)
    return this.accepted(p, action)
  }

  private countPartial(p: CheckoutPaymentRecord): void {
    if (p.partial_actions >= PARTIAL_ACTION_LIMIT) {
      // CHOICE: the limit's error is undocumented; 422 processing_error / partial_action_limit_exceeded.
      throw processing("partial_action_limit_exceeded")
    }
    p.partial_actions++
  }

  private voidPayment(req: EmulatorRequest): EmulatorResponse {
    const p = this.requirePayment(req.params.id ?? "")
    const { reference, metadata } = this.actionBody(req)
    const bal = balancesOf(p)
    if (!p.approved || bal.available_to_void <= 0) throw notAllowed()
    const at = now()
    const action: EmulatedAction = { id: ckoId("act"), type: "Void", amount: bal.available_to_void, state: "processed", approved: true, requested_on: at, processed_on: at, ...APPROVED }
    if (reference !== undefined) action.reference = reference
    if (metadata) action.metadata = metadata
    p.actions.push(action)
    this.emit("payment_voided", p, action)
    return this.accepted(p, action)
  }

  private refund(req: EmulatorRequest): EmulatorResponse {
    const p = this.requirePayment(req.params.id ?? "")
    const { amount: requested, reference, metadata } = this.actionBody(req)
    const bal = balancesOf(p)
    // "Refund not allowed": nothing captured, or everything refunded (pending refunds count).
    if (!p.approved || bal.total_captured <= 0 || bal.available_to_refund <= 0) throw notAllowed()
    // RefundRequest.yaml: "If not specified, the full payment amount will be refunded" (read as written:
    // after a partial capture or refund that is more than remains, and refused).
    const amount = requested ?? p.amount
    this.checkAmount(amount, p)
    if (amount > bal.available_to_refund) throw processing("amount_exceeds_balance")
    if (amount < bal.available_to_refund) this.countPartial(p)
    const action: EmulatedAction = { id: ckoId("act"), type: "Refund", amount, state: "pending", requested_on: now() }
    if (reference !== undefined) action.reference = reference
    if (metadata) action.metadata = metadata
    p.actions.push(action)
    this.scheduleSettlement(action)
    // "For card payments, refund requests are processed asynchronously": 202 Refund accepted.
    return this.accepted(p, action)
  }

  // ---------------------------------------------------------------- classic v2 Charges API
  // "Seed l.N" cites the classic docs page "Refund a payment" (the project's seed 001_582b7c543957e3ce.txt).

  private classicId(): string {
    return `charge_test_${randomString(20, UPPER_ALNUM)}`
  }

  private requireCharge(id: string): ClassicChargeRecord {
    const c = this.charges.get(id)
    if (!c) throw new Refusal(classicError(404, "70000", `Charge not found: ${id}`, undefined, ["70011"]))
    return c
  }

  /** Seed l.174: "Positive integer (without decimal separator)"; the seed's example sends it as a string ("2000"). */
  private classicValue(raw: unknown, currency: string, required: boolean): number | undefined {
    if (raw === undefined || raw === null) {
      if (required) throw classicInvalid("value is required")
      return undefined
    }
    const value = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw
    if (typeof value !== "number" || value === 0) throw classicInvalid("value is invalid")
    const problem = amountProblem(value, currency)
    if (problem) throw classicInvalid(`value is invalid: ${problem}`)
    return value
  }

  /**
   * The fields every classic write shares. Limits, seed l.147 (metadata: keys and values at most 100
   * characters, at most 10 pairs), l.161 (trackId at most 50) and l.167-168 (udf1-udf5 at most 100); the
   * seed documents them for refunds, and they are applied to charges, captures and voids too (CHOICE: the
   * legacy SDKs send the same fields there). Lengths count UTF-16 code units (CHOICE).
   */
  private classicExtras(b: Record<string, unknown>): Partial<ClassicChargeRecord> {
    const out: Partial<ClassicChargeRecord> = {}
    for (const f of ["trackId", "description"] as const) {
      if (b[f] !== undefined && typeof b[f] !== "string") throw classicInvalid(`${f} must be a string`)
    }
    if (typeof b.trackId === "string" && b.trackId.length > CLASSIC_TRACK_ID_MAX) throw classicInvalid(`trackId is longer than ${CLASSIC_TRACK_ID_MAX} characters`)
    for (const name of ["udf1", "udf2", "udf3", "udf4", "udf5"] as const) {
      const v = b[name]
      if (v === undefined) continue
      if (typeof v !== "string") throw classicInvalid(`${name} must be a string`)
      if (v.length > CLASSIC_FIELD_MAX) throw classicInvalid(`${name} is longer than ${CLASSIC_FIELD_MAX} characters`)
      out[name] = v
    }
    if (b.metadata !== undefined) {
      if (!isRecord(b.metadata) || Object.values(b.metadata).some((v) => typeof v !== "string")) throw classicInvalid("metadata must be a map of strings")
      const pairs = Object.entries(b.metadata as Record<string, string>)
      if (pairs.length > CLASSIC_METADATA_PAIRS) throw classicInvalid(`metadata has more than ${CLASSIC_METADATA_PAIRS} pairs`)
      const long = pairs.find(([k, v]) => k.length > CLASSIC_FIELD_MAX || v.length > CLASSIC_FIELD_MAX)
      if (long) throw classicInvalid(`metadata ${long[0].slice(0, 20)}: keys and values are at most ${CLASSIC_FIELD_MAX} characters`)
      out.metadata = b.metadata as Record<string, string>
    }
    if (b.products !== undefined) {
      // Seed l.149-154: products, "Array, Optional, An array of product information".
      if (!Array.isArray(b.products)) throw classicInvalid("products must be an array")
      b.products.forEach((p, i) => classicProductProblem(p, i))
      out.products = b.products
    }
    return out
  }

  private record(base: Omit<ClassicChargeRecord, "id" | "created" | "liveMode" | "chargeMode" | "authCode" | "responseAdvancedInfo" | "metadata" | "hasChargeback"> & Partial<ClassicChargeRecord>): ClassicChargeRecord {
    const record: ClassicChargeRecord = {
      id: this.classicId(),
      liveMode: false,
      created: now(),
      chargeMode: 1,
      authCode: randomString(6, DIGITS),
      responseAdvancedInfo: base.responseMessage,
      hasChargeback: "N",
      metadata: {},
      ...base,
    }
    if (base.originalId === null) record.rootId = record.id
    this.charges.set(record.id, record)
    return record
  }

  private chain(rootId: string): ClassicChargeRecord[] {
    return [...this.charges.values()].filter((c) => c.rootId === rootId)
  }

  private classicCharge(req: EmulatorRequest): EmulatorResponse {
    const b = bodyObject(req.body, () => classicInvalid("body must be an object"))
    const token = b.cardToken
    if (typeof token !== "string" || !token.startsWith("card_tok_") && !token.startsWith("tok_")) throw classicInvalid("cardToken is invalid")
    const currency = b.currency
    if (typeof currency !== "string" || !isKnownCurrency(currency.toUpperCase())) throw classicInvalid("currency is invalid")
    const code = currency.toUpperCase()
    const value = this.classicValue(b.value, code, true)!
    const autoCapture = b.autoCapture ?? "Y"
    if (autoCapture !== "Y" && autoCapture !== "N") throw classicInvalid("autoCapture must be Y or N")
    if (b.email !== undefined && typeof b.email !== "string") throw classicInvalid("email must be a string")
    const extras = this.classicExtras(b)
    if (this.usedTokens.has(token)) throw classicInvalid("cardToken has already been used", "70012")
    this.usedTokens.add(token)
    const declined = token.includes("decline")
    const root = this.record({
      originalId: null,
      rootId: "",
      value,
      currency: code,
      trackId: (b.trackId as string | undefined) ?? null,
      description: (b.description as string | undefined) ?? null,
      email: (b.email as string | undefined) ?? null,
      status: declined ? "Declined" : autoCapture === "Y" ? "Captured" : "Authorised",
      autoCapture,
      responseCode: declined ? "20005" : "10000",
      responseMessage: declined ? "Declined - Do Not Honour" : "Approved",
      card: { id: `card_${randomString(20, UPPER_ALNUM)}`, last4: "4242", bin: "424242", paymentMethod: "Visa" },
      ...extras,
    })
    if (!declined && autoCapture === "Y") {
      // Seed l.26: "For payments with an automatic capture, the payment response will contain the ID of the
      // authorization. This ID cannot be used for refunds." The capture is its own charge, found in the
      // history (l.16-20). CHOICE: it is made at once (autoCapTime is not modelled).
      this.record({ originalId: root.id, rootId: root.id, value, currency: code, trackId: root.trackId, description: null, email: root.email, status: "Captured", autoCapture, ...APPROVED_CLASSIC })
    }
    // Declines are HTTP 200 with a 2xxxx responseCode, as the legacy SDKs read them.
    return { status: 200, body: publicCharge(root) }
  }

  private classicGet(req: EmulatorRequest): EmulatorResponse {
    return { status: 200, body: publicCharge(this.requireCharge(req.params.id ?? "")) }
  }

  /** Seed l.19: the payment history lists the captured transaction's id. The whole chain, newest first. */
  private classicHistory(req: EmulatorRequest): EmulatorResponse {
    const c = this.requireCharge(req.params.id ?? "")
    return { status: 200, body: { charges: this.chain(c.rootId).reverse().map(publicCharge) } }
  }

  private classicAction(req: EmulatorRequest): { target: ClassicChargeRecord; root: ClassicChargeRecord; b: Record<string, unknown>; extras: Partial<ClassicChargeRecord> } {
    const target = this.requireCharge(req.params.id ?? "")
    const b = bodyObject(req.body, () => classicInvalid("body must be an object"))
    return { target, root: this.charges.get(target.rootId)!, b, extras: this.classicExtras(b) }
  }

  private classicCapture(req: EmulatorRequest): EmulatorResponse {
    const { target, root, b, extras } = this.classicAction(req)
    // CHOICE: captures go against the authorization (root) charge, once, for at most its value.
    if (target.id !== root.id || root.status !== "Authorised") {
      throw classicInvalid(`Charge ${target.id} cannot be captured (status ${root.status})`, "70013")
    }
    const value = this.classicValue(b.value, root.currency, false) ?? root.value
    if (value > root.value) throw classicInvalid("value exceeds the authorised value", "70014")
    const record = this.record({
      originalId: root.id,
      rootId: root.id,
      value,
      currency: root.currency,
      trackId: (b.trackId as string | undefined) ?? root.trackId,
      description: (b.description as string | undefined) ?? null,
      email: root.email,
      status: "Captured",
      autoCapture: root.autoCapture,
      ...APPROVED_CLASSIC,
      ...extras,
    })
    root.status = "Captured"
    return { status: 200, body: publicCharge(record) }
  }

  private classicVoid(req: EmulatorRequest): EmulatorResponse {
    const { target, root, b, extras } = this.classicAction(req)
    // Seed l.14: "Once processed, it is not possible to cancel a refund"; CHOICE: only an Authorised
    // authorization is voided.
    if (target.id !== root.id || root.status !== "Authorised") {
      throw classicInvalid(`Charge ${target.id} cannot be voided (status ${root.status})`, "70015")
    }
    const record = this.record({
      originalId: root.id,
      rootId: root.id,
      value: root.value,
      currency: root.currency,
      trackId: (b.trackId as string | undefined) ?? root.trackId,
      description: (b.description as string | undefined) ?? null,
      email: root.email,
      status: "Voided",
      autoCapture: root.autoCapture,
      ...APPROVED_CLASSIC,
      ...extras,
    })
    root.status = "Voided"
    return { status: 200, body: publicCharge(record) }
  }

  private classicRefund(req: EmulatorRequest): EmulatorResponse {
    const { target, root, b, extras } = this.classicAction(req)
    // Seed l.16: "the merchant must send the payment ID of the captured transaction"; l.26: the authorization's
    // id of an automatic capture "cannot be used for refunds"; l.229 "Did you send the Auth ID instead of the
    // Payment ID?". So only a capture charge is refundable. CHOICE: 400 / 70000 / 70016.
    if (target.originalId === null || target.status !== "Captured") {
      throw classicInvalid(`Charge ${target.id} is not a captured transaction: refund the capture's charge id`, "70016")
    }
    const refunded = this.chain(root.id)
      .filter((c) => c.status === "Refunded" && c.originalId === target.id && c.responseCode === "10000")
      .reduce((sum, c) => sum + c.value, 0)
    const remaining = target.value - refunded
    // Seed l.8 a full refund "can only be performed once", l.228 "Has the payment already been refunded?".
    // CHOICE: the codes (70017 already refunded, 70018 over what remains) are ours.
    if (remaining <= 0) throw classicInvalid(`Charge ${target.id} is already fully refunded`, "70017")
    // Seed l.176: value "Defaults to the captured amount if not specified", "Cannot be greater than the original
    // capture amount. Multiple refunds up to the original capture amount are allowed" (also l.10).
    const value = this.classicValue(b.value, root.currency, false) ?? target.value
    if (value > remaining) throw classicInvalid(`value ${value} exceeds the remaining refundable value ${remaining}`, "70018")
    const declined = this.declineRefund({ amount: value, currency: root.currency, reference: b.trackId as string | undefined, metadata: extras.metadata })
    const record = this.record({
      originalId: target.id,
      rootId: root.id,
      value,
      currency: root.currency,
      trackId: (b.trackId as string | undefined) ?? null,
      description: (b.description as string | undefined) ?? null,
      email: root.email,
      status: declined ? "Declined" : "Refunded",
      autoCapture: root.autoCapture,
      ...(declined ? { responseCode: "20005", responseMessage: "Declined - Do Not Honour" } : APPROVED_CLASSIC),
      ...extras,
    })
    if (!declined && value === remaining) root.status = "Refunded"
    return { status: 200, body: publicCharge(record) }
  }
}

/**
 * One product of a classic write. The field types are the seed's examples (request l.75-86, answer l.204-214;
 * the Java SDK's Product l.104-113): name, description, sku, trackingUrl strings, image a string or null,
 * price, quantity and shippingCost numbers; price and shippingCost are in the minor unit of `value` (l.72 value
 * "2000" with one product of price 2000; l.97 value "100" with price 90.0 and shippingCost 10.0). The page
 * documents no product limits: CHOICE: prices and quantities must be non-negative integers (the Java model's
 * 90.0 is the integer 90 on the wire), nothing else is checked and every product is kept and echoed.
 */
function classicProductProblem(product: unknown, index: number): void {
  if (!isRecord(product)) throw classicInvalid(`products[${index}] must be an object`)
  for (const f of ["name", "description", "sku", "trackingUrl", "productId"] as const) {
    if (product[f] !== undefined && product[f] !== null && typeof product[f] !== "string") throw classicInvalid(`products[${index}].${f} must be a string`)
  }
  for (const f of ["price", "quantity", "shippingCost"] as const) {
    const v = product[f]
    if (v !== undefined && v !== null && !(typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) {
      throw classicInvalid(`products[${index}].${f} must be a non-negative integer`)
    }
  }
}

const APPROVED_CLASSIC = { responseCode: "10000", responseMessage: "Approved" }
/** Seed l.161. */
const CLASSIC_TRACK_ID_MAX = 50
/** Seed l.147 (metadata keys and values) and l.167-168 (udf1-udf5). */
const CLASSIC_FIELD_MAX = 100
/** Seed l.147: "A max. of 10 KVP are allowed". */
const CLASSIC_METADATA_PAIRS = 10

/** The fields of the seed's refund answer (l.186-221); captures and voids answer the same model (legacy SDKs). */
const ACTION_FIELDS = [
  "id", "originalId", "liveMode", "created", "value", "currency", "trackId", "description", "chargeMode", "responseMessage",
  "responseAdvancedInfo", "responseCode", "status", "hasChargeback", "metadata", "products", "udf1", "udf2", "udf3", "udf4", "udf5",
] as const

/** A charge as the API shows it: an authorization with its card details, an action (capture, void, refund) as the seed's answer. */
function publicCharge(c: ClassicChargeRecord): Partial<ClassicChargeRecord> {
  const copy = structuredClone(c)
  if (c.originalId === null) {
    const { rootId: _root, ...rest } = copy
    return rest
  }
  const out: Record<string, unknown> = {}
  for (const key of ACTION_FIELDS) if (copy[key] !== undefined) out[key] = copy[key]
  out.products ??= []
  return out as Partial<ClassicChargeRecord>
}

function sum(actions: readonly EmulatedAction[], type: string, includePending = false): number {
  return actions
    .filter((a) => a.type === type && (a.approved === true || (includePending && a.state === "pending")))
    .reduce((s, a) => s + a.amount, 0)
}

/** Payment balances (nas_spec PaymentResponseBalances): pending refunds already count against the refundable amount. */
export function balancesOf(p: CheckoutPaymentRecord) {
  const authorized = p.approved && p.status !== "Card Verified" ? p.amount : 0
  const voided = sum(p.actions, "Void")
  const captured = sum(p.actions, "Capture")
  const refunded = sum(p.actions, "Refund")
  const refundedOrPending = sum(p.actions, "Refund", true)
  const availableToCapture = Math.max(0, authorized - voided - captured)
  return {
    total_authorized: authorized,
    total_voided: voided,
    available_to_void: captured === 0 ? availableToCapture : 0,
    total_captured: captured,
    available_to_capture: availableToCapture,
    total_refunded: refunded,
    available_to_refund: Math.max(0, captured - refundedOrPending),
  }
}

function statusOf(p: CheckoutPaymentRecord): string {
  if (!p.approved || p.status === "Card Verified") return p.status
  const b = balancesOf(p)
  if (b.total_voided > 0 && b.total_captured === 0) return "Voided"
  if (b.total_refunded > 0) return b.total_refunded >= b.total_captured ? "Refunded" : "Partially Refunded"
  if (b.total_captured > 0) return b.total_captured >= b.total_authorized - b.total_voided ? "Captured" : "Partially Captured"
  return "Authorized"
}
