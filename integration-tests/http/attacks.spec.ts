/**
 * Attacks through the store's own HTTP routes, one Medusa app with all five providers on their
 * emulators. Each test tries what a shopper or a forger can send, asserts the attack fails, and
 * reads the emulator's journal to show that nothing moved at the processor.
 *
 * - A shopper completes a big cart with the processor payment of an earlier small order: they copy
 *   that order's payment data into the new session's data (the store API takes free-form data).
 * - A shopper steers the provider's calls with keys it must not take from them (customer IP,
 *   email, return URL, line items, capture id).
 * - Webhooks: a Checkout.com capture event after a partial capture; forged and replayed
 *   ProcessOut events (which carry no signature).
 *
 * The storefront is driven with Medusa's own js-sdk; the admin with the admin API.
 */
import http from "node:http"
import Medusa from "@medusajs/js-sdk"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import type { RecordedRequest } from "../../src/emulators/core/server"
import type { CheckoutEmulator } from "../../src/emulators/checkout"
import type { ProcessOutEmulator } from "../../src/emulators/processout"
import { capturePayment, getOnlyPayment, getPayment, placeOrder, seedStore, TEST_ADDRESS, type SeededStore } from "../helpers"
import { processorsUnderTest, startProcessors, until, type Ctx, type ProcessorUnderTest } from "../helpers/exactly-once"
import { PROCESSOUT_WEBHOOK_SECRET } from "../helpers/processout"

jest.setTimeout(300_000)

const processors = processorsUnderTest()
const byName = (name: string) => processors.find((p) => p.name === name)!
let stopProcessors: (() => Promise<void>) | undefined

beforeAll(async () => {
  stopProcessors = await startProcessors(processors)
})
afterAll(async () => {
  await stopProcessors?.()
})

/** Requests at an emulator that create or move money (everything but reads and the pre-payment objects). */
const PREPAYMENT = /^\/(invoices|checkouts)$/
const moneyMoves = (journal: RecordedRequest[]) => journal.filter((r) => r.method !== "GET" && !PREPAYMENT.test(r.path))
/** Keys whose value is the same for every session of a provider (not ids). */
const PROVIDER_FACTS = new Set(["currency", "processor", "environment", "api", "amount_minor", "captured_minor", "refunded_minor", "customer_ip"])
const journalSince = (p: ProcessorUnderTest, mark: number) => p.emulator.requests().slice(mark)

function storefront(api: { defaults: { baseURL?: string } }, store: SeededStore): Medusa {
  return new Medusa({ baseUrl: api.defaults.baseURL!, publishableKey: store.storeHeaders.headers["x-publishable-api-key"] })
}

/** A cart of `quantity` large items (30.00 each) plus shipping, ready for a payment session. */
async function bigCart(sdk: Medusa, store: SeededStore, quantity: number) {
  const { cart } = await sdk.store.cart.create({
    region_id: store.region.id,
    sales_channel_id: store.salesChannel.id,
    email: `shopper-${Math.random().toString(36).slice(2, 10)}@test.local`,
    shipping_address: { ...TEST_ADDRESS, country_code: store.countryCode },
    billing_address: { ...TEST_ADDRESS, country_code: store.countryCode },
    items: [{ variant_id: store.variants[0].id, quantity }],
  })
  const withShipping = await sdk.store.cart.addShippingMethod(cart.id, { option_id: store.shippingOption.id })
  return withShipping.cart
}

async function sessionData(container: MedusaContainer, cartPaymentCollectionId: string, providerId: string) {
  const sessions = await container.resolve(Modules.PAYMENT).listPaymentSessions({ payment_collection_id: cartPaymentCollectionId, provider_id: providerId })
  return (sessions[0]?.data ?? {}) as Record<string, unknown>
}

async function paymentData(container: MedusaContainer, paymentId: string) {
  const payment = await container.resolve(Modules.PAYMENT).retrievePayment(paymentId, { select: ["id", "data"] })
  return (payment.data ?? {}) as Record<string, unknown>
}

