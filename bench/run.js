#!/usr/bin/env node
"use strict"
/**
 * `npm run bench [-- options]`: what our providers cost over the wire, against raw HTTP, the
 * official SDKs and Medusa's own provider (targets: TARGETS below). One run, side by side, on the emulators.
 *
 * Each part runs in its own child process and each emulator in another, on 127.0.0.1 only;
 * every loop is bounded by a count and every child by a time limit.
 *   wire    refundPayment via our provider vs a bare axios POST vs the official SDK:
 *           p50/p99 at concurrency 1, throughput at concurrency 32   (bench/wire.js)
 *   money   conversion ops/s and hard cases, ours vs @medusajs/payment-stripe (bench/money.js)
 *   memory  RSS and heap growth over 10,000 refunds in one process   (bench/memory.js)
 *   e2e     admin refund through Medusa's HTTP API, our provider vs pp_system_default
 *           (jest --config bench/jest.e2e.config.js, PostgreSQL from scripts/lib/postgres.js)
 *   profile where a wire target is missed: CPU profile of the refund calls (bench/profile.js)
 *
 * Options:
 *   --quick               fewer rounds and samples (a smoke run, numbers are rough)
 *   --parts a,b           only these parts (wire,money,memory,e2e,profile)
 *   --processors a,b      only these processors
 *   --no-profile          do not profile missed targets
 * Results: printed, and written to .cache/bench/results.json and .cache/bench/results.md.
 */
const fs = require("fs")
const os = require("os")
const path = require("path")
const { execSync } = require("child_process")
const { ROOT } = require("./lib/ts")
const { parseArgs } = require("./lib/common")
const { startEmulator } = require("./lib/emulator")
const { runChild, OUT_DIR } = require("./lib/child")
const { fmt, fmtInt } = require("./lib/stats")
const { processors, unavailable } = require("./processors")

const args = parseArgs(process.argv.slice(2))
const QUICK = !!args.quick
const PARTS = new Set(String(args.parts ?? "wire,money,memory,e2e,profile").split(","))
if (args["no-profile"]) PARTS.delete("profile")
const ONLY_PROCESSORS = args.processors ? String(args.processors).split(",") : null

const SETTINGS = QUICK
  ? { rounds: 2, latency: 100, warmup: 60, throughput: 800, memoryRefunds: 2000, moneyRounds: 3, e2eOrders: 4, e2eRefunds: 3 }
  : { rounds: 5, latency: 300, warmup: 200, throughput: 2000, memoryRefunds: 10_000, moneyRounds: 9, e2eOrders: 12, e2eRefunds: 4 }

const TARGETS = {
  p50Ratio: 1.1,
  tputRatio: 0.9,
  e2eRatio: 1.25,
  conversionOps: 1_000_000,
  rssGrowthMb: 20,
}

const log = (m) => process.stderr.write(`[bench] ${m}\n`)
const sh = (cmd) => {
  try {
    return execSync(cmd, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return "n/a"
  }
}

function machine() {
  return {
    nproc: sh("nproc"),
    cpu: os.cpus()[0]?.model ?? "n/a",
    memory: sh("free -g | sed -n 2p | awk '{print $2\" GiB total, \"$7\" GiB available\"}'"),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAtStart: os.loadavg().map((l) => l.toFixed(2)).join(" "),
    commit: sh("git rev-parse --short HEAD"),
    dirty: sh("git status --porcelain -- src | wc -l"),
    date: new Date().toISOString(),
  }
}

/**
 * One refund through the provider against the emulator, to know it works before timing it;
 * returns the requests it sent (from the emulator's journal).
 */
async function smoke(entry, url) {
  const { registerTs } = require("./lib/ts")
  registerTs()
  const axios = require("axios")
  const { buildContenders, makePayments } = require("./lib/contenders")
  const { contenders } = await buildContenders(entry, url)
  const [payment] = await makePayments(entry, url, 1)
  const journal = async () => (await axios.get(`${url}/__emulator/requests`)).data.requests
  const before = (await journal()).length
  await contenders.find((c) => c.id === "provider").call(payment, `ref_SMOKE${Date.now()}`.padEnd(30, "0"), 1)
  // ids in paths (long segments with digits) shown as {id}
  const path = (p) => p.split("/").map((seg) => (seg.length >= 12 && /\d/.test(seg) ? "{id}" : seg)).join("/")
  return (await journal()).slice(before).map((r) => `${r.method} ${path(r.path)}${Object.keys(r.query ?? {}).length ? `?${Object.keys(r.query).join("&")}` : ""} -> ${r.status}`)
}

const pass = (ok) => (ok ? "PASS" : "MISS")

/** Runs one part; a failure is noted in the report and the run goes on with the next part. */
async function part(results, what, run) {
  try {
    return await run()
  } catch (e) {
    const message = String(e && e.message ? e.message : e).split("\n").slice(0, 6).join(" ")
    results.notes.push(`${what} failed: ${message}`)
    log(`${what} failed: ${e && e.stack ? e.stack : e}`)
    return undefined
  }
}
const x = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : "n/a")

