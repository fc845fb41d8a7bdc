/**
 * Shared by the plugin's admin routes (src/api/admin/refund-processors/**): input schemas,
 * the payment view the order widget shows, and the provider list of the settings page.
 * Everything goes through the base provider class, so every processor is covered alike.
 */
import type { MedusaRequest } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, MedusaError, Modules } from "@medusajs/framework/utils"
import { z } from "zod"
import {
  adminProviderOf,
  currencyProfileOf,
  pluginProviderIds,
  type AdminProvider,
} from "../../../core/refunds/ledger-store"
import { currencyExponent, minorToMajor } from "../../../core/money/convert"
import { Decimal, toDecimal } from "../../../core/money/decimal"
import { ledgerOf, roundingDriftMinor, type RefundLedgerEntry } from "../../../core/payment-data"
import type { AdminMode, AmountPair, LedgerRow, PaymentView, ProviderView } from "./types"

export type { AdminMode, AmountPair, LedgerRow, PaymentView, ProviderView } from "./types"

type Container = MedusaRequest["scope"]

// ---- input ------------------------------------------------------------------------------

const id = (prefix: string, what: string) =>
  z
    .string()
    .max(100)
    .regex(new RegExp(`^${prefix}[A-Za-z0-9_-]+$`), `must be a ${what} id (${prefix}…)`)

export const paymentParams = z.object({ id: id("pay_", "payment") })
export const orderParams = z.object({ id: id("order_", "order") })
export const providerParams = z.object({ id: id("pp_", "payment provider") })

