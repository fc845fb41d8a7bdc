#!/usr/bin/env node
"use strict"
/**
 * Parts 1 and 2 of the bench, for ONE processor, in its own process: refundPayment through
 * our provider vs the same refund as a bare axios POST vs the official SDK (where one is
 * installed), against the processor's emulator (another process).
 *
 *   node bench/wire.js --processor clover --url http://127.0.0.1:PORT [--rounds 5]
 *        [--latency 300] [--warmup 200] [--throughput 2000] [--concurrency 32] [--out file.json]
 *        [--only provider,raw,...]
 *
 * Payments: every round starts from a reset emulator. Each contender gets its own pool of
 * captured charges made before the clock starts, each with a short ledger that matches the
 * processor (two earlier refunds); a charge takes REFUNDS_PER_PAYMENT small refunds (1-4
 * minor units, fresh idempotency key each) and the provider's returned data is carried to the
 * next refund, as Medusa does, so a ledger never holds more than 6 entries. Concurrent
 * refunds never share a charge (one lane per worker).
 *
 * Latency: one request at a time, contenders interleaved request by request in a rotating
 * order. Throughput: `concurrency` in flight, contenders alternated in blocks. Per-round
 * figures are kept; the summary is the median across rounds (ratios paired within a round).
 */
const axios = require("axios")
const { registerTs } = require("./lib/ts")
const { parseArgs, keyMaker, writeResult } = require("./lib/common")
const { buildContenders, makePayments, Lane, paymentsFor, refundMinor, REFUNDS_PER_PAYMENT } = require("./lib/contenders")
const { percentile, median, pool } = require("./lib/stats")
const { processors } = require("./processors")

const args = parseArgs(process.argv.slice(2))
const ROUNDS = Number(args.rounds ?? 5)
const LATENCY_N = Number(args.latency ?? 300)
const WARMUP_N = Number(args.warmup ?? 200)
const TPUT_N = Number(args.throughput ?? 2000)
const CONCURRENCY = Number(args.concurrency ?? 32)
const TPUT_BLOCKS = Number(args.blocks ?? 4)
const LATENCY_BLOCK = Number(args["latency-block"] ?? 100)
const ONLY = args.only ? String(args.only).split(",") : null

async function main() {
  registerTs()
  const entry = processors().find((p) => p.name === args.processor)
  if (!entry || entry.planned) throw new Error(`no bench entry for processor ${args.processor}`)
  const url = String(args.url)
  const nextKey = keyMaker("BENCH")
  const minorFor = (i) => refundMinor(entry, i)
  const { contenders, sdkNote } = await buildContenders(entry, url)
  const active = ONLY ? contenders.filter((c) => ONLY.includes(c.id)) : contenders

  const reset = () => axios.post(`${url}/__emulator/reset`)
  const rotate = (i) => active.map((_, j) => active[(((i + j) % active.length) + active.length) % active.length])
  const perBlock = Math.ceil(TPUT_N / TPUT_BLOCKS)
  let setupMs = 0
  /** Resets the emulator (it keeps its state small) and makes `count` payments per contender. */
  async function freshPayments(contenders, count) {
    const t0 = performance.now()
    await reset()
    const out = {}
    for (const c of contenders) out[c.id] = await makePayments(entry, url, count)
    setupMs += performance.now() - t0
    return out
  }

  const rounds = []
  for (let round = 0; round < ROUNDS; round++) {
    setupMs = 0
    const lat = Object.fromEntries(active.map((c) => [c.id, []]))
    const tputMs = Object.fromEntries(active.map((c) => [c.id, 0]))

    // latency at concurrency 1, request by request, rotating who goes first; warm-up first
    // (JIT, sockets), not recorded. Sub-blocks of LATENCY_BLOCK, each on a freshly reset emulator.
    const warm = round === 0 ? WARMUP_N : Math.ceil(WARMUP_N / 4)
    for (let done = -warm; done < LATENCY_N; ) {
      const n = done < 0 ? Math.min(-done, LATENCY_BLOCK) : Math.min(LATENCY_N - done, LATENCY_BLOCK)
      const payments = await freshPayments(active, paymentsFor(n, 1))
      const lanes = Object.fromEntries(active.map((c) => [c.id, new Lane(payments[c.id])]))
      for (let i = 0; i < n; i++) {
        for (const c of rotate(i + done)) {
          const payment = lanes[c.id].take()
          const key = nextKey()
          const t0 = performance.now()
          await c.call(payment, key, minorFor(i))
          if (done >= 0) lat[c.id].push(performance.now() - t0)
        }
      }
      done += n
    }

    // throughput at CONCURRENCY in flight; blocks alternated between contenders, each block
    // on a freshly reset emulator with its own payments (one lane per worker)
    for (let b = 0; b < TPUT_BLOCKS; b++) {
      for (const c of rotate(b + round)) {
        const payments = (await freshPayments([c], paymentsFor(perBlock, CONCURRENCY)))[c.id]
        const workers = Array.from({ length: CONCURRENCY }, () => new Lane(payments))
        tputMs[c.id] += await pool(perBlock, CONCURRENCY, (i, w) => c.call(workers[w].take(), nextKey(), minorFor(i)))
      }
    }

    const r = {}
    for (const c of active) {
      r[c.id] = {
        p50: percentile(lat[c.id], 50),
        p99: percentile(lat[c.id], 99),
        mean: lat[c.id].reduce((a, b) => a + b, 0) / lat[c.id].length,
        opsPerSec: (perBlock * TPUT_BLOCKS) / (tputMs[c.id] / 1000),
      }
    }
    rounds.push(r)
    process.stderr.write(
      `[bench:${entry.name}] round ${round + 1}/${ROUNDS} (untimed setup ${(setupMs / 1000).toFixed(1)} s): ` +
        active.map((c) => `${c.id} p50 ${r[c.id].p50.toFixed(3)} ms ${Math.round(r[c.id].opsPerSec)}/s`).join(" | ") +
        "\n"
    )
  }

  const summary = {}
  for (const c of active) {
    summary[c.id] = {
      label: c.label,
      diagnostic: !!c.diagnostic,
      p50: median(rounds.map((r) => r[c.id].p50)),
      p99: median(rounds.map((r) => r[c.id].p99)),
      mean: median(rounds.map((r) => r[c.id].mean)),
      opsPerSec: median(rounds.map((r) => r[c.id].opsPerSec)),
    }
  }
  // provider / other, paired within each round, then the median over rounds
  const ratios = {}
  if (summary.provider) {
    for (const c of active) {
      if (c.id === "provider") continue
      const p50 = rounds.map((r) => r.provider.p50 / r[c.id].p50)
      const p99 = rounds.map((r) => r.provider.p99 / r[c.id].p99)
      const tput = rounds.map((r) => r.provider.opsPerSec / r[c.id].opsPerSec)
      ratios[c.id] = {
        p50: median(p50),
        p99: median(p99),
        opsPerSec: median(tput),
        p50Range: [Math.min(...p50), Math.max(...p50)],
        opsPerSecRange: [Math.min(...tput), Math.max(...tput)],
      }
    }
  }
  writeResult(args.out, {
    processor: entry.name,
    label: entry.label,
    settings: {
      rounds: ROUNDS,
      latencyPerRound: LATENCY_N,
      warmup: WARMUP_N,
      throughputPerRound: perBlock * TPUT_BLOCKS,
      concurrency: CONCURRENCY,
      refundsPerPayment: REFUNDS_PER_PAYMENT,
    },
    sdkNote,
    rounds,
    summary,
    ratios,
  })
}

main().catch((e) => {
  process.stderr.write(`[bench] ${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})
