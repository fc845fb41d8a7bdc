/**
 * The return-and-refund flow through a real Medusa app and the Checkout.com emulator, for
 * either Checkout.com API, in any currency: checkout (authorize only), admin capture, return of
 * one of two items, refund of exactly what the order owes, refund of the rest, and a refused
 * over-refund that never reaches Checkout.com. Amounts are given in major units and in
 * Checkout.com's minor units, so each test states what must go over the wire.
 */
import type { AxiosInstance } from "axios"
import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { CheckoutEmulator, DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY } from "../../src/emulators/checkout"
import { useEmulatorForStore } from "./emulator-env"
import {
  capturePayment,
  createRefundReason,
  fulfillOrder,
  getOnlyPayment,
  getOrder,
  getPayment,
  placeOrder,
  refundPayment,
  returnItems,
  seedStore,
} from "./index"

export const CHECKOUT_PROVIDER_ID = "pp_checkout_checkout"

export interface CheckoutFlowCase {
  api: "payments" | "classic"
  currency: string
  country: string
  large: number
  small: number
  shipping: number
  /** Checkout.com minor units of the order total, the small item, and the rest. */
  minor: { total: number; small: number; rest: number }
}

export async function ledgerOf(container: MedusaContainer, paymentId: string) {
  const payment = await container.resolve(Modules.PAYMENT).retrievePayment(paymentId, { select: ["id", "data"] })
  return (payment.data ?? {}) as Record<string, any>
}

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = await read()
    if (ok(value) || Date.now() > until) return value
    await new Promise((r) => setTimeout(r, 250))
  }
}

