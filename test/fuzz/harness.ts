/**
 * Shared by the fuzz suites: the processors (from their kits: provider, emulator, credentials, how a
 * refund reads on the wire), the arbitraries that feed them hostile values, and the one property every
 * public method must keep: it resolves, or rejects with a MedusaError (never a plain Error or
 * TypeError, never an unhandled rejection), and no error names a secret.
 *
 * Runs are deterministic: every fc.assert uses SEED (override with FUZZ_SEED=<n> to explore).
 * On failure fast-check prints the seed and the shrunk counterexample; replay it with
 * FUZZ_SEED=<seed> (and the printed path) to debug.
 */
import path from "node:path"
import BigNumberJS from "bignumber.js"
import fc from "fast-check"
import { BigNumber, MedusaError } from "@medusajs/framework/utils"
import { Decimal } from "../../src/core/money/decimal"
import type { RecordedRequest } from "../../src/emulators/core/server"
import { CheckoutEmulator } from "../../src/emulators/checkout"
import { DEFAULT_CLOVER_API_KEY } from "../../src/emulators/clover"
import { PROCESSOR_KITS, type ProcessorKit } from "../../src/emulators/kits"
import { DEFAULT_PROCESSOUT_PROJECT_ID, DEFAULT_PROCESSOUT_PROJECT_SECRET } from "../../src/emulators/processout"

export const SEED = Number(process.env.FUZZ_SEED ?? 7_2026)
export const quiet = { debug() {}, info() {}, warn() {}, error() {} }

const ROOT = path.resolve(__dirname, "../..")
const { processors: benchProcessors } = require(path.join(ROOT, "bench/processors/index.js"))
const BENCH: Record<string, any> = Object.fromEntries(benchProcessors().map((e: any) => [e.name, e]))

/** A refund request on the wire: its amount in minor units, or "full" (the processor's no-amount form). */
export type WireRefund = bigint | "full"

export interface FuzzProcessor {
  name: string
  /** The bench entry (bench/processors/<name>.js): createPayment makes a captured payment with a ledger. */
  bench: any
  emulator(): any
  /** Options against the emulator, without retries so each scripted fault reaches the parser. */
  options(url: string): Record<string, unknown>
  create(url: string, options?: Record<string, unknown>): any
  validateOptions(options: Record<string, unknown>): void
  construct(options: Record<string, unknown>): unknown
  /** Values no error message or log may show. */
  secrets: string[]
  /** Options that hold secrets (the options fuzz plants marked values there). */
  secretOptions: string[]
  /** The refund a journaled request sends, or undefined when the request is not a refund. */
  wireRefund(request: RecordedRequest): WireRefund | undefined
  /** What the storefront puts in a new session (a card token), for the n-th payment. */
  sessionData(n: number): Record<string, unknown>
  /** The customer's step at the processor between initiate and authorize (Dodo: pay on its page). */
  afterInitiate?(emulator: any, data: Record<string, unknown>): void
}

const minorOfMajor = (text: string, exponent = 2) => BigInt(new Decimal(text).shiftedBy(exponent).toFixed(0))

/** What the fuzz suites set for a processor beyond its kit: test secrets in its options, the secrets to look for, steps. */
type FuzzExtras = Partial<Pick<FuzzProcessor, "emulator" | "options" | "secrets" | "secretOptions" | "afterInitiate">>

/** No retries, so each scripted fault reaches the parser; a short timeout. */
const FAST = { maxRetries: 0, timeoutMs: 5000 }

