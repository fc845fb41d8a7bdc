"use strict"
/** Checkout.com (unified Payments API) as a bench entry: see clover.js for what an entry holds. */
const path = require("path")
const { ROOT } = require("../lib/ts")
const { silentLogger } = require("../lib/common")
const { paymentThroughProvider } = require("../lib/provider-flow")

const SECRET_KEY = "sk_sbox_emulatorkeyforcheckoutdotco"

let setupProvider
let tokenSeq = 0

module.exports = {
  name: "checkout",
  label: "Checkout.com",
  provider: { module: "src/providers/checkout/service.ts", className: "CheckoutProviderService" },
  emulator: { module: "src/emulators/checkout/index.ts", className: "CheckoutEmulator" },
  /** Refunds settle asynchronously (202): the ledger records them pending. */
  refundStatuses: ["pending", "succeeded"],
  /** The emulator declines refunds of x05 minor units (Checkout.com's test rule): use 1-4. */
  refundMinor: (i) => 1 + (i % 4),

  createProvider(url, logger, cradle = {}) {
    const { CheckoutProviderService } = require(path.join(ROOT, this.provider.module))
    return new CheckoutProviderService({ logger, ...cradle }, { secretKey: SECRET_KEY, environment: url, captureMode: "manual" })
  },

  async createPayment(url) {
    setupProvider ??= this.createProvider(url, silentLogger)
    const data = await paymentThroughProvider(setupProvider, {
      amount: "500.00",
      sessionData: { token: `tok_bench_${process.pid}_${++tokenSeq}` },
      earlierRefunds: ["12.34", "5.00"],
    })
    return { id: data.payment_id, data }
  },

  refundInput(payment, key, minor) {
    return { amount: { value: (minor / 100).toFixed(2), precision: 20 }, currency_code: "usd", data: payment.data, context: { idempotency_key: key } }
  },

  /** 202 Accepted with the refund's action id. */
  checkRaw: (body) => typeof body.action_id === "string",

  rawRefund(url, payment, key, minor) {
    return {
      method: "POST",
      url: `${url}/payments/${payment.id}/refunds`,
      headers: { Authorization: `Bearer ${SECRET_KEY}`, "Cko-Idempotency-Key": key, Accept: "application/json", "Content-Type": "application/json" },
      body: { amount: minor, reference: key, metadata: { medusa_refund_id: key } },
    }
  },

  e2e: {
    providerId: "pp_checkout_checkout",
    refundPathPattern: "^/payments/[^/]+/refunds$",
    env: (url) => ({ CHECKOUT_ENVIRONMENT: url, CHECKOUT_SECRET_KEY: SECRET_KEY, CHECKOUT_CAPTURE_MODE: "manual" }),
    sessionData: () => ({ token: `tok_bench_e2e_${process.pid}_${++tokenSeq}` }),
  },

  sdk: {
    name: "checkout-sdk-node",
    check: (res) => typeof res?.action_id === "string",
    /**
     * checkout-sdk-node 5.2.1 (ESM only, loaded with import()) takes a custom `host`; the
     * idempotency key is refund()'s third argument. It sends with axios, like our provider.
     */
    async create(url) {
      let Checkout
      try {
        Checkout = (await import("checkout-sdk-node")).default
      } catch {
        return { skip: "checkout-sdk-node is not installed (npm install -D checkout-sdk-node)" }
      }
      const cko = new Checkout(SECRET_KEY, { host: url, timeout: 15000 })
      return {
        refund: async (payment, key, minor) => {
          return cko.payments.refund(payment.id, { amount: minor, reference: key, metadata: { medusa_refund_id: key } }, key)
        },
      }
    },
  },
}
