/**
 * The five processors as the scale test drives them: the emulator, the env that points the
 * provider at it, how a customer pays (and the admin captures), and what the processor holds
 * for a payment (captured, refunds that count), read from the emulator's state in the
 * processor's own unit and converted to its minor units exactly.
 */
import type { AxiosInstance } from "axios"
import type { CurrencyProfile } from "../../src/core/money/currency-profile"
import { currencyExponent } from "../../src/core/money/convert"
import { Decimal } from "../../src/core/money/decimal"
import { CheckoutEmulator, DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY } from "../../src/emulators/checkout"
import { CloverEmulator } from "../../src/emulators/clover"
import { DEFAULT_DODO_API_KEY, DEFAULT_DODO_PRODUCT_ID, DEFAULT_DODO_WEBHOOK_SECRET, DodoEmulator } from "../../src/emulators/dodo"
import { FiservEmulator } from "../../src/emulators/fiserv"
import { ProcessOutEmulator } from "../../src/emulators/processout"
import { checkoutCurrencies } from "../../src/providers/checkout/currencies"
import { cloverCurrencies } from "../../src/providers/clover/transformers"
import { dodoCurrencies } from "../../src/providers/dodo/transformers"
import { fiservCurrencies } from "../../src/providers/fiserv/currencies"
import { processoutCurrencies } from "../../src/providers/processout/transformers"
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { capturePayment, type SeededStore } from "../helpers"

/** A refund as the processor holds it: its id and amount in the processor's minor units. */
export interface ProcessorRefund {
  id: string
  minor: Decimal
}

