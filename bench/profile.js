#!/usr/bin/env node
"use strict"
/**
 * CPU profile of the refund calls only (setup excluded): the V8 profiler (node:inspector)
 * runs while `--n` refunds go through one contender at `--concurrency`, against an
 * emulator in another process. Writes .cache/bench/profiles/<processor>-<contender>.cpuprofile
 * (open it in Chrome DevTools) and prints where the time went.
 *
 *   node bench/profile.js --processor clover --url http://127.0.0.1:PORT [--contender provider]
 *        [--n 4000] [--concurrency 32] [--out summary.json]
 */
const fs = require("fs")
const path = require("path")
const inspector = require("inspector")
const axios = require("axios")
const { registerTs, ROOT } = require("./lib/ts")
const { parseArgs, keyMaker, writeResult } = require("./lib/common")
const { buildContenders, makePayments, Lane, paymentsFor, refundMinor } = require("./lib/contenders")
const { pool } = require("./lib/stats")
const { summarise } = require("./lib/profile-summary")
const { processors } = require("./processors")

const args = parseArgs(process.argv.slice(2))
const N = Number(args.n ?? 4000)
const CONCURRENCY = Number(args.concurrency ?? 32)
const CONTENDER = String(args.contender ?? "provider")

function post(session, method, params = {}) {
  return new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))))
}

/** Groups self time by where the code lives. */
function categorise(file) {
  const s = summarise(file, { top: 100000 })
  const groups = {}
  for (const row of s.self) {
    const f = row.fn
    let g = "other"
    if (f.startsWith("(idle)")) g = "idle (waiting for the emulator)"
    else if (f.startsWith("(garbage collector)")) g = "garbage collector"
    else if (/ nm\/axios\/| nm\/follow-redirects\/| nm\/proxy-from-env\/| nm\/form-data\//.test(f)) g = "axios (+follow-redirects)"
    else if (/ nm\/zod\//.test(f)) g = "zod (answer schemas)"
    else if (/ nm\/bignumber\.js\//.test(f)) g = "bignumber.js (money, planner)"
    else if (/ nm\/clover-ecomm-sdk\//.test(f)) g = "official SDK code"
    else if (/ src\//.test(f)) g = "our code (src/)"
    else if (/ bench\//.test(f)) g = "bench harness"
    else if (/node:|^\w+$|^\(program\)|^\(root\)|^writev|^writeLatin1String|^writeUtf8String|^parse|^stringify/.test(f)) g = "node core (http, net, streams, JSON)"
    groups[g] = (groups[g] ?? 0) + row.ms
  }
  return { totalMs: s.totalMs, groups: Object.entries(groups).sort((a, b) => b[1] - a[1]), top: s.self.slice(0, 30), inclusive: summarise(file, { top: 40 }).inclusive }
}

async function main() {
  registerTs()
  const entry = processors().find((p) => p.name === args.processor)
  const url = String(args.url)
  const { contenders } = await buildContenders(entry, url)
  const c = contenders.find((x) => x.id === CONTENDER)
  if (!c) throw new Error(`no contender ${CONTENDER}`)
  const nextKey = keyMaker("PROF")

  // warm-up outside the profile
  await axios.post(`${url}/__emulator/reset`)
  let payments = await makePayments(entry, url, paymentsFor(400, CONCURRENCY))
  let lanes = Array.from({ length: CONCURRENCY }, () => new Lane(payments))
  await pool(400, CONCURRENCY, (i, w) => c.call(lanes[w].take(), nextKey(), refundMinor(entry, i)))

  await axios.post(`${url}/__emulator/reset`)
  payments = await makePayments(entry, url, paymentsFor(N, CONCURRENCY))
  lanes = Array.from({ length: CONCURRENCY }, () => new Lane(payments))
  if (global.gc) global.gc()

  const session = new inspector.Session()
  session.connect()
  await post(session, "Profiler.enable")
  await post(session, "Profiler.setSamplingInterval", { interval: 100 })
  await post(session, "Profiler.start")
  const cpu0 = process.cpuUsage()
  const ms = await pool(N, CONCURRENCY, (i, w) => c.call(lanes[w].take(), nextKey(), refundMinor(entry, i)))
  const cpu = process.cpuUsage(cpu0)
  const { profile } = await post(session, "Profiler.stop")
  session.disconnect()

  const dir = path.join(ROOT, ".cache", "bench", "profiles")
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${entry.name}-${CONTENDER}-c${CONCURRENCY}.cpuprofile`)
  fs.writeFileSync(file, JSON.stringify(profile))
  const summary = categorise(file)
  writeResult(args.out, {
    processor: entry.name,
    contender: CONTENDER,
    n: N,
    concurrency: CONCURRENCY,
    wallMs: ms,
    opsPerSec: N / (ms / 1000),
    cpuUsPerRefund: (cpu.user + cpu.system) / N,
    profile: path.relative(ROOT, file),
    ...summary,
  })
}

main().catch((e) => {
  process.stderr.write(`[bench:profile] ${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})