const EXTRAS: Record<string, FuzzExtras> = {
  clover: {
    options: (url) => ({ apiKey: DEFAULT_CLOVER_API_KEY, environment: url, captureMode: "manual", ...FAST, webhookAuthCode: "clover-fuzz-auth-code", defaultClientIp: "203.0.113.7" }),
    secrets: [DEFAULT_CLOVER_API_KEY, "clover-fuzz-auth-code"],
  },
  checkout: {
    // No refund is declined at settlement (the emulator's x05 rule): the wire check counts every accepted refund.
    emulator: () => new CheckoutEmulator({ declineRefund: () => false }),
  },
  dodo: {
    // The customer pays on Dodo's hosted page (in process: the step is synchronous here).
    afterInitiate: (emulator, data) => void emulator.pay(data.checkout_session_id),
  },
  processout: {
    // ProcessOut signs no webhook (its URL carries the store's secret): the fuzz runs without one, as it always has.
    options: (url) => ({ projectId: DEFAULT_PROCESSOUT_PROJECT_ID, projectSecret: DEFAULT_PROCESSOUT_PROJECT_SECRET, environment: url, captureMode: "manual", ...FAST }),
    // The Basic authorization header carries the secret too.
    secrets: [DEFAULT_PROCESSOUT_PROJECT_SECRET, Buffer.from(`${DEFAULT_PROCESSOUT_PROJECT_ID}:${DEFAULT_PROCESSOUT_PROJECT_SECRET}`).toString("base64")],
    secretOptions: ["projectSecret"],
  },
}

/** The provider class as Medusa loads it: the kit's module, its ModuleProvider's service. */
function serviceOf(kit: ProcessorKit): any {
  return require(path.join(ROOT, kit.providerModule)).default.services[0]
}

/** The values of a provider's secret options (a list option counts each value). */
function secretValues(kit: ProcessorKit, options: Record<string, unknown>): string[] {
  return kit.secretOptions.flatMap((name) => {
    const value = options[name]
    return value === undefined ? [] : Array.isArray(value) ? value.map(String) : String(value).split(",").map((v) => v.trim())
  })
}

/** The refund a journaled request sends, from the kit's description of its refund request, in minor units (USD here). */
function wireRefundOf(kit: ProcessorKit): (request: RecordedRequest) => WireRefund | undefined {
  const { method, path: route, unit } = kit.refundOnWire
  return (r) => {
    if (r.method !== method || !route.test(r.path)) return undefined
    const amount = kit.refundOnWire.amount(r)
    return amount === undefined ? "full" : unit === "minor" ? BigInt(amount) : minorOfMajor(amount)
  }
}

/**
 * One per processor kit with a bench entry (its createPayment makes the captured payments): the kit's
 * emulator, provider, options pointed at the emulator, secret options, session data and wire refunds,
 * with the fuzz suites' extras above.
 */
export const PROCESSORS: FuzzProcessor[] = PROCESSOR_KITS.filter((kit) => BENCH[kit.id]?.createPayment).map((kit) => {
  const Service = serviceOf(kit)
  const extras = EXTRAS[kit.id] ?? {}
  const options =
    extras.options ?? ((url: string) => ({ ...kit.optionsFromEnv({ ...kit.emulatorEnv(url, kit.scriptedEnv), ...kit.webhookEnv, ...kit.scriptedEnv }), ...FAST }))
  return {
    name: kit.id,
    bench: BENCH[kit.id],
    emulator: extras.emulator ?? (() => kit.createEmulator()),
    options,
    create: (url, more = {}) => new Service({ logger: quiet }, { ...options(url), ...more }),
    validateOptions: (o) => Service.validateOptions(o),
    construct: (o) => new Service({ logger: quiet }, o),
    secrets: extras.secrets ?? secretValues(kit, options("http://127.0.0.1:1")),
    secretOptions: extras.secretOptions ?? [...kit.secretOptions],
    sessionData: (n) => kit.payment.sessionData(`fuzz_${n}`),
    wireRefund: wireRefundOf(kit),
    ...(extras.afterInitiate ? { afterInitiate: extras.afterInitiate } : {}),
  }
})

let paymentSeq = 0