async function main() {
  const started = Date.now()
  const info = machine()
  log(`machine: ${info.nproc} cores (${info.cpu}), ${info.memory}, node ${info.node}, load ${info.loadAtStart}`)
  const results = { machine: info, quick: QUICK, settings: SETTINGS, notes: [], processors: {}, money: null, e2e: null }

  // ---- which processors run
  const runnable = []
  for (const entry of processors()) {
    if (ONLY_PROCESSORS && !ONLY_PROCESSORS.includes(entry.name)) continue
    const why = unavailable(entry)
    if (why) {
      results.notes.push(`${entry.label}: skipped, ${why}`)
      log(`${entry.label}: skipped, ${why}`)
      continue
    }
    runnable.push(entry)
  }

  const emulators = {}
  let pg
  try {
    for (const entry of runnable) {
      try {
        emulators[entry.name] = await startEmulator(entry.emulator)
        const sent = await smoke(entry, emulators[entry.name].url)
        results.processors[entry.name] = { label: entry.label, requestsPerRefund: sent }
        log(`${entry.label}: emulator on ${emulators[entry.name].url} (pid ${emulators[entry.name].pid}); one refund through the provider sends: ${sent.join(", ")}`)
      } catch (e) {
        results.notes.push(`${entry.label}: skipped, the provider does not refund against its emulator yet (${String(e.message).split("\n")[0]})`)
        log(`${entry.label}: skipped: ${e.message}`)
        if (emulators[entry.name]) await emulators[entry.name].stop()
        delete emulators[entry.name]
      }
    }
    const active = runnable.filter((e) => emulators[e.name])

    for (const entry of active) {
      const url = emulators[entry.name].url
      const r = results.processors[entry.name]
      if (PARTS.has("wire")) {
        log(`${entry.label}: wire (${SETTINGS.rounds} rounds)`)
        r.wire = await part(results, `${entry.label} wire`, () => runChild(
          "bench/wire.js",
          ["--processor", entry.name, "--url", url, "--rounds", SETTINGS.rounds, "--latency", SETTINGS.latency, "--warmup", SETTINGS.warmup, "--throughput", SETTINGS.throughput, "--concurrency", 32].map(String),
          { name: `wire-${entry.name}`, timeoutMs: 30 * 60_000 }
        ))
        if (r.wire?.sdkNote) results.notes.push(`${entry.label}: official SDK not measured: ${r.wire.sdkNote}`)
      }
      if (PARTS.has("memory")) {
        r.memory = {}
        // The bare axios baseline (what the harness and axios themselves keep) once, with the first processor.
        const baseline = entry === active[0] ? ["raw"] : []
        for (const contender of ["provider", ...baseline]) {
          log(`${entry.label}: memory, ${SETTINGS.memoryRefunds} refunds (${contender})`)
          r.memory[contender] = await part(results, `${entry.label} memory (${contender})`, () => runChild(
            "bench/memory.js",
            ["--processor", entry.name, "--url", url, "--contender", contender, "--refunds", String(SETTINGS.memoryRefunds)],
            { name: `memory-${entry.name}-${contender}`, nodeArgs: ["--expose-gc"], timeoutMs: 20 * 60_000 }
          ))
        }
      }
      const w = r.wire
      const missed = w && (!(w.ratios.raw?.p50 <= TARGETS.p50Ratio) || !(w.ratios.raw?.opsPerSec >= TARGETS.tputRatio) || (w.ratios.sdk && !(w.ratios.sdk.p50 <= 1 && w.ratios.sdk.opsPerSec >= 1)))
      if (PARTS.has("profile") && (missed || args.profile)) {
        r.profile = {}
        for (const contender of ["provider", "raw", ...(w?.summary?.sdk ? ["sdk"] : [])]) {
          log(`${entry.label}: CPU profile of ${contender} refunds at concurrency 32`)
          r.profile[contender] = await part(results, `${entry.label} profile (${contender})`, () => runChild(
            "bench/profile.js",
            ["--processor", entry.name, "--url", url, "--contender", contender, "--n", QUICK ? "1500" : "4000", "--concurrency", "32"],
            { name: `profile-${entry.name}-${contender}`, timeoutMs: 10 * 60_000 }
          ))
          if (r.profile[contender]) delete r.profile[contender].inclusive
          else delete r.profile[contender]
        }
      }
    }

    if (PARTS.has("money")) {
      log("money conversion")
      results.money = await part(results, "money", () => runChild("bench/money.js", ["--rounds", String(SETTINGS.moneyRounds)], { name: "money", timeoutMs: 10 * 60_000 }))
    }

    if (PARTS.has("e2e") && active.length) {
      const { ensurePostgres, toEnv } = require(path.join(ROOT, "scripts/lib/postgres.js"))
      pg = await part(results, "end to end (PostgreSQL)", () => ensurePostgres({ log: (m) => log(m) }))
      if (pg) {
        log(`e2e: PostgreSQL ${pg.source} ${pg.user}@${pg.host}:${pg.port}; booting Medusa in jest (${SETTINGS.e2eOrders} orders x ${SETTINGS.e2eRefunds} refunds per provider)`)
        for (const e of active.filter((e) => !e.e2e)) results.notes.push(`${e.label}: not in the end-to-end part (its checkout needs a step the bench does not drive yet)`)
        const targets = active.filter((e) => e.e2e).map((e) => ({ name: e.name, url: emulators[e.name].url }))
        for (const t of targets) await emulators[t.name].reset() // the e2e counts the refunds that reach it
        const env = {
          ...process.env,
          ...toEnv(pg),
          DB_HOST: "localhost",
          NODE_ENV: "test",
          LOG_LEVEL: process.env.LOG_LEVEL || "warn",
          NODE_OPTIONS: [process.env.NODE_OPTIONS, "--experimental-vm-modules", "--no-warnings=ExperimentalWarning"].filter(Boolean).join(" "),
          PAYMENT_PROVIDERS: targets.map((t) => t.name).join(","),
          BENCH_E2E_PROCESSORS: JSON.stringify(targets),
          BENCH_E2E_ORDERS: String(SETTINGS.e2eOrders),
          BENCH_E2E_REFUNDS: String(SETTINGS.e2eRefunds),
          BENCH_E2E_OUT: path.join(OUT_DIR, "e2e.json"),
        }
        for (const e of active.filter((e) => e.e2e)) Object.assign(env, e.e2e.env(emulators[e.name].url))
        delete env.DATABASE_URL
        delete env.DB_FORCE_EMBEDDED
        delete env.REDIS_URL
        const jestBin = require.resolve("jest/bin/jest", { paths: [ROOT] })
        results.e2e = await part(results, "end to end", () =>
          runChild("", [], {
            name: "e2e",
            env,
            timeoutMs: 40 * 60_000,
            command: [jestBin, "--config", path.join(ROOT, "bench/jest.e2e.config.js"), "--runInBand", "--ci", "--silent"],
          })
        )
      }
    }
  } finally {
    for (const e of Object.values(emulators)) await e.stop().catch(() => {})
    if (pg) await pg.stop().catch(() => {})
  }

  results.machine.loadAtEnd = os.loadavg().map((l) => l.toFixed(2)).join(" ")
  results.seconds = Math.round((Date.now() - started) / 1000)
  const md = report(results)
  fs.mkdirSync(OUT_DIR, { recursive: true })
  fs.writeFileSync(path.join(OUT_DIR, "results.json"), JSON.stringify(results, null, 2))
  fs.writeFileSync(path.join(OUT_DIR, "results.md"), md)
  process.stdout.write(md)
  log(`done in ${results.seconds} s; results in .cache/bench/results.{md,json}`)
}