/** Completes a cart; Medusa answers an order, or the cart with the payment's error. */
async function complete(sdk: Medusa, cartId: string): Promise<{ type: string; order?: { id: string }; error?: { message?: string } }> {
  try {
    return (await sdk.store.cart.complete(cartId)) as any
  } catch (error: any) {
    return { type: "error", error: { message: String(error?.message ?? error) } }
  }
}

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let store: SeededStore
    let ctx: Ctx
    let sdk: Medusa

    beforeEach(async () => {
      for (const p of processors) await p.reset()
      store = await seedStore(api, getContainer(), { providerIds: processors.map((p) => p.providerId) })
      ctx = { api, container: getContainer(), store }
      sdk = storefront(api, store)
    })

    describe("a shopper completes a big cart with an earlier small order's processor payment", () => {
      it.each(processors.map((p) => [p.label, p.name] as const))("%s", async (_label, name) => {
        const p = byName(name)
        // Order A: 47.34 paid and captured the normal way.
        const paid = await p.pay(ctx)
        const stolen = await paymentData(getContainer(), paid.payment.id)
        const { session_id: _own, ...copied } = stolen

        // Cart B: 10 x 30.00 + shipping, its session carrying every key of A's payment data.
        const cart = await bigCart(sdk, store, 10)
        const mark = p.emulator.requests().length
        const { payment_collection } = await sdk.store.payment.initiatePaymentSession(cart, { provider_id: p.providerId, data: copied })
        const result = await complete(sdk, cart.id)
        const stored = await sessionData(getContainer(), payment_collection.id, p.providerId)

        // No paid order. (With a hosted checkout, Medusa 2.21 completes a cart whose payment is still
        // pending authorization into an order that awaits its payment: that is not a paid order.)
        if (result.type === "order") {
          const order = (result as any).order
          const { order: read } = (await api.get(`/admin/orders/${order.id}?fields=id,payment_status,*payment_collections.payments`, store.adminHeaders)).data
          expect({ payment_status: read.payment_status, payments: read.payment_collections.flatMap((c: any) => c.payments ?? []).length }).toEqual({ payment_status: "awaiting", payments: 0 })
        }
        expect(moneyMoves(journalSince(p, mark))).toEqual([])
        // None of A's processor ids was stored in B's session (Medusa stores the shopper's data
        // merged with the provider's answer).
        const kept = Object.entries(copied).filter(([key, value]) => typeof value === "string" && value && stored[key] === value && !PROVIDER_FACTS.has(key))
        expect(kept).toEqual([])
        // Order A's payment is untouched.
        const after = await getPayment(api, store.adminHeaders, paid.payment.id)
        expect(after.refunds ?? []).toHaveLength(0)
      })
    })

    describe("keys that steer the processor's calls never come from the shopper", () => {
      it("Clover: a customer_ip in the session data is not the IP sent to Clover", async () => {
        const p = byName("clover")
        await placeOrder(api, store, { providerId: p.providerId, sessionData: { source: `clv_ip_${Date.now()}`, customer_ip: "198.51.100.66" } })
        const [charge] = p.emulator.requests({ method: "POST", path: /^\/v1\/charges$/ })
        expect(charge.headers["x-forwarded-for"]).toBeDefined()
        expect(charge.headers["x-forwarded-for"]).not.toBe("198.51.100.66")
      })

      it("Checkout.com: an email in the session data is not the customer's email sent to Checkout.com", async () => {
        const p = byName("checkout")
        await placeOrder(api, store, { providerId: p.providerId, email: "real-buyer@test.local", sessionData: { token: `tok_mail_${Date.now()}`, email: "someone-else@evil.example" } })
        const [payment] = p.emulator.requests({ method: "POST", path: /^\/payments$/ })
        expect(JSON.stringify(payment.body)).not.toContain("someone-else@evil.example")
      })

      it("Dodo: a return_url on a host the merchant did not list and line items of the shopper's are not sent", async () => {
        const p = byName("dodo")
        const cart = await bigCart(sdk, store, 1)
        await sdk.store.payment.initiatePaymentSession(cart, {
          provider_id: p.providerId,
          data: { return_url: "https://evil.example/phish", dodo_line_items: [{ payment_id: "pay_x", amount: 1 }] },
        })
        const [checkout] = p.emulator.requests({ method: "POST", path: /^\/checkouts$/ })
        expect(JSON.stringify(checkout.body)).not.toContain("evil.example")
        expect(JSON.stringify(checkout.body)).not.toContain("pay_x")
      })

      it("Fiserv: a capture_transaction_id in the session data is not stored or used", async () => {
        const p = byName("fiserv")
        const paid = await p.pay(ctx)
        const a = await paymentData(getContainer(), paid.payment.id)
        const cart = await bigCart(sdk, store, 1)
        const { payment_collection } = await sdk.store.payment.initiatePaymentSession(cart, {
          provider_id: p.providerId,
          data: { payment_token: `fiserv_tok_${Date.now()}`, capture_transaction_id: a.capture_transaction_id ?? a.transaction_id },
        })
        const stored = await sessionData(getContainer(), payment_collection.id, p.providerId)
        expect(stored.capture_transaction_id ?? null).toBeNull()
      })
    })

    describe("webhooks", () => {
      it("Checkout.com: payment_captured after a partial capture does not make Medusa capture again", async () => {
        const p = byName("checkout")
        const emu = p.emulator as CheckoutEmulator
        const { order } = await placeOrder(api, store, { providerId: p.providerId, sessionData: { token: `tok_part_${Date.now()}` } })
        const payment = await getOnlyPayment(api, store.adminHeaders, order.id)
        await capturePayment(api, store.adminHeaders, payment.id, 20)
        const data = await paymentData(getContainer(), payment.id)
        const paymentId = String(data.payment_id)
        const captures = () => emu.requests({ method: "POST", path: /^\/payments\/[^/]+\/captures$/ })
        expect(captures()).toHaveLength(1)
        const actionId = (captures()[0].response as { action_id?: string }).action_id
        expect(actionId).toEqual(expect.any(String))
        const signed = emu.signWebhook(emu.webhookEvent("payment_captured", paymentId, actionId))
        const hook = await api.post("/hooks/payment/checkout_checkout", signed.rawBody, { headers: signed.headers })
        expect(hook.status).toBe(200)
        // Medusa processes webhooks after a delay (5 s); give it time to act, then look.
        await new Promise((r) => setTimeout(r, 9_000))
        const after = await getPayment(api, store.adminHeaders, payment.id)
        expect(after.captures).toHaveLength(1)
        expect(captures()).toHaveLength(1)
      })

      it("ProcessOut: forged webhooks (no token, wrong token) cost no read at ProcessOut", async () => {
        const p = byName("processout")
        const emu = p.emulator as ProcessOutEmulator
        const mark = emu.requests().length
        const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
        const statuses: number[] = []
        const post = async (query: string, i: number) => {
          const res = await api.post(`/hooks/payment/processout_processout${query}`, { event_id: `ev_forged${i}`, project_id: "test-proj_emulator" }, { httpAgent: agent, validateStatus: () => true })
          statuses.push(res.status)
        }
        for (let batch = 0; batch < 30; batch++) {
          await Promise.all(Array.from({ length: 10 }, (_, i) => post(batch % 2 ? "?token=not-the-secret-0123456789" : "", batch * 10 + i)))
        }
        agent.destroy()
        expect(statuses.filter((s) => s === 401)).toHaveLength(300)
        await new Promise((r) => setTimeout(r, 6_000))
        expect(journalSince(p, mark).filter((r) => r.path.startsWith("/events"))).toEqual([])
      })

      it("ProcessOut: an event delivered twice is read once", async () => {
        const p = byName("processout")
        const emu = p.emulator as ProcessOutEmulator
        const paid = await p.pay(ctx)
        const [event] = emu.listEvents().slice(-1)
        expect(event).toBeDefined()
        const mark = emu.requests().length
        const url = `/hooks/payment/processout_processout?token=${encodeURIComponent(PROCESSOUT_WEBHOOK_SECRET)}`
        for (let i = 0; i < 2; i++) expect((await api.post(url, emu.webhookBody(event))).status).toBe(200)
        const reads = () => journalSince(p, mark).filter((r) => r.method === "GET" && r.path === `/events/${event.id}`)
        await until("the event read", async () => (reads().length > 0 ? true : undefined), 30_000, 300)
        await new Promise((r) => setTimeout(r, 7_000))
        expect(reads()).toHaveLength(1)
        expect((await getPayment(api, store.adminHeaders, paid.payment.id)).captures).toHaveLength(1)
      })
    })
  },
})