/** A new session started through the provider (nothing authorized yet), as Medusa holds it. */
export async function startedSession(processor: FuzzProcessor, provider: any): Promise<Record<string, unknown>> {
  const n = ++paymentSeq
  const session = `payses_FUZZ${n}${process.pid}`
  const started = await provider.initiatePayment({
    amount: "25.00",
    currency_code: "usd",
    data: { session_id: session, ...processor.sessionData(n) },
    context: { idempotency_key: session, customer: { email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" } },
  })
  return started.data
}

/** An authorized payment (Dodo: paid, so captured), made through the provider without faults. */
export async function authorizedPayment(processor: FuzzProcessor, provider: any, emulator: any): Promise<Record<string, unknown>> {
  const data = await startedSession(processor, provider)
  processor.afterInitiate?.(emulator, data)
  const auth = await provider.authorizePayment({ data, context: { idempotency_key: data.session_id } })
  return auth.data
}

// ---- The property ------------------------------------------------------------------------------

/** Why a call broke the contract, or undefined when it resolved or rejected with a clean MedusaError. */
export async function contractBreach(call: () => unknown, secrets: readonly string[]): Promise<string | undefined> {
  let error: unknown
  try {
    await call()
    tally("resolved")
    return undefined
  } catch (e) {
    error = e
  }
  tally(error instanceof MedusaError ? `MedusaError ${error.type}` : "other")
  if (!(error instanceof MedusaError)) {
    const name = (error as Error)?.constructor?.name ?? typeof error
    return `rejected with ${name}, not a MedusaError: ${(error as Error)?.stack ?? String(error)}`
  }
  if (!Object.values(MedusaError.Types).includes(error.type as any)) return `MedusaError of unknown type ${error.type}`
  if (typeof error.message !== "string" || error.message.trim() === "") return "MedusaError without a message"
  const leaked = secrets.find((s) => error.message.includes(s))
  if (leaked) return `MedusaError names a secret: ${error.message}`
  return undefined
}

/** How calls ended, printed with FUZZ_STATS=1 (to see the properties reach past input checks). */
export const outcomes = new Map<string, number>()
function tally(kind: string) {
  outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1)
}
if (process.env.FUZZ_STATS) afterAll(() => console.log(Object.fromEntries(outcomes)))

/** Fails the property (with the breach as its message) when a call breaks the contract. */
export async function expectContract(call: () => unknown, secrets: readonly string[]): Promise<void> {
  const breach = await contractBreach(call, secrets)
  if (breach) throw new Error(breach)
}

/** Rejections nobody awaited, collected while a suite runs (each suite asserts there are none). */
export function trackUnhandledRejections(): { seen: unknown[]; stop(): void } {
  const seen: unknown[] = []
  const onRejection = (reason: unknown) => void seen.push(reason)
  process.on("unhandledRejection", onRejection)
  return { seen, stop: () => void process.off("unhandledRejection", onRejection) }
}

export const params = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true })

// ---- Arbitraries -------------------------------------------------------------------------------

const WEIRD_TEXT = [
  "", " ", "NaN", "Infinity", "-Infinity", "-1", "-0", "0", "1e400", "1e-400", "0x1F", "12.345", "5,00", " 12 ", "１２", "١٢",
  "9".repeat(40), "0.".padEnd(40, "0") + "1", "null", "undefined", "[]", "{}", "true", "usd", "USD", "ref_", "__proto__", "constructor",
  "../../etc/passwd", "%00", "\u0000", "😀",
]

/** Any value of the wrong type. */
export const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.constantFrom(...WEIRD_TEXT),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt().map((n) => n.toString()),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })
)

const decimalText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 25n }), fc.nat({ max: 9 }))
  .map(([negative, digits, scale]) => {
    const text = digits.toString().padStart(scale + 1, "0")
    const value = scale ? `${text.slice(0, -scale)}.${text.slice(-scale)}` : text
    return negative ? `-${value}` : value
  })

/** Amounts as Medusa may pass them, and as it never should. */
export const amount: fc.Arbitrary<unknown> = fc.oneof(
  fc.double(),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, 1e21, 2 ** 53 + 1, -1, 0.1 + 0.2),
  decimalText,
  fc.constantFrom(...WEIRD_TEXT),
  fc.string({ maxLength: 12 }),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
  fc.record({ value: fc.oneof(decimalText, fc.double(), garbage), precision: fc.oneof(fc.integer({ min: -5, max: 40 }), garbage) }),
  decimalText.map((v) => new BigNumber(v)),
  fc.constantFrom("abc", "Infinity", "1e999", { value: "x", precision: 20 }).map((v) => new BigNumber(v as any)),
  fc.oneof(decimalText, fc.constantFrom("NaN", "Infinity", "-Infinity")).map((v) => new BigNumberJS(v)),
  fc.record({ numeric: fc.double(), raw: garbage, bigNumber: garbage }, { requiredKeys: [] }),
  garbage
)