/** Parses route params with a zod schema; a bad value is a 400 naming the field. */
export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const result = schema.safeParse(params)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "params"} ${issue.message}`)
  throw new MedusaError(MedusaError.Types.INVALID_DATA, `Invalid request: ${problems.join("; ")}`)
}

// ---- modes ---------------------------------------------------------------------------------


/** The provider's mode as the admin shows it: a custom base URL is an emulator (or a proxy). */
export function adminMode(provider: AdminProvider): AdminMode {
  const mode = provider.mode
  return mode === "live" || mode === "sandbox" ? mode : "emulator"
}

/** Display name of the processor ("Clover"), from its currency profile. */
export function processorName(provider: AdminProvider, providerId: string, data?: Record<string, unknown>): string {
  const fromProfile = currencyProfileOf(provider)?.processor
  if (fromProfile) return fromProfile
  if (typeof data?.processor === "string" && data.processor) return data.processor
  return providerId.replace(/^pp_/, "").split("_")[0]
}

// ---- payment view ------------------------------------------------------------------------

const PAYMENT_SELECT = ["id", "amount", "raw_amount", "currency_code", "provider_id", "data", "captured_at", "canceled_at"]

function sumOf(records: Array<{ raw_amount?: unknown; amount?: unknown }> | undefined): Decimal {
  return (records ?? []).reduce<Decimal>((sum, r) => sum.plus(toDecimal(r.raw_amount ?? r.amount ?? 0)), new Decimal(0))
}

function minorString(value: unknown): string | null {
  // Minor units are integer strings in payment data; a number is taken only while it is exact.
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value)
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return value.trim()
  return null
}

/** A payment of one of the plugin's providers, as the order widget shows it. */
export async function paymentView(container: Container, paymentId: string): Promise<PaymentView> {
  const paymentModule = container.resolve(Modules.PAYMENT) as any
  const payment = await paymentModule.retrievePayment(paymentId, {
    select: PAYMENT_SELECT,
    relations: ["captures", "refunds"],
  })
  const provider = adminProviderOf(container, payment.provider_id)
  if (!provider) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `Payment ${paymentId} was not made with a provider of medusa-refund-processors (its provider is ${payment.provider_id}).`
    )
  }
  return buildView(payment, provider)
}

function buildView(payment: any, provider: AdminProvider): PaymentView {
  const data: Record<string, unknown> = payment.data ?? {}
  const currency = String((typeof data.currency === "string" && data.currency) || payment.currency_code || "").toLowerCase()
  const profile = currencyProfileOf(provider)
  let exponent: number | null = null
  try {
    exponent = profile ? currencyExponent(currency, profile) : null
  } catch {
    exponent = null
  }
  const major = (minor: string | null): string | null => {
    if (minor === null || !profile || exponent === null) return null
    return minorToMajor(minor, currency, profile).toFixed(exponent)
  }
  const pair = (value: unknown): AmountPair => {
    const minor = minorString(value)
    return { minor, major: major(minor) }
  }

  const medusaRefunds: Array<{ id: string; raw_amount?: unknown; amount?: unknown }> = payment.refunds ?? []
  const medusaRefundIds = new Set(medusaRefunds.map((r) => r.id))
  const medusaCaptured = sumOf(payment.captures)
  const medusaRefunded = sumOf(medusaRefunds)

  const ledger: RefundLedgerEntry[] = ledgerOf(data)
  const rows: LedgerRow[] = ledger.map((entry) => ({
    processor_refund_id: entry.processor_refund_id ?? null,
    medusa_refund_id: entry.medusa_refund_id ?? null,
    in_medusa: !!entry.medusa_refund_id && medusaRefundIds.has(entry.medusa_refund_id),
    amount_minor: String(entry.amount_minor),
    amount: major(minorString(entry.amount_minor)),
    requested_amount: entry.requested_amount ?? null,
    status: entry.status,
    failure_reason: entry.failure_reason ?? null,
    discrepancy: entry.discrepancy?.note ?? null,
    origin: entry.origin,
    created_at: entry.created_at,
  }))
  const failed = rows.filter((r) => r.status === "failed")

  const refunded = pair(data.refunded_minor ?? (ledger.length ? "0" : undefined))
  let difference: string | null = null
  let unexplained: string | null = null
  if (refunded.minor !== null && exponent !== null) {
    const medusaMinor = medusaRefunded.shiftedBy(exponent)
    difference = new Decimal(refunded.minor).minus(medusaMinor.integerValue(Decimal.ROUND_HALF_UP)).toFixed(0)
    // Each refund was rounded to the processor's unit (a step of 10 for some 3-decimal
    // currencies): that part of the difference is the ledger's own record, not a discrepancy.
    unexplained = new Decimal(refunded.minor).minus(medusaMinor).minus(roundingDriftMinor(ledger, exponent)).integerValue(Decimal.ROUND_HALF_UP).toFixed(0)
  }

  return {
    payment_id: payment.id,
    provider_id: payment.provider_id,
    processor: processorName(provider, payment.provider_id, data),
    mode: adminMode(provider),
    processor_payment_id: provider.processorPaymentId(data) ?? null,
    dashboard_url: provider.dashboardUrl(data) ?? null,
    currency,
    exponent,
    processor_amounts: {
      authorized: pair(data.amount_minor),
      captured: pair(data.captured_minor),
      refunded,
    },
    medusa_amounts: {
      amount: toDecimal(payment.raw_amount ?? payment.amount).toFixed(),
      captured: medusaCaptured.toFixed(),
      refunded: medusaRefunded.toFixed(),
    },
    refunded_difference_minor: difference,
    refunded_unexplained_minor: unexplained,
    refunds: rows,
    has_failed_refund: failed.length > 0,
    failed_refunds: failed.map((r) => ({
      processor_refund_id: r.processor_refund_id,
      medusa_refund_id: r.medusa_refund_id,
      amount: r.amount,
      reason: r.failure_reason ?? "no reason given",
    })),
    discrepancies: rows
      .filter((r) => r.discrepancy !== null)
      .map((r) => ({ processor_refund_id: r.processor_refund_id, medusa_refund_id: r.medusa_refund_id, note: r.discrepancy! })),
    pending_refunds: rows.filter((r) => r.status === "pending").length,
    captured_at: payment.captured_at ? new Date(payment.captured_at).toISOString() : null,
    canceled_at: payment.canceled_at ? new Date(payment.canceled_at).toISOString() : null,
  }
}

/** Views of an order's payments made with the plugin's providers (others are left out). */
export async function orderPaymentViews(container: Container, orderId: string): Promise<PaymentView[]> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY) as any
  const { data } = await query.graph({
    entity: "order",
    fields: ["id", "payment_collections.payments.id", "payment_collections.payments.provider_id"],
    filters: { id: orderId },
  })
  const order = data?.[0]
  if (!order) throw new MedusaError(MedusaError.Types.NOT_FOUND, `Order with id: ${orderId} was not found`)
  const payments: Array<{ id: string; provider_id: string }> = (order.payment_collections ?? [])
    .flatMap((pc: any) => pc?.payments ?? [])
    .filter((p: any) => p && adminProviderOf(container, p.provider_id))
  const views: PaymentView[] = []
  for (const p of payments) views.push(await paymentView(container, p.id))
  return views
}

// ---- providers ---------------------------------------------------------------------------

/**
 * The store's public URL, for webhook URLs: REFUND_PROCESSORS_BACKEND_URL or MEDUSA_BACKEND_URL,
 * else Medusa's `admin.backendUrl` when absolute, else the URL this request came to.
 */
export function backendUrl(req: MedusaRequest): string {
  const fromEnv = [process.env.REFUND_PROCESSORS_BACKEND_URL, process.env.MEDUSA_BACKEND_URL].find(
    (v) => typeof v === "string" && /^https?:\/\//.test(v.trim())
  )
  if (fromEnv) return fromEnv.trim().replace(/\/+$/, "")
  try {
    const config = req.scope.resolve(ContainerRegistrationKeys.CONFIG_MODULE) as any
    const configured = config?.admin?.backendUrl
    if (typeof configured === "string" && /^https?:\/\//.test(configured)) return configured.replace(/\/+$/, "")
  } catch {
    // no config module: fall through to the request
  }
  const host = req.get("host") ?? "localhost:9000"
  return `${req.protocol || "http"}://${host}`
}

export function providerView(container: Container, providerId: string, base: string): ProviderView | undefined {
  const provider = adminProviderOf(container, providerId)
  if (!provider) return undefined
  const identifier = providerId.replace(/^pp_/, "")
  return {
    id: providerId,
    processor: processorName(provider, providerId),
    mode: adminMode(provider),
    webhook_identifier: identifier,
    webhook_url: `${base}/hooks/payment/${identifier}`,
  }
}

export async function providerViews(req: MedusaRequest): Promise<ProviderView[]> {
  const base = backendUrl(req)
  const ids = await pluginProviderIds(req.scope)
  return ids.map((id) => providerView(req.scope, id, base)).filter((v): v is ProviderView => !!v)
}

/** The provider behind a provider id, or a 404 naming the configured ones. */
export async function requireProvider(container: Container, providerId: string): Promise<AdminProvider> {
  const known = await pluginProviderIds(container)
  const provider = known.includes(providerId) ? adminProviderOf(container, providerId) : undefined
  if (provider) return provider
  throw new MedusaError(
    MedusaError.Types.NOT_FOUND,
    `${providerId} is not a configured provider of medusa-refund-processors` +
      (known.length ? ` (configured: ${known.join(", ")}).` : " (none is configured).")
  )
}
