/**
 * What everything outside src/providers needs to know about one processor, in one place: the store
 * config (medusa-config.ts), the emulator CLI, `npm run dev` / `npm run demo`, the bench and the
 * tests read it from PROCESSOR_KITS (./index.ts) instead of listing the processors themselves.
 *
 * A kit only holds facts and small factories. It loads no provider code: the emulator CLI (a bin of
 * the package) and medusa-config.ts import it without pulling in Medusa's framework.
 */
import BigNumber from "bignumber.js"
import type { EmulatorServer, RecordedRequest } from "../core/server"

/** Process env as the kits read it (medusa-config.ts passes process.env). */
export type Env = Record<string, string | undefined>

/** Reads an optional env var. Empty strings count as unset (medusa-config.ts's rule). */
export function envStr(env: Env, name: string): string | undefined {
  const v = env[name]
  return v === undefined || v.trim() === "" ? undefined : v.trim()
}

/** Reads an optional numeric env var; throws on anything that is not a finite number. */
export function envNum(env: Env, name: string): number | undefined {
  const v = envStr(env, name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n)) {
    throw new Error(`medusa-config: ${name} must be a number, got "${v}"`)
  }
  return n
}

/** Drops undefined-valued keys so providers' option validation sees only what was set. */
export function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** True when the store runs in production (medusa-config.ts's NODE_ENV rule). */
export const isProduction = (env: Env): boolean => env.NODE_ENV === "production"

/**
 * How a refund shows up in the emulator's request journal: the request (method and path) and the
 * amount it asks for, as the decimal text the processor's API carries, in the processor's unit
 * (`unit`: Clover sends integer cents, Fiserv and ProcessOut major-unit decimals). `amount` answers
 * undefined when the request refunds the whole remainder (no amount field).
 */
export interface RefundOnWire {
  method: "POST" | "PUT" | "PATCH"
  path: RegExp
  /** The emulator's route pattern the provider's refunds take with its default options ("/payments/:id/refunds"): what scripted faults match. */
  route: string
  /** The request header carrying the refund's idempotency key, when the processor honours one (Dodo documents none). */
  idempotencyHeader?: string
  unit: "minor" | "major"
  amount(request: RecordedRequest): string | undefined
}

/** A refund the processor holds: its id there and its amount in the processor's minor units (integer text). */
export interface HeldRefund {
  id: string
  minor: string
}

/**
 * What the processor holds for a payment, read from its emulator's state (the integration and scale tests'
 * view of the processor's books). Amounts are integer text in the processor's minor units, converted exactly
 * from the emulator's own unit. `currency` is the payment's (lower or upper case).
 */
export interface EmulatorBooks<TEmulator extends EmulatorServer = EmulatorServer> {
  /** The field of the provider's Medusa payment data naming the processor's payment that captures and refunds hang on ("charge_id"). */
  paymentField: string
  /** What the payment has captured. */
  capturedMinor(emulator: TEmulator, payment: string, currency: string): string
  /** The payment's refunds that move money, in the order made: pending ones count, declined or failed ones do not. */
  refunds(emulator: TEmulator, payment: string, currency: string): HeldRefund[]
}

/** What a scripted customer does to pay at the emulator (no browser, no storefront). */
export interface EmulatorPayment {
  /** The payment session data the storefront sends (a single-use test token), `unique` per payment. */
  sessionData(unique: string): Record<string, unknown>
  /** The customer's step at the processor between the session and the authorization (a hosted page). */
  customerStep?(sessionData: Record<string, unknown>): Promise<string>
  /** The processor's step between capture and refunds, at its emulator `url` (Fiserv closes its batch). */
  afterCapture?(url: string): Promise<string>
}

export interface ProcessorKit<TEmulator extends EmulatorServer = EmulatorServer> {
  /** The provider's id in medusa-config.ts and PAYMENT_PROVIDERS ("clover"); also its emulator's name. */
  id: string
  /** Display name ("Checkout.com"). */
  label: string
  /** The provider module, relative to the project root (medusa-config.ts's `resolve`). */
  providerModule: string
  /** Medusa's payment provider id: `pp_<service identifier>_<id>`. */
  providerId: string
  /** Prefix of every env var of this provider (CLOVER → CLOVER_API_KEY, CLOVER_ENVIRONMENT, …). */
  envPrefix: string
  /** Port the emulator CLI and `npm run dev` use. */
  defaultPort: number
  /** `npm run dev`'s env var that moves the emulator to another port. */
  devPortEnv: string
  /** The emulator's default credentials (its DEFAULT_* exports), by provider option name. */
  credentials: Readonly<Record<string, string>>
  /** Provider options whose values are secrets (never logged, scrubbed from errors). */
  secretOptions: readonly string[]
  /** The provider's options from env, with defaults that point at the emulator (what medusa-config.ts registers). */
  optionsFromEnv(env: Env): Record<string, unknown>
  /** The env that points the provider at an emulator at `url` with the emulator's credentials. */
  emulatorEnv(url: string, env?: Env): Record<string, string>
  /** The env that makes the provider accept the emulator's signed webhooks ({} when it signs none). */
  webhookEnv: Readonly<Record<string, string>>
  /**
   * Env that scripted payments (demo, scale test) set: manual capture, and what a session made
   * without the store route needs (Clover: a client IP the store middleware would stamp).
   */
  scriptedEnv: Readonly<Record<string, string>>
  /** A new emulator. `webhookUrl` is where it posts its webhooks; emulators of processors that send none ignore it. */
  createEmulator(options?: { webhookUrl?: string } & Record<string, unknown>): TEmulator
  /** True when the emulator posts webhooks to the store. */
  sendsWebhooks: boolean
  refundOnWire: RefundOnWire
  payment: EmulatorPayment
  books: EmulatorBooks<TEmulator>
}

/** The refunds an emulator's journal holds, in order: each request's path and amount (undefined: the whole remainder). */
export function refundsOnWire(kit: Pick<ProcessorKit, "refundOnWire">, emulator: Pick<EmulatorServer, "requests">) {
  const { method, path } = kit.refundOnWire
  return emulator.requests({ method, path }).map((request) => ({ path: request.path, amount: kit.refundOnWire.amount(request), request }))
}

/** A JSON body's field, as text (numbers keep their digits as JSON wrote them only through `rawNumber`). */
export function bodyField(request: RecordedRequest, field: string): unknown {
  const body = request.body as Record<string, unknown> | undefined
  return body && typeof body === "object" ? body[field] : undefined
}

/**
 * A numeric JSON field's digits exactly as they were sent: JSON.parse would turn 12.10 into 12.1 and
 * lose digits past a double's precision, so amounts are read from the raw body.
 */
export function rawNumber(rawBody: string, pattern: RegExp): string | undefined {
  return pattern.exec(rawBody)?.[1]
}

/** A minor-unit amount field as text (JSON integers are exact up to 2^53, far past any amount); undefined when absent. */
export function integerText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value)
  if (typeof value === "string" && /^-?[0-9]+$/.test(value)) return value
  throw new Error(`not an integer amount: ${JSON.stringify(value)}`)
}

/** An integer amount held in minor units (a number or digits), as text; throws on anything else (absent included). */
export function minorText(value: unknown): string {
  const text = integerText(value)
  if (text === undefined) throw new Error("no amount")
  return text
}

/**
 * A decimal amount in major units ("20.00", "12.1") as integer minor units at `exponent` decimals, exactly
 * (bignumber.js moves the digits; never a float). Throws when it is not a whole number of minor units.
 */
export function majorToMinorText(major: string, exponent: number | undefined): string {
  if (!/^-?[0-9]+(\.[0-9]*)?$/.test(major.trim()) || exponent === undefined) {
    throw new Error(`not an amount at a known exponent: ${JSON.stringify(major)} (${exponent})`)
  }
  const minor = new BigNumber(major.trim()).shiftedBy(exponent)
  if (!minor.isInteger()) throw new Error(`${major} is not a whole number of minor units at ${exponent} decimals`)
  return minor.toFixed()
}

/** An emulator's base URL on this machine (the emulators listen on 127.0.0.1 only). */
export const emulatorUrl = (port: number): string => `http://127.0.0.1:${port}`
