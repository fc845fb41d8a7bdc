#!/usr/bin/env node
"use strict"
/**
 * `npm run dev`: every provider of the plugin working end to end on embedded defaults.
 *
 *   1. Every processor kit's emulator (src/emulators/kits), in this process, on the kit's port
 *      (today Clover 127.0.0.1:4510, Checkout.com :4520, Fiserv :4530, Dodo :4540, ProcessOut
 *      :4550); each provider's env (CLOVER_ENVIRONMENT, … and the emulator's keys) → its
 *      emulator. Those that send webhooks (Checkout.com, Dodo, ProcessOut) post them to this
 *      store's /hooks/payment/<id>_<id> (signed with the keys the store is given), so refund
 *      outcomes and Dodo's hosted-checkout payments reach Medusa as they would in production.
 *   2. PostgreSQL from scripts/lib/postgres.js (DB_* env, local :5432, else embedded),
 *      database `medusa_refund_dev` created if missing, DATABASE_URL → it.
 *   3. `medusa db:migrate`, then `medusa exec ./scripts/dev/seed.ts` (idempotent:
 *      admin user, USD store, region US with every kit's provider (and the system one), shipping, a product and
 *      one delivered order paid with Clover: authorized at cart completion, captured
 *      with capturePaymentWorkflow).
 *   4. `medusa develop` on http://localhost:9000, then prints how to refund in the admin.
 *   5. Ctrl-C stops Medusa, the emulators and the embedded PostgreSQL (whatever we started).
 *
 * `--no-serve` (or DEV_NO_SERVE=1) stops after step 3, prints the summary and exits 0.
 *
 * Env knobs: DEV_DB_NAME (default medusa_refund_dev), emulator ports (each kit's devPortEnv:
 * DEV_EMULATOR_PORT for Clover, DEV_<ID>_EMULATOR_PORT for the others), DEV_CHECKOUT_REFUND_DELAY_MS
 * (3000: how long a Checkout.com refund stays pending before it settles and its webhook is sent),
 * PORT (9000), DEV_VERBOSE=1 (stream migrate/seed output instead of logging to files),
 * EMBEDDED_PG_DATA_DIR (default .cache/dev-postgres) and the DB_* vars of scripts/lib/postgres.js.
 */
const fs = require("fs")
const http = require("http")
const net = require("net")
const path = require("path")
const { spawn } = require("child_process")

const ROOT = path.resolve(__dirname, "..")
const CACHE_DIR = path.join(ROOT, ".cache", "dev") // gitignored (.cache/)
const MEDUSA_BIN = path.join(ROOT, "node_modules", "@medusajs", "cli", "cli.js")

const argv = process.argv.slice(2)
const truthy = (v) => v !== undefined && v !== "" && v !== "0" && String(v).toLowerCase() !== "false"
const NO_SERVE = argv.includes("--no-serve") || truthy(process.env.DEV_NO_SERVE)
const VERBOSE = argv.includes("--verbose") || truthy(process.env.DEV_VERBOSE)
const DB_NAME = process.env.DEV_DB_NAME || "medusa_refund_dev"
const MEDUSA_PORT = Number(process.env.PORT || 9000)
const CHECKOUT_REFUND_DELAY_MS = Number(process.env.DEV_CHECKOUT_REFUND_DELAY_MS || 3000)
// Own data dir so `npm test` (which uses .embedded-postgres/) can run while dev is serving.
const PG_DATA_DIR = process.env.EMBEDDED_PG_DATA_DIR || path.join(ROOT, ".cache", "dev-postgres")

const { saveEmulatorState, restoreEmulatorState } = require("./dev/emulator-state")
const EMULATOR_STATE_FILE = path.join(CACHE_DIR, "clover-emulator-state.json")
let saveEmulator = () => true // replaced once we own an in-process emulator

