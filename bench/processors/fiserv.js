"use strict"
/** Fiserv Commerce Hub as a bench entry: see clover.js for what an entry holds. No official Node SDK on npm. */
const crypto = require("crypto")
const path = require("path")
const { ROOT } = require("../lib/ts")
const { silentLogger } = require("../lib/common")
const { paymentThroughProvider } = require("../lib/provider-flow")

const OPTIONS = { apiKey: "emulator_fiserv_api_key", apiSecret: "emulator_fiserv_api_secret", merchantId: "100008000003683", terminalId: "10000001" }

let setupProvider
let tokenSeq = 0

/** Commerce Hub's HMAC auth, as any client must send it (Api-Key, Client-Request-Id, Timestamp, signature). */
function signedHeaders(bodyText) {
  const clientRequestId = crypto.randomUUID()
  const timestamp = String(Date.now())
  const signature = crypto.createHmac("sha256", OPTIONS.apiSecret).update(OPTIONS.apiKey + clientRequestId + timestamp + (bodyText ?? "")).digest("base64")
  return {
    "Api-Key": OPTIONS.apiKey,
    "Client-Request-Id": clientRequestId,
    Timestamp: timestamp,
    "Auth-Token-Type": "HMAC",
    Authorization: signature,
    Accept: "application/json",
    ...(bodyText !== undefined ? { "Content-Type": "application/json" } : {}),
  }
}

/** The body is signed, so it is sent as the exact text that was signed. */
function signedRequest(url, body) {
  const text = JSON.stringify(body)
  return { method: "POST", url, headers: signedHeaders(text), body: text }
}

/** Closes the emulator's open batch over its control API (POST /__emulator/settle). */
async function settleBatch(url) {
  const res = await fetch(`${url}/__emulator/settle`, { method: "POST" })
  if (!res.ok) throw new Error(`POST /__emulator/settle answered ${res.status}`)
}

module.exports = {
  name: "fiserv",
  label: "Fiserv Commerce Hub",
  provider: { module: "src/providers/fiserv/service.ts", className: "FiservProviderService" },
  emulator: { module: "src/emulators/fiserv/index.ts", className: "FiservEmulator" },
  sdkNote: "Fiserv publishes no Commerce Hub SDK for Node on npm",

  createProvider(url, logger, cradle = {}) {
    const { FiservProviderService } = require(path.join(ROOT, this.provider.module))
    return new FiservProviderService({ logger, ...cradle }, { ...OPTIONS, environment: url, captureMode: "manual" })
  },

  async createPayment(url) {
    setupProvider ??= this.createProvider(url, silentLogger)
    const data = await paymentThroughProvider(setupProvider, {
      amount: "500.00",
      sessionData: { payment_token: `fiserv_tok_ok_bench_${process.pid}_${++tokenSeq}` },
      // Fiserv refunds a charge once its batch has settled (before, only a cancel returns money).
      afterCapture: () => settleBatch(url),
      earlierRefunds: ["12.34", "5.00"],
    })
    return { id: data.capture_transaction_id || data.transaction_id, data }
  },

  refundInput(payment, key, minor) {
    return { amount: { value: (minor / 100).toFixed(2), precision: 20 }, currency_code: "usd", data: payment.data, context: { idempotency_key: key } }
  },

  checkRaw: (body, minor) => Number(body?.paymentReceipt?.approvedAmount?.total) * 100 === minor || !!body?.gatewayResponse,

  rawRefund(url, payment, key, minor) {
    return signedRequest(`${url}/payments/v1/refunds`, {
      amount: { total: Number((minor / 100).toFixed(2)), currency: "USD" },
      referenceTransactionDetails: { referenceTransactionId: payment.id },
      transactionDetails: { captureFlag: true, merchantTransactionId: key },
      merchantDetails: { merchantId: OPTIONS.merchantId, terminalId: OPTIONS.terminalId },
    })
  },

  e2e: {
    providerId: "pp_fiserv_fiserv",
    refundPathPattern: "^/payments/v1/(refunds|charges/.+/refund)$",
    env: (url) => ({ FISERV_ENVIRONMENT: url, FISERV_API_KEY: OPTIONS.apiKey, FISERV_API_SECRET: OPTIONS.apiSecret, FISERV_CAPTURE_MODE: "manual" }),
    sessionData: () => ({ payment_token: `fiserv_tok_ok_e2e_${process.pid}_${++tokenSeq}` }),
    afterCapture: (url) => settleBatch(url),
  },

  sdk: null,
}
