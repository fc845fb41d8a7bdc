/**
 * The exactly-once harness (integration-tests/http/exactly-once.spec.ts, and the other specs over every
 * processor): one entry per processor kit (src/emulators/kits, PROCESSOR_KITS) behind one Medusa app, each
 * with its emulator, how a customer pays and the admin captures there, which route refunds go to (for
 * scripted faults), and how to count the refunds the processor holds, all from the kit; plus what the
 * admin does (refund, retry) and the tally of every scenario's outcome, written to .cache/exactly-once/tally.json.
 */
import fs from "node:fs"
import path from "node:path"
import type { AxiosInstance } from "axios"
import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import { currencyExponent, toDecimal, type CurrencyProfile } from "../../src/core/money"
import type { Fault } from "../../src/emulators/core/faults"
import type { EmulatorRequest, EmulatorResponse, EmulatorServer, HookContext, RecordedRequest } from "../../src/emulators/core/server"
import type { CheckoutEmulator } from "../../src/emulators/checkout"
import type { DodoEmulator } from "../../src/emulators/dodo"
import { PROCESSOR_KITS, type HeldRefund, type ProcessorKit } from "../../src/emulators/kits"
import { payWithDodoHostedCheckout } from "./dodo"
import { setEnv, type StoreEnv } from "./emulator-env"
import { isFixtureKit } from "./kits-under-test"
import { PROCESSOUT_WEBHOOK_SECRET } from "./processout"
import { capturePayment, completeCart, getOnlyPayment, getPayment, placeOrder, prepareCheckout, refundPayment, type SeededStore } from "./index"

export { until } from "./wait"

/** A processor's kit id ("clover"). */
export type ProcessorName = string

/** A route of an emulator, as its FaultPlan matches it (route pattern). */
export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH"
  path: string
}

/** A fault rule as POST /__emulator/faults takes it. */
export interface FaultRuleBody extends Route {
  times?: number
  skip?: number
  fault: Fault
}

/** A refund as the processor holds it: only refunds that move money (pending or done, not failed or declined). */
export type ProcessorRefund = HeldRefund

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
  /** The kit's id. */
  name: ProcessorName
  /** As the provider names it in messages. */
  label: string
  providerId: string
  emulator: EmulatorServer
  /** The provider's currency profile (its currencies.ts), for Medusa's amounts in the processor's minor units. */
  profile: CurrencyProfile
  /** medusa-config.ts options, pointed at the emulator. */
  env(url: string): StoreEnv
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

/**
 * The provider's currency profile: the one CurrencyProfile its folder's currencies.ts exports
 * (docs/adding-a-processor.md). Test code may load provider code; the kits may not.
 */
export function currencyProfileOf(kit: Pick<ProcessorKit, "id" | "providerModule">): CurrencyProfile {
  const file = path.join(path.resolve(__dirname, "../.."), kit.providerModule, "currencies")
  const profiles = Object.values(require(file) as Record<string, unknown>).filter(
    (v): v is CurrencyProfile => typeof v === "object" && v !== null && typeof (v as CurrencyProfile).processor === "string" && typeof (v as CurrencyProfile).step === "function"
  )
  if (profiles.length !== 1) throw new Error(`${kit.id}: ${file} exports ${profiles.length} currency profiles, not one`)
  return profiles[0]!
}

/**
 * The kit's customer pays a new order through the store API (the kit's session data; its step at a hosted
 * page, if any, before the cart completes), the admin captures it unless the processor already has, and the
 * processor's step after capture runs (Fiserv closes its batch). `processorRef` is the kit's payment field.
 */
async function payWithKit(ctx: Ctx, kit: ProcessorKit, emulator: EmulatorServer): Promise<PaidPayment> {
  const unique = `once_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`
  const checkout = { providerId: kit.providerId, sessionData: kit.payment.sessionData(unique), email: buyerEmail(kit.label) }
  let orderId: string
  if (kit.payment.customerStep) {
    const ready = await prepareCheckout(ctx.api, ctx.store, checkout)
    await kit.payment.customerStep(ready.paymentSession.data ?? {})
    const completed = await completeCart(ctx.api, ctx.store, ready.cart.id)
    if (completed.type !== "order" || !completed.order) throw new Error(`${kit.label}: cart completion did not produce an order: ${JSON.stringify(completed)}`)
    orderId = completed.order.id
  } else {
    orderId = (await placeOrder(ctx.api, ctx.store, checkout)).order.id
  }
  const payment = await getOnlyPayment(ctx.api, ctx.store.adminHeaders, orderId)
  if (!payment.captures?.length) await capturePayment(ctx.api, ctx.store.adminHeaders, payment.id)
  await kit.payment.afterCapture?.(emulator.url)
  return paidPayment(ctx, kit, payment)
}

async function paidPayment(ctx: Ctx, kit: ProcessorKit, payment: any): Promise<PaidPayment> {
  const data = await paymentData(ctx.container, payment.id)
  return { payment, processorRef: requireRef(data, kit.books.paymentField, kit.label), currency: String(payment.currency_code) }
}

// ---- the processors -----------------------------------------------------------------------

export const TIMEOUT_MS = 1000
export const MAX_RETRIES = 2

/**
 * This harness's own facts about a processor, by kit id: how its provider behaves under faults (what
 * exactly-once.spec.ts expects), and settings of this harness's beyond the kit's. Every field is optional:
 * a kit without an entry gets the defaults below, which is all return-and-refund.spec.ts,
 * return-auto-refund.spec.ts and attacks.spec.ts need. exactly-once.spec.ts needs an entry whenever the
 * provider differs from the defaults under faults (it expects the outcomes these fields say).
 */
