/**
 * The walkthrough behind `npm run demo`, run by scripts/demo.js through
 * `medusa exec ./scripts/demo/walkthrough.ts` once the emulators run and the store is seeded.
 *
 * For every payment provider of this plugin that Medusa loaded: Test connection, an order paid
 * with it (cart → payment session → the customer's step → cart completion, which authorizes
 * at the processor), capture, a refund of a sub-cent amount (12.345) and a refund of the rest,
 * all through Medusa's own workflows and payment module, then a ledger sync; and a second order,
 * captured, that scripts/demo.js returns through the admin API. What went over the
 * wire is read from the emulator's request journal. Progress lines start with "[demo]";
 * results go to $DEMO_RESULTS_FILE as JSON for scripts/demo.js's table.
 */
import { readFileSync, writeFileSync } from "fs"
import type { ExecArgs } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import {
  addShippingMethodToCartWorkflow,
  capturePaymentWorkflow,
  completeCartWorkflow,
  createCartWorkflow,
  createPaymentCollectionForCartWorkflow,
  createPaymentSessionsWorkflow,
  refundPaymentWorkflow,
  updateRegionsWorkflow,
} from "@medusajs/medusa/core-flows"
import { adminProviderOf, currencyProfileOf, pluginProviderIds, updatePaymentLedger } from "../../src/core/refunds/ledger-store"
import { currencyExponent, minorToMajor } from "../../src/core/money/convert"
import { Decimal, toDecimal } from "../../src/core/money/decimal"
import { ledgerOf } from "../../src/core/payment-data"
import { DEMO_PROCESSORS } from "./processors"
import { wireAmount, withUnit } from "./wire"

export interface DemoRow {
  processor: string
  provider_id: string
  order: string
  asked: string
  call: string
  wire: string
  status: string
  note?: string
}

/** A captured order per processor, for scripts/demo.js's automatic return refund. */
export interface DemoReturnOrder {
  processor: string
  provider_id: string
  emulator: string
  order_id: string
  order: string
  payment_id: string
}

interface Journaled {
  method: string
  path: string
  status?: number
  body?: any
}

const say = (m: string) => process.stdout.write(`[demo] ${m}\n`)
const FIRST_REFUND = "12.345"
const BUYER = { first_name: "Demo", last_name: "Buyer", address_1: "1 Demo St", city: "New York", country_code: "us", postal_code: "10001" }

async function journal(url: string): Promise<Journaled[]> {
  const res = await fetch(`${url}/__emulator/requests`)
  const body = (await res.json()) as any
  return Array.isArray(body) ? body : body.requests ?? []
}

/** Runs `action` and returns what it sent to the emulator. */
async function recorded<T>(url: string | undefined, action: () => Promise<T>): Promise<{ result: T; calls: Journaled[] }> {
  const before = url ? (await journal(url)).length : 0
  const result = await action()
  const calls = url ? (await journal(url)).slice(before) : []
  return { result, calls }
}

const describeCall = (c: Journaled) => `${c.method} ${c.path} → ${c.status ?? "?"}`

function exponentOf(provider: Parameters<typeof currencyProfileOf>[0], currency: string): number | undefined {
  const profile = currencyProfileOf(provider)
  try {
    return profile ? currencyExponent(currency, profile) : undefined
  } catch {
    return undefined
  }
}

