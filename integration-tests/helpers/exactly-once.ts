/**
 * The exactly-once harness (integration-tests/http/exactly-once.spec.ts): the five processors
 * behind one Medusa app, each with its emulator, how a customer pays and the admin captures
 * there, which route refunds go to (for scripted faults), and how to count the refunds the
 * processor holds; plus what the admin does (refund, retry) and the tally of every scenario's
 * outcome, written to .cache/exactly-once/tally.json.
 */
import fs from "node:fs"
import path from "node:path"
import type { AxiosInstance } from "axios"
import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import { currencyExponent, toDecimal, type CurrencyProfile } from "../../src/core/money"
import type { Fault } from "../../src/emulators/core/faults"
import type { EmulatorRequest, EmulatorResponse, EmulatorServer, HookContext, RecordedRequest } from "../../src/emulators/core/server"
import { CheckoutEmulator } from "../../src/emulators/checkout"
import { CloverEmulator } from "../../src/emulators/clover"
import { DodoEmulator } from "../../src/emulators/dodo"
import { FiservEmulator } from "../../src/emulators/fiserv"
import { ProcessOutEmulator } from "../../src/emulators/processout"
import { PROCESSOR_KITS } from "../../src/emulators/kits"
import { checkoutCurrencies } from "../../src/providers/checkout/currencies"
import { cloverCurrencies } from "../../src/providers/clover/currencies"
import { dodoCurrencies } from "../../src/providers/dodo/currencies"
import { fiservCurrencies } from "../../src/providers/fiserv/currencies"
import { processoutCurrencies } from "../../src/providers/processout/currencies"
import { payWithDodoHostedCheckout } from "./dodo"
import { setEnv } from "./emulator-env"
import { PROCESSOUT_WEBHOOK_SECRET } from "./processout"
import { capturePayment, getOnlyPayment, getPayment, placeOrder, refundPayment, type SeededStore } from "./index"

export { until } from "./wait"

export type ProcessorName = "clover" | "checkout" | "fiserv" | "dodo" | "processout"

/** A route of an emulator, as its FaultPlan matches it (route pattern). */
export interface Route {
  method: "GET" | "POST"
  path: string
}

/** A fault rule as POST /__emulator/faults takes it. */
export interface FaultRuleBody extends Route {
  times?: number
  skip?: number
  fault: Fault
}

/** A refund as the processor holds it: only refunds that move money (pending or done, not failed or declined). */
export interface ProcessorRefund {
  id: string
  minor: string
}

/** A captured payment, in Medusa and at the processor. */
export interface PaidPayment {
  /** Medusa's payment (admin API shape). */
  payment: any
  /** The processor's id of the payment the refunds hang on (charge, payment, order, transaction). */
  processorRef: string
  currency: string
}

export interface Ctx {
  api: AxiosInstance
  container: MedusaContainer
  store: SeededStore
}

/** How a Medusa payment's processor-side state is reached and counted, per processor. */
export interface ProcessorUnderTest {
  name: ProcessorName
  /** As the provider names it in messages. */
  label: string
  providerId: string
  emulator: EmulatorServer
  profile: CurrencyProfile
  /** medusa-config.ts options, pointed at the emulator. */
  env(url: string): Record<string, string | undefined>
  /** The refund call, as faults are scoped. */
  refundRoute: Route
  /** Journal filter for refund sends. */
  refundPath: RegExp
  /** True when the provider resends a refund under the same idempotency key (the processor documents one). */
  resendsRefunds: boolean
  /**
   * Without a key: true when the provider resends a refund after an answer that ended the request
   * (429, 5xx) once a read shows the processor did not make it.
   */
  resendsAfterReconciling?: boolean
  /** Reads the provider makes after a failed send to find a refund whose answer was lost; failing them loses it for good. */
  readsAfterFailedSend: Route[]
  /** The header carrying the refund's idempotency key, when there is one. */
  keyHeader?: string
  pay(ctx: Ctx): Promise<PaidPayment>
  refundsAt(paid: PaidPayment): ProcessorRefund[]
  /** Back to a clean processor (state, journal, faults). */
  reset(): Promise<void>
}

