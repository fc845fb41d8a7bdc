/**
 * Stateful emulator of Clover's Ecommerce API (card-not-present charges, captures and refunds).
 *
 * Follows docs.clover.com (createcharge, capturecharge, refunds, appendix error codes) and the spec in
 * test/contract/specs. Where Clover's docs are silent the choice is ours and is listed in
 * src/emulators/README.md; search this file for "CHOICE:" to find each one.
 */
import { EmulatorServer, isJsonContentType, type EmulatorRequest, type EmulatorResponse, type RouteHandler } from "../core/server"
import { IdempotencyStore, requestFingerprint } from "../core/idempotency"
import { answeringRefusals, bearerKeyOf } from "../core/refusal"
import { DIGITS, UPPER_ALNUM, randomString } from "../core/ids"
import { CloverRequestError, cloverError, cloverErrorBody, invalidRequest, resourceMissing } from "./errors"
import type { CloverCharge, CloverList, CloverRefund, CloverRefundReason, CloverWebhookPayload } from "./types"
import * as v from "./validate"

export * from "./types"
export { MAX_CHARGE_AMOUNT } from "./validate"
export { CLOVER_CURRENCIES } from "./currencies"

export const DEFAULT_CLOVER_API_KEY = "emulator_clover_key"
export const DEFAULT_CLOVER_MERCHANT_ID = "EMUMERCHANT01"
export const DEFAULT_CLOVER_APP_ID = "EMUAPP0000001"

export interface CloverEmulatorOptions {
  /** Accepted `Authorization: Bearer` keys. Default: `["emulator_clover_key"]`. */
  apiKeys?: string[]
  /** Merchant id used in webhook payloads. */
  merchantId?: string
  /** App id used in webhook payloads. */
  appId?: string
}

/** Clover object ids are 13-character upper-case alphanumerics (base32 style, e.g. `J8Y3QFRM3F1E0`). */
const CLOVER_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
const cloverId = (): string => randomString(13, CLOVER_ID_ALPHABET)

const REFUND_REASONS: readonly CloverRefundReason[] = ["duplicate", "fraudulent", "requested_by_customer"]
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i
const ECOMIND_VALUES = ["ecom", "moto", "retail"] as const

/** Outcome of a test token, decided by its content (see README "Test tokens"). */
type TokenOutcome =
  | { ok: true }
  | { ok: false; code: "card_declined" | "processing_error"; decline_code?: string; message: string }

function tokenOutcome(token: string): TokenOutcome {
  if (token.includes("processing_error")) {
    return { ok: false, code: "processing_error", message: "An error occurred while processing the card." }
  }
  if (token.includes("insufficient")) {
    return {
      ok: false,
      code: "card_declined",
      decline_code: "insufficient_funds",
      message: "The source provided was declined by the payment gateway: insufficient funds.",
    }
  }
  if (token.includes("decline")) {
    return {
      ok: false,
      code: "card_declined",
      decline_code: "generic_decline",
      message: "The source provided was declined by the payment gateway.",
    }
  }
  return { ok: true }
}

export class CloverEmulator extends EmulatorServer {
  readonly apiKeys: readonly string[]
  readonly merchantId: string
  readonly appId: string

  // Maps keep insertion order, which is creation order; lists reverse it for "newest first".
  private charges = new Map<string, CloverCharge>()
  private refunds = new Map<string, CloverRefund>()
  private usedTokens = new Set<string>()
  private readonly idempotency = new IdempotencyStore()
  /** Declines queued by failNextRefund (their failure_reason), taken one per refund that passes validation. */
  private refundDeclines: string[] = []

