"use strict"
/**
 * ProcessOut as a bench entry: see clover.js for what an entry holds. ProcessOut's Node library
 * (processout on npm) is not measured here: the bench compares the official SDKs of
 * Checkout.com, Dodo and Clover only (BENCHMARKS.md, Targets).
 */
const path = require("path")
const { ROOT } = require("../lib/ts")
const { silentLogger } = require("../lib/common")
const { paymentThroughProvider } = require("../lib/provider-flow")

const PROJECT_ID = "test-proj_emulator"
const PROJECT_SECRET = "key_sandbox_emulator"
const BASIC = Buffer.from(`${PROJECT_ID}:${PROJECT_SECRET}`).toString("base64")
const auth = () => ({ Authorization: `Basic ${BASIC}`, "API-Version": "1.4.0.0", Accept: "application/json" })

let setupProvider
let cardSeq = 0

module.exports = {
  name: "processout",
  label: "ProcessOut",
  provider: { module: "src/providers/processout/service.ts", className: "ProcessOutProviderService" },
  emulator: { module: "src/emulators/processout/index.ts", className: "ProcessOutEmulator" },
  // Recorded pending: refundPayment does not read the transaction to see the refund counted; the
  // plugin's ledger sync after the refund marks it succeeded (src/providers/processout/README.md).
  refundStatuses: ["pending"],
  sdkNote: "the bench compares official SDKs for Checkout.com, Dodo and Clover only",

  createProvider(url, logger, cradle = {}) {
    const { ProcessOutProviderService } = require(path.join(ROOT, this.provider.module))
    return new ProcessOutProviderService({ logger, ...cradle }, { projectId: PROJECT_ID, projectSecret: PROJECT_SECRET, environment: url, captureMode: "manual" })
  },

  async createPayment(url) {
    setupProvider ??= this.createProvider(url, silentLogger)
    const data = await paymentThroughProvider(setupProvider, {
      amount: "500.00",
      sessionData: { source: `card_test_ok_bench${process.pid}x${++cardSeq}` },
      earlierRefunds: ["12.34", "5.00"],
      // What Medusa holds once the plugin's ledger sync has run after each refund (statuses settled).
      ready: (data) => setupProvider.syncRefundLedger(data),
    })
    return { id: data.invoice_id, data }
  },

  refundInput(payment, key, minor) {
    return { amount: { value: (minor / 100).toFixed(2), precision: 20 }, currency_code: "usd", data: payment.data, context: { idempotency_key: key } }
  },

  checkRaw: (body) => body?.success === true,

  rawRefund(url, payment, key, minor) {
    return {
      method: "POST",
      url: `${url}/invoices/${payment.id}/refunds`,
      headers: { ...auth(), "Idempotency-Key": key, "Content-Type": "application/json" },
      body: {
        amount: (minor / 100).toFixed(2),
        reason: "customer_request",
        metadata: { medusa_refund_id: key, ...(payment.data.session_id ? { session_id: String(payment.data.session_id) } : {}) },
      },
    }
  },

  e2e: {
    providerId: "pp_processout_processout",
    refundPathPattern: "^/(invoices|transactions)/[^/]+/refunds$",
    env: (url) => ({ PROCESSOUT_ENVIRONMENT: url, PROCESSOUT_PROJECT_ID: PROJECT_ID, PROCESSOUT_PROJECT_SECRET: PROJECT_SECRET, PROCESSOUT_CAPTURE_MODE: "manual" }),
    sessionData: () => ({ source: `card_test_ok_e2e${process.pid}x${++cardSeq}` }),
  },

  sdk: null,
}