const log = (m) => console.log(`[dev] ${m}`)
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`
const timings = []
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------- cleanup
// Everything we start registers a stop function; they run in reverse order once.
const stops = []
let stopping = null
function stopAll() {
  if (!stopping) {
    stopping = (async () => {
      for (const { name, fn } of stops.reverse()) {
        try {
          // Bounded: e.g. embedded-postgres' stop() never resolves if Ctrl-C already
          // stopped the server (it shares our process group and got the SIGINT too).
          const ok = await Promise.race([fn().then(() => true), sleep(20000).then(() => false)])
          log(ok ? `stopped ${name}` : `gave up waiting for ${name} to stop`)
        } catch (e) {
          log(`could not stop ${name}: ${e && e.message}`)
        }
      }
    })()
  }
  return stopping
}
async function exit(code) {
  await stopAll()
  process.exit(code)
}
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"]
let firstSignalAt = 0
function onSignal(sig) {
  if (stopping) {
    // `npm run` forwards the terminal's SIGINT, so one Ctrl-C can arrive twice: only a
    // second Ctrl-C a moment later means "stop waiting".
    if (Date.now() - firstSignalAt < 2000) return
    log(`${sig} again: exiting without waiting`)
    process.exit(1)
  }
  firstSignalAt = Date.now()
  console.log("")
  log(`${sig} received, shutting down…`)
  exit(sig === "SIGINT" ? 130 : 143)
}
for (const sig of SIGNALS) process.on(sig, onSignal)
/**
 * embedded-postgres installs async-exit-hook, whose signal handlers stop the database and
 * exit at once, racing our orderly shutdown (Medusa first, database last). Drop every
 * signal listener that is not ours; its 'exit' hook stays as a last-resort safety net.
 */
function keepOnlyOurSignalHandlers() {
  for (const sig of SIGNALS) {
    for (const l of process.listeners(sig)) if (l !== onSignal) process.removeListener(sig, l)
  }
}

// ---------------------------------------------------------------- helpers
function httpGet(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = ""
      res.setEncoding("utf8")
      res.on("data", (c) => (body += c))
      res.on("end", () => resolve({ status: res.statusCode, body }))
    })
    req.on("timeout", () => req.destroy(new Error("timeout")))
    req.on("error", () => resolve({ status: 0, body: "" }))
  })
}

function portInUse(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const s = net.connect({ port, host })
    s.setTimeout(1000, () => (s.destroy(), resolve(false)))
    s.once("connect", () => (s.destroy(), resolve(true)))
    s.once("error", () => resolve(false))
  })
}

/** Runs the medusa CLI; output goes to .cache/dev/<name>.log unless DEV_VERBOSE. */
function runMedusa(name, args, env) {
  return new Promise((resolve, reject) => {
    fs.mkdirSync(CACHE_DIR, { recursive: true })
    const logFile = path.join(CACHE_DIR, `${name}.log`)
    const out = VERBOSE ? "inherit" : fs.openSync(logFile, "w")
    const child = spawn(process.execPath, [MEDUSA_BIN, ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", out, out],
    })
    // If we are interrupted meanwhile, take the child down too.
    const entry = { name: `medusa ${args[0]}`, fn: async () => child.exitCode === null && child.kill("SIGTERM") }
    stops.push(entry)
    child.on("exit", (code, signal) => {
      stops.splice(stops.indexOf(entry), 1)
      if (typeof out === "number") fs.closeSync(out)
      if (code === 0) return resolve()
      let tail = ""
      if (!VERBOSE) {
        tail = fs.readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n")
        tail = `\n--- last lines of ${path.relative(ROOT, logFile)} ---\n${tail}`
      }
      reject(new Error(`medusa ${args.join(" ")} failed (${signal || `exit ${code}`})${tail}`))
    })
  })
}

// ---------------------------------------------------------------- 1. emulators
/**
 * The emulators: one per processor kit (src/emulators/kits: where each listens, its credentials and
 * the env that points its provider at it; dev always talks to the local emulators, whatever a .env
 * says). Those that send webhooks post them to this store's /hooks/payment/<identifier>_<id>, signed
 * with the keys the store is given (the kit's webhookEnv).
 */
const webhookUrl = (kit) => `http://localhost:${MEDUSA_PORT}/hooks/payment/${kit.providerId.replace(/^pp_/, "")}`
/** Dev's own emulator settings beyond the kit's. */
const DEV_EMULATOR_OPTIONS = {
  // Refunds stay pending a moment, then settle (declined when the amount ends in .05, Checkout.com's
  // test rule) and a signed payment_refunded / payment_refund_declined webhook goes to the store.
  checkout: { refundDelayMs: CHECKOUT_REFUND_DELAY_MS },
}
/** The kits (TypeScript, loaded once ts-node is registered), as dev's emulator specs. */
let EMULATORS = []
function emulatorSpecs(m) {
  return m.PROCESSOR_KITS.map((kit) => ({
    id: kit.id,
    name: kit.label,
    port: Number(process.env[kit.devPortEnv] || kit.defaultPort),
    portEnv: kit.devPortEnv,
    create: () => kit.createEmulator({ webhookUrl: webhookUrl(kit), ...DEV_EMULATOR_OPTIONS[kit.id] }),
    env: (url) => ({ ...kit.emulatorEnv(url), ...kit.webhookEnv }),
  }))
}

