#!/usr/bin/env node
"use strict"
/**
 * NOT part of `npm run bench`: measures the two fixes proposed for the missed wire targets
 * before anyone writes them, by patching a provider INSTANCE at run time (src/ is untouched):
 *   - "node:http": HttpClient's axios instance replaced by a 40-line shim over node:http with
 *     the same keep-alive agent (what src/core/http.ts would do without axios);
 *   - "no pre-read": reconcileBeforeRefund = false (the exactly-once read of the processor's
 *     refunds before each refund skipped; NOT a safe change by itself, see BENCHMARKS.md).
 *
 *   node bench/sketches/what-if.js [--processor clover] [--rounds 3]
 * Starts its own emulator child; interleaved like bench/wire.js; prints medians.
 */
const http = require("http")
const axios = require("axios")
const { registerTs } = require("../lib/ts")
const { parseArgs, keyMaker, silentLogger } = require("../lib/common")
const { startEmulator } = require("../lib/emulator")
const { buildContenders, makePayments, Lane, paymentsFor, refundMinor } = require("../lib/contenders")
const { percentile, median, pool, fmt, fmtInt } = require("../lib/stats")
const { processors } = require("../processors")

const args = parseArgs(process.argv.slice(2))
const ROUNDS = Number(args.rounds ?? 3)
const LATENCY_N = Number(args.latency ?? 200)
const TPUT_N = Number(args.throughput ?? 1000)
const CONCURRENCY = 32

/** What HttpClient asks of axios (request({ method, url, params, data, headers })), over node:http. */
function nodeHttpShim(baseURL, timeoutMs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const base = new URL(baseURL)
  return {
    request(cfg) {
      return new Promise((resolve, reject) => {
        let path = base.pathname.replace(/\/$/, "") + cfg.url
        if (cfg.params) {
          const qs = new URLSearchParams()
          for (const [k, v] of Object.entries(cfg.params)) if (v !== undefined) qs.append(k, String(v))
          const text = qs.toString()
          if (text) path += `?${text}`
        }
        const headers = { ...cfg.headers }
        if (cfg.data !== undefined) headers["Content-Length"] = Buffer.byteLength(cfg.data)
        const req = http.request({ host: base.hostname, port: base.port, path, method: cfg.method, headers, agent }, (res) => {
          let body = ""
          res.setEncoding("utf8")
          res.on("data", (c) => (body += c))
          res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, data: body }))
          res.on("error", reject)
        })
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`timeout of ${timeoutMs}ms exceeded`), { code: "ECONNABORTED" })))
        req.on("error", reject)
        req.end(cfg.data)
      })
    },
  }
}

function httpClientOf(provider) {
  return provider.http ?? provider.api?.http ?? provider.backend?.http
}

async function main() {
  registerTs()
  const entry = processors().find((p) => p.name === (args.processor ?? "clover"))
  const emulator = await startEmulator(entry.emulator)
  const url = emulator.url
  try {
    const { contenders } = await buildContenders(entry, url)
    const base = contenders.filter((c) => ["provider", "raw", "sdk"].includes(c.id))
    const variant = (id, label, patch) => {
      const provider = entry.createProvider(url, silentLogger)
      patch(provider)
      const statuses = entry.refundStatuses ?? ["succeeded"]
      return {
        id,
        label,
        async call(payment, key, minor) {
          const out = await provider.refundPayment(entry.refundInput(payment, key, minor))
          const last = out.data.refunds[out.data.refunds.length - 1]
          if (last.medusa_refund_id !== key || !statuses.includes(last.status)) throw new Error(`${id}: refund not recorded`)
          payment.data = out.data
        },
      }
    }
    const shim = (p) => {
      const client = httpClientOf(p)
      client.axios = nodeHttpShim(url, 15000)
    }
    const all = [
      ...base,
      variant("http", "provider, HttpClient over node:http", shim),
      variant("noread", "provider, no pre-read", (p) => (p.reconcileBeforeRefund = false)),
      variant("both", "provider, node:http + no pre-read", (p) => (shim(p), (p.reconcileBeforeRefund = false))),
    ]
    const nextKey = keyMaker("WHATIF")
    const rotate = (i) => all.map((_, j) => all[(i + j) % all.length])
    const rounds = []
    for (let round = 0; round < ROUNDS; round++) {
      const lat = Object.fromEntries(all.map((c) => [c.id, []]))
      const ops = {}
      for (let done = -100; done < LATENCY_N; done += 100) {
        await axios.post(`${url}/__emulator/reset`)
        const lanes = {}
        for (const c of all) lanes[c.id] = new Lane(await makePayments(entry, url, paymentsFor(100, 1)))
        for (let i = 0; i < 100; i++) {
          for (const c of rotate(i + round)) {
            const p = lanes[c.id].take()
            const t0 = performance.now()
            await c.call(p, nextKey(), refundMinor(entry, i))
            if (done >= 0) lat[c.id].push(performance.now() - t0)
          }
        }
      }
      for (const c of rotate(round)) {
        await axios.post(`${url}/__emulator/reset`)
        const payments = await makePayments(entry, url, paymentsFor(TPUT_N, CONCURRENCY))
        const lanes = Array.from({ length: CONCURRENCY }, () => new Lane(payments))
        const ms = await pool(TPUT_N, CONCURRENCY, (i, w) => c.call(lanes[w].take(), nextKey(), refundMinor(entry, i)))
        ops[c.id] = TPUT_N / (ms / 1000)
      }
      rounds.push(Object.fromEntries(all.map((c) => [c.id, { p50: percentile(lat[c.id], 50), ops: ops[c.id] }])))
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`)
    }
    console.log(`\n${entry.label}, median of ${ROUNDS} rounds (ratios to bare axios, paired per round)\n`)
    console.log("| contender | p50 ms | refunds/s @32 | p50 / bare axios | refunds/s / bare axios |")
    console.log("|---|---:|---:|---:|---:|")
    for (const c of all) {
      const p50 = median(rounds.map((r) => r[c.id].p50))
      const ops = median(rounds.map((r) => r[c.id].ops))
      const rp = median(rounds.map((r) => r[c.id].p50 / r.raw.p50))
      const ro = median(rounds.map((r) => r[c.id].ops / r.raw.ops))
      console.log(`| ${c.label} | ${fmt(p50, 3)} | ${fmtInt(ops)} | ${fmt(rp)}x | ${fmt(ro)}x |`)
    }
  } finally {
    await emulator.stop()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
