/**
 * The processors (one per kit) as the scale test drives them: the emulator, the env that points the
 * provider at it, how a customer pays (and the admin captures), and what the processor holds
 * for a payment (captured, refunds that count), read from the emulator's state in the
 * processor's own unit and converted to its minor units exactly.
 */
import type { AxiosInstance } from "axios"
import type { CurrencyProfile } from "../../src/core/money/currency-profile"
import { currencyExponent } from "../../src/core/money/convert"
import { Decimal } from "../../src/core/money/decimal"
import type { CheckoutEmulator } from "../../src/emulators/checkout"
import type { CloverEmulator } from "../../src/emulators/clover"
import type { DodoEmulator } from "../../src/emulators/dodo"
import type { FiservEmulator } from "../../src/emulators/fiserv"
import { PROCESSOR_KITS } from "../../src/emulators/kits"
import type { ProcessOutEmulator } from "../../src/emulators/processout"
import { checkoutCurrencies } from "../../src/providers/checkout/currencies"
import { cloverCurrencies } from "../../src/providers/clover/currencies"
import { dodoCurrencies } from "../../src/providers/dodo/currencies"
import { fiservCurrencies } from "../../src/providers/fiserv/currencies"
import { processoutCurrencies } from "../../src/providers/processout/currencies"
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { capturePayment, type SeededStore } from "../helpers"

/** A refund as the processor holds it: its id and amount in the processor's minor units. */
export interface ProcessorRefund {
  id: string
  minor: Decimal
}

export interface ScaleProcessor {
  /** The provider id in medusa-config.ts (PAYMENT_PROVIDERS): its kit's id. */
  name: string
  label: string
  providerId: string
  profile: CurrencyProfile
  /** Starts the emulator; returns the env that points the provider at it. */
  start(): Promise<Record<string, string>>
  stop(): Promise<void>
  /** What the storefront sends with the payment session (a card token). */
  sessionData(index: number): Record<string, unknown> | undefined
  /** The processor's step once every payment is captured, before the refunds (Fiserv settles its batch). */
  afterSetup?(): void
  /** What the customer does between the session and the authorization (pay on a hosted page). */
  beforeAuthorize?(session: { data: Record<string, unknown> }): Promise<void>
  /** The processor's payment behind a Medusa payment's data (emulator key). */
  paymentKey(data: Record<string, unknown>): string
  capturedMinor(key: string): Decimal
  /** The payment's refunds that move money (not declined / failed). */
  refunds(key: string): ProcessorRefund[]
}

const unique = (prefix: string, i: number) => `${prefix}_${i}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`
const str = (v: unknown, what: string): string => {
  if (typeof v !== "string" || !v) throw new Error(`payment data has no ${what}`)
  return v
}

/** A decimal text in major units ("20.00") in the processor's minor units, refusing anything inexact. */
function majorToMinor(major: string, currency: string, profile: CurrencyProfile): Decimal {
  const minor = new Decimal(major).shiftedBy(currencyExponent(currency, profile))
  if (!minor.isInteger()) throw new Error(`${profile.processor} holds ${major} ${currency}, not a whole number of minor units`)
  return minor
}

/**
 * One captured payment of an order, set up through Medusa's modules rather than the storefront
 * (250 checkouts through the store API take longer than the refunds they are here for; each
 * processor's http suite covers its checkout): an order for one item, its payment collection
 * linked to it, a payment session with the processor (the provider's initiatePayment), the
 * authorization (the provider's authorizePayment; a payment the processor has already captured,
 * as Dodo's, Medusa captures there), and the admin's capture through `captureVia`'s admin API.
 */
export async function capturedOrderPayment(
  container: MedusaContainer,
  store: SeededStore,
  opts: {
    providerId: string
    sessionData?: Record<string, unknown>
    amount: number
    beforeAuthorize?: (session: { data: Record<string, unknown> }) => Promise<void>
    captureVia: () => Promise<AxiosInstance>
  }
): Promise<{ orderId: string; paymentId: string }> {
  const orderModule = container.resolve(Modules.ORDER)
  const paymentModule = container.resolve(Modules.PAYMENT)
  const [order] = await orderModule.createOrders([
    {
      region_id: store.region.id,
      sales_channel_id: store.salesChannel.id,
      currency_code: store.currencyCode,
      email: `scale-${Math.random().toString(36).slice(2, 10)}@test.local`,
      items: [{ title: "Item", quantity: 1, unit_price: opts.amount }],
    },
  ])
  const [collection] = await paymentModule.createPaymentCollections([{ currency_code: store.currencyCode, amount: opts.amount }])
  await container.resolve(ContainerRegistrationKeys.LINK).create({
    [Modules.ORDER]: { order_id: order.id },
    [Modules.PAYMENT]: { payment_collection_id: collection.id },
  })
  const session = await paymentModule.createPaymentSession(collection.id, {
    provider_id: opts.providerId,
    currency_code: store.currencyCode,
    amount: opts.amount,
    data: opts.sessionData ?? {},
  })
  await opts.beforeAuthorize?.(session as { data: Record<string, unknown> })
  const payment = await paymentModule.authorizePaymentSession(session.id, {})
  if (!payment) throw new Error(`${opts.providerId} did not authorize payment session ${session.id}`)
  const { captures } = await paymentModule.retrievePayment(payment.id, { relations: ["captures"] })
  if (!captures?.length) await capturePayment(await opts.captureVia(), store.adminHeaders, payment.id)
  return { orderId: order.id, paymentId: payment.id }
}

