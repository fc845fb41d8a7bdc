"use strict"
/**
 * Clover, as a bench entry. Every processor is one file like this one, listed in
 * processors/index.js. What an entry gives:
 *   name, label                        display
 *   provider: { module, className }    our provider (src/providers/<name>/service.ts)
 *   emulator: { module, className }    its emulator, run in a child process
 *   createProvider(url, logger, cradle) an instance pointed at the emulator (cradle: extra
 *                                      container entries, e.g. Medusa's refund records)
 *   createPayment(url)                 a fresh captured charge at the emulator and the payment
 *                                      data Medusa holds for it (a short ledger that matches the
 *                                      processor: two earlier refunds); lib/provider-flow.js makes
 *                                      one through the provider itself
 *   refundInput(payment, key, minor)   refundPayment's input, the amount as Medusa passes it
 *   rawRefund(url, payment, key, minor) the same refund as ONE bare HTTP request (same route,
 *                                      body, auth, idempotency key); checkRaw(body, minor) reads
 *                                      its answer (default: body.amount === minor)
 *   rawProviderRequests(url, payment, key, minor)  optional: every request our provider sends
 *                                      for one refund (the diagnostic row, not a target)
 *   refundStatuses                     ledger statuses a sent refund may have (default succeeded)
 *   refundMinor(i)                     optional: the i-th refund's minor units (default 1-4)
 *   e2e: { providerId, refundPathPattern, env(url), sessionData() }  the end-to-end part, or null;
 *                                      optional placeCapturedOrder(api, store): a captured order's
 *                                      Medusa payment, for a checkout placeOrder + capture cannot do
 *   sdk: { name, create(url), check(res, minor) }  optional: the official SDK making the same
 *                                      call (create may answer { skip: "why" }); or sdkNote
 */
const crypto = require("crypto")
const path = require("path")
const http = require("http")
const axios = require("axios")
const { ROOT } = require("../lib/ts")

const API_KEY = "emulator_clover_key"
/** Each payment is a 500.00 USD charge; the bench refunds a few cents at a time. */
const CHARGE_MINOR = 50_000
const EARLIER_REFUNDS_MINOR = [1234, 500]

const setupClient = axios.create({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 16 }) })

function authHeaders() {
  return { Authorization: `Bearer ${API_KEY}`, Accept: "application/json", "Content-Type": "application/json" }
}

/** The provider's refund tag (external_reference_id), when this version of the provider sends one. */
function refundTag(key) {
  const transformers = require(path.join(ROOT, "src/providers/clover/transformers.ts"))
  return typeof transformers.cloverRefundTag === "function" ? transformers.cloverRefundTag(key) : undefined
}

function refundBody(payment, key, minor) {
  const tag = refundTag(key)
  return {
    charge: payment.id,
    amount: minor,
    reason: "requested_by_customer",
    ...(tag ? { external_reference_id: tag } : {}),
  }
}

module.exports = {
  name: "clover",
  label: "Clover",
  provider: { module: "src/providers/clover/service.ts", className: "CloverProviderService" },
  emulator: { module: "src/emulators/clover/index.ts", className: "CloverEmulator" },

  createProvider(url, logger, cradle = {}) {
    const { CloverProviderService } = require(path.join(ROOT, this.provider.module))
    return new CloverProviderService({ logger, ...cradle }, { apiKey: API_KEY, environment: url, captureMode: "manual" })
  },

  async createPayment(url) {
    const headers = authHeaders()
    const sessionId = `payses_${crypto.randomBytes(13).toString("hex").toUpperCase()}`
    const { data: charge } = await setupClient.post(
      `${url}/v1/charges`,
      {
        amount: CHARGE_MINOR,
        currency: "usd",
        source: `clv_bench_${crypto.randomBytes(8).toString("hex")}`,
        capture: true,
        ecomind: "ecom",
        metadata: { session_id: sessionId },
      },
      { headers: { ...headers, "idempotency-key": crypto.randomUUID(), "x-forwarded-for": "203.0.113.7" } }
    )
    const refunds = []
    for (const amount of EARLIER_REFUNDS_MINOR) {
      const key = `ref_${crypto.randomBytes(13).toString("hex").toUpperCase()}`
      const { data: refund } = await setupClient.post(`${url}/v1/refunds`, refundBody({ id: charge.id }, key, amount), {
        headers: { ...headers, "idempotency-key": key },
      })
      refunds.push({
        processor_refund_id: refund.id,
        medusa_refund_id: key,
        amount_minor: String(amount),
        requested_amount: (amount / 100).toFixed(2),
        status: "succeeded",
        origin: "medusa",
        created_at: new Date().toISOString(),
      })
    }
    const refunded = String(EARLIER_REFUNDS_MINOR.reduce((a, b) => a + b, 0))
    return {
      id: charge.id,
      data: {
        session_id: sessionId,
        customer_ip: "203.0.113.7",
        processor: "clover",
        environment: "custom",
        currency: "usd",
        charge_id: charge.id,
        charge_status: charge.status,
        amount_minor: String(CHARGE_MINOR),
        captured_minor: String(CHARGE_MINOR),
        processor_refunded_minor: refunded,
        authorization_reversed: false,
        capture_key: `capt_${crypto.randomBytes(13).toString("hex").toUpperCase()}`,
        refunded_minor: refunded,
        refunds,
      },
    }
  },

  /** What Medusa's refund workflow hands the provider: a raw BigNumber and the refund id. */
  refundInput(payment, key, minor) {
    return {
      amount: { value: (minor / 100).toFixed(2), precision: 20 },
      currency_code: "usd",
      data: payment.data,
      context: { idempotency_key: key },
    }
  },

  rawRefund(url, payment, key, minor) {
    return {
      method: "POST",
      url: `${url}/v1/refunds`,
      headers: { ...authHeaders(), "idempotency-key": key },
      body: refundBody(payment, key, minor),
    }
  },

  /** End to end through Medusa: the provider id, medusa-config's env, the storefront's session data. */
  e2e: {
    providerId: "pp_clover_clover",
    refundPathPattern: "^/v1/refunds$",
    env: (url) => ({ CLOVER_ENVIRONMENT: url, CLOVER_API_KEY: API_KEY, CLOVER_CAPTURE_MODE: "manual", CLOVER_DEFAULT_CLIENT_IP: "203.0.113.7" }),
    sessionData: () => ({ source: `clv_bench_${crypto.randomBytes(8).toString("hex")}` }),
  },

  sdk: {
    name: "clover-ecomm-sdk",
    /**
     * clover-ecomm-sdk 1.0.0 takes a custom host (setHost(host, port, "http")). It has no
     * idempotency option (its options are api_key, clover_account, clover_version), so the
     * key goes in through the resource's requestDataProcessor hook: the request on the wire
     * is then the same as ours and the raw one.
     */
    create(url) {
      let Clover
      try {
        Clover = require("clover-ecomm-sdk")
      } catch {
        return { skip: "clover-ecomm-sdk is not installed (npm install -D clover-ecomm-sdk)" }
      }
      const u = new URL(url)
      const clover = new Clover(API_KEY, { environment: "sandbox" })
      clover.setHost(u.hostname, u.port, "http")
      clover.refunds.requestDataProcessor = (_method, data, headers, done) => {
        const { __idempotencyKey, ...body } = data
        headers["idempotency-key"] = __idempotencyKey
        done(null, JSON.stringify(body))
      }
      return {
        refund: (payment, key, minor) => clover.refunds.create({ ...refundBody(payment, key, minor), __idempotencyKey: key }),
      }
    },
  },
}