/** Starts (or reuses) every emulator; returns { urls: { clover: url, … }, env }. */
async function startEmulators() {
  // The emulators are TypeScript: load them through ts-node (swc, per tsconfig.json), as the medusa CLI does.
  require("ts-node").register({ transpileOnly: true })
  const m = require(path.join(ROOT, "src", "emulators"))
  EMULATORS = emulatorSpecs(m)
  const urls = {}
  const env = {}
  for (const spec of EMULATORS) {
    const url = `http://127.0.0.1:${spec.port}`
    if (await portInUse(spec.port)) {
      // Reuse an emulator left running (e.g. `npm run emulator -- ${spec.id} --port ${spec.port}`).
      const probe = await httpGet(`${url}/__emulator/requests`)
      if (probe.status !== 200) {
        throw new Error(`port ${spec.port} is taken by something that is not the ${spec.name} emulator; set ${spec.portEnv}`)
      }
      log(`reusing the ${spec.name} emulator already listening on ${url} (its webhook settings are its own)`)
    } else {
      const emu = spec.create()
      await emu.start(spec.port)
      if (spec.id === "clover") {
        // Carry charges/refunds/journal over from the previous run (see scripts/dev/emulator-state.js):
        // the seeded demo order is paid with Clover.
        fs.mkdirSync(CACHE_DIR, { recursive: true })
        const restored = restoreEmulatorState(emu, EMULATOR_STATE_FILE)
        if (restored) log(`Clover emulator state restored from the previous run: ${restored}`)
        saveEmulator = () => saveEmulatorState(emu, EMULATOR_STATE_FILE)
      }
      stops.push({
        name: `${spec.name} emulator`,
        fn: async () => {
          if (spec.id === "clover" && !saveEmulator()) log("warning: could not save the Clover emulator state (its internals changed?)")
          await emu.stop()
        },
      })
    }
    urls[spec.id] = url
    Object.assign(env, spec.env(url))
  }
  return { urls, env }
}

// ---------------------------------------------------------------- 2. postgres
async function getPostgres() {
  const libPath = path.join(ROOT, "scripts", "lib", "postgres.js")
  const { ensurePostgres, databaseUrl } = require(libPath)
  const conn = await ensurePostgres({ dataDir: PG_DATA_DIR, log })
  keepOnlyOurSignalHandlers()
  stops.push({
    name: `PostgreSQL (${conn.source || "server"})`,
    // On Ctrl-C the embedded server (same process group) gets SIGINT from the terminal and
    // may be gone already; embedded-postgres' stop() then never resolves. Done when either
    // stop() returns or the port is closed.
    fn: async () => {
      const stopped = conn.stop()
      while (await Promise.race([stopped.then(() => false), portInUse(Number(conn.port), "localhost")])) {
        await sleep(200)
      }
    },
  })

  const { Client } = require("pg")
  const client = new Client({
    host: conn.host,
    port: Number(conn.port),
    user: conn.user,
    password: conn.password || undefined,
    database: process.env.DB_WAITINGROOM_DATABASE || "postgres",
  })
  await client.connect()
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [DB_NAME])
    if (!rowCount) {
      await client.query(`create database "${DB_NAME.replace(/"/g, '""')}"`)
      log(`created database ${DB_NAME}`)
    }
  } finally {
    await client.end()
  }
  return { conn, url: databaseUrl(conn, DB_NAME) }
}