/** What the scale test reads of a processor's emulator: its state, in the processor's own unit, and its steps beyond the kit's. */
type ProcessorState = Pick<ScaleProcessor, "profile" | "paymentKey" | "capturedMinor" | "refunds" | "afterSetup">

/** Per kit id: how to read its emulator's state (test-side, next to the kits of src/emulators/kits). */
const STATE: Record<string, (emulator: any, currency: string) => ProcessorState> = {
  clover: (clover: CloverEmulator) => ({
    profile: cloverCurrencies,
    paymentKey: (data) => str(data.charge_id, "charge_id"),
    capturedMinor: (key) => new Decimal(clover.getCharge(key)!.amount_captured!),
    refunds: (key) => clover.listRefunds(key).map((r) => ({ id: r.id, minor: new Decimal(r.amount) })),
  }),
  checkout: (checkout: CheckoutEmulator) => ({
    profile: checkoutCurrencies,
    paymentKey: (data) => str(data.payment_id, "payment_id"),
    capturedMinor: (key) => new Decimal(checkout.balances(key)!.total_captured),
    // Pending refunds count (the money is on its way); declined ones refund nothing.
    refunds: (key) => checkout.listRefunds(key).filter((r) => r.approved !== false).map((r) => ({ id: r.id, minor: new Decimal(r.amount!) })),
  }),
  fiserv: (fiserv: FiservEmulator, currency) => ({
    profile: fiservCurrencies,
    afterSetup: () => void fiserv.settleBatch(), // Fiserv refunds only settled charges
    // The charge transaction; the emulator keeps captures and refunds on its order.
    paymentKey: (data) => fiserv.getTransaction(str(data.transaction_id, "transaction_id"))!.orderId,
    capturedMinor: (key) => majorToMinor(fiserv.getOrder(key)!.captured, currency, fiservCurrencies),
    refunds: (key) =>
      fiserv
        .listRefunds(key)
        .filter((t) => t.approvalStatus === "APPROVED")
        .map((t) => ({ id: t.transactionId, minor: majorToMinor(t.total, currency, fiservCurrencies) })),
  }),
  dodo: (dodo: DodoEmulator) => ({
    profile: dodoCurrencies,
    paymentKey: (data) => str(data.payment_id, "payment_id"),
    capturedMinor: (key) => new Decimal(dodo.getPayment(key)!.total_amount),
    refunds: (key) => dodo.listRefunds(key).filter((r) => r.status !== "failed").map((r) => ({ id: r.refund_id, minor: new Decimal(r.amount!) })),
  }),
  processout: (processout: ProcessOutEmulator, currency) => ({
    profile: processoutCurrencies,
    paymentKey: (data) => processout.transactionOfInvoice(str(data.invoice_id, "invoice_id"))!.id,
    capturedMinor: (key) => majorToMinor(processout.getTransaction(key)!.captured_amount, currency, processoutCurrencies),
    refunds: (key) =>
      processout
        .listRefunds(key)
        .filter((r) => !r.has_failed)
        .map((r) => ({ id: r.id, minor: majorToMinor(r.amount, currency, processoutCurrencies) })),
  }),
}

/** The scale test's own emulator settings beyond the kit's defaults. */
const EMULATOR_OPTIONS: Record<string, Record<string, unknown>> = {
  // Refunds settle at once, as Checkout.com's sandbox does within moments.
  checkout: { refundDelayMs: 0 },
}

/**
 * One per processor kit (src/emulators/kits): the emulator, the env that points the provider at it
 * (scripted payments: sessions are made through the payment module, not the store route), how the
 * customer pays; its state readers from STATE. No webhook URL is set: refund outcomes are read from
 * the processors' answers.
 */
export function scaleProcessors(currency: string): ScaleProcessor[] {
  return PROCESSOR_KITS.map((kit) => {
    const state = STATE[kit.id]
    if (!state) throw new Error(`integration-tests/scale/processors.ts: no state reader for the "${kit.id}" kit`)
    const emulator = kit.createEmulator(EMULATOR_OPTIONS[kit.id])
    const { customerStep } = kit.payment
    return {
      name: kit.id,
      label: kit.label,
      providerId: kit.providerId,
      ...state(emulator, currency),
      start: async () => {
        const url = await emulator.start()
        return { ...kit.emulatorEnv(url, { ...process.env, ...kit.scriptedEnv }), ...kit.webhookEnv, ...kit.scriptedEnv }
      },
      stop: () => emulator.stop(),
      sessionData: (i) => kit.payment.sessionData(unique("scale", i)),
      ...(customerStep ? { beforeAuthorize: async (session: { data: Record<string, unknown> }) => void (await customerStep(session.data)) } : {}),
    }
  })
}

/** Runs `job` over `items` with at most `limit` running at once; settles every one. */
export async function settleAll<T, R>(items: readonly T[], limit: number, job: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      try {
        results[i] = { status: "fulfilled", value: await job(items[i], i) }
      } catch (reason) {
        results[i] = { status: "rejected", reason }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
