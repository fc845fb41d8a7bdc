#!/usr/bin/env node
"use strict"
/**
 * Part 5: memory over 10,000 refunds in ONE process (run with --expose-gc).
 *   node --expose-gc bench/memory.js --processor clover --url http://127.0.0.1:PORT
 *        [--contender provider|raw] [--refunds 10000] [--concurrency 4] [--out file.json]
 * Refunds go in batches: reset the emulator, make the batch's payments, refund them. After
 * warm-up batches (3,000 refunds), a forced GC, then the baseline (RSS, heap used, external);
 * after the last batch, a forced GC and the final reading. A reading every 2,000 refunds shows
 * the trend: a leak climbs reading after reading, a warm-up does not.
 */
const axios = require("axios")
const { registerTs } = require("./lib/ts")
const { parseArgs, keyMaker, writeResult } = require("./lib/common")
const { buildContenders, makePayments, Lane, paymentsFor, refundMinor } = require("./lib/contenders")
const { pool } = require("./lib/stats")
const { processors } = require("./processors")

const args = parseArgs(process.argv.slice(2))
const REFUNDS = Number(args.refunds ?? 10_000)
const CONCURRENCY = Number(args.concurrency ?? 4)
const BATCH = Number(args.batch ?? 500)
const WARMUP_BATCHES = Number(args["warmup-batches"] ?? 6)
const CONTENDER = String(args.contender ?? "provider")
const MB = 1024 * 1024

async function settle() {
  if (!global.gc) throw new Error("run with --expose-gc")
  for (let i = 0; i < 4; i++) {
    global.gc()
    await new Promise((r) => setImmediate(r))
  }
  await new Promise((r) => setTimeout(r, 100))
  global.gc()
  const m = process.memoryUsage()
  return { rss: m.rss / MB, heapUsed: m.heapUsed / MB, heapTotal: m.heapTotal / MB, external: m.external / MB }
}

async function main() {
  registerTs()
  const entry = processors().find((p) => p.name === args.processor)
  const url = String(args.url)
  const { contenders } = await buildContenders(entry, url)
  const c = contenders.find((x) => x.id === CONTENDER)
  if (!c) throw new Error(`no contender ${CONTENDER}`)
  const nextKey = keyMaker("MEM")

  async function batch(n) {
    await axios.post(`${url}/__emulator/reset`)
    const payments = await makePayments(entry, url, paymentsFor(n, CONCURRENCY))
    const lanes = Array.from({ length: CONCURRENCY }, () => new Lane(payments))
    await pool(n, CONCURRENCY, (i, w) => c.call(lanes[w].take(), nextKey(), refundMinor(entry, i)))
  }

  // Warm-up: JIT, sockets, lazily loaded modules, and the allocator's pools up to their steady
  // size (the payments made between refunds cost native memory that malloc keeps, provider or not).
  for (let i = 0; i < WARMUP_BATCHES; i++) await batch(BATCH)
  const before = await settle()
  const trend = []
  const started = performance.now()
  for (let done = 0; done < REFUNDS; done += BATCH) {
    await batch(Math.min(BATCH, REFUNDS - done))
    if ((done + BATCH) % 2000 === 0 || done + BATCH >= REFUNDS) {
      const m = process.memoryUsage()
      trend.push({ refunds: Math.min(done + BATCH, REFUNDS), rss: m.rss / MB, heapUsed: m.heapUsed / MB })
    }
  }
  const seconds = (performance.now() - started) / 1000
  const after = await settle()
  writeResult(args.out, {
    processor: entry.name,
    contender: CONTENDER,
    refunds: REFUNDS,
    concurrency: CONCURRENCY,
    seconds,
    before,
    after,
    growth: {
      rss: after.rss - before.rss,
      heapUsed: after.heapUsed - before.heapUsed,
      external: after.external - before.external,
    },
    trend,
  })
}

main().catch((e) => {
  process.stderr.write(`[bench:memory] ${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})