  constructor(opts: CloverEmulatorOptions = {}) {
    super()
    this.apiKeys = opts.apiKeys?.length ? [...opts.apiKeys] : [DEFAULT_CLOVER_API_KEY]
    this.merchantId = opts.merchantId ?? DEFAULT_CLOVER_MERCHANT_ID
    this.appId = opts.appId ?? DEFAULT_CLOVER_APP_ID

    // Keys must be UUID v4 where Clover says so: create charge ("Your idempotency key must be a version 4
    // UUID", docs.clover.com/docs/ecommerce-accepting-payments) and capture (same page's example,
    // `idempotency-key {uuid4_key}`). Nothing documents a key on refunds: any key is taken there.
    this.route("POST", "/v1/charges", this.idempotent((req) => this.createCharge(req), true))
    this.route("GET", "/v1/charges", this.safe((req) => this.listChargesRoute(req)))
    this.route("GET", "/v1/charges/:id", this.safe((req) => this.retrieveCharge(req)))
    this.route("POST", "/v1/charges/:id/capture", this.idempotent((req) => this.captureCharge(req), true))
    this.route("POST", "/v1/refunds", this.idempotent((req) => this.createRefund(req), false))
    this.route("GET", "/v1/refunds", this.safe((req) => this.listRefundsRoute(req)))
    this.route("GET", "/v1/refunds/:id", this.safe((req) => this.retrieveRefund(req)))
  }

  // ---------------------------------------------------------------- state accessors for tests

  getCharge(id: string): CloverCharge | undefined {
    const charge = this.charges.get(id)
    return charge && structuredClone(charge)
  }

  /** All charges in creation order (oldest first), failed attempts included. */
  listCharges(): CloverCharge[] {
    return [...this.charges.values()].map((c) => structuredClone(c))
  }

  /**
   * The next refund that passes validation is declined in Clover's immediate answer: HTTP 200 with
   * `status: "failed"` (docs.clover.com/docs/ecommerce-refunding-payments: the refund `status` "states whether
   * the refund was successful (succeeded or failed)"); nothing is refunded. Clover documents no way to make
   * this happen in its sandbox, so tests queue it here.
   */
  failNextRefund(reason = "The refund was declined by the payment gateway."): void {
    this.refundDeclines.push(reason)
  }

  getRefund(id: string): CloverRefund | undefined {
    const refund = this.refunds.get(id)
    return refund && structuredClone(refund)
  }

  /** Refunds in creation order (oldest first), optionally only those of one charge. */
  listRefunds(chargeId?: string): CloverRefund[] {
    return [...this.refunds.values()]
      .filter((r) => chargeId === undefined || r.charge === chargeId)
      .map((r) => structuredClone(r))
  }

  /**
   * A body in Clover's app-webhook format, for tests to POST to the webhook route (with `X-Clover-Auth`).
   * Clover only says *which* object changed; receivers must fetch it. "P:" is the payments event prefix.
   */
  webhookPayload(objectId: string, type: "CREATE" | "UPDATE"): CloverWebhookPayload {
    return { appId: this.appId, merchants: { [this.merchantId]: [{ objectId: `P:${objectId}`, type, ts: Date.now() }] } }
  }

  // ---------------------------------------------------------------- EmulatorServer hooks

  protected resetState(): void {
    this.charges = new Map()
    this.refunds = new Map()
    this.usedTokens = new Set()
    this.refundDeclines = []
    this.idempotency.clear()
  }

  protected stateSnapshot(): unknown {
    return {
      charges: this.listCharges(),
      refunds: this.listRefunds(),
      usedTokens: [...this.usedTokens],
      idempotencyKeys: this.idempotency.size,
    }
  }

  /** Auth for everything under /v1 (unknown /v1 paths too, as a real gateway would), then content type. */
  protected guard(req: EmulatorRequest): EmulatorResponse | undefined {
    if (req.path !== "/v1" && !req.path.startsWith("/v1/")) return undefined
    if (!this.apiKeyOf(req)) {
      // Type `authentication_error` (response-codes page); CHOICE: code `unauthorized`, which Clover does not name.
      return cloverError(401, "authentication_error", "unauthorized", "Invalid or missing API key. Send 'Authorization: Bearer <key>'.")
    }
    // CHOICE: 400 (not 415): Clover's Ecommerce status table lists no 415. Empty bodies need no content type.
    if (req.method === "POST" && req.rawBody.trim() !== "" && !isJsonContentType(req.headers["content-type"])) {
      return invalidRequest("invalid_request", "Content-Type must be application/json.")
    }
    return undefined
  }

  protected notFound(req: EmulatorRequest): EmulatorResponse {
    return cloverError(404, "invalid_request_error", "resource_missing", `Unrecognized request URL (${req.method}: ${req.path}).`)
  }