/** The printed report: tables of figures and ratios, then the targets with PASS/MISS. */
function report(res) {
  const L = []
  const m = res.machine
  L.push(`# npm run bench${res.quick ? " --quick" : ""}`, "")
  L.push(`Machine: ${m.nproc} cores (${m.cpu}), ${m.memory}, node ${m.node}, ${m.platform}; load average ${m.loadAtStart} at start, ${m.loadAtEnd} at end.`)
  L.push(`Code: ${m.commit}${m.dirty !== "0" ? ` plus ${m.dirty} uncommitted file(s) under src/` : ""}; ${m.date}; ${res.seconds} s.`, "")
  for (const n of res.notes) L.push(`- ${n}`)
  if (res.notes.length) L.push("")
  const targets = []

  for (const [name, p] of Object.entries(res.processors)) {
    const w = p.wire
    if (w) {
      const s = w.settings
      L.push(`## ${p.label}: one refund over the wire`, "")
      if (p.requestsPerRefund) L.push(`One refundPayment sends: ${p.requestsPerRefund.map((q) => `\`${q}\``).join(", ")}.`, "")
      L.push(`Median of ${s.rounds} rounds; each round: ${s.latencyPerRound} refunds per contender at concurrency 1 (interleaved request by request), ${s.throughputPerRound} per contender at concurrency ${s.concurrency} (alternating blocks). Ratios are ours / theirs, paired within a round, median over rounds (range in brackets).`, "")
      L.push("| contender | p50 ms | p99 ms | refunds/s @32 | ours/this p50 | ours/this refunds/s |")
      L.push("|---|---:|---:|---:|---:|---:|")
      for (const [id, v] of Object.entries(w.summary)) {
        const r = w.ratios[id]
        L.push(
          `| ${v.diagnostic ? "_diagnostic:_ " : ""}${v.label} | ${fmt(v.p50, 3)} | ${fmt(v.p99, 3)} | ${fmtInt(v.opsPerSec)} | ${r ? `${x(r.p50)} [${fmt(r.p50Range[0])}-${fmt(r.p50Range[1])}]` : "-"} | ${r ? `${x(r.opsPerSec)} [${fmt(r.opsPerSecRange[0])}-${fmt(r.opsPerSecRange[1])}]` : "-"} |`
        )
      }
      L.push("")
      if (w.ratios.raw) {
        targets.push([`${p.label}: provider p50 <= 1.10x bare axios`, x(w.ratios.raw.p50), w.ratios.raw.p50 <= TARGETS.p50Ratio])
        targets.push([`${p.label}: provider throughput >= 0.9x bare axios`, x(w.ratios.raw.opsPerSec), w.ratios.raw.opsPerSec >= TARGETS.tputRatio])
      }
      if (w.ratios.sdk) {
        targets.push([`${p.label}: no slower than ${w.summary.sdk.label} (p50)`, x(w.ratios.sdk.p50), w.ratios.sdk.p50 <= 1])
        targets.push([`${p.label}: no slower than ${w.summary.sdk.label} (throughput)`, x(w.ratios.sdk.opsPerSec), w.ratios.sdk.opsPerSec >= 1])
      }
    }
    if (p.memory?.provider) {
      L.push(`## ${p.label}: memory over ${fmtInt(p.memory.provider.refunds)} refunds in one process`, "")
      L.push("After forced GC (--expose-gc), before (after a warm-up) and after the refunds.", "")
      L.push("| process | RSS before MB | RSS growth MB | heap used growth MB | V8 heap reserved growth MB | RSS during (every 2,000) |")
      L.push("|---|---:|---:|---:|---:|---|")
      for (const [id, v] of Object.entries(p.memory)) {
        if (!v) continue
        L.push(`| ${id === "provider" ? "our provider" : "bare axios (baseline)"} | ${fmt(v.before.rss, 1)} | ${fmt(v.growth.rss, 2)} | ${fmt(v.growth.heapUsed, 2)} | ${fmt(v.after.heapTotal - v.before.heapTotal, 1)} | ${v.trend.map((t) => fmt(t.rss, 0)).join(", ")} |`)
      }
      L.push("")
      targets.push([`${p.label}: RSS growth < 20 MB over ${fmtInt(p.memory.provider.refunds)} refunds`, `${fmt(p.memory.provider.growth.rss, 2)} MB`, p.memory.provider.growth.rss < TARGETS.rssGrowthMb])
    }
    if (p.profile?.provider) {
      L.push(`## ${p.label}: where the CPU goes (profile of the refund calls only, concurrency 32)`, "")
      const ids = Object.keys(p.profile)
      const groups = [...new Set(ids.flatMap((id) => p.profile[id].groups.map(([g]) => g)))]
      L.push(`| | ${ids.map((id) => id).join(" | ")} |`)
      L.push(`|---|${ids.map(() => "---:").join("|")}|`)
      L.push(`| client CPU per refund (us) | ${ids.map((id) => fmtInt(p.profile[id].cpuUsPerRefund)).join(" | ")} |`)
      L.push(`| refunds/s in the profiled run | ${ids.map((id) => fmtInt(p.profile[id].opsPerSec)).join(" | ")} |`)
      for (const g of groups) {
        L.push(`| ${g} | ${ids.map((id) => {
          const row = p.profile[id].groups.find(([gg]) => gg === g)
          return row ? `${fmt((100 * row[1]) / p.profile[id].totalMs, 1)}%` : "-"
        }).join(" | ")} |`)
      }
      L.push("", `Profiles: ${ids.map((id) => p.profile[id].profile).join(", ")} (open in Chrome DevTools).`, "")
      L.push("Top self time, our provider:", "")
      L.push("| self % | function |", "|---:|---|")
      for (const t of p.profile.provider.top.slice(0, 15)) L.push(`| ${fmt(t.pct, 1)} | \`${t.fn}\` |`)
      L.push("")
    }
  }

  const mo = res.money
  if (mo) {
    const c = mo.counts
    const n = mo.settings.hardCases
    L.push("## Money conversion", "")
    L.push(`ops/s on ${mo.settings.typicalInputs} typical inputs (raw {value, precision} objects, numbers, strings; USD, EUR, GBP, JPY, KWD), median of ${mo.settings.rounds} interleaved ${mo.settings.sliceMs} ms slices; hard cases graded against exact minor units (ISO 4217 exponent, half-up).`, "")
    L.push(`| conversion | ops/s | hard cases (of ${n}): wrong | refused (threw) |`)
    L.push("|---|---:|---:|---:|")
    L.push(`| ours: toProcessorAmount, Clover profile | ${fmtInt(mo.ops.ours_toProcessorAmount.median)} | ${c.ours_clover.wrong} | ${c.ours_clover.threw} (over Clover's 99,999,999 cap, by design) |`)
    L.push(`| ours: toProcessorAmount, ISO profile without a cap | (same code) | ${c.ours.wrong} | ${c.ours.threw} |`)
    L.push(`| ours: wireAmount.minorInteger | ${fmtInt(mo.ops.ours_minorInteger.median)} | ${c.ours_wire.wrong} | ${c.ours_wire.threw} (beyond 2^53: not sendable as a JSON integer) |`)
    L.push(`| ours: toProcessorAmount + minorInteger (amount to wire integer) | ${fmtInt(mo.ops.ours_toWireInteger.median)} | | |`)
    L.push(`| Stripe provider: getSmallestUnit | ${fmtInt(mo.ops.stripe_getSmallestUnit.median)} | ${c.stripe.wrong} | ${c.stripe.threw} |`)
    L.push("")
    L.push("Hard cases that are not right:", "")
    L.push("| case | expected | ours (Clover profile) | Stripe getSmallestUnit |", "|---|---:|---|---|")
    mo.correctness.stripe.forEach((s, i) => {
      const o = mo.correctness.ours_clover[i]
      const oi = mo.correctness.ours[i]
      if (s.outcome === "right" && o.outcome === "right" && oi.outcome === "right") return
      const ours = o.outcome === "right" ? "right" : o.outcome === "threw" ? `refused (over cap); no cap: ${oi.outcome === "right" ? oi.got : oi.got}` : `WRONG ${o.got}`
      L.push(`| ${s.what} (${s.currency.toUpperCase()}) | ${s.expected} | ${ours} | ${s.outcome === "right" ? "right" : s.outcome === "wrong" ? `wrong: ${s.got}` : s.got} |`)
    })
    L.push("")
    targets.push(["Conversion >= 1,000,000 ops/s (toProcessorAmount, Clover profile)", fmtInt(mo.ops.ours_toProcessorAmount.median), mo.ops.ours_toProcessorAmount.median >= TARGETS.conversionOps])
    targets.push(["Conversion: zero wrong answers on the hard cases", `${c.ours.wrong + c.ours_clover.wrong + c.ours_wire.wrong} wrong`, c.ours.wrong + c.ours_clover.wrong + c.ours_wire.wrong === 0])
  }

  const e = res.e2e
  if (e) {
    const sys = e.contenders.find((c) => c.id === "pp_system_default")
    L.push("## End to end: POST /admin/payments/:id/refund through Medusa", "")
    L.push(`${e.orders} captured orders per provider, ${e.refundsPerOrder} refunds of 1.00 each, interleaved across providers, after ${e.warmupOrders} warm-up orders each (seeding took ${fmt(e.seedSeconds, 0)} s, not timed). Client-side time of the HTTP call, same app, same database.`, "")
    for (const [id, why] of Object.entries(e.failed ?? {})) L.push(`- ${id} left out: ${why}`)
    if (Object.keys(e.failed ?? {}).length) L.push("")
    L.push("| provider | refunds | p50 ms | p90 ms | mean ms | p50 / system | mean / system |")
    L.push("|---|---:|---:|---:|---:|---:|---:|")
    for (const c of e.contenders) {
      L.push(`| ${c.label} (${c.id}) | ${c.n} | ${fmt(c.p50, 1)} | ${fmt(c.p90, 1)} | ${fmt(c.mean, 1)} | ${x(c.p50 / sys.p50)} | ${x(c.mean / sys.mean)} |`)
    }
    L.push("")
    for (const c of e.contenders) {
      if (c.id === sys.id) continue
      targets.push([`End to end: ${c.label} <= 1.25x the system provider (p50)`, x(c.p50 / sys.p50), c.p50 / sys.p50 <= TARGETS.e2eRatio])
    }
  }

  L.push("## Targets", "")
  L.push("| target | measured | |", "|---|---:|---|")
  for (const [t, v, ok] of targets) L.push(`| ${t} | ${v} | ${pass(ok)} |`)
  L.push("")
  return L.join("\n")
}

main().catch((e) => {
  log(e && e.stack ? e.stack : String(e))
  process.exit(1)
})