export async function runCheckoutReturnAndRefund(api: AxiosInstance, container: MedusaContainer, emu: CheckoutEmulator, c: CheckoutFlowCase) {
  const store = await seedStore(api, container, {
    providerIds: [CHECKOUT_PROVIDER_ID],
    currencyCode: c.currency,
    countryCode: c.country,
    variants: [
      { title: "Large", sku: `CKO-L-${c.currency}`, amount: c.large },
      { title: "Small", sku: `CKO-S-${c.currency}`, amount: c.small },
    ],
    shippingAmount: c.shipping,
  })
  const admin = store.adminHeaders
  const CUR = c.currency.toUpperCase()
  const small = store.variants.find((v) => v.title === "Small")!
  const token = `tok_e2e_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`

  // ---- checkout: an authorization at Checkout.com, in its units
  const { order: placed } = await placeOrder(api, store, { providerId: CHECKOUT_PROVIDER_ID, sessionData: { token } })
  let order = await getOrder(api, admin, placed.id)
  expect(Number(order.total)).toBeCloseTo(c.large + c.small + c.shipping, 9)
  const payment = await getOnlyPayment(api, admin, placed.id)
  expect(payment.provider_id).toBe(CHECKOUT_PROVIDER_ID)

  let processorId: string
  if (c.api === "payments") {
    const [req] = emu.requests({ method: "POST", path: "/payments" })
    expect(req.body).toEqual(expect.objectContaining({ amount: c.minor.total, currency: CUR, capture: false, source: { type: "token", token } }))
    expect(req.headers["cko-idempotency-key"]).toMatch(/^payses_/)
    expect((req.body as any).metadata.session_id).toBe(req.headers["cko-idempotency-key"])
    processorId = (req.response as any).id
  } else {
    const [req] = emu.requests({ method: "POST", path: "/v2/charges/token" })
    expect(req.body).toEqual(expect.objectContaining({ value: c.minor.total, currency: CUR, autoCapture: "N", cardToken: token }))
    processorId = (req.response as any).id
  }

  // ---- admin capture
  await capturePayment(api, admin, payment.id)
  let captureChargeId = processorId
  if (c.api === "payments") {
    expect(emu.balances(processorId)).toEqual(expect.objectContaining({ total_captured: c.minor.total, available_to_refund: c.minor.total }))
  } else {
    const capture = emu.chargeChain(processorId).find((x) => x.originalId === processorId && x.status === "Captured")!
    expect(capture.value).toBe(c.minor.total)
    captureChargeId = capture.id
  }

  // ---- ship both, take the small one back: the return alone reaches no processor
  await fulfillOrder(api, admin, { orderId: placed.id, locationId: store.stockLocation.id })
  const smallItem = order.items.find((i: any) => i.variant_id === small.id)
  await returnItems(api, admin, { orderId: placed.id, locationId: store.stockLocation.id, items: [{ id: smallItem.id, quantity: 1 }] })
  order = await getOrder(api, admin, placed.id)
  expect(Number(order.summary.pending_difference)).toBe(-c.small)
  const refundPath = c.api === "payments" ? /\/payments\/[^/]+\/refunds$/ : /\/v2\/charges\/[^/]+\/refund$/
  expect(emu.requests({ method: "POST", path: refundPath })).toHaveLength(0)

  // ---- refund what the order owes
  const reason = await createRefundReason(api, admin, { label: "Return", code: "return" })
  const first = await refundPayment(api, admin, payment.id, { amount: -Number(order.summary.pending_difference), refund_reason_id: reason.id, note: "small item returned" })
  expect(first.refunds).toHaveLength(1)
  const ref1 = first.refunds[0]
  expect(Number(ref1.amount)).toBe(c.small)
  let sent = emu.requests({ method: "POST", path: refundPath })
  expect(sent).toHaveLength(1)
  if (c.api === "payments") {
    expect(sent[0].status).toBe(202)
    expect(sent[0].headers["cko-idempotency-key"]).toBe(ref1.id)
    expect(sent[0].body).toEqual({ amount: c.minor.small, reference: ref1.id, metadata: { medusa_refund_id: ref1.id, reason_code: "return", note: "small item returned" } })
    // Asynchronous: the ledger records it pending until Checkout.com settles it.
    const data = await ledgerOf(container, payment.id)
    expect(data.refunds).toEqual([expect.objectContaining({ medusa_refund_id: ref1.id, amount_minor: String(c.minor.small), status: "pending" })])
  } else {
    expect(sent[0].path).toBe(`/v2/charges/${captureChargeId}/refund`)
    expect(sent[0].body).toEqual(expect.objectContaining({ value: c.minor.small, trackId: ref1.id, description: "small item returned" }))
    const data = await ledgerOf(container, payment.id)
    expect(data.refunds).toEqual([expect.objectContaining({ medusa_refund_id: ref1.id, amount_minor: String(c.minor.small), status: "succeeded" })])
  }
  order = await getOrder(api, admin, placed.id)
  expect(Number(order.summary.pending_difference)).toBe(0)

  if (c.api === "payments") {
    // Checkout.com settles the refund and notifies the store; Medusa's webhook route takes the signed event.
    const [settled] = emu.settleRefunds()
    expect(settled).toEqual(expect.objectContaining({ approved: true, amount: c.minor.small }))
    const signed = emu.signWebhook(emu.webhookEvent("payment_refunded", processorId, settled.id))
    const hook = await api.post("/hooks/payment/checkout_checkout", signed.rawBody, { headers: signed.headers })
    expect(hook.status).toBe(200)
    // The plugin's webhook subscriber verifies Cko-Signature and writes the outcome to the ledger
    // (after Medusa's webhook delay of 5 s).
    const data = await waitFor(
      () => ledgerOf(container, payment.id),
      (d) => (d.refunds ?? []).some((r: any) => r.medusa_refund_id === ref1.id && r.status === "succeeded"),
      30_000
    )
    expect(data.refunds).toEqual([expect.objectContaining({ medusa_refund_id: ref1.id, processor_refund_id: settled.id, status: "succeeded" })])
  }

  // ---- refund the rest of what was captured
  const p1 = await getPayment(api, admin, payment.id)
  const captured = p1.captures.reduce((s: number, x: any) => s + Number(x.amount), 0)
  const refunded = p1.refunds.reduce((s: number, x: any) => s + Number(x.amount), 0)
  const rest = Number((captured - refunded).toFixed(3))
  expect(rest).toBe(c.large + c.shipping)
  const second = await refundPayment(api, admin, payment.id, { amount: rest, refund_reason_id: reason.id, note: "goodwill: the rest" })
  expect(second.refunds).toHaveLength(2)
  const ref2 = second.refunds.find((r: any) => r.id !== ref1.id)
  sent = emu.requests({ method: "POST", path: refundPath })
  expect(sent).toHaveLength(2)
  if (c.api === "payments") {
    expect(sent[1].body).toEqual(expect.objectContaining({ amount: c.minor.rest, reference: ref2.id }))
    emu.settleRefunds()
    expect(emu.balances(processorId)).toEqual(expect.objectContaining({ total_refunded: c.minor.total, available_to_refund: 0 }))
    const data = await ledgerOf(container, payment.id)
    expect(data.refunds).toEqual([
      expect.objectContaining({ medusa_refund_id: ref1.id, amount_minor: String(c.minor.small), status: "succeeded" }),
      // Pending when sent; the refund-ledger subscriber may already have read it settled.
      expect.objectContaining({ medusa_refund_id: ref2.id, amount_minor: String(c.minor.rest), status: expect.stringMatching(/^(pending|succeeded)$/) }),
    ])
  } else {
    expect(sent[1].body).toEqual(expect.objectContaining({ value: c.minor.rest, trackId: ref2.id }))
    expect(emu.getCharge(processorId)!.status).toBe("Refunded")
    const refunds = emu.chargeChain(processorId).filter((x) => x.status === "Refunded" && x.originalId === captureChargeId)
    expect(refunds.map((x) => x.value)).toEqual([c.minor.small, c.minor.rest])
  }

  // ---- nothing left: refused before it reaches Checkout.com
  const err = await refundPayment(api, admin, payment.id, { amount: 1, refund_reason_id: reason.id, note: "one more" }).then(
    () => undefined,
    (e: any) => e
  )
  expect(err?.response?.status).toBe(400)
  // Medusa's own guard, or ours: Medusa lets a refund exceed what remains by one unit of its
  // precision (1 JPY), and the provider refuses it before any request.
  expect(err.response.data.message).toMatch(/not allowed to refund more than the captured amount|already fully refunded at Checkout\.com/i)
  expect(emu.requests({ method: "POST", path: refundPath })).toHaveLength(2)
  const p3 = await getPayment(api, admin, payment.id)
  expect(p3.refunds.map((r: any) => Number(r.amount)).sort((a: number, b: number) => a - b)).toEqual([c.small, c.large + c.shipping].sort((a, b) => a - b))
}

