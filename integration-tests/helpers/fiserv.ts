/**
 * The Fiserv end-to-end return-and-refund suite, run once per endpoint style / refund reference
 * (integration-tests/http/fiserv-*.spec.ts): a real Medusa 2.21 app, the Fiserv emulator, and a
 * 2-, 0- and 3-decimal currency (USD, JPY, KWD).
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { FiservEmulator } from "../../src/emulators/fiserv"
import { Decimal } from "../../src/core/money/decimal"
import { loadSpec } from "../../test/contract/openapi"
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
  SeededStore,
} from "./index"

export const FISERV_PROVIDER_ID = "pp_fiserv_fiserv"

interface CurrencyCase {
  currency: string
  decimals: number
  large: string
  small: string
  shipping: string
}

const CASES: CurrencyCase[] = [
  { currency: "usd", decimals: 2, large: "30", small: "12.34", shipping: "5" },
  { currency: "jpy", decimals: 0, large: "3000", small: "1234", shipping: "500" },
  { currency: "kwd", decimals: 3, large: "30.125", small: "12.345", shipping: "5.5" },
]

/** A Medusa amount (number or string) at the currency's decimals, exactly: "12.345", "1234", "47.34". */
const fixed = (amount: number | string, decimals: number) => new Decimal(String(amount)).toFixed(decimals)