export interface ScaleProcessor {
  /** The provider id in medusa-config.ts (PAYMENT_PROVIDERS). */
  name: "clover" | "checkout" | "fiserv" | "dodo" | "processout"
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

export function scaleProcessors(currency: string): ScaleProcessor[] {
  const clover = new CloverEmulator()
  // Refunds settle at once, as Checkout.com's sandbox does within moments.
  const checkout = new CheckoutEmulator({ refundDelayMs: 0 })
  const fiserv = new FiservEmulator()
  const dodo = new DodoEmulator()
  const processout = new ProcessOutEmulator()
  return [
    {
      name: "clover",
      label: "Clover",
      providerId: "pp_clover_clover",
      profile: cloverCurrencies,
      // Sessions are made through the payment module here, not the store route whose middleware stamps the IP.
      start: async () => ({ CLOVER_ENVIRONMENT: await clover.start(), CLOVER_API_KEY: "emulator_clover_key", CLOVER_CAPTURE_MODE: "manual", CLOVER_DEFAULT_CLIENT_IP: "203.0.113.7" }),
      stop: () => clover.stop(),
      sessionData: (i) => ({ source: unique("clv_scale", i) }),
      paymentKey: (data) => str(data.charge_id, "charge_id"),
      capturedMinor: (key) => new Decimal(clover.getCharge(key)!.amount_captured!),
      refunds: (key) => clover.listRefunds(key).map((r) => ({ id: r.id, minor: new Decimal(r.amount) })),
    },
    {
      name: "checkout",
      label: "Checkout.com",
      providerId: "pp_checkout_checkout",
      profile: checkoutCurrencies,
      start: async () => ({
        CHECKOUT_ENVIRONMENT: await checkout.start(),
        CHECKOUT_API: "payments",
        CHECKOUT_CAPTURE_MODE: "manual",
        CHECKOUT_WEBHOOK_SIGNATURE_KEY: DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY,
      }),
      stop: () => checkout.stop(),
      sessionData: (i) => ({ token: unique("tok_scale", i) }),
      paymentKey: (data) => str(data.payment_id, "payment_id"),
      capturedMinor: (key) => new Decimal(checkout.balances(key)!.total_captured),
      // Pending refunds count (the money is on its way); declined ones refund nothing.
      refunds: (key) => checkout.listRefunds(key).filter((r) => r.approved !== false).map((r) => ({ id: r.id, minor: new Decimal(r.amount!) })),
    },
    {
      name: "fiserv",
      label: "Fiserv",
      providerId: "pp_fiserv_fiserv",
      profile: fiservCurrencies,
      start: async () => ({
        FISERV_ENVIRONMENT: await fiserv.start(),
        FISERV_API_KEY: "emulator_fiserv_api_key",
        FISERV_API_SECRET: "emulator_fiserv_api_secret",
        FISERV_MERCHANT_ID: fiserv.merchantId,
        FISERV_TERMINAL_ID: fiserv.terminalId,
        FISERV_CAPTURE_MODE: "manual",
      }),
      stop: () => fiserv.stop(),
      afterSetup: () => void fiserv.settleBatch(), // Fiserv refunds only settled charges
      sessionData: (i) => ({ payment_token: unique("fiserv_tok_scale", i) }),
      // The charge transaction; the emulator keeps captures and refunds on its order.
      paymentKey: (data) => fiserv.getTransaction(str(data.transaction_id, "transaction_id"))!.orderId,
      capturedMinor: (key) => majorToMinor(fiserv.getOrder(key)!.captured, currency, fiservCurrencies),
      refunds: (key) =>
        fiserv
          .listRefunds(key)
          .filter((t) => t.approvalStatus === "APPROVED")
          .map((t) => ({ id: t.transactionId, minor: majorToMinor(t.total, currency, fiservCurrencies) })),
    },
    {
      name: "dodo",
      label: "Dodo Payments",
      providerId: "pp_dodo_dodo",
      profile: dodoCurrencies,
      start: async () => ({
        DODO_ENVIRONMENT: await dodo.start(),
        DODO_API_KEY: DEFAULT_DODO_API_KEY,
        DODO_PRODUCT_ID: DEFAULT_DODO_PRODUCT_ID,
        DODO_WEBHOOK_SECRET: DEFAULT_DODO_WEBHOOK_SECRET,
      }),
      stop: () => dodo.stop(),
      // A checkout session at Dodo; the customer pays on Dodo's hosted page, and the authorization
      // finds the payment, captured (Dodo has no separate capture). No webhook URL is set: the
      // refunds' outcomes are read from Dodo's answers.
      sessionData: () => undefined,
      async beforeAuthorize(session) {
        const paid = await fetch(`${session.data.checkout_url}/pay`, { method: "POST" })
        if (paid.status !== 200) throw new Error(`Dodo's checkout page refused the payment: HTTP ${paid.status}`)
      },
      paymentKey: (data) => str(data.payment_id, "payment_id"),
      capturedMinor: (key) => new Decimal(dodo.getPayment(key)!.total_amount),
      refunds: (key) => dodo.listRefunds(key).filter((r) => r.status !== "failed").map((r) => ({ id: r.refund_id, minor: new Decimal(r.amount!) })),
    },
    {
      name: "processout",
      label: "ProcessOut",
      providerId: "pp_processout_processout",
      profile: processoutCurrencies,
      start: async () => ({
        PROCESSOUT_ENVIRONMENT: await processout.start(),
        PROCESSOUT_PROJECT_ID: "test-proj_emulator",
        PROCESSOUT_PROJECT_SECRET: "key_sandbox_emulator",
        PROCESSOUT_CAPTURE_MODE: "manual",
      }),
      stop: () => processout.stop(),
      sessionData: (i) => ({ source: unique("card_test_scale", i) }),
      paymentKey: (data) => processout.transactionOfInvoice(str(data.invoice_id, "invoice_id"))!.id,
      capturedMinor: (key) => majorToMinor(processout.getTransaction(key)!.captured_amount, currency, processoutCurrencies),
      refunds: (key) =>
        processout
          .listRefunds(key)
          .filter((r) => !r.has_failed)
          .map((r) => ({ id: r.id, minor: majorToMinor(r.amount, currency, processoutCurrencies) })),
    },
  ]
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