// ---------------------------------------------------------------- 4. serve
async function serve(env) {
  if (await portInUse(MEDUSA_PORT)) {
    throw new Error(`port ${MEDUSA_PORT} is already in use (another Medusa?); set PORT to use another one`)
  }
  // Own process group (detached) so Ctrl-C here can stop develop *and* the server it forks.
  const child = spawn(process.execPath, [MEDUSA_BIN, "develop", "--port", String(MEDUSA_PORT)], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  })
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })))
  // `develop` dies at once on SIGTERM, but the server it forked shuts down gracefully, and a
  // watcher restart may have just forked a new one: wait until the whole group is gone.
  const groupAlive = () => {
    try {
      process.kill(-child.pid, 0)
      return true
    } catch (e) {
      return false
    }
  }
  stops.push({
    name: "Medusa",
    fn: async () => {
      if (!groupAlive()) return
      try { process.kill(-child.pid, "SIGTERM") } catch (e) { /* already gone */ }
      for (let i = 0; i < 100 && groupAlive(); i++) await sleep(100)
      if (groupAlive()) {
        log("Medusa did not stop within 10 s; killing it")
        try { process.kill(-child.pid, "SIGKILL") } catch (e) { /* gone */ }
      }
    },
  })
  const t0 = Date.now()
  const base = `http://localhost:${MEDUSA_PORT}`
  let ready = false
  exited.then(() => { if (!ready && !stopping) { log("medusa develop exited before it was ready"); exit(1) } })
  while (!ready) {
    if (Date.now() - t0 > 300000) throw new Error(`Medusa did not answer ${base}/health within 5 minutes`)
    await sleep(1000)
    ready = (await httpGet(`${base}/health`)).status === 200
  }
  timings.push(["medusa develop → /health OK", secs(t0)])
  return { exited } // wrapped: an async function returning a promise would wait for it
}

// ---------------------------------------------------------------- summary
async function emulatorJournal(emulatorUrl) {
  const res = await httpGet(`${emulatorUrl}/__emulator/requests`)
  if (res.status !== 200) return []
  try {
    const parsed = JSON.parse(res.body)
    const list = Array.isArray(parsed) ? parsed : parsed.requests || []
    return list.map((r) => `${r.method} ${r.path} → ${r.status}`)
  } catch (e) {
    return []
  }
}

function printSummary(s, emulatorUrls, journal) {
  const emulatorUrl = emulatorUrls.clover
  const money = (n) => `$${Number(n).toFixed(2)}`
  const base = `http://localhost:${MEDUSA_PORT}`
  const lines = [
    "",
    "================================================================================",
    " Refund processors — dev store",
    "================================================================================",
    NO_SERVE
      ? ` Admin (after \`npm run dev\`): ${base}/app`
      : ` Admin:            ${base}/app`,
    ` Login:            ${s.admin_email} / ${s.admin_password}`,
    ` Store API:        ${base}/store   (header x-publishable-api-key: ${s.publishable_key})`,
    ` Demo order:       #${s.order_display_id}  (${s.order_id})  ${money(s.order_total)} ${String(s.order_currency).toUpperCase()}` +
      `, paid with Clover (${s.payment_provider}), ${s.payment_captured_at ? "captured" : "NOT captured"}` +
      (s.payment_refunded_total ? `, ${money(s.payment_refunded_total)} refunded so far` : ", delivered"),
    ` Payment:          ${s.payment_id}`,
    ...EMULATORS.map((e) => ` ${`${e.name} emulator:`.padEnd(28)}${emulatorUrls[e.id]}`),
    ` Emulator journal: curl <emulator>/__emulator/requests`,
    ` Test connection:  ${base}/app/settings/refund-processors (all five answer from their emulators)`,
  ]
  if (journal.length) {
    const shown = journal.slice(-6)
    const earlier = journal.length - shown.length
    lines.push(` Emulator calls${earlier ? ` (last ${shown.length} of ${journal.length})` : " so far"}:`)
    for (const j of shown) lines.push(`   ${j}`)
  }
  lines.push(
    "",
    " Return one item and refund it in the admin:",
    `   1. Open ${base}/app and log in.`,
    `   2. Orders → order #${s.order_display_id} → Summary section "⋯" menu → "Create Return".`,
    `   3. "Add items" → tick one T-shirt → "Save"; Location "Clover Demo Warehouse",`,
    `      Return shipping "Return Shipping" ($0.00) → "Confirm Return" → "Continue".`,
    `   4. Summary section → "Receive items" → keep the quantity → "Save".`,
    `      (Medusa owes the customer only once the item is received.)`,
    `   5. Summary section → "Refund $…" (or Payments section "⋯" → "Refund"),`,
    "      keep the amount → \"Save\". The Clover provider refunds at the emulator.",
    `   6. See it arrive: curl ${emulatorUrl}/__emulator/requests`,
    "      (look for POST /v1/refunds, amount in cents, e.g. 3000 for $30.00).",
    "================================================================================",
    ""
  )
  console.log(lines.join("\n"))
}