  protected malformedJson(_req: EmulatorRequest): EmulatorResponse {
    return invalidRequest("invalid_request", "The request body is not valid JSON.")
  }

  protected faultBody(status: number): unknown {
    // `rate_limit` is in the appendix's codes, `rate_limit_error` in the response-codes page's types.
    if (status === 429) return cloverErrorBody(429, "rate_limit_error", "rate_limit", "Too many requests.")
    return cloverErrorBody(status, "api_error", "processing_error", `Clover is unavailable (HTTP ${status}).`)
  }

  protected internalError(_req: EmulatorRequest, err: unknown): EmulatorResponse {
    const detail = err instanceof Error ? err.message : String(err)
    return cloverError(500, "api_error", "api_error", `Emulator internal error: ${detail}`)
  }

  // ---------------------------------------------------------------- route plumbing

  private apiKeyOf(req: EmulatorRequest): string | undefined {
    return bearerKeyOf(req, this.apiKeys)
  }

  private safe(handler: RouteHandler): RouteHandler {
    return answeringRefusals(handler)
  }

  /**
   * `idempotency-key` on POSTs: the first response for (API key, idempotency key) is stored and replayed for the
   * same method/path/body; a different request with the same key is a 400 idempotency_error. Check, apply and
   * store run synchronously, so concurrent duplicates can't both apply.
   * CHOICE: every response of the first attempt is stored, errors (400/402) included, like a replay of "what
   * happened"; only the guard's 401/400 (auth, content type) happen before and are never stored.
   */
  private idempotent(handler: RouteHandler, uuidKey: boolean): RouteHandler {
    const run = this.safe(handler)
    return (req) => {
      const key = req.headers["idempotency-key"]
      if (!key) return run(req)
      if (uuidKey && !UUID_V4.test(key)) {
        // CHOICE: type `idempotency_error` (a documented type) and code `invalid_request`; Clover names neither here.
        return cloverError(400, "idempotency_error", "invalid_request", "The idempotency-key header must be a version 4 UUID.", {
          param: "idempotency-key",
        })
      }
      const scope = this.apiKeyOf(req) ?? ""
      const fingerprint = requestFingerprint(req.method, req.path, req.body ?? req.rawBody)
      const hit = this.idempotency.lookup(scope, key, fingerprint)
      if (hit.kind === "replay") return hit.response
      if (hit.kind === "mismatch") {
        // CHOICE: code `idempotency_key_reused`; Clover documents only the `idempotency_error` type.
        return cloverError(
          400,
          "idempotency_error",
          "idempotency_key_reused",
          "Keys for idempotent requests can only be used with the same method, path and parameters they were first used with."
        )
      }
      const res = run(req)
      this.idempotency.save(scope, key, fingerprint, { status: res.status, body: res.body })
      return res
    }
  }

  private requireCharge(id: string, param?: string): CloverCharge {
    const charge = this.charges.get(id)
    if (!charge) throw new CloverRequestError(resourceMissing("charge", id, param))
    return charge
  }

  // ---------------------------------------------------------------- charges