export const currency: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom("usd", "USD", "jpy", "kwd", "eur", "bhd", "clp", "xxx", "us", "usdd", " usd ", "", "💵"),
  fc.string({ maxLength: 5 }),
  garbage
)

/** Fields the providers read from payment data. */
export const KNOWN_FIELDS = [
  "session_id", "processor", "environment", "currency", "amount_minor", "captured_minor", "refunded_minor", "refunds",
  "charge_id", "charge_status", "capture_key", "capture_keys", "customer_ip", "source", "token", "authorization_reversed",
  "processor_refunded_minor", "payment_id", "api", "email", "void_action_id", "void_charge_id", "capture_action_ids",
  "transaction_id", "capture_transaction_id", "order_id", "merchant_order_id", "order_status", "payment_token",
  "invoice_id", "transaction_status", "voided", "customer_action", "checkout_session_id", "checkout_created_at",
  "dodo_payment_id", "dodo_total_minor", "dodo_tax_minor", "dodo_refunds", "payment_status", "return_url",
]

/** A refund ledger entry with wrong types, missing fields and unknown statuses (or not an entry at all). */
export const ledgerEntry: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      processor_refund_id: fc.oneof(fc.string({ maxLength: 12 }), garbage),
      medusa_refund_id: fc.oneof(fc.string({ maxLength: 12 }), garbage),
      amount_minor: fc.oneof(decimalText, garbage),
      requested_amount: fc.oneof(decimalText, garbage),
      status: fc.oneof(fc.constantFrom("pending", "succeeded", "failed", "review", ""), garbage),
      origin: fc.oneof(fc.constantFrom("medusa", "processor"), garbage),
      created_at: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), garbage),
      failure_reason: garbage,
    },
    { requiredKeys: [] }
  ),
  garbage
)

const fieldValue = fc.oneof(garbage, garbage, fc.array(ledgerEntry, { maxLength: 4 }))

/** Payment data: a real payment's data with fields replaced, removed or added; random JSON; or not an object. */
export function paymentData(base: () => Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = [...KNOWN_FIELDS, ...Object.keys(base())]
  const mutated = fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...keys), fieldValue), { maxLength: 4 }),
      fc.array(fc.constantFrom(...keys), { maxLength: 3 }),
      fc.array(ledgerEntry, { maxLength: 3 }),
      fc.boolean()
    )
    .map(([sets, deletes, entries, addEntries]) => {
      const data: Record<string, unknown> = structuredClone(base())
      for (const key of deletes) delete data[key]
      for (const [key, value] of sets) data[key] = value
      if (addEntries && Array.isArray(data.refunds)) data.refunds = [...(data.refunds as unknown[]), ...entries]
      return data
    })
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...keys), fieldValue, { maxKeys: 8 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: garbage }
  )
}

export const context: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      idempotency_key: fc.oneof(fc.string({ maxLength: 30 }), fc.uuid(), garbage),
      customer: fc.oneof(
        fc.record({ id: garbage, email: fc.oneof(fc.emailAddress(), garbage), first_name: garbage, last_name: garbage }, { requiredKeys: [] }),
        garbage
      ),
      account_holder: garbage,
    },
    { requiredKeys: [] }
  ),
  garbage
)

/** Webhook bodies shaped like each processor's, with random values. */
const webhookBody: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ event_id: fc.oneof(fc.string({ maxLength: 20 }), garbage), event_type: fc.oneof(fc.constantFrom("transaction.captured", "transaction.refunded"), garbage) }, { requiredKeys: [] }),
  fc.record({ appId: garbage, merchants: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), fc.array(fc.record({ objectId: fc.oneof(fc.string().map((s) => `P:${s}`), garbage), type: garbage }, { requiredKeys: [] }), { maxLength: 2 })), garbage) }, { requiredKeys: [] }),
  fc.record({ id: garbage, type: fc.oneof(fc.constantFrom("payment_approved", "payment_captured", "payment_refunded", "payment.succeeded", "refund.succeeded"), garbage), data: fc.oneof(fc.dictionary(fc.constantFrom("id", "action_id", "amount", "currency", "metadata", "payment_id", "refund_id", "total_amount", "status"), garbage), garbage) }, { requiredKeys: [] }),
  fc.record({ verificationCode: garbage }),
  fc.jsonValue({ maxDepth: 2 }),
  garbage
)