interface HarnessEntry {
  /** Default: the kit declares an idempotency header (refundOnWire.idempotencyHeader). */
  resendsRefunds?: boolean
  /** Default: false. */
  resendsAfterReconciling?: boolean
  /** Default: none. */
  readsAfterFailedSend?: Route[]
  /** Env beyond the kit's emulator, webhook and scripted env (undefined unsets a variable). */
  env?: StoreEnv
  emulatorOptions?: Record<string, unknown>
  /** After every reset of the emulator (its state, journal and faults). */
  afterReset?(emulator: EmulatorServer): void
  /** Instead of the kit's payment (payWithKit). */
  pay?(ctx: Ctx, kit: ProcessorKit, emulator: EmulatorServer): Promise<PaidPayment>
}

const HARNESS: Record<string, HarnessEntry> = {
  clover: {
    resendsRefunds: true,
    readsAfterFailedSend: [],
    // Payments here go through the store route, whose middleware stamps the customer's IP: no fallback IP.
    env: { CLOVER_DEFAULT_CLIENT_IP: undefined },
  },
  checkout: {
    resendsRefunds: true,
    readsAfterFailedSend: [],
    // Refunds settle at once (refundDelayMs 0), as Checkout.com's sandbox does within moments.
    emulatorOptions: { refundDelayMs: 0 },
    afterReset: (emulator) => void ((emulator as CheckoutEmulator).refundDelayMs = 0),
  },
  fiserv: {
    resendsRefunds: true,
    // After a failed send the provider asks for the order's transactions (by merchantTransactionId).
    readsAfterFailedSend: [{ method: "POST", path: "/payments/v1/transaction-inquiry" }],
    env: { FISERV_ENDPOINT_STYLE: "reference", FISERV_REFUND_REFERENCE: "transaction" },
  },
  dodo: {
    // Dodo documents no idempotency key: a refund POST is resent only after a 429 or 5xx, once a
    // read shows Dodo did not make it; never after a timeout or a dropped connection.
    resendsRefunds: false,
    resendsAfterReconciling: true,
    readsAfterFailedSend: [{ method: "GET", path: "/payments/:id" }],
    // Hosted checkout with webhooks on: Dodo's signed webhook completes the cart (captured).
    pay: async (ctx, kit, emulator) => {
      const { payment } = await payWithDodoHostedCheckout(ctx.api, ctx.store, { email: buyerEmail(kit.id), webhooks: emulator as DodoEmulator })
      return paidPayment(ctx, kit, payment)
    },
  },
  processout: {
    resendsRefunds: true,
    readsAfterFailedSend: [],
    env: { PROCESSOUT_WEBHOOK_SECRET },
  },
}

/**
 * One per kit of PROCESSOR_KITS (or of `kits`): name, label, provider id, emulator, the env that points
 * medusa-config.ts at it (its emulator, webhook and scripted env: manual capture), its refund route and
 * idempotency header, how a customer pays and how to count the refunds it holds, all from the kit; the
 * provider's behaviour under faults and this harness's settings from HARNESS; and the short timeout and
 * retries the faults are scripted against.
 */
export function processorsUnderTest(kits: readonly ProcessorKit[] = PROCESSOR_KITS): ProcessorUnderTest[] {
  return kits.map((kit) => {
    const own = HARNESS[kit.id] ?? {}
    const emulator = withArmedFaults(kit.createEmulator(own.emulatorOptions))
    const { method, route, path: refundPath, idempotencyHeader } = kit.refundOnWire
    return {
      name: kit.id,
      label: kit.label,
      providerId: kit.providerId,
      emulator,
      profile: currencyProfileOf(kit),
      env: (url: string): StoreEnv => ({
        ...kit.emulatorEnv(url, { ...process.env, ...kit.scriptedEnv }),
        ...kit.webhookEnv,
        ...kit.scriptedEnv,
        ...own.env,
        [`${kit.envPrefix}_TIMEOUT_MS`]: String(TIMEOUT_MS),
        [`${kit.envPrefix}_MAX_RETRIES`]: String(MAX_RETRIES),
      }),
      refundRoute: { method, path: route },
      refundPath,
      resendsRefunds: own.resendsRefunds ?? idempotencyHeader !== undefined,
      resendsAfterReconciling: own.resendsAfterReconciling,
      readsAfterFailedSend: own.readsAfterFailedSend ?? [],
      keyHeader: idempotencyHeader,
      pay: (ctx) => (own.pay ?? payWithKit)(ctx, kit, emulator),
      refundsAt: (paid) => kit.books.refunds(emulator, paid.processorRef, paid.currency),
      reset: async () => {
        await resetEmulator(emulator)
        own.afterReset?.(emulator)
      },
    }
  })
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

/**
 * Starts every emulator and points medusa-config.ts at them (every provider of the plugin registered, and the
 * test fixtures among `processors`, e.g. the example processor of KITS_UNDER_TEST, through TEST_FIXTURE_KITS).
 * Returns a restore function.
 */
export async function startProcessors(processors: ProcessorUnderTest[]): Promise<() => Promise<void>> {
  const fixtures = processors.map((p) => p.name).filter(isFixtureKit)
  const restores = [setEnv({ PAYMENT_PROVIDERS: undefined, TEST_FIXTURE_KITS: fixtures.length ? fixtures.join(",") : undefined })]
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
  return p.emulator.requests({ method: p.refundRoute.method, path: p.refundPath })
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
