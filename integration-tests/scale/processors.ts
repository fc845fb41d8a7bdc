/**
 * The processors (one per kit) as the scale test drives them: the emulator, the env that points the
 * provider at it, how a customer pays (and the admin captures), and what the processor holds
 * for a payment (captured, refunds that count): all from the kit (src/emulators/kits), whose books read
 * the emulator's state in the processor's own unit and convert it to its minor units exactly.
 */
import type { AxiosInstance } from "axios"
import type { CurrencyProfile } from "../../src/core/money/currency-profile"
import { Decimal } from "../../src/core/money/decimal"
import { PROCESSOR_KITS, type ProcessorKit } from "../../src/emulators/kits"
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { capturePayment, type SeededStore } from "../helpers"
import { currencyProfileOf } from "../helpers/exactly-once"

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
  /**
   * A step once every payment is captured, before the refunds. None today: the processor's step after a
   * capture (Fiserv closes its batch) runs in capturedOrderPayment, awaited, after each capture.
   */
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

/** The kits' steps after a capture (kit.payment.afterCapture at the running emulator), by provider id: scaleProcessors' start() sets them. */
const afterCaptureSteps = new Map<string, () => Promise<unknown>>()

/**
 * One captured payment of an order, set up through Medusa's modules rather than the storefront
 * (250 checkouts through the store API take longer than the refunds they are here for; each
 * processor's http suite covers its checkout): an order for one item, its payment collection
 * linked to it, a payment session with the processor (the provider's initiatePayment), the
 * authorization (the provider's authorizePayment; a payment the processor has already captured,
 * as Dodo's, Medusa captures there), the admin's capture through `captureVia`'s admin API, and the
 * processor's step after a capture (its kit's payment.afterCapture: Fiserv closes its batch).
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
  await afterCaptureSteps.get(opts.providerId)?.()
  return { orderId: order.id, paymentId: payment.id }
}

/** The scale test's own emulator settings beyond the kit's defaults, by kit id (a kit without one runs on its defaults). */
const EMULATOR_OPTIONS: Record<string, Record<string, unknown>> = {
  // Refunds settle at once, as Checkout.com's sandbox does within moments.
  checkout: { refundDelayMs: 0 },
}

/**
 * One per processor kit (src/emulators/kits): the emulator, the env that points the provider at it
 * (scripted payments: sessions are made through the payment module, not the store route), how the
 * customer pays, and the kit's books of the emulator's state. No webhook URL is set: refund outcomes
 * are read from the processors' answers.
 */
export function scaleProcessors(currency: string, kits: readonly ProcessorKit[] = PROCESSOR_KITS): ScaleProcessor[] {
  return kits.map((kit) => {
    const emulator = kit.createEmulator(EMULATOR_OPTIONS[kit.id])
    const { customerStep, afterCapture } = kit.payment
    const { books } = kit
    return {
      name: kit.id,
      label: kit.label,
      providerId: kit.providerId,
      profile: currencyProfileOf(kit),
      start: async () => {
        const url = await emulator.start()
        if (afterCapture) afterCaptureSteps.set(kit.providerId, () => afterCapture(url))
        return { ...kit.emulatorEnv(url, { ...process.env, ...kit.scriptedEnv }), ...kit.webhookEnv, ...kit.scriptedEnv }
      },
      stop: async () => {
        afterCaptureSteps.delete(kit.providerId)
        await emulator.stop()
      },
      sessionData: (i) => kit.payment.sessionData(unique("scale", i)),
      ...(customerStep ? { beforeAuthorize: async (session: { data: Record<string, unknown> }) => void (await customerStep(session.data)) } : {}),
      paymentKey: (data) => str(data[books.paymentField], books.paymentField),
      capturedMinor: (key) => new Decimal(books.capturedMinor(emulator, key, currency)),
      refunds: (key) => books.refunds(emulator, key, currency).map((r) => ({ id: r.id, minor: new Decimal(r.minor) })),
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
