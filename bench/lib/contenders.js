"use strict"
/**
 * The ways of making one refund that the bench compares, for one processor entry, and the
 * payments they refund: captured charges made at the emulator before the clock starts.
 */
const path = require("path")
const axios = require("axios")
const { silentLogger } = require("./common")
const { registerTs, ROOT } = require("./ts")
const { pool } = require("./stats")

/** Refunds one charge takes before a lane moves to the next (ledger: 2 earlier + up to this). */
const REFUNDS_PER_PAYMENT = 4

/** Captured charges made ahead of the clock. */
async function makePayments(entry, url, count) {
  const out = new Array(count)
  await pool(count, 16, async (i) => {
    out[i] = await entry.createPayment(url)
  })
  return out
}

/** A sequence of refunds on one charge at a time; moves on after REFUNDS_PER_PAYMENT. */
class Lane {
  constructor(payments) {
    this.payments = payments
    this.payment = null
    this.used = REFUNDS_PER_PAYMENT
  }
  take() {
    if (this.used >= REFUNDS_PER_PAYMENT) {
      this.payment = this.payments.pop()
      if (!this.payment) throw new Error("bench bug: payment pool exhausted")
      this.used = 0
    }
    this.used++
    return this.payment
  }
}

/** Payments a phase of n refunds on `lanes` lanes needs. */
function paymentsFor(n, lanes) {
  return Math.ceil(n / REFUNDS_PER_PAYMENT) + lanes + 1
}

/** One bare axios request (axios rejects any status outside 2xx). */
async function send(req) {
  const res = await axios.request({ method: req.method, url: req.url, headers: req.headers, data: req.body })
  return res.data
}

/** The amount (minor units) of the i-th refund: 1-4, which no emulator declines. */
function refundMinor(entry, i) {
  return entry.refundMinor ? entry.refundMinor(i) : 1 + (i % 4)
}

/**
 * provider: refundPayment through our provider (the target);
 * raw:      the same refund as one bare axios POST (same route, body, auth, fresh idempotency key);
 * sdk:      the processor's official SDK, when the entry has one and it is installed;
 * rawAll:   diagnostic, every request our provider sends for one refund, as bare axios calls.
 * Each call checks its answer, so a refused refund stops the bench instead of timing an error.
 */
async function buildContenders(entry, url, { logger = silentLogger } = {}) {
  registerTs()
  // Inside Medusa the provider finds the payment module's refund records in its container, and
  // reads them (one query) to know whether the ledger is current. The bench gives it the same
  // records in memory: the payment's earlier refunds and the one being sent.
  const { MedusaPaymentsDouble } = require(path.join(ROOT, "test/support/medusa-payments.ts"))
  const medusa = new MedusaPaymentsDouble()
  const provider = entry.createProvider(url, logger, medusa.cradle())
  const contenders = [
    {
      id: "provider",
      label: "our provider: refundPayment",
      async call(payment, key, minor) {
        const paymentId = payment.id
        for (const r of payment.data.refunds ?? []) if (r.medusa_refund_id) medusa.addRefundRow(paymentId, r.medusa_refund_id)
        medusa.addRefundRow(paymentId, key)
        const out = await provider.refundPayment(entry.refundInput(payment, key, minor))
        const ledger = out.data.refunds
        const last = ledger[ledger.length - 1]
        const statuses = entry.refundStatuses ?? ["succeeded"]
        if (last.medusa_refund_id !== key || last.amount_minor !== String(minor) || !statuses.includes(last.status)) {
          throw new Error(`provider refund not recorded as expected: ${JSON.stringify(last)}`)
        }
        if (ledger.length > 2 + REFUNDS_PER_PAYMENT) throw new Error(`ledger grew to ${ledger.length} entries`)
        payment.data = out.data // Medusa stores the returned data on the payment
        medusa.payments.set(paymentId, out.data)
        if (ledger.length === 2 + REFUNDS_PER_PAYMENT) medusa.forgetPayment(paymentId) // the lane moves on
      },
    },
    {
      id: "raw",
      label: "bare axios POST",
      async call(payment, key, minor) {
        const body = await send(entry.rawRefund(url, payment, key, minor))
        const ok = entry.checkRaw ? entry.checkRaw(body, minor) : body.amount === minor
        if (!ok) throw new Error(`raw refund answered ${JSON.stringify(body).slice(0, 200)}`)
      },
    },
  ]
  let sdkNote = null
  if (entry.sdk) {
    const sdk = await entry.sdk.create(url)
    if (sdk.skip) sdkNote = sdk.skip
    else {
      contenders.push({
        id: "sdk",
        label: `official SDK (${entry.sdk.name})`,
        async call(payment, key, minor) {
          const res = await sdk.refund(payment, key, minor)
          const ok = entry.sdk.check ? entry.sdk.check(res, minor) : !!res && res.amount === minor
          if (!ok) throw new Error(`SDK refund answered ${JSON.stringify(res).slice(0, 200)}`)
        },
      })
    }
  } else sdkNote = entry.sdkNote ?? "no official SDK on npm"
  if (entry.rawProviderRequests) {
    contenders.push({
      id: "rawAll",
      label: "bare axios, every request the provider sends",
      diagnostic: true,
      async call(payment, key, minor) {
        for (const req of entry.rawProviderRequests(url, payment, key, minor)) await send(req)
      },
    })
  }
  return { contenders, sdkNote, provider }
}

module.exports = { buildContenders, makePayments, Lane, paymentsFor, refundMinor, REFUNDS_PER_PAYMENT }
