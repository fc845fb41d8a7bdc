"use strict"
/** Dodo Payments as a bench entry: see clover.js for what an entry holds. */
const path = require("path")
const http = require("http")
const axios = require("axios")
const { ROOT, registerTs } = require("../lib/ts")
const { silentLogger } = require("../lib/common")
const { paymentThroughProvider } = require("../lib/provider-flow")

const API_KEY = "emulator_dodo_key"
const PRODUCT_ID = "pdt_emulator_pay_what_you_want"
const setupClient = axios.create({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 16 }) })
const auth = () => ({ Authorization: `Bearer ${API_KEY}`, Accept: "application/json" })

let setupProvider

function refundBody(payment, key, minor) {
  return {
    payment_id: payment.id,
    items: [{ item_id: payment.itemId, amount: minor, tax_inclusive: true }],
    metadata: { medusa_refund_id: key, ...(payment.data.session_id ? { session_id: String(payment.data.session_id) } : {}) },
  }
}

module.exports = {
  name: "dodo",
  label: "Dodo Payments",
  provider: { module: "src/providers/dodo/service.ts", className: "DodoProviderService" },
  emulator: { module: "src/emulators/dodo/index.ts", className: "DodoEmulator" },
  refundStatuses: ["pending", "succeeded"],

  createProvider(url, logger, cradle = {}) {
    const { DodoProviderService } = require(path.join(ROOT, this.provider.module))
    return new DodoProviderService({ logger, ...cradle }, { apiKey: API_KEY, environment: url, productId: PRODUCT_ID })
  },

  /** Checkout session through the provider, the customer pays on the emulator's page, authorize (Dodo captures). */
  async createPayment(url) {
    setupProvider ??= this.createProvider(url, silentLogger)
    const data = await paymentThroughProvider(setupProvider, {
      amount: "500.00",
      afterInitiate: (started) =>
        setupClient.post(`${url}/checkout/${started.checkout_session_id}/pay`, {}, { headers: { ...auth(), "Content-Type": "application/json" } }),
      earlierRefunds: ["12.34", "5.00"],
    })
    // The line item a partial refund goes to (the provider reads it before each refund).
    const { data: lines } = await setupClient.get(`${url}/payments/${data.payment_id}/line-items`, { headers: auth() })
    return { id: data.payment_id, itemId: lines.items[0].items_id, data }
  },

  refundInput(payment, key, minor) {
    return { amount: { value: (minor / 100).toFixed(2), precision: 20 }, currency_code: "usd", data: payment.data, context: { idempotency_key: key } }
  },

  checkRaw: (body) => typeof body.refund_id === "string",

  /** Dodo documents no idempotency header: the provider sends none either. */
  rawRefund(url, payment, key, minor) {
    return { method: "POST", url: `${url}/refunds`, headers: { ...auth(), "Content-Type": "application/json" }, body: refundBody(payment, key, minor) }
  },

  e2e: {
    providerId: "pp_dodo_dodo",
    refundPathPattern: "^/refunds$",
    env: (url) => {
      registerTs() // run.js's process: the emulator's signing secret, set as a deployment would
      const { DEFAULT_DODO_WEBHOOK_SECRET } = require(path.join(ROOT, "src/emulators/dodo/index.ts"))
      return { DODO_ENVIRONMENT: url, DODO_API_KEY: API_KEY, DODO_PRODUCT_ID: PRODUCT_ID, DODO_WEBHOOK_SECRET: DEFAULT_DODO_WEBHOOK_SECRET }
    },
    sessionData: () => undefined,
    /**
     * Hosted checkout: the customer pays on the emulator's page, the storefront completes the cart
     * (authorizePayment finds the payment at Dodo, captured). The emulator runs in another process and
     * has no webhook URL, so no webhook (payment or refund) reaches the app. Runs in the jest process.
     */
    async placeCapturedOrder(api, store) {
      const { payWithDodoHostedCheckout } = require(path.join(ROOT, "integration-tests/helpers/dodo"))
      return (await payWithDodoHostedCheckout(api, store)).payment
    },
  },

  sdk: {
    name: "dodopayments",
    check: (res) => typeof res?.refund_id === "string",
    /** dodopayments 2.52 (Stainless, fetch-based) takes `baseURL`; retries off, as for ours here. */
    async create(url) {
      let DodoPayments
      try {
        DodoPayments = require("dodopayments").default ?? require("dodopayments")
      } catch {
        return { skip: "dodopayments is not installed (npm install -D dodopayments)" }
      }
      const client = new DodoPayments({ bearerToken: API_KEY, baseURL: url, maxRetries: 0 })
      return { refund: (payment, key, minor) => client.refunds.create(refundBody(payment, key, minor)) }
    },
  },
}