  private createCharge(req: EmulatorRequest): EmulatorResponse {
    v.requireForwardedFor(req)
    const b = v.bodyObject(req.body)
    const amount = v.chargeAmount(b.amount)
    const currency = v.currency(b.currency)
    const source = v.requiredString(b.source, "source")
    const capture = v.optionalBoolean(b.capture, "capture") ?? true
    const description = v.optionalString(b.description, "description", 255)
    const external_reference_id = v.externalReferenceId(b.external_reference_id)
    const metadata = v.optionalMetadata(b.metadata)
    const receipt_email = v.optionalEmail(b.receipt_email)
    const ecomind = v.optionalEnum(b.ecomind, "ecomind", ECOMIND_VALUES)

    if (!source.startsWith("clv_")) {
      return invalidRequest("invalid_request", `Invalid source: '${source}' is not a Clover card token (clv_...).`, "source")
    }
    if (this.usedTokens.has(source)) {
      return invalidRequest("token_already_used", "The source token has already been used.", "source")
    }
    // CHOICE: a token is consumed by any attempt that reaches authorisation, declines included (Clover tokens
    // are single-use and its docs tell apps to re-tokenise after a failed attempt). Validation errors don't.
    this.usedTokens.add(source)

    const outcome = tokenOutcome(source)
    const charge: CloverCharge = {
      id: cloverId(),
      object: "charge",
      amount,
      amount_refunded: 0,
      amount_captured: outcome.ok && capture ? amount : 0,
      currency,
      created: Date.now(),
      captured: outcome.ok && capture,
      paid: outcome.ok,
      status: outcome.ok ? "succeeded" : "failed",
      refunded: false,
      source: { id: source, brand: "VISA", first6: "424242", last4: "4242" },
    }
    if (outcome.ok) {
      charge.outcome = { network_status: "approved_by_network", type: "authorized" }
      charge.ref_num = randomString(12, DIGITS)
      charge.auth_code = randomString(6, UPPER_ALNUM)
    } else {
      charge.failure_code = outcome.code
      charge.failure_message = outcome.message
    }
    if (description !== undefined) charge.description = description
    if (external_reference_id !== undefined) charge.external_reference_id = external_reference_id
    if (metadata !== undefined) charge.metadata = metadata
    if (receipt_email !== undefined) charge.receipt_email = receipt_email
    if (ecomind !== undefined) charge.ecomind = ecomind
    this.charges.set(charge.id, charge)

    if (!outcome.ok) {
      // CHOICE: the failed attempt is kept as a `status: "failed"` charge and named in the error's `charge`.
      return cloverError(402, "card_error", outcome.code, outcome.message, {
        charge: charge.id,
        decline_code: outcome.decline_code,
      })
    }
    return { status: 200, body: structuredClone(charge) }
  }

  private listChargesRoute(req: EmulatorRequest): EmulatorResponse {
    const body: CloverList<CloverCharge> = { data: paginate(this.listCharges().reverse(), req.query) }
    return { status: 200, body }
  }

  private retrieveCharge(req: EmulatorRequest): EmulatorResponse {
    return { status: 200, body: structuredClone(this.requireCharge(req.params.id ?? "")) }
  }

  private captureCharge(req: EmulatorRequest): EmulatorResponse {
    v.requireForwardedFor(req)
    const b = v.bodyObject(req.body)
    const requested = v.optionalAmount(b.amount)
    const receipt_email = v.optionalEmail(b.receipt_email)
    const charge = this.requireCharge(req.params.id ?? "")

    if (charge.status === "failed") {
      return invalidRequest("invalid_request", `Charge ${charge.id} failed and cannot be captured.`)
    }
    if (charge.captured) {
      return invalidRequest("charge_already_captured", "The charge provided has already been captured.")
    }
    if (charge.refunded) {
      return invalidRequest(
        "invalid_request",
        `Charge ${charge.id} cannot be captured: its authorization has been reversed.`
      )
    }
    // Clover: "Use to capture the full or partial amount"; omitted amount = full authorised amount.
    const amount = requested ?? charge.amount
    if (amount > charge.amount) {
      // CHOICE: code for capturing more than was authorised is undocumented; we reuse `amount_too_large`.
      return invalidRequest(
        "amount_too_large",
        `Capture amount ${amount} exceeds the authorized amount ${charge.amount}.`,
        "amount"
      )
    }
    // CHOICE: `amount` keeps the authorised value; `amount_captured` records what was captured.
    charge.captured = true
    charge.amount_captured = amount
    if (receipt_email !== undefined) charge.receipt_email = receipt_email
    return { status: 200, body: structuredClone(charge) }
  }

  // ---------------------------------------------------------------- refunds