/**
 * The suite for one Checkout.com API: an app booted with CHECKOUT_API set to it (medusa-config.ts
 * reads the env at boot, so each API is its own spec file), the emulator, and the return and
 * refund in JPY (whole amounts) and KWD (3 decimals, sent in tens of fils). The Payments API's
 * refunds stay pending until the flow settles them.
 */
export function checkoutReturnAndRefundSuite(checkoutApi: CheckoutFlowCase["api"]) {
  const emu = new CheckoutEmulator(checkoutApi === "payments" ? { refundDelayMs: null } : {})
  // Started, and medusa-config.ts's variables set, before the runner boots Medusa (./emulator-env.ts).
  useEmulatorForStore(emu, (url) => ({
    CHECKOUT_ENVIRONMENT: url,
    CHECKOUT_API: checkoutApi,
    CHECKOUT_CAPTURE_MODE: "manual",
    CHECKOUT_WEBHOOK_SIGNATURE_KEY: DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY,
    CHECKOUT_SECRET_KEY: undefined, // the config's default is the emulator's key
    PAYMENT_PROVIDERS: "checkout",
  }))

  medusaIntegrationTestRunner({
    testSuite: ({ api, getContainer }) => {
      it("JPY (whole amounts): returns and refunds in yen, exactly", async () => {
        await runCheckoutReturnAndRefund(api, getContainer(), emu, {
          api: checkoutApi,
          currency: "jpy",
          country: "jp",
          large: 3000,
          small: 1234,
          shipping: 500,
          minor: { total: 4734, small: 1234, rest: 3500 },
        })
      })

      it("KWD (3 decimals, sent in tens of fils): a 12.345 KWD item is charged and refunded as 12.350, the rest exactly", async () => {
        await runCheckoutReturnAndRefund(api, getContainer(), emu, {
          api: checkoutApi,
          currency: "kwd",
          country: "kw",
          large: 30.25,
          small: 12.345,
          shipping: 1.5,
          // 44.095 KWD is sent as 44.100 (half-up to the 0.010 step), 12.345 as 12.350; the rest is exact.
          minor: { total: 44100, small: 12350, rest: 31750 },
        })
      })
    },
  })
}