// ---------------------------------------------------------------- main
async function main() {
  const tAll = Date.now()
  let t0 = Date.now()
  const { urls: emulatorUrls, env: emulatorEnv } = await startEmulators()
  const emulatorUrl = emulatorUrls.clover
  timings.push(["emulators", secs(t0)])
  log(`emulators: ${EMULATORS.map((e) => `${e.name} ${emulatorUrls[e.id]}`).join(", ")}`)

  t0 = Date.now()
  const { url: databaseUrl } = await getPostgres()
  timings.push(["postgres + database", secs(t0)])
  log(`database ${databaseUrl.replace(/:[^:@/]*@/, ":***@")}`)

  fs.mkdirSync(CACHE_DIR, { recursive: true })
  const summaryFile = path.join(CACHE_DIR, "summary.json")
  fs.rmSync(summaryFile, { force: true })
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    // dev always talks to the local emulators, whatever a .env says.
    ...emulatorEnv,
    MEDUSA_DISABLE_TELEMETRY: "true", // loopback-only machine; no telemetry calls
    DEV_SUMMARY_FILE: summaryFile,
  }

  t0 = Date.now()
  log("migrating (medusa db:migrate)…")
  await runMedusa("migrate", ["db:migrate"], env)
  timings.push(["db:migrate", secs(t0)])

  t0 = Date.now()
  log("seeding (medusa exec ./scripts/dev/seed.ts)…")
  await runMedusa("seed", ["exec", "./scripts/dev/seed.ts"], env)
  timings.push(["seed", secs(t0)])
  const summary = JSON.parse(fs.readFileSync(summaryFile, "utf8"))
  saveEmulator() // the new charge survives even if this process is killed hard later

  if (NO_SERVE) {
    printSummary(summary, emulatorUrls, await emulatorJournal(emulatorUrl))
    timings.push(["total", secs(tAll)])
    log(`timings: ${timings.map(([k, v]) => `${k} ${v}`).join(", ")}`)
    return exit(0)
  }

  log(`starting Medusa (medusa develop) on http://localhost:${MEDUSA_PORT}…`)
  const { exited } = await serve(env)
  printSummary(summary, emulatorUrls, await emulatorJournal(emulatorUrl))
  timings.push(["total", secs(tAll)])
  log(`timings: ${timings.map(([k, v]) => `${k} ${v}`).join(", ")}`)
  log("Ctrl-C stops Medusa, the emulators and the database this command started.")
  const { code, signal } = await exited
  if (!stopping) {
    log(`medusa develop exited (${signal || code})`)
    await exit(code || 1)
  }
}

main().catch(async (e) => {
  console.error(`[dev] ${e && e.stack ? e.stack : e}`)
  await exit(1)
})