  private createRefund(req: EmulatorRequest): EmulatorResponse {
    const b = v.bodyObject(req.body)
    // Fields: the seed (000_*.txt lines 48-51, 91-95: charge, amount, reason) and withone.ai's summary of the
    // createrefund reference (external_reference_id, max 12). CHOICE: `metadata` too, unconfirmed.
    const chargeId = v.requiredString(b.charge, "charge")
    const requested = v.optionalAmount(b.amount)
    const reason = v.optionalEnum(b.reason, "reason", REFUND_REASONS)
    const external_reference_id = v.externalReferenceId(b.external_reference_id)
    const metadata = v.optionalMetadata(b.metadata)
    const charge = this.requireCharge(chargeId, "charge")

    if (charge.status === "failed") {
      return invalidRequest("invalid_request", `Charge ${charge.id} failed; there is nothing to refund.`, "charge")
    }

    let amount: number
    let apply: () => void
    if (!charge.captured) {
      // CHOICE: Clover's Ecommerce void endpoint is unconfirmed, so a full refund of an uncaptured charge
      // reverses the authorisation. Partial reversal is refused.
      if (charge.refunded) {
        return invalidRequest("charge_already_refunded", "The charge provided has already been refunded.", "charge")
      }
      if (requested !== undefined && requested !== charge.amount) {
        return invalidRequest(
          "invalid_request",
          `Charge ${charge.id} is not captured: capture the charge first or reverse the whole authorization (omit amount).`,
          "amount"
        )
      }
      amount = charge.amount
      apply = () => {
        charge.amount_refunded = charge.amount
        charge.refunded = true
      }
    } else {
      const remaining = charge.amount_captured - charge.amount_refunded
      if (remaining <= 0) {
        return invalidRequest("charge_already_refunded", "The charge provided has already been refunded.", "charge")
      }
      // Seed lines 27-29, 57-67: without `amount` the whole charge is refunded; spec CreateRefund: "Partial
      // refunds are allowed up to the original charge amount".
      amount = requested ?? remaining
      if (amount > remaining) {
        // CHOICE: Clover's code for over-refunding is undocumented; we use `amount_too_large`.
        return invalidRequest(
          "amount_too_large",
          `Refund amount (${amount}) exceeds the amount remaining on the charge (${remaining}).`,
          "amount"
        )
      }
      apply = () => {
        charge.amount_refunded += amount
        charge.refunded = charge.amount_refunded === charge.amount_captured
      }
    }

    // The seed's answer (lines 59-67): id, object, amount, charge, created, status.
    const refund: CloverRefund = {
      id: cloverId(),
      object: "refund",
      amount,
      charge: charge.id,
      created: Date.now(),
      status: "succeeded",
    }
    const decline = this.refundDeclines.shift()
    if (decline !== undefined) {
      refund.status = "failed"
      refund.failure_reason = decline
    } else {
      apply()
    }
    if (reason !== undefined) refund.reason = reason
    if (external_reference_id !== undefined) refund.external_reference_id = external_reference_id
    if (metadata !== undefined) refund.metadata = metadata
    this.refunds.set(refund.id, refund)
    return { status: 200, body: structuredClone(refund) }
  }

  private listRefundsRoute(req: EmulatorRequest): EmulatorResponse {
    const chargeId = req.query.charge
    const newestFirst = this.listRefunds(chargeId || undefined).reverse()
    const body: CloverList<CloverRefund> = { data: paginate(newestFirst, req.query) }
    return { status: 200, body }
  }

  private retrieveRefund(req: EmulatorRequest): EmulatorResponse {
    const id = req.params.id ?? ""
    const refund = this.refunds.get(id)
    if (!refund) return resourceMissing("refund", id)
    return { status: 200, body: structuredClone(refund) }
  }
}

/**
 * `limit` (1..100, default 10) plus Clover's `starting_after` / `ending_before` cursors over a newest-first list.
 * Callers pass copies, so the page can be returned as is.
 */
function paginate<T extends { id: string }>(newestFirst: T[], query: Record<string, string>): T[] {
  const limit = v.listLimit(query.limit)
  const cursorIndex = (param: "starting_after" | "ending_before"): number | undefined => {
    const id = query[param]
    if (!id) return undefined
    const index = newestFirst.findIndex((item) => item.id === id)
    if (index < 0) throw new CloverRequestError(invalidRequest("invalid_request", `Unknown ${param} cursor: '${id}'.`, param))
    return index
  }
  const after = cursorIndex("starting_after")
  if (after !== undefined) return newestFirst.slice(after + 1, after + 1 + limit)
  const before = cursorIndex("ending_before")
  if (before !== undefined) return newestFirst.slice(Math.max(0, before - limit), before)
  return newestFirst.slice(0, limit)
}
