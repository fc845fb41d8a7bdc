/**
 * Stateful emulator of Fiserv Commerce Hub's payments API: charges (sale / pre-auth), captures, cancels,
 * refunds and transaction inquiry, in both endpoint styles:
 * - the current "reference transaction" style (spec fiserv-commerce-hub-1.24.11): POST /payments/v1/charges,
 *   /payments/v1/cancels, /payments/v1/refunds, /payments/v1/transaction-inquiry;
 * - the older URI style (spec fiserv-commerce-hub-api-1.0.0-legacy and the 2021 refund guide):
 *   POST /payments/v1/charges/{transactionId}/capture|cancel|refund and /payments/v1/charges/orders/{orderId}/refund.
 *
 * Every request is authenticated the way Commerce Hub documents (HMAC-SHA256 over apiKey + Client-Request-Id +
 * Timestamp + the raw body, base64, keyed by the API secret; Timestamp within 5 minutes), and deduplicated by
 * Client-Request-Id within 5 minutes (a repeat gets the first answer). Amounts are read from the raw body with
 * their exact digits and kept as integers of Fiserv's minor unit; answers carry exact decimal totals.
 *
 * Sources, cited at each rule: the seed `002` (Fiserv/Commerce-Hub Refund.md @97248cbf, 2021), spec 1.24.11
 * (`spec:` + schema or operation) and the Fiserv/Commerce-Hub docs at 8f857386 (file name). Where they are silent
 * the choice is marked "CHOICE:" here and listed in src/emulators/README.md.
 */
import crypto from "node:crypto"
import type { ServerResponse } from "node:http"
import { EmulatorServer, isJsonContentType, type EmulatorRequest, type EmulatorResponse, type HookContext } from "../core/server"
import { JsonDecimal, serializeJson } from "../../core/json"
import { constantTimeEqual } from "../../core/webhooks"
import { FISERV_CURRENCY_DECIMALS } from "./currencies"
import { JsonNumber, parseExactJson } from "./exact-json"
import type { Fault } from "../core/faults"
import type {
  FiservErrorItem,
  FiservOrder,
  FiservOrderStatus,
  FiservTransaction,
  FiservTransactionType,
} from "./types"

export * from "./types"
export { FISERV_CURRENCY_DECIMALS } from "./currencies"
export { JsonNumber, parseExactJson } from "./exact-json"

export const DEFAULT_FISERV_API_KEY = "emulator_fiserv_api_key"
export const DEFAULT_FISERV_API_SECRET = "emulator_fiserv_api_secret"
export const DEFAULT_FISERV_MERCHANT_ID = "100008000003683"
export const DEFAULT_FISERV_TERMINAL_ID = "10000001"
/** Commerce Hub's window for Timestamp and for Client-Request-Id replays ("five minutes is the default"). */
export const FISERV_WINDOW_MS = 5 * 60 * 1000
/** Spec `Amount.total` maximum. */
const MAX_TOTAL = 10n ** 18n

export interface FiservEmulatorOptions {
  /** Accepted API key → API secret pairs. Default: { emulator_fiserv_api_key: emulator_fiserv_api_secret }. */
  credentials?: Record<string, string>
  merchantId?: string
  terminalId?: string
  /**
   * The merchant settles by terminal direct or gateway capture on the Nashville front end, the only setup where
   * "Commerce Hub currently only supports partial cancels" (Cancel.md). Default false: a partial cancel gets 740.
   */
  partialCancels?: boolean
}

/** HMAC the emulator expects: base64(HMAC-SHA256(secret, apiKey + clientRequestId + timestamp + body)). */
export function fiservSignature(secret: string, apiKey: string, clientRequestId: string, timestamp: string, body: string): string {
  return crypto.createHmac("sha256", secret).update(apiKey + clientRequestId + timestamp + body).digest("base64")
}

/** Headers of a correctly signed request, for tests and manual calls (curl, scripts). */
export function fiservHeaders(input: {
  apiKey?: string
  secret?: string
  body: string
  clientRequestId?: string
  timestamp?: number
}): Record<string, string> {
  const apiKey = input.apiKey ?? DEFAULT_FISERV_API_KEY
  const clientRequestId = input.clientRequestId ?? crypto.randomUUID()
  const timestamp = String(input.timestamp ?? Date.now())
  return {
    "Content-Type": "application/json",
    "Api-Key": apiKey,
    "Client-Request-Id": clientRequestId,
    Timestamp: timestamp,
    "Auth-Token-Type": "HMAC",
    Authorization: fiservSignature(input.secret ?? DEFAULT_FISERV_API_SECRET, apiKey, clientRequestId, timestamp, input.body),
  }
}

const hex = (bytes: number) => crypto.randomBytes(bytes).toString("hex")

/** Thrown by validation; carries Fiserv's error answer. */
class FiservRequestError extends Error {
  constructor(readonly status: number, readonly items: FiservErrorItem[]) {
    super(items.map((i) => `${i.code} ${i.message}`).join("; "))
  }
}

const fail = (status: number, code: string, message: string, field?: string, type: FiservErrorItem["type"] = "GATEWAY"): never => {
  throw new FiservRequestError(status, [{ type, code, message, ...(field ? { field } : {}) }])
}

interface OrderRecord {
  orderId: string
  merchantOrderId?: string
  currency: string
  decimals: number
  status: FiservOrderStatus
  /** What remains authorized (a partial cancel of a pre-auth lowers it). */
  authorized: bigint
  captured: bigint
  refunded: bigint
  /** The batch holding its captured money was closed (settleBatch / settle). */
  settled: boolean
  chargeTransactionId: string
  captureTransactionId?: string
  transactionIds: string[]
}

interface TransactionRecord extends Omit<FiservTransaction, "total"> {
  amount: bigint
  decimals: number
}

interface SeenRequest {
  at: number
  status: number
  text: string
}