export function defineFiservRefundSuite(config: { endpointStyle: "reference" | "uri"; refundReference: "transaction" | "order" }) {
  jest.setTimeout(240_000)
  const emu = new FiservEmulator()
  // Started, and medusa-config.ts's variables set, before the runner boots Medusa (./emulator-env.ts).
  useEmulatorForStore(emu, (url) => ({
    FISERV_ENVIRONMENT: url,
    FISERV_API_KEY: "emulator_fiserv_api_key",
    FISERV_API_SECRET: "emulator_fiserv_api_secret",
    FISERV_MERCHANT_ID: emu.merchantId,
    FISERV_TERMINAL_ID: emu.terminalId,
    FISERV_CAPTURE_MODE: "manual",
    FISERV_ENDPOINT_STYLE: config.endpointStyle,
    FISERV_REFUND_REFERENCE: config.refundReference,
    PAYMENT_PROVIDERS: "fiserv",
  }))

  // Every request the provider sent and every answer, against the spec of the endpoint style used (see
  // src/providers/fiserv/__tests__/fiserv-service.spec.ts for the split).
  afterEach(() => {
    const uri = /^\/payments\/v1\/charges\/(?:orders\/)?[^/]+\/(capture|cancel|refund)$/
    const journal = emu.requests()
    const legacy = journal.filter((r) => uri.test(r.path)).map((r) => ({ ...r, path: r.path.replace(/\/charges\/orders\/([^/]+)\/refund$/, "/charges/$1/refund") }))
    expect([
      ...loadSpec("fiserv-commerce-hub-1.24.11.openapi.yaml").check(journal.filter((r) => !uri.test(r.path))),
      ...loadSpec("fiserv-commerce-hub-api-1.0.0-legacy.openapi.yaml").check(legacy),
    ]).toEqual([])
  })

  const refundRequests = () => emu.requests({ method: "POST", path: /refund/ })

  medusaIntegrationTestRunner({
    testSuite: ({ api, getContainer }) => {
      it.each(CASES)(
        `$currency: refunds a returned item exactly, then the rest, then refuses more (${config.endpointStyle} endpoints, refunds by ${config.refundReference})`,
        async ({ currency, decimals, large, small, shipping }) => {
          const code = currency.toUpperCase()
          const store: SeededStore = await seedStore(api, getContainer(), {
            providerIds: [FISERV_PROVIDER_ID],
            currencyCode: currency,
            variants: [
              { title: "Large", sku: `FSV-L-${currency}`, amount: Number(large) },
              { title: "Small", sku: `FSV-S-${currency}`, amount: Number(small) },
            ],
            shippingAmount: Number(shipping),
          })
          const admin = store.adminHeaders
          const total = new Decimal(large).plus(small).plus(shipping).toFixed(decimals)

          // ---- checkout: a pre-auth at Fiserv
          const { order: placed } = await placeOrder(api, store, {
            providerId: FISERV_PROVIDER_ID,
            sessionData: { payment_token: `fiserv_tok_${currency}_${Date.now()}` },
          })
          let order = await getOrder(api, admin, placed.id)
          expect(fixed(order.total, decimals)).toBe(total)
          const [fiservOrder] = emu.listOrders()
          expect(fiservOrder).toMatchObject({ currency: code, decimals, status: "AUTHORIZED", authorized: total })
          const [chargeReq] = emu.requests({ method: "POST", path: "/payments/v1/charges" })
          expect(chargeReq.rawBody).toContain(`"amount":{"total":${total},"currency":"${code}"}`)

          const payment = await getOnlyPayment(api, admin, placed.id)
          expect(payment.provider_id).toBe(FISERV_PROVIDER_ID)

          // ---- admin capture
          await capturePayment(api, admin, payment.id)
          expect(emu.getOrder(fiservOrder.orderId)).toMatchObject({ status: "CAPTURED", captured: total, refunded: fixed(0, decimals) })
          // The merchant's batch closes (Fiserv refunds only settled charges; before, only a cancel returns money).
          emu.settleBatch()
          const captureReq = emu.requests({ method: "POST", path: /capture$|\/payments\/v1\/charges$/ })[1]
          expect(captureReq.path).toBe(
            config.endpointStyle === "uri" ? `/payments/v1/charges/${fiservOrder.chargeTransactionId}/capture` : "/payments/v1/charges"
          )
          expect(refundRequests()).toHaveLength(0)

          // ---- ship both, take the small one back
          await fulfillOrder(api, admin, { orderId: placed.id, locationId: store.stockLocation.id })
          const smallItem = order.items.find((i: any) => i.variant_id === store.variants.find((v) => v.title === "Small")!.id)
          await returnItems(api, admin, { orderId: placed.id, locationId: store.stockLocation.id, items: [{ id: smallItem.id, quantity: 1 }] })
          order = await getOrder(api, admin, placed.id)
          expect(fixed(order.summary.pending_difference, decimals)).toBe(new Decimal(small).negated().toFixed(decimals))
          expect(refundRequests()).toHaveLength(0) // a return alone never reaches Fiserv

          // ---- refund what the order owes
          const reason = await createRefundReason(api, admin, { label: "Return", code: `return_${currency}` })
          const afterFirst = await refundPayment(api, admin, payment.id, {
            amount: -Number(order.summary.pending_difference),
            refund_reason_id: reason.id,
            note: "small item returned",
          })
          expect(afterFirst.refunds).toHaveLength(1)
          const medusaRefund1 = afterFirst.refunds[0]
          const [refund1] = refundRequests()
          const capture = emu.getOrder(fiservOrder.orderId)!
          if (config.endpointStyle === "uri") {
            expect(refund1.path).toBe(
              config.refundReference === "order"
                ? `/payments/v1/charges/orders/${fiservOrder.orderId}/refund`
                : `/payments/v1/charges/${capture.captureTransactionId}/refund`
            )
          } else {
            expect(refund1.path).toBe("/payments/v1/refunds")
            expect((refund1.body as any).referenceTransactionDetails).toEqual(
              config.refundReference === "order"
                ? { referenceMerchantOrderId: fiservOrder.merchantOrderId }
                : { referenceTransactionId: capture.captureTransactionId }
            )
          }
          expect(refund1.status).toBe(201)
          expect(refund1.rawBody).toContain(`"amount":{"total":${fixed(small, decimals)},"currency":"${code}"}`)
          expect(refund1.body).toMatchObject({ transactionDetails: { merchantTransactionId: medusaRefund1.id } })
          expect(emu.getOrder(fiservOrder.orderId)).toMatchObject({ refunded: fixed(small, decimals) })
          order = await getOrder(api, admin, placed.id)
          expect(fixed(order.summary.pending_difference, decimals)).toBe(fixed(0, decimals))

          // ---- refund the rest of what was captured
          const rest = new Decimal(total).minus(small).toFixed(decimals)
          const afterSecond = await refundPayment(api, admin, payment.id, { amount: Number(rest), refund_reason_id: reason.id, note: "rest" })
          expect(afterSecond.refunds).toHaveLength(2)
          const refunds = refundRequests()
          expect(refunds).toHaveLength(2)
          expect(refunds[1].rawBody).toContain(`"amount":{"total":${rest},"currency":"${code}"}`)
          expect(emu.getOrder(fiservOrder.orderId)).toMatchObject({ refunded: total, refundable: fixed(0, decimals) })
          expect(emu.listRefunds(fiservOrder.orderId).map((r) => r.total)).toEqual([fixed(small, decimals), rest])
          // every refund was signed for the exact bytes and carried its own Client-Request-Id
          expect(new Set(refunds.map((r) => r.headers["client-request-id"])).size).toBe(2)

          // ---- nothing left: refused by Medusa before it reaches Fiserv
          const err = await refundPayment(api, admin, payment.id, { amount: 1, refund_reason_id: reason.id }).then(
            () => undefined,
            (e: any) => e
          )
          expect(err?.response?.status).toBe(400)
          expect(refundRequests()).toHaveLength(2)
          const p = await getPayment(api, admin, payment.id)
          expect(p.refunds.map((r: any) => fixed(r.amount, decimals)).sort()).toEqual([fixed(small, decimals), rest].sort())
        }
      )
    },
  })
}