// ---- the emulators' control API ---------------------------------------------------------

async function control(emulator: EmulatorServer, method: "POST" | "DELETE", what: string, body?: unknown): Promise<void> {
  const res = await fetch(`${emulator.url}/__emulator/${what}`, {
    method,
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${method} /__emulator/${what} answered ${res.status}: ${await res.text()}`)
}

/** Scripts faults through the emulator's control API (POST /__emulator/faults). */
export async function injectFaults(emulator: EmulatorServer, rules: FaultRuleBody[]): Promise<void> {
  for (const rule of rules) await control(emulator, "POST", "faults", rule)
}

export const clearFaults = (emulator: EmulatorServer) => control(emulator, "DELETE", "faults")

/**
 * Faults that arm themselves when a request reaches a route: "once the refund has been sent,
 * the reads that would find it fail" (the answer is then lost for good, medusajs/medusa#16681).
 * The emulator's fault seam runs after the request's own fault was taken.
 */
const armed = new WeakMap<EmulatorServer, Array<{ on: Route; rules: FaultRuleBody[] }>>()

export function armAfter(emulator: EmulatorServer, on: Route, rules: FaultRuleBody[]): void {
  armed.get(emulator)!.push({ on, rules })
}

function withArmedFaults<T extends EmulatorServer>(emulator: T): T {
  armed.set(emulator, [])
  const seam = emulator as unknown as { beforeHandle(req: EmulatorRequest, ctx: HookContext): Promise<EmulatorResponse | undefined> }
  const original = seam.beforeHandle.bind(emulator)
  seam.beforeHandle = async (req, ctx) => {
    const pending = armed.get(emulator)!
    const due = pending.filter((a) => a.on.method === req.method && a.on.path === ctx.route.pattern)
    for (const a of due) {
      pending.splice(pending.indexOf(a), 1)
      for (const rule of a.rules) emulator.injectFault(rule)
    }
    return original(req, ctx)
  }
  return emulator
}

async function resetEmulator(emulator: EmulatorServer): Promise<void> {
  armed.get(emulator)?.splice(0)
  await control(emulator, "POST", "reset")
}

// ---- helpers ----------------------------------------------------------------------------

/** Carts checked out at the same time need distinct customers (Medusa creates one per email). */
const buyerEmail = (processor: string) => `buyer-${processor.toLowerCase().replace(/[^a-z]/g, "")}-${Math.random().toString(36).slice(2, 10)}@test.local`

const token = (prefix: string) => `${prefix}_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`

/** Minor units of a processor amount given in major units ("12.34"). */
const minorOfMajor = (major: string | number, currency: string, profile: CurrencyProfile) =>
  toDecimal(major).shiftedBy(currencyExponent(currency, profile)).toFixed()

async function paymentData(container: MedusaContainer, paymentId: string): Promise<Record<string, any>> {
  const payment = await container.resolve(Modules.PAYMENT).retrievePayment(paymentId, { select: ["id", "data"] })
  return (payment.data ?? {}) as Record<string, any>
}

function requireRef(data: Record<string, any>, field: string, processor: string): string {
  const value = data[field]
  if (typeof value !== "string" || !value) throw new Error(`${processor}: the Medusa payment's data has no ${field}: ${JSON.stringify(data)}`)
  return value
}

/** Card-like checkout (a token in the session), then the admin's capture of the whole order. */
async function payByCard(ctx: Ctx, p: { providerId: string; name: string }, sessionData: Record<string, unknown>, refField: string): Promise<PaidPayment> {
  const { order } = await placeOrder(ctx.api, ctx.store, { providerId: p.providerId, sessionData, email: buyerEmail(p.name) })
  const payment = await getOnlyPayment(ctx.api, ctx.store.adminHeaders, order.id)
  await capturePayment(ctx.api, ctx.store.adminHeaders, payment.id)
  const data = await paymentData(ctx.container, payment.id)
  return { payment, processorRef: requireRef(data, refField, p.name), currency: String(payment.currency_code) }
}

// ---- the five processors ------------------------------------------------------------------

export const TIMEOUT_MS = 1000
export const MAX_RETRIES = 2

/**
 * A processor's facts from its kit (src/emulators/kits): name, label, provider id, the env that points
 * medusa-config.ts at its emulator (webhook secret included), and its refund route on the wire; plus this
 * harness's own settings and the short timeout and retries the faults are scripted against.
 */
function fromKit(name: ProcessorName, settings: Record<string, string> = {}) {
  const kit = PROCESSOR_KITS.find((k) => k.id === name)
  if (!kit) throw new Error(`no kit for ${name} in PROCESSOR_KITS`)
  return {
    name,
    label: kit.label,
    providerId: kit.providerId,
    refundPath: kit.refundOnWire.path,
    env: (url: string): Record<string, string | undefined> => ({
      ...kit.emulatorEnv(url),
      ...kit.webhookEnv,
      ...settings,
      [`${kit.envPrefix}_TIMEOUT_MS`]: String(TIMEOUT_MS),
      [`${kit.envPrefix}_MAX_RETRIES`]: String(MAX_RETRIES),
    }),
  }
}

export function processorsUnderTest(): ProcessorUnderTest[] {
  const clover = withArmedFaults(new CloverEmulator())
  // Refunds settle at once (refundDelayMs 0), as Checkout.com's sandbox does within moments.
  const checkout = withArmedFaults(new CheckoutEmulator({ refundDelayMs: 0 }))
  const fiserv = withArmedFaults(new FiservEmulator())
  const dodo = withArmedFaults(new DodoEmulator())
  const processout = withArmedFaults(new ProcessOutEmulator())

  return [
    {
      ...fromKit("clover", { CLOVER_CAPTURE_MODE: "manual" }),
      emulator: clover,
      profile: cloverCurrencies,
      refundRoute: { method: "POST", path: "/v1/refunds" },
      resendsRefunds: true,
      readsAfterFailedSend: [],
      keyHeader: "idempotency-key",
      pay: (ctx) => payByCard(ctx, { providerId: "pp_clover_clover", name: "Clover" }, { source: token("clv_once"), customer_ip: "203.0.113.7" }, "charge_id"),
      refundsAt: (paid) => clover.listRefunds(paid.processorRef).map((r) => ({ id: r.id, minor: String(r.amount) })),
      reset: () => resetEmulator(clover),
    },
    {
      ...fromKit("checkout", { CHECKOUT_API: "payments", CHECKOUT_CAPTURE_MODE: "manual" }),
      emulator: checkout,
      profile: checkoutCurrencies,
      refundRoute: { method: "POST", path: "/payments/:id/refunds" },
      resendsRefunds: true,
      readsAfterFailedSend: [],
      keyHeader: "cko-idempotency-key",
      pay: (ctx) => payByCard(ctx, { providerId: "pp_checkout_checkout", name: "Checkout.com" }, { token: token("tok_once") }, "payment_id"),
      // Declined refunds refund nothing; pending ones count (Checkout.com holds them against the balance).
      refundsAt: (paid) => checkout.listRefunds(paid.processorRef).filter((r) => r.approved !== false).map((r) => ({ id: r.id, minor: String(r.amount) })),
      reset: async () => {
        await resetEmulator(checkout)
        checkout.refundDelayMs = 0
      },
    },
    {
      ...fromKit("fiserv", { FISERV_CAPTURE_MODE: "manual", FISERV_ENDPOINT_STYLE: "reference", FISERV_REFUND_REFERENCE: "transaction" }),
      emulator: fiserv,
      profile: fiservCurrencies,
      refundRoute: { method: "POST", path: "/payments/v1/refunds" },
      resendsRefunds: true,
      // After a failed send the provider asks for the order's transactions (by merchantTransactionId).
      readsAfterFailedSend: [{ method: "POST", path: "/payments/v1/transaction-inquiry" }],
      keyHeader: "client-request-id",
      pay: async (ctx) => {
        const paid = await payByCard(ctx, { providerId: "pp_fiserv_fiserv", name: "Fiserv" }, { payment_token: token("fiserv_tok_once") }, "order_id")
        fiserv.settleBatch() // Fiserv refunds only once the charge's batch has settled
        return paid
      },
      refundsAt: (paid) => fiserv.listRefunds(paid.processorRef).map((t) => ({ id: t.transactionId, minor: minorOfMajor(t.total, paid.currency, fiservCurrencies) })),
      reset: () => resetEmulator(fiserv),
    },
    {
      ...fromKit("dodo"),
      emulator: dodo,
      profile: dodoCurrencies,
      refundRoute: { method: "POST", path: "/refunds" },
      // Dodo documents no idempotency key: a refund POST is resent only after a 429 or 5xx, once a
      // read shows Dodo did not make it; never after a timeout or a dropped connection.
      resendsRefunds: false,
      resendsAfterReconciling: true,
      readsAfterFailedSend: [{ method: "GET", path: "/payments/:id" }],
      pay: async (ctx) => {
        // Hosted checkout: the customer pays on Dodo's page, Dodo's signed webhook completes the cart (captured).
        const { payment } = await payWithDodoHostedCheckout(ctx.api, ctx.store, { email: buyerEmail("dodo"), webhooks: dodo })
        const data = await paymentData(ctx.container, payment.id)
        return { payment, processorRef: requireRef(data, "payment_id", "Dodo"), currency: String(payment.currency_code) }
      },
      refundsAt: (paid) => dodo.listRefunds(paid.processorRef).filter((r) => r.status !== "failed").map((r) => ({ id: r.refund_id, minor: String(r.amount) })),
      reset: () => resetEmulator(dodo),
    },
    {
      ...fromKit("processout", { PROCESSOUT_CAPTURE_MODE: "manual", PROCESSOUT_WEBHOOK_SECRET }),
      emulator: processout,
      profile: processoutCurrencies,
      refundRoute: { method: "POST", path: "/invoices/:id/refunds" },
      resendsRefunds: true,
      readsAfterFailedSend: [],
      keyHeader: "idempotency-key",
      pay: (ctx) => payByCard(ctx, { providerId: "pp_processout_processout", name: "ProcessOut" }, { source: token("card_test") }, "transaction_id"),
      refundsAt: (paid) =>
        processout
          .listRefunds(paid.processorRef)
          .filter((r) => !r.has_failed)
          .map((r) => ({ id: r.id, minor: minorOfMajor(r.amount, paid.currency, processoutCurrencies) })),
      reset: () => resetEmulator(processout),
    },
  ]
}

/**
 * Registers the hooks a spec over every processor needs: the emulators started and medusa-config.ts pointed at them
 * before the runner boots Medusa (top-level hooks run before its beforeAll), stopped after, reset before each test.
 */
export function useProcessorsUnderTest(processors: ProcessorUnderTest[]): void {
  let stop: (() => Promise<void>) | undefined
  beforeAll(async () => {
    stop = await startProcessors(processors)
  })
  afterAll(async () => {
    await stop?.()
  })
  beforeEach(async () => {
    await Promise.all(processors.map((p) => p.reset()))
  })
}

/** Starts every emulator and points medusa-config.ts at them (all five providers registered). Returns a restore function. */
export async function startProcessors(processors: ProcessorUnderTest[]): Promise<() => Promise<void>> {
  const restores = [setEnv({ PAYMENT_PROVIDERS: undefined })] // every provider
  for (const p of processors) {
    const url = await p.emulator.start()
    restores.push(setEnv(p.env(url)))
  }
  return async () => {
    for (const p of processors) await p.emulator.stop()
    // Last set, first restored: every variable ends as it was before the first.
    for (const restore of restores.reverse()) restore()
  }
}

// ---- what the admin does, and what it leads to ------------------------------------------------

export interface AdminAttempt {
  ok: boolean
  status: number
  /** Medusa's error message, as the admin reads it. */
  message?: string
  /** Medusa's refunds of the payment after a successful attempt. */
  refundIds: string[]
}

/** POST /admin/payments/:id/refund, as the admin's dashboard sends it; an error answer is a result, not a throw. */
export async function adminRefund(ctx: Ctx, paymentId: string, amount: number): Promise<AdminAttempt> {
  try {
    const payment = await refundPayment(ctx.api, ctx.store.adminHeaders, paymentId, { amount })
    return { ok: true, status: 200, refundIds: payment.refunds.map((r: any) => r.id) }
  } catch (error: any) {
    if (!error?.response) throw error
    return { ok: false, status: error.response.status, message: String(error.response.data?.message ?? ""), refundIds: [] }
  }
}

export interface LedgerEntry {
  processor_refund_id: string | null
  medusa_refund_id: string | null
  amount_minor: string
  status: string
}

export interface Observed {
  atProcessor: ProcessorRefund[]
  inMedusa: Array<{ id: string; minor: string }>
  ledger: LedgerEntry[]
  /** Sums in minor units. */
  processorMinor: bigint
  medusaMinor: bigint
  ledgerMinor: bigint
}

const sumMinor = (xs: Array<{ minor: string }>) => xs.reduce((s, x) => s + BigInt(x.minor), 0n)

/** Refunds at the processor (emulator state), in Medusa (admin API, converted exactly) and in the payment's ledger. */
export async function observe(ctx: Ctx, p: ProcessorUnderTest, paid: PaidPayment): Promise<Observed> {
  const medusa = await getPayment(ctx.api, ctx.store.adminHeaders, paid.payment.id)
  const inMedusa = (medusa.refunds ?? []).map((r: any) => ({ id: String(r.id), minor: minorOfMajor(r.amount, paid.currency, p.profile) }))
  const atProcessor = p.refundsAt(paid)
  const ledger = ((await paymentData(ctx.container, paid.payment.id)).refunds ?? []) as LedgerEntry[]
  const counting = ledger.filter((e) => e.status !== "failed")
  return {
    atProcessor,
    inMedusa,
    ledger,
    processorMinor: sumMinor(atProcessor),
    medusaMinor: sumMinor(inMedusa),
    ledgerMinor: counting.reduce((s, e) => s + BigInt(e.amount_minor), 0n),
  }
}

/**
 * The state once the plugin's ledger sync (a subscriber after every refund) has run: every
 * Medusa refund in the ledger exactly once. Returns the last observation even when it never
 * converges, so the caller's assertions say what differs.
 */
export async function settled(ctx: Ctx, p: ProcessorUnderTest, paid: PaidPayment, timeoutMs = 10_000): Promise<Observed> {
  const started = Date.now()
  for (;;) {
    const seen = await observe(ctx, p, paid)
    const linked = seen.ledger.filter((e) => e.status !== "failed").map((e) => e.medusa_refund_id)
    const complete =
      linked.length === seen.inMedusa.length && seen.inMedusa.every((r) => linked.filter((id) => id === r.id).length === 1)
    if (complete || Date.now() - started > timeoutMs) return seen
    await new Promise((r) => setTimeout(r, 200))
  }
}

export function refundSends(p: ProcessorUnderTest): RecordedRequest[] {
  return p.emulator.requests({ method: "POST", path: p.refundPath })
}

// ---- the tally ------------------------------------------------------------------------------------

/** The refunds one scenario made: those in `after` that `before` did not have. */
export function madeBetween(before: Observed, after: Observed): Refunds {
  const atProcessor = new Set(before.atProcessor.map((r) => r.id))
  const inMedusa = new Set(before.inMedusa.map((r) => r.id))
  return {
    atProcessor: after.atProcessor.filter((r) => !atProcessor.has(r.id)),
    inMedusa: after.inMedusa.filter((r) => !inMedusa.has(r.id)),
  }
}

export interface Refunds {
  atProcessor: ProcessorRefund[]
  inMedusa: Array<{ id: string; minor: string }>
}

export interface TallyRow {
  processor: ProcessorName
  scenario: string
  /** Refunds the scenario made at the processor / in Medusa (counting ones). */
  refundsAtProcessor: number
  refundsInMedusa: number
  /** Their totals, in the processor's minor units. */
  processorMinor: string
  medusaMinor: string
  /** Processor refunds beyond Medusa's: must be 0. */
  doubles: number
  /** Medusa refunds without a processor refund: must be 0. */
  lost: number
  /** Refund sends the processor received (every attempt). */
  sends: number
  outcome: string
  /** What the admin read, verbatim (error messages). */
  messages: string[]
  passed: boolean
}

export class Tally {
  readonly rows: TallyRow[] = []

  record(row: Omit<TallyRow, "doubles" | "lost" | "processorMinor" | "medusaMinor" | "refundsAtProcessor" | "refundsInMedusa"> & { made: Refunds }): TallyRow {
    const { made, ...rest } = row
    const out: TallyRow = {
      ...rest,
      refundsAtProcessor: made.atProcessor.length,
      refundsInMedusa: made.inMedusa.length,
      processorMinor: sumMinor(made.atProcessor).toString(),
      medusaMinor: sumMinor(made.inMedusa).toString(),
      doubles: Math.max(0, made.atProcessor.length - made.inMedusa.length),
      lost: Math.max(0, made.inMedusa.length - made.atProcessor.length),
    }
    this.rows.push(out)
    return out
  }

  totals() {
    const sum = (f: (r: TallyRow) => number) => this.rows.reduce((s, r) => s + f(r), 0)
    return {
      scenarios: this.rows.length,
      passed: this.rows.filter((r) => r.passed).length,
      refundsAtProcessor: sum((r) => r.refundsAtProcessor),
      refundsInMedusa: sum((r) => r.refundsInMedusa),
      doubles: sum((r) => r.doubles),
      lost: sum((r) => r.lost),
      totalsDiffer: this.rows.filter((r) => r.processorMinor !== r.medusaMinor).length,
    }
  }

  write(file: string, extra: Record<string, unknown> = {}): void {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, `${JSON.stringify({ ...extra, totals: this.totals(), rows: this.rows }, null, 2)}\n`)
  }

  /** Scenario × processor, one cell per outcome, then the counts. */
  summary(processors: ProcessorName[]): string {
    const scenarios = [...new Set(this.rows.map((r) => r.scenario))]
    const cell = (s: string, p: ProcessorName) => {
      const r = this.rows.find((x) => x.scenario === s && x.processor === p)
      return r ? `${r.passed ? "" : "FAILED: "}${r.outcome} [P${r.refundsAtProcessor}/M${r.refundsInMedusa}]` : "n/a"
    }
    const lines = [
      `| scenario | ${processors.join(" | ")} |`,
      `|---|${processors.map(() => "---").join("|")}|`,
      ...scenarios.map((s) => `| ${s} | ${processors.map((p) => cell(s, p)).join(" | ")} |`),
    ]
    const t = this.totals()
    lines.push(
      "",
      `scenarios: ${t.scenarios} (${t.passed} passed); refunds at the processors: ${t.refundsAtProcessor}; in Medusa: ${t.refundsInMedusa}; ` +
        `double refunds: ${t.doubles}; lost refunds: ${t.lost}; scenarios whose totals differ: ${t.totalsDiffer}`
    )
    return lines.join("\n")
  }
}