type Body = Record<string, unknown>

/** What a payment route computes: the status and body (JsonDecimal totals) to send. */
interface Answer {
  status: number
  body: Body | Body[]
}

/** Swaps the core's write of `plain` (doubles) for `exact` (exact totals) on this response only. */
function writeExactly(raw: ServerResponse, plain: string, exact: string): void {
  if (plain === exact) return
  const writeHead = raw.writeHead.bind(raw) as (...args: unknown[]) => ServerResponse
  const end = raw.end.bind(raw) as (...args: unknown[]) => ServerResponse
  let swap = false
  ;(raw as { writeHead: unknown }).writeHead = (status: number, headers?: Record<string, string | number>) => {
    if (headers && headers["content-length"] === Buffer.byteLength(plain)) {
      swap = true
      headers = { ...headers, "content-length": Buffer.byteLength(exact) }
    }
    return writeHead(status, headers)
  }
  ;(raw as { end: unknown }).end = (chunk?: unknown, ...rest: unknown[]) => end(swap && chunk === plain ? exact : chunk, ...rest)
}

function formatMinor(minor: bigint, decimals: number): string {
  const negative = minor < 0n
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, "0")
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`
  return negative ? `-${text}` : text
}

export class FiservEmulator extends EmulatorServer {
  readonly credentials: Readonly<Record<string, string>>
  readonly merchantId: string
  readonly terminalId: string
  readonly partialCancels: boolean

  private orders = new Map<string, OrderRecord>()
  private transactions = new Map<string, TransactionRecord>()
  private seen = new Map<string, SeenRequest>()
  /** Exact JSON text of answers, written by afterHandle (the core server would write doubles). */
  private readonly wireText = new WeakMap<EmulatorResponse, string>()
  private clockOffsetMs = 0
  /** The open batch: captured transactions join it (spec TransactionBatch), settleBatch closes it. */
  private batch = { number: 1, openedAt: Date.now(), sequence: 0 }

  constructor(opts: FiservEmulatorOptions = {}) {
    super()
    this.credentials = Object.freeze({ ...(opts.credentials ?? { [DEFAULT_FISERV_API_KEY]: DEFAULT_FISERV_API_SECRET }) })
    this.merchantId = opts.merchantId ?? DEFAULT_FISERV_MERCHANT_ID
    this.terminalId = opts.terminalId ?? DEFAULT_FISERV_TERMINAL_ID
    this.partialCancels = opts.partialCancels ?? false

    // Current reference-transaction style.
    this.route("POST", "/payments/v1/charges", this.op((req, b) => (b.referenceTransactionDetails !== undefined ? this.capture(req, b, this.referenced(b)) : this.charge(req, b))))
    this.route("POST", "/payments/v1/cancels", this.op((req, b) => this.cancel(req, b, this.referenced(b))))
    this.route("POST", "/payments/v1/refunds", this.op((req, b) => this.refund(req, b, this.referenced(b))))
    // Inquiry.md: only merchantDetails.merchantId is required (terminalId is checked when sent).
    this.route("POST", "/payments/v1/transaction-inquiry", this.op((_req, b) => this.inquiry(b), { terminalRequired: false }))
    // Older URI style. merchantDetails is optional there: the 1.0.0 spec requires none, and the seed's own example
    // request (seed 002 lines 60-67) is `{"amount": {...}}` alone; when sent, it is checked.
    const uri = { merchantRequired: false }
    this.route("POST", "/payments/v1/charges/orders/:orderId/refund", this.op((req, b) => this.refund(req, b, this.byOrderId(req.params.orderId ?? "")), uri))
    this.route("POST", "/payments/v1/charges/:transactionId/capture", this.op((req, b) => this.capture(req, b, this.byPathId(req.params.transactionId ?? "")), uri))
    this.route("POST", "/payments/v1/charges/:transactionId/cancel", this.op((req, b) => this.cancel(req, b, this.byPathId(req.params.transactionId ?? "")), uri))
    this.route("POST", "/payments/v1/charges/:transactionId/refund", this.op((req, b) => this.refund(req, b, this.byPathId(req.params.transactionId ?? "")), uri))
  }

  // ---------------------------------------------------------------- state accessors for tests

  getOrder(orderId: string): FiservOrder | undefined {
    const order = this.orders.get(orderId)
    return order && this.orderView(order)
  }

  /** Orders in creation order. */
  listOrders(): FiservOrder[] {
    return [...this.orders.values()].map((o) => this.orderView(o))
  }

  getTransaction(transactionId: string): FiservTransaction | undefined {
    const txn = this.transactions.get(transactionId)
    return txn && this.transactionView(txn)
  }

  /** Transactions in creation order, optionally of one order and/or one type. */
  listTransactions(filter: { orderId?: string; type?: FiservTransactionType } = {}): FiservTransaction[] {
    return [...this.transactions.values()]
      .filter((t) => (filter.orderId === undefined || t.orderId === filter.orderId) && (filter.type === undefined || t.type === filter.type))
      .map((t) => this.transactionView(t))
  }

  /** Approved refunds, optionally of one order (the capture of an authorized refund is not another refund). */
  listRefunds(orderId?: string): FiservTransaction[] {
    return this.listTransactions({ orderId, type: "REFUND" }).filter(
      (t) => t.approvalStatus === "APPROVED" && this.transactions.get(t.referenceTransactionId ?? "")?.type !== "REFUND"
    )
  }

  /** Marks one order settled, as if its batch had closed: cancels then get 829, refunds are taken. */
  settle(orderId: string): void {
    const order = this.orders.get(orderId)
    if (!order) throw new Error(`No order ${orderId}`)
    order.settled = true
  }

  /**
   * Closes the open batch and opens the next: every order holding captured money is settled. Before that a refund
   * is refused and a cancel is the way back; after it the reverse (seed 002 line 10, Cancel.md). Returns the
   * settled order ids. CHOICE: one batch for the whole emulator, closed only when asked (no daily cut-off).
   */
  settleBatch(): string[] {
    const settled = [...this.orders.values()].filter((o) => o.status === "CAPTURED" && !o.settled)
    for (const o of settled) o.settled = true
    this.batch = { number: (this.batch.number % 999) + 1, openedAt: this.now(), sequence: 0 }
    return settled.map((o) => o.orderId)
  }

  /** Moves the emulator's clock (Timestamp window, Client-Request-Id window). */
  advanceClock(ms: number): void {
    this.clockOffsetMs += ms
  }

  // ---------------------------------------------------------------- EmulatorServer hooks

  protected resetState(): void {
    this.orders = new Map()
    this.transactions = new Map()
    this.seen = new Map()
    this.clockOffsetMs = 0
    this.batch = { number: 1, openedAt: Date.now(), sequence: 0 }
  }

  protected stateSnapshot(): unknown {
    return { orders: this.listOrders(), transactions: this.listTransactions(), clientRequestIds: this.seen.size, openBatch: this.batch.number }
  }

  /**
   * Fiserv's control route, `POST /__emulator/settle` → `{ settled: [orderIds] }` (settleBatch), for tests and
   * processes that drive the emulator over HTTP.
   */
  protected customControl(method: string, path: string): EmulatorResponse | undefined {
    if (method === "POST" && path.replace(/\/$/, "") === "/__emulator/settle") return { status: 200, body: { settled: this.settleBatch() } }
    return undefined
  }

  /** Content type, then authentication, for everything under /payments (unknown paths too). */
  protected guard(req: EmulatorRequest): EmulatorResponse | undefined {
    if (!req.path.startsWith("/payments")) return undefined
    if (req.method === "POST" && !isJsonContentType(req.headers["content-type"])) {
      // CHOICE: code 138 "Missing Body or Header in Request" with HTTP 415 (Fiserv lists 415, not its code).
      return this.errorAnswer(req, 415, [{ type: "GATEWAY", code: "138", field: "Content-Type", message: "Content-Type must be application/json" }])
    }
    const problem = this.authProblem(req)
    if (problem) return this.errorAnswer(req, 401, [{ type: "APIM", code: "401", message: problem }])
    return undefined
  }

  protected notFound(req: EmulatorRequest): EmulatorResponse {
    return this.errorAnswer(req, 404, [{ type: "APIM", code: "404", message: `Resource not found: ${req.method} ${req.path}` }])
  }

  protected malformedJson(req: EmulatorRequest): EmulatorResponse {
    return this.errorAnswer(req, 400, [{ type: "GATEWAY", code: "121", message: "Malformed JSON" }])
  }

  protected internalError(req: EmulatorRequest, err: unknown): EmulatorResponse {
    return this.errorAnswer(req, 500, [{ type: "GATEWAY", code: "703", message: `Internal Error: ${err instanceof Error ? err.message : String(err)}` }])
  }

  /** Scripted error statuses answer in Fiserv's error shape. */
  protected faultBody(status: number): unknown {
    return {
      gatewayResponse: { transactionProcessingDetails: { apiTraceId: hex(16) } },
      error: [{ type: "GATEWAY", code: status === 429 ? "760" : "700", message: status === 429 ? "Too Many Transactions Requested" : "Technical Error: General" }],
    }
  }

  /**
   * Fiserv-specific faults, answered without applying anything:
   * - "stale_timestamp": 401 as if the request's Timestamp were outside the 5-minute window (a skewed clock);
   * - "order_busy": 400 code 136, another transaction on the same order is being processed.
   */
  protected customFault(fault: Extract<Fault, { kind: "custom" }>, req: EmulatorRequest): EmulatorResponse | undefined {
    if (fault.name === "stale_timestamp") {
      return this.errorAnswer(req, 401, [{ type: "APIM", code: "401", message: "Timestamp is outside the 5-minute time limit" }])
    }
    if (fault.name === "order_busy") {
      return this.errorAnswer(req, 400, [
        { type: "GATEWAY", code: "136", message: "Another Transaction With Same OrderId/Transaction Id Currently Being Processed" },
      ])
    }
    return super.customFault(fault, req)
  }

  /**
   * The core server writes `JSON.stringify(res.body)`, which turns totals into doubles. Payment answers are
   * written with their exact JSON text instead; scripted post-apply faults (reset, timeout, malformed JSON)
   * still take over the socket as usual, since only the core's own write of this body is swapped.
   */
  protected async afterHandle(_req: EmulatorRequest, res: EmulatorResponse, ctx: HookContext): Promise<EmulatorResponse> {
    const text = this.wireText.get(res)
    if (text !== undefined) writeExactly(ctx.raw, res.body === undefined ? "" : JSON.stringify(res.body), text)
    return res
  }

  // ---------------------------------------------------------------- plumbing

  private now(): number {
    return Date.now() + this.clockOffsetMs
  }

  private authProblem(req: EmulatorRequest): string | undefined {
    const h = req.headers
    const apiKey = h["api-key"]
    const secret = apiKey ? this.credentials[apiKey] : undefined
    if (!apiKey || secret === undefined) return "Invalid or missing Api-Key"
    if ((h["auth-token-type"] ?? "").toUpperCase() !== "HMAC") return "Auth-Token-Type must be HMAC"
    const clientRequestId = h["client-request-id"]
    if (!clientRequestId) return "Missing Client-Request-Id"
    const timestamp = h["timestamp"] ?? ""
    if (!/^\d{1,16}$/.test(timestamp)) return "Missing or invalid Timestamp (epoch milliseconds)"
    if (Math.abs(this.now() - Number(timestamp)) > FISERV_WINDOW_MS) return "Timestamp is outside the 5-minute time limit"
    const expected = fiservSignature(secret, apiKey, clientRequestId, timestamp, req.rawBody)
    if (!constantTimeEqual(h["authorization"] ?? "", expected)) return "HMAC validation failed: Authorization does not match the request"
    return undefined
  }

  /** An answer whose JSON text is written exactly (JsonDecimal totals keep their digits). */
  private exact(status: number, text: string): EmulatorResponse {
    const res: EmulatorResponse = { status, body: JSON.parse(text) }
    this.wireText.set(res, text)
    return res
  }

  private errorBody(req: EmulatorRequest, items: FiservErrorItem[]): Body {
    return {
      gatewayResponse: {
        transactionProcessingDetails: { apiTraceId: hex(16), clientRequestId: req.headers["client-request-id"] ?? "" },
      },
      error: items,
    }
  }

  private errorAnswer(req: EmulatorRequest, status: number, items: FiservErrorItem[]): EmulatorResponse {
    return this.exact(status, serializeJson(this.errorBody(req, items)))
  }

  /**
   * A payment route: Client-Request-Id replay within the window, exact body parsing, merchant checks, then
   * the handler. Handlers are synchronous, so check-and-apply cannot interleave between requests.
   */
  private op(
    handler: (req: EmulatorRequest, body: Body) => Answer,
    opts: { terminalRequired?: boolean; merchantRequired?: boolean } = {}
  ): (req: EmulatorRequest) => EmulatorResponse {
    return (req) => {
      const key = `${req.headers["api-key"]}\u0000${req.headers["client-request-id"]}`
      const now = this.now()
      const seen = this.seen.get(key)
      if (seen && now - seen.at <= FISERV_WINDOW_MS) return this.exact(seen.status, seen.text)
      let answer: Answer
      try {
        const parsed = req.rawBody.trim() === "" ? {} : parseExactJson(req.rawBody)
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) fail(400, "121", "Malformed JSON: the body must be an object")
        const body = parsed as Body
        if (opts.merchantRequired !== false || body.merchantDetails !== undefined) this.checkMerchant(body, opts.terminalRequired ?? true)
        answer = handler(req, body)
      } catch (err) {
        if (!(err instanceof FiservRequestError)) throw err
        answer = { status: err.status, body: this.errorBody(req, err.items) }
      }
      const text = serializeJson(answer.body)
      // CHOICE: every processed answer is remembered for replay, errors included; 5xx are not (retry runs again).
      if (answer.status < 500) {
        this.seen.set(key, { at: now, status: answer.status, text })
        if (this.seen.size > 10_000) this.pruneSeen(now)
      }
      return this.exact(answer.status, text)
    }
  }

  private pruneSeen(now: number): void {
    for (const [key, entry] of this.seen) if (now - entry.at > FISERV_WINDOW_MS) this.seen.delete(key)
  }

  private checkMerchant(body: Body, terminalRequired: boolean): void {
    const md = body.merchantDetails as Body | undefined
    if (md === undefined || md === null || typeof md !== "object") fail(400, "107", "Missing Required Field", "merchantDetails")
    const merchantId = (md as Body).merchantId
    const terminalId = (md as Body).terminalId
    if (typeof merchantId !== "string" || merchantId === "") fail(400, "107", "Missing Required Field", "merchantDetails.merchantId")
    if (terminalId === undefined && !terminalRequired) {
      if (merchantId !== this.merchantId) fail(400, "201", "Invalid Merchant ID or Setup", "merchantDetails.merchantId")
      return
    }
    if (typeof terminalId !== "string" || terminalId === "") fail(400, "107", "Missing Required Field", "merchantDetails.terminalId")
    if (merchantId !== this.merchantId) fail(400, "201", "Invalid Merchant ID or Setup", "merchantDetails.merchantId")
    if (terminalId !== this.terminalId) fail(400, "202", "Invalid Terminal ID or Setup", "merchantDetails.terminalId")
  }

  /** Reads `amount` exactly; undefined when absent. Errors use Fiserv's 105/106/836/247 codes. */
  private amountOf(body: Body, required: boolean): { minor: bigint; currency: string; decimals: number } | undefined {
    const amount = body.amount
    if (amount === undefined) {
      if (required) fail(400, "106", "Amount or currency missing", "amount")
      return undefined
    }
    if (amount === null || typeof amount !== "object") fail(400, "105", "Invalid Amount or Currency", "amount")
    const { total, currency } = amount as Body
    if (total === undefined || currency === undefined) fail(400, "106", "Amount or currency missing", total === undefined ? "amount.total" : "amount.currency")
    // A JSON number (spec Amount.total; seed 002 line 33), or the same digits as a string: the seed's own example
    // request sends `"total": "1.50"` (seed 002 line 63).
    const text = total instanceof JsonNumber ? total.text : typeof total === "string" ? total : fail(400, "105", "Invalid Amount or Currency: total must be a number", "amount.total")
    // spec Amount.currency: maxLength 3, ISO-4217 alpha code (seed 002 line 34).
    if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) fail(400, "105", "Invalid Amount or Currency", "amount.currency")
    const decimals = FISERV_CURRENCY_DECIMALS[currency as string]
    if (decimals === undefined) fail(400, "247", "Currency Not Supported", "amount.currency")
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text)
    if (!m) fail(400, "105", "Invalid Amount or Currency: total must be a plain decimal", "amount.total")
    const [, sign, whole, frac = ""] = m!
    const significant = frac.replace(/0+$/, "")
    if (significant.length > decimals!) {
      // "ensure the correct decimal usage; e.g. 10 GBP is submitted as 10.00, and 10 JPY is submitted as 10"
      fail(400, "105", `Invalid Amount or Currency: ${currency} takes at most ${decimals} decimals`, "amount.total")
    }
    const minor = BigInt(whole! + significant.padEnd(decimals!, "0")) * (sign ? -1n : 1n)
    if (minor <= 0n) fail(400, "836", "Amount Must Be >$0", "amount.total")
    if (minor > MAX_TOTAL * 10n ** BigInt(decimals!)) fail(400, "105", "Invalid Amount or Currency: total exceeds the maximum", "amount.total")
    return { minor, currency: currency as string, decimals: decimals! }
  }

  private optionalString(body: Body | undefined, field: string, max: number, path: string): string | undefined {
    const value = body?.[field]
    if (value === undefined) return undefined
    if (typeof value !== "string" || value === "" || [...value].length > max) fail(400, "100", "Invalid or Missing Field Data", path)
    return value as string
  }

  /**
   * transactionDetails.captureFlag: "If not provided in a charges or refunds request, it defaults to true" (spec
   * TransactionDetails.captureFlag). A boolean (spec), or its text: Charges.md and Refund-Auth-Capture.md type it
   * as a string of at most 5 ("true"/"false"), and the seed's answer echoes "TRUE" (seed 002 line 106).
   */
  private captureFlagOf(td: Body | undefined): boolean {
    const value = td?.captureFlag
    if (value === undefined) return true
    if (typeof value === "boolean") return value
    if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true"
    return fail(400, "100", "Invalid or Missing Field Data", "transactionDetails.captureFlag")
  }

  /** The transactionDetails fields every secondary transaction keeps and echoes (spec TransactionDetails maxLengths). */
  private detailsOf(td: Body | undefined) {
    const merchantTransactionId = this.optionalString(td, "merchantTransactionId", 128, "transactionDetails.merchantTransactionId")
    if (merchantTransactionId && [...this.transactions.values()].some((t) => t.approvalStatus === "APPROVED" && t.merchantTransactionId === merchantTransactionId)) {
      // CHOICE: an approved transaction already carries this merchantTransactionId.
      fail(400, "757", "Order/Transaction Already Exists in Database", "transactionDetails.merchantTransactionId")
    }
    return { merchantTransactionId, paymentDescription: this.optionalString(td, "paymentDescription", 1024, "transactionDetails.paymentDescription") }
  }

  /** A captured transaction joins the open batch (spec TransactionBatch: julianDay, batchNumber, sequenceNumber). */
  private joinBatch(txn: TransactionRecord): void {
    const opened = new Date(this.batch.openedAt)
    const julian = Math.floor((opened.getTime() - Date.UTC(opened.getUTCFullYear(), 0, 1)) / 86_400_000) + 1
    txn.batch = {
      julianDay: String(julian).padStart(3, "0"),
      batchNumber: String(this.batch.number).padStart(6, "0"),
      sequenceNumber: String((this.batch.sequence = (this.batch.sequence % 999) + 1)).padStart(6, "0"),
    }
  }

  // ---------------------------------------------------------------- references

  private order(orderId: string): OrderRecord {
    const order = this.orders.get(orderId)
    if (!order) throw new Error(`order ${orderId} vanished`)
    return order
  }

  /** Resolves `referenceTransactionDetails` (exactly one identifier) to the order and the referenced transaction. */
  private referenced(body: Body): { order: OrderRecord; txn?: TransactionRecord } {
    const ref = body.referenceTransactionDetails as Body | undefined
    if (!ref || typeof ref !== "object") fail(400, "131", "Missing Referenced Transaction", "referenceTransactionDetails")
    const keys = ["referenceTransactionId", "referenceMerchantTransactionId", "referenceOrderId", "referenceMerchantOrderId", "referenceClientRequestId"]
    const given = keys.filter((k) => (ref as Body)[k] !== undefined)
    // "Only a single transaction identifier should be passed within the request."
    if (given.length !== 1) fail(400, "131", "Missing Referenced Transaction", "referenceTransactionDetails")
    const field = given[0]!
    const value = (ref as Body)[field]
    // spec ReferenceTransactionDetails maxLengths.
    const max = field === "referenceTransactionId" ? 40 : field === "referenceClientRequestId" ? 1024 : 128
    if (typeof value !== "string" || value === "" || value.length > max) fail(400, "100", "Invalid or Missing Field Data", `referenceTransactionDetails.${field}`)
    const id = value as string
    const approved = [...this.transactions.values()].filter((t) => t.approvalStatus === "APPROVED")
    let txn: TransactionRecord | undefined
    let order: OrderRecord | undefined
    switch (field) {
      case "referenceTransactionId":
        txn = this.transactions.get(id)
        break
      case "referenceMerchantTransactionId":
        txn = approved.find((t) => t.merchantTransactionId === id)
        break
      case "referenceClientRequestId":
        txn = [...this.transactions.values()].find((t) => t.clientRequestId === id)
        break
      case "referenceOrderId":
        order = this.orders.get(id)
        break
      case "referenceMerchantOrderId":
        order = [...this.orders.values()].find((o) => o.merchantOrderId === id && o.status !== "DECLINED")
        break
    }
    if (txn) order = this.orders.get(txn.orderId)
    if (!order) fail(404, "764", "Referenced transaction not found", `referenceTransactionDetails.${field}`)
    return { order: order!, txn }
  }

  private byPathId(transactionId: string): { order: OrderRecord; txn?: TransactionRecord } {
    const txn = this.transactions.get(transactionId)
    if (!txn) fail(404, "801", "Invalid Transaction ID or Not Found", "transactionId")
    return { order: this.order(txn!.orderId), txn }
  }

  private byOrderId(orderId: string): { order: OrderRecord; txn?: TransactionRecord } {
    const order = this.orders.get(orderId)
    if (!order) fail(404, "764", "Referenced transaction not found", "orderId")
    return { order: order! }
  }

  // ---------------------------------------------------------------- operations

  private newTransaction(
    req: EmulatorRequest,
    order: OrderRecord,
    init: Pick<TransactionRecord, "type" | "state" | "approvalStatus" | "amount"> & Partial<TransactionRecord>
  ): TransactionRecord {
    const txn: TransactionRecord = {
      transactionId: hex(16),
      orderId: order.orderId,
      currency: order.currency,
      decimals: order.decimals,
      clientRequestId: req.headers["client-request-id"] ?? "",
      createdAt: new Date(this.now()).toISOString(),
      ...init,
    }
    this.transactions.set(txn.transactionId, txn)
    order.transactionIds.push(txn.transactionId)
    return txn
  }

  private charge(req: EmulatorRequest, b: Body): Answer {
    const amount = this.amountOf(b, true)!
    const source = b.source as Body | undefined
    if (!source || typeof source !== "object" || typeof source.sourceType !== "string") fail(400, "102", "Missing or Invalid Payment Source", "source.sourceType")
    const sourceType = source!.sourceType as string
    let token: string
    if (sourceType === "PaymentToken") token = String(source!.tokenData ?? "")
    else if (sourceType === "PaymentSession") token = String(source!.sessionId ?? "")
    else if (sourceType === "PaymentCard") token = String((source!.card as Body | undefined)?.cardData ?? "")
    else return fail(400, "205", "Invalid Payment Source or Not Supported", "source.sourceType")
    if (token === "") fail(400, "103", "Missing or Invalid Card Number or Token", "source")
    const td = b.transactionDetails as Body | undefined
    const captureFlag = this.captureFlagOf(td)
    const merchantOrderId = this.optionalString(td, "merchantOrderId", 128, "transactionDetails.merchantOrderId")
    const { merchantTransactionId, paymentDescription } = this.detailsOf(td)
    if (merchantOrderId && [...this.orders.values()].some((o) => o.status !== "DECLINED" && o.merchantOrderId === merchantOrderId)) {
      fail(400, "757", "Order/Transaction Already Exists in Database", "transactionDetails.merchantOrderId")
    }

    // Test tokens decide the outcome (README "Test tokens").
    const declinedReceipt = token.includes("decline_receipt")
    const declined = declinedReceipt || token.includes("decline")
    const order: OrderRecord = {
      orderId: `CHG01${hex(16)}`,
      merchantOrderId,
      currency: amount.currency,
      decimals: amount.decimals,
      status: declined ? "DECLINED" : captureFlag ? "CAPTURED" : "AUTHORIZED",
      authorized: declined ? 0n : amount.minor,
      captured: declined || !captureFlag ? 0n : amount.minor,
      refunded: 0n,
      settled: false,
      chargeTransactionId: "",
      transactionIds: [],
    }
    this.orders.set(order.orderId, order)
    const txn = this.newTransaction(req, order, {
      type: "CHARGE",
      state: declined ? "DECLINED" : captureFlag ? "CAPTURED" : "AUTHORIZED",
      approvalStatus: declined ? "DECLINED" : "APPROVED",
      amount: amount.minor,
      captureFlag,
      merchantOrderId,
      merchantTransactionId,
      paymentDescription,
      sourceType,
      card: { bin: "400555", last4: "0019", scheme: "VISA", expirationMonth: "12", expirationYear: "2030" },
    })
    order.chargeTransactionId = txn.transactionId
    if (captureFlag && !declined) this.joinBatch(txn)
    if (declined && !declinedReceipt) {
      // The error-response guide's shape: the whole answer wrapped in `errorResponse`, transactionState DECLINED.
      const body = this.transactionBody(txn, { receipt: false }) as Body
      return {
        status: 400,
        body: {
          errorResponse: {
            gatewayResponse: body.gatewayResponse,
            error: [{ type: "HOST", code: "05", message: "DO NOT HONOR" }],
          },
        },
      }
    }
    return { status: 201, body: this.transactionBody(txn) }
  }

  private capture(req: EmulatorRequest, b: Body, ref: { order: OrderRecord; txn?: TransactionRecord }): Answer {
    const { order } = ref
    const amount = this.amountOf(b, false)
    if (ref.txn && ref.txn.type !== "CHARGE") fail(400, "819", "Unable to Capture: No Pre-auth Found", "referenceTransactionDetails")
    if (order.status === "DECLINED") fail(400, "819", "Unable to Capture: No Pre-auth Found")
    if (order.status === "CAPTURED") fail(400, "820", "Unable to Capture: Already Performed")
    if (order.status === "VOIDED" || order.refunded > 0n) fail(400, "821", "Unable to Capture: Transaction Refunded/Cancelled")
    if (amount && amount.currency !== order.currency) fail(400, "804", "Currency Mismatch", "amount.currency")
    const minor = amount?.minor ?? order.authorized
    // CHOICE: no tip/industry over-capture: more than authorized is 807.
    if (minor > order.authorized) fail(400, "807", "Amount Too Large, Enter Lesser Amount", "amount.total")
    const td = b.transactionDetails as Body | undefined
    // Capture.md: a capture is a charges request with captureFlag true (the default, spec TransactionDetails).
    if (!this.captureFlagOf(td)) fail(400, "100", "Invalid or Missing Field Data", "transactionDetails.captureFlag")
    const { merchantTransactionId, paymentDescription } = this.detailsOf(td)
    // A partial capture releases the rest of the authorization (no split shipment here).
    order.captured = minor
    order.status = "CAPTURED"
    const charge = this.transactions.get(order.chargeTransactionId)!
    charge.state = "CAPTURED"
    const txn = this.newTransaction(req, order, {
      type: "CAPTURE",
      state: "CAPTURED",
      approvalStatus: "APPROVED",
      amount: minor,
      captureFlag: true,
      merchantTransactionId,
      paymentDescription,
      merchantOrderId: order.merchantOrderId,
      referenceTransactionId: charge.transactionId,
      sourceType: charge.sourceType,
      card: charge.card,
    })
    this.joinBatch(txn)
    order.captureTransactionId = txn.transactionId
    return { status: 201, body: this.transactionBody(txn) }
  }

  /**
   * Cancel.md: "A cancel request can be initiated against an authorization that has not been captured, or a sale that
   * has not been settled (batched), otherwise submit a reversal request" (Refund); seed 002 line 10 sends a captured,
   * unsettled charge here too. Full without `amount` or with the full total; partial with a smaller one, only where
   * the merchant settles terminal direct / gateway on Nashville (Cancel.md; option partialCancels), else 740.
   */
  private cancel(req: EmulatorRequest, b: Body, ref: { order: OrderRecord; txn?: TransactionRecord }): Answer {
    const { order } = ref
    if (ref.txn && ref.txn.type !== "CHARGE" && ref.txn.type !== "CAPTURE") fail(400, "827", "Unable to Cancel", "referenceTransactionDetails")
    if (order.status === "DECLINED" || order.status === "VOIDED") fail(400, "833", "Unable to Cancel: Transaction Not in Captured or Authorized Status")
    // Error-Code.md 829. Refunds exist only on settled orders, so none is orphaned by a cancel.
    if (order.settled) fail(400, "829", "Unable to Cancel: Transaction Settled")
    const full = order.status === "CAPTURED" ? order.captured : order.authorized
    const amount = this.amountOf(b, false)
    if (amount && amount.currency !== order.currency) fail(400, "804", "Currency Mismatch", "amount.currency")
    if (amount && amount.minor > full) fail(400, "810", "Amount is Greater Than Refund/Void", "amount.total")
    const partial = amount !== undefined && amount.minor < full
    if (partial && !this.partialCancels) fail(400, "740", "Partial Reversal Not Allowed For The Endpoint", "amount.total")
    const td = b.transactionDetails as Body | undefined
    const reversalReasonCode = this.optionalString(td, "reversalReasonCode", 22, "transactionDetails.reversalReasonCode")
    const details = this.detailsOf(td)
    const minor = partial ? amount!.minor : full
    if (partial && order.status === "CAPTURED") order.captured -= minor
    else if (partial) order.authorized -= minor
    else {
      order.status = "VOIDED"
      for (const id of order.transactionIds) {
        const t = this.transactions.get(id)!
        if (t.type === "CHARGE" || t.type === "CAPTURE") t.state = "VOIDED"
      }
    }
    const target = this.transactions.get(order.captureTransactionId ?? order.chargeTransactionId)!
    const txn = this.newTransaction(req, order, {
      type: "CANCEL",
      // The documents' cancel answers read transactionState AUTHORIZED (spec example CancelResponse; Cancel.md).
      state: "AUTHORIZED",
      approvalStatus: "APPROVED",
      amount: minor,
      // Cancel.md reversal reason codes: VOID reverses fully, PARTIAL "where the amount is less than the original".
      reversalReasonCode: reversalReasonCode ?? (partial ? "PARTIAL" : "VOID"),
      ...details,
      merchantOrderId: order.merchantOrderId,
      referenceTransactionId: target.transactionId,
      sourceType: target.sourceType,
      card: target.card,
    })
    // spec /payments/v1/cancels: 200.
    return { status: 200, body: this.transactionBody(txn) }
  }

  private refund(req: EmulatorRequest, b: Body, ref: { order: OrderRecord; txn?: TransactionRecord }): Answer {
    const { order } = ref
    if (b.source !== undefined) fail(400, "233", "Only tagged refunds are emulated: leave out `source`", "source")
    const td = b.transactionDetails as Body | undefined
    const captureFlag = this.captureFlagOf(td)
    if (ref.txn?.type === "REFUND") return this.captureRefund(req, b, order, ref.txn, captureFlag)
    if (ref.txn && ref.txn.type !== "CHARGE" && ref.txn.type !== "CAPTURE") fail(400, "812", "Unable to Refund", "referenceTransactionDetails")
    // Seed 002 line 10: "Refund Request can be initiated against a charge only if it is already been captured and
    // settled, otherwise submit a cancel request." Not captured: 837 (Error-Code.md). CHOICE: captured but not yet
    // settled: 812 "Unable to Refund" (the documents name no code for it).
    if (order.status !== "CAPTURED") fail(400, "837", "Unable to Refund: Transaction Not in a Captured or Authorized Status")
    if (!order.settled) fail(400, "812", "Unable to Refund")
    const remaining = order.captured - order.refunded
    if (remaining <= 0n) fail(400, "816", "Duplicate Refund")
    const amount = this.amountOf(b, false)
    if (amount && amount.currency !== order.currency) fail(400, "804", "Currency Mismatch", "amount.currency")
    if (amount && amount.minor > order.captured) fail(400, "807", "Amount Too Large, Enter Lesser Amount", "amount.total")
    if (amount && amount.minor > remaining) fail(400, "810", "Amount is Greater Than Refund/Void", "amount.total")
    // Seed 002 line 24: "Can be submitted without the amount object to refund the full total". CHOICE: after partial
    // refunds, leaving `amount` out refunds what remains.
    const minor = amount?.minor ?? remaining
    const details = this.detailsOf(td)
    order.refunded += minor
    const target = this.transactions.get(order.captureTransactionId ?? order.chargeTransactionId)!
    const txn = this.newTransaction(req, order, {
      type: "REFUND",
      // Refund-Auth-Capture.md: captureFlag false authorizes the refund (AUTHORIZED) for a later capture; true
      // refunds at once (its capture example answers CAPTURED).
      state: captureFlag ? "CAPTURED" : "AUTHORIZED",
      approvalStatus: "APPROVED",
      amount: minor,
      captureFlag,
      ...details,
      merchantOrderId: order.merchantOrderId,
      referenceTransactionId: target.transactionId,
      sourceType: target.sourceType,
      card: target.card,
    })
    if (captureFlag) this.joinBatch(txn)
    return { status: 201, body: this.transactionBody(txn) }
  }

  /**
   * Refund-Auth-Capture.md: "All online refunds not submitted with captureFlag true require a subsequent Refunds API
   * capture request": a refunds request referencing the authorized refund with captureFlag true (answer CAPTURED).
   * CHOICE: it captures the whole authorized refund (another amount: 806); the refund then reads CAPTURED.
   */
  private captureRefund(req: EmulatorRequest, b: Body, order: OrderRecord, refund: TransactionRecord, captureFlag: boolean): Answer {
    if (!captureFlag || refund.approvalStatus !== "APPROVED" || refund.state !== "AUTHORIZED") fail(400, "812", "Unable to Refund", "referenceTransactionDetails")
    const amount = this.amountOf(b, false)
    if (amount && amount.currency !== order.currency) fail(400, "804", "Currency Mismatch", "amount.currency")
    if (amount && amount.minor !== refund.amount) fail(400, "806", "Amount Total Mismatch", "amount.total")
    const details = this.detailsOf(b.transactionDetails as Body | undefined)
    refund.state = "CAPTURED"
    const txn = this.newTransaction(req, order, {
      type: "REFUND",
      state: "CAPTURED",
      approvalStatus: "APPROVED",
      amount: refund.amount,
      captureFlag: true,
      ...details,
      merchantOrderId: order.merchantOrderId,
      referenceTransactionId: refund.transactionId,
      sourceType: refund.sourceType,
      card: refund.card,
    })
    this.joinBatch(txn)
    return { status: 201, body: this.transactionBody(txn) }
  }

  /**
   * An array: one transaction, or every transaction of the order for an order reference. A reference Fiserv does
   * not hold answers 404 (HTTP.md: "Commerce Hub can not find the requested resource") with the payments gateway's
   * code 764 "Referenced transaction not found" (Error-Code.md); only requests that passed authentication (401)
   * and the merchant checks (201/202) get that far, which is what the provider's Test connection relies on.
   */
  private inquiry(b: Body): Answer {
    const ref = b.referenceTransactionDetails as Body | undefined
    const { order, txn } = this.referenced(b)
    const byOrder = ref !== undefined && (ref.referenceOrderId !== undefined || ref.referenceMerchantOrderId !== undefined)
    const list = byOrder || !txn ? order.transactionIds.map((id) => this.transactions.get(id)!) : [txn]
    return { status: 201, body: list.map((t) => this.transactionBody(t)) }
  }

  // ---------------------------------------------------------------- answers

  private transactionBody(txn: TransactionRecord, opts: { receipt?: boolean } = {}): Body {
    const approved = txn.approvalStatus === "APPROVED"
    const body: Body = {
      gatewayResponse: {
        transactionType: txn.type,
        transactionState: txn.state,
        transactionOrigin: "ECOM",
        transactionProcessingDetails: {
          orderId: txn.orderId,
          transactionTimestamp: txn.createdAt,
          apiTraceId: hex(16),
          clientRequestId: txn.clientRequestId,
          transactionId: txn.transactionId,
        },
      },
      source: { sourceType: txn.sourceType ?? "PaymentToken", ...(txn.card ? { card: txn.card } : {}) },
      transactionDetails: {
        ...(txn.captureFlag !== undefined ? { captureFlag: txn.captureFlag } : {}),
        ...(txn.merchantTransactionId ? { merchantTransactionId: txn.merchantTransactionId } : {}),
        ...(txn.merchantOrderId ? { merchantOrderId: txn.merchantOrderId } : {}),
        ...(txn.reversalReasonCode ? { reversalReasonCode: txn.reversalReasonCode } : {}),
        // Echoed as in the seed's answer (seed 002 line 112).
        ...(txn.paymentDescription ? { paymentDescription: txn.paymentDescription } : {}),
      },
      merchantDetails: { merchantId: this.merchantId, terminalId: this.terminalId },
    }
    if (opts.receipt !== false) {
      body.paymentReceipt = {
        approvedAmount: { total: new JsonDecimal(formatMinor(approved ? txn.amount : 0n, txn.decimals)), currency: txn.currency },
        processorResponseDetails: {
          approvalStatus: txn.approvalStatus,
          approvalCode: approved ? `OK${txn.transactionId.slice(0, 4).toUpperCase()}` : "",
          processor: "FISERV",
          host: "NASHVILLE",
          responseCode: approved ? "000" : "005",
          responseMessage: approved ? "APPROVAL" : "DO NOT HONOR",
          hostResponseCode: approved ? "00" : "05",
          hostResponseMessage: approved ? "APPROVAL" : "DO NOT HONOR",
          localTimestamp: txn.createdAt,
        },
      }
    }
    if (txn.referenceTransactionId) body.referenceTransactionDetails = { referenceTransactionId: txn.referenceTransactionId }
    if (txn.batch) body.transactionBatch = { julianDay: txn.batch.julianDay, batchNumber: txn.batch.batchNumber, transactionClass: "1", sequenceNumber: txn.batch.sequenceNumber }
    return body
  }

  private orderView(o: OrderRecord): FiservOrder {
    return {
      orderId: o.orderId,
      ...(o.merchantOrderId ? { merchantOrderId: o.merchantOrderId } : {}),
      currency: o.currency,
      decimals: o.decimals,
      status: o.status,
      authorized: formatMinor(o.authorized, o.decimals),
      captured: formatMinor(o.captured, o.decimals),
      refunded: formatMinor(o.refunded, o.decimals),
      refundable: formatMinor(o.status === "CAPTURED" ? o.captured - o.refunded : 0n, o.decimals),
      settled: o.settled,
      chargeTransactionId: o.chargeTransactionId,
      ...(o.captureTransactionId ? { captureTransactionId: o.captureTransactionId } : {}),
      transactionIds: [...o.transactionIds],
    }
  }

  private transactionView(t: TransactionRecord): FiservTransaction {
    const { amount, decimals, ...rest } = t
    return structuredClone({ ...rest, total: formatMinor(amount, decimals) })
  }
}