export default async function demoWalkthrough({ container }: ExecArgs) {
  const query = container.resolve(ContainerRegistrationKeys.QUERY) as any
  const paymentModule = container.resolve(Modules.PAYMENT) as any
  const emulators: Record<string, string> = JSON.parse(process.env.DEMO_EMULATORS || "{}")
  const summary = JSON.parse(readFileSync(process.env.DEMO_SEED_SUMMARY!, "utf8"))
  const rows: DemoRow[] = []
  const returnOrders: DemoReturnOrder[] = []

  const providerIds = await pluginProviderIds(container)
  say(`providers of this plugin loaded by Medusa: ${providerIds.join(", ") || "none"}`)

  // Enable every one of them on the seeded region.
  const { data: regions } = await query.graph({ entity: "region", fields: ["id", "payment_providers.id"], filters: { id: summary.region_id } })
  const enabled = new Set<string>((regions[0]?.payment_providers ?? []).map((p: any) => p.id))
  if (providerIds.some((id) => !enabled.has(id))) {
    await updateRegionsWorkflow(container).run({
      input: { selector: { id: summary.region_id }, update: { payment_providers: [...new Set([...enabled, ...providerIds])] } },
    })
  }
  const { data: products } = await query.graph({ entity: "product", fields: ["id", "title", "variants.id", "variants.title"], filters: { id: summary.product_id } })
  const variant = products[0].variants.find((v: any) => v.title === "S") ?? products[0].variants[0]
  const { data: options } = await query.graph({ entity: "shipping_option", fields: ["id", "name"], filters: { name: "Standard Shipping" } })

  for (const providerId of providerIds) {
    const provider = adminProviderOf(container, providerId)!
    const identifier = String((provider as any).constructor?.identifier ?? providerId.replace(/^pp_/, "").split("_")[0])
    const name = currencyProfileOf(provider)?.processor ?? identifier
    const adapter = DEMO_PROCESSORS[identifier]
    const url = adapter ? emulators[adapter.emulator] : undefined
    say("")
    say(`${name} (${providerId})${url ? `, emulator ${url}` : ""}`)
    const row = (r: Partial<DemoRow>) => rows.push({ processor: name, provider_id: providerId, order: "—", asked: "—", call: "—", wire: "—", status: "—", ...r })
    if (!adapter || !url) {
      say(`  skipped: scripts/demo/processors.ts has no storefront step for "${identifier}"`)
      row({ status: "skipped", note: `no storefront step for ${identifier} in scripts/demo/processors.ts` })
      continue
    }
    try {
      const test = await provider.testConnection()
      say(`  test connection: ${test.ok ? "ok" : "FAILED"}: ${test.message}`)

      // ---- the storefront (cart, shipping, payment session, the customer's step, completion), then capture
      const placeAndCapture = async (purpose: string) => {
        // ---- the storefront: cart, shipping, payment session, the customer's step, completion
        const unique = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
        const { result: cart } = await createCartWorkflow(container).run({
          input: {
            region_id: summary.region_id,
            sales_channel_id: summary.sales_channel_id,
            currency_code: "usd",
            email: `demo+${identifier}@example.com`,
            shipping_address: BUYER,
            billing_address: BUYER,
            items: [{ variant_id: variant.id, quantity: 1 }],
          } as any,
        })
        await addShippingMethodToCartWorkflow(container).run({ input: { cart_id: cart.id, options: [{ id: options[0].id }] } })
        const { result: collection } = await createPaymentCollectionForCartWorkflow(container).run({ input: { cart_id: cart.id } })
        const started = await recorded(url, async () => {
          const { result } = await createPaymentSessionsWorkflow(container).run({
            input: { payment_collection_id: collection.id, provider_id: providerId, data: adapter.sessionData(unique) },
          })
          return result as any
        })
        say(`  payment session ${started.result.id}${started.calls.length ? `: ${started.calls.map(describeCall).join(", ")}` : " (nothing sent yet)"}`)
        if (adapter.customerStep) say(`  ${await adapter.customerStep({ id: started.result.id, data: started.result.data ?? {} })}`)
        const completed = await recorded(url, async () => (await completeCartWorkflow(container).run({ input: { id: cart.id } })).result as any)
        const { data: orders } = await query.graph({
          entity: "order",
          fields: ["id", "display_id", "total", "currency_code", "payment_collections.payments.id", "payment_collections.payments.captured_at"],
          filters: { id: completed.result.id },
        })
        const order = orders[0]
        const orderLabel = `#${order.display_id}`
        const payment = order.payment_collections.flatMap((pc: any) => pc.payments)[0]
        say(`  order ${orderLabel} (${purpose}): ${toDecimal(order.total).toFixed(2)} USD, authorized: ${completed.calls.map(describeCall).join(", ") || "no call"}`)

        // ---- capture (processors that capture on payment already have)
        if (!payment.captured_at) {
          const captured = await recorded(url, () => capturePaymentWorkflow(container).run({ input: { payment_id: payment.id } }))
          say(`  captured: ${captured.calls.map(describeCall).join(", ") || "no call"}`)
        } else {
          say("  captured at payment by the processor")
        }

        return { order, orderLabel, payment }
      }
      const { orderLabel, payment } = await placeAndCapture("refunds")

      if (adapter.afterCapture) say(`  ${await adapter.afterCapture(url)}`)

      // ---- two refunds: 12.345 USD (rounds to the nearest cent), then exactly the rest
      const refundOnce = async (amount: string, label: string) => {
        const before = await paymentModule.retrievePayment(payment.id, { relations: ["refunds"] })
        const known = new Set((before.refunds ?? []).map((r: any) => r.id))
        const sent = await recorded(url, () =>
          refundPaymentWorkflow(container).run({ input: { payment_id: payment.id, amount: Number(amount), note: `npm run demo: ${label}` } })
        )
        const after = await paymentModule.retrievePayment(payment.id, { select: ["id", "data"], relations: ["refunds"] })
        const medusaRefund = (after.refunds ?? []).find((r: any) => !known.has(r.id))
        const entry = ledgerOf(after.data).find((e) => e.medusa_refund_id === medusaRefund?.id)
        const call = sent.calls.filter((c) => c.method === "POST" && /refund/i.test(c.path)).pop() ?? sent.calls[sent.calls.length - 1]
        const wire = call ? wireAmount(call.body) : "—"
        // Not in the ledger yet: the plugin's ledger sync after the previous refund may be writing it.
        const status = entry ? `${entry.status}${entry.failure_reason ? ` (${entry.failure_reason})` : ""}` : "not in the ledger yet"
        say(`  refund of ${amount} USD (${label}): ${call ? describeCall(call) : "no call"}, ${wire} on the wire, ${status}`)
        return {
          refundId: medusaRefund?.id as string | undefined,
          sentStatus: entry?.status,
          row: { order: orderLabel, asked: `${amount} USD`, call: call ? describeCall(call) : "—", wire, status },
        }
      }
      const first = await refundOnce(FIRST_REFUND, "part of the order")
      const current = await paymentModule.retrievePayment(payment.id, { relations: ["captures", "refunds"] })
      const sum = (list: any[]) => list.reduce((s: Decimal, r: any) => s.plus(toDecimal(r.raw_amount ?? r.amount)), new Decimal(0))
      const rest = sum(current.captures ?? []).minus(sum(current.refunds ?? [])).toFixed()
      const second = await refundOnce(rest, "the rest")

      // ---- the ledger, as the order widget's "Sync with processor" sees it
      const data = (await updatePaymentLedger(container, payment.id, (d, p) => p.syncRefundLedger(d, payment.id))) ?? {}
      const ledger = ledgerOf(data)
      const profile = currencyProfileOf(provider)
      const currency = String(data.currency ?? "usd")
      const major = (minor: unknown) =>
        profile && typeof minor === "string"
          ? `${minorToMajor(minor, currency, profile).toFixed(currencyExponent(currency, profile))} ${currency.toUpperCase()}`
          : "?"
      say(
        `  ledger after sync: ${ledger.map((e) => `${e.amount_minor} ${e.status}`).join(", ")}; refunded at ${name}: ${String(data.refunded_minor)} ` +
          `(${major(data.refunded_minor)}) of ${String(data.captured_minor)} captured`
      )
      const synced = (id?: string) => ledger.find((e) => e.medusa_refund_id === id)
      for (const r of [first, second]) {
        const e = synced(r.refundId)
        const later = e && r.sentStatus && e.status !== r.sentStatus ? ` (${r.sentStatus} when sent)` : ""
        row({
          ...r.row,
          wire: withUnit(r.row.wire, e?.amount_minor, exponentOf(provider, currency)),
          status: e ? `${e.status}${e.failure_reason ? `: ${e.failure_reason}` : ""}${later}` : r.row.status,
        })
      }

      // ---- an order for the automatic path: scripts/demo.js returns its item through the admin
      // API once Medusa serves HTTP (subscribers do not run under `medusa exec`)
      const forReturn = await placeAndCapture("to be returned")
      if (adapter.afterCapture) say(`  ${await adapter.afterCapture(url)}`)
      returnOrders.push({
        processor: name,
        provider_id: providerId,
        emulator: adapter.emulator,
        order_id: forReturn.order.id,
        order: forReturn.orderLabel,
        payment_id: forReturn.payment.id,
      })
    } catch (error) {
      const message = (error as Error)?.message ?? String(error)
      say(`  FAILED: ${message}`)
      row({ status: "error", note: message.slice(0, 300) })
    }
  }

  writeFileSync(process.env.DEMO_RESULTS_FILE!, JSON.stringify({ rows, return_orders: returnOrders }, null, 2))
}