const headerName = fc.constantFrom(
  "cko-signature", "Cko-Signature", "x-clover-auth", "X-Clover-Auth", "webhook-id", "webhook-timestamp", "webhook-signature", "Webhook-Signature", "content-type"
)

/** Webhook payloads as Medusa hands them (data, rawData, headers), forged and malformed. */
export const webhookPayload: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record(
        {
          data: webhookBody,
          rawData: fc.oneof(fc.constant("same"), fc.string({ maxLength: 40 }), garbage, fc.uint8Array({ maxLength: 16 }).map((b) => ({ type: "Buffer", data: [...b] }))),
          headers: fc.oneof(
            fc.dictionary(headerName, fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("v1,AAAA", "v1,", `${Math.floor(Date.now() / 1000)}`), fc.array(fc.string(), { maxLength: 2 }), garbage), { maxKeys: 5 }),
            garbage
          ),
        },
        { requiredKeys: [] }
      )
      .map((payload) => (payload.rawData === "same" ? { ...payload, rawData: Buffer.from(JSON.stringify(payload.data ?? null)) } : payload)),
  },
  { weight: 1, arbitrary: garbage }
)

/** Every path to a value inside a JSON value ([] is the root). */
function pathsOf(value: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(prefix)
  if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) pathsOf(child, [...prefix, Array.isArray(value) ? Number(key) : key], out)
  }
  return out
}

function setAt(root: unknown, at: Array<string | number>, value: unknown): unknown {
  if (at.length === 0) return value
  const copy: any = Array.isArray(root) ? [...root] : { ...(root as object) }
  copy[at[0]] = setAt(copy[at[0]], at.slice(1), value)
  return copy
}

/** A real answer of the processor (from the journal) with one to three values replaced by wrong types. */
export function answerWithWrongTypes(samples: unknown[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), garbage), { minLength: 1, maxLength: 3 }))
    .map(([sample, edits]) => {
      let out = sample
      for (const [index, value] of edits) {
        const paths = pathsOf(out).filter((p) => p.length > 0)
        if (paths.length === 0) return value
        out = setAt(out, paths[index % paths.length], value)
      }
      return out
    })
}

export type ScriptedFault =
  | { kind: "malformed_json" }
  | { kind: "wrong_content_type" }
  | { kind: "reset" }
  | { kind: "reset_after_apply" }
  | { kind: "status"; status: number; body?: unknown; retryAfter?: string }

/** What the processor does to an answer: unreadable, of the wrong type, an error status with any body. */
export function fault(samples: unknown[]): fc.Arbitrary<ScriptedFault> {
  return fc.oneof(
    fc.constantFrom<ScriptedFault>({ kind: "malformed_json" }, { kind: "wrong_content_type" }, { kind: "reset" }, { kind: "reset_after_apply" }),
    fc.record({
      kind: fc.constant("status" as const),
      status: fc.constantFrom(200, 201, 202),
      body: fc.oneof({ weight: 4, arbitrary: answerWithWrongTypes(samples) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
    }),
    fc.record({
      kind: fc.constant("status" as const),
      status: fc.constantFrom(400, 401, 402, 403, 404, 409, 410, 422, 429, 500, 502, 503),
      body: fc.oneof(answerWithWrongTypes(samples), fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)),
      retryAfter: fc.oneof(fc.constant(undefined), fc.constantFrom("0", "1", "-5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT")),
    })
  )
}

/** The answers (JSON bodies) and routes an emulator gave so far, for faults shaped like the processor. */
export function observed(journal: RecordedRequest[]): { answers: unknown[]; routes: Array<{ method: string; path: string }> } {
  const answers = journal.map((r) => r.response).filter((r) => r !== undefined)
  const seen = new Map<string, { method: string; path: string }>()
  for (const r of journal) seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path })
  return { answers, routes: [...seen.values()] }
}
