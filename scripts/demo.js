#!/usr/bin/env node
"use strict"
/**
 * `npm run demo`: a headless walkthrough of every payment provider of this plugin, on the
 * processor emulators, through a real Medusa app (no browser, no server to open).
 *
 *   1. Starts every emulator in src/emulators on free ports, in this process.
 *   2. PostgreSQL from scripts/lib/postgres.js (DB_* env, local :5432, else embedded in
 *      .cache/demo-postgres), database `medusa_refund_demo` (DEMO_DB_NAME) created if missing.
 *   3. `medusa db:migrate`, then the dev seed (`medusa exec ./scripts/dev/seed.ts`: admin, region,
 *      shipping, product), with every provider pointed at its emulator.
 *   4. `medusa exec ./scripts/demo/walkthrough.ts`: for each provider Medusa loaded, Test connection,
 *      an order paid with it, capture, a refund of 12.345 USD and a refund of the rest, a ledger
 *      sync; progress is printed as it goes.
 *   5. A table: processor, order, amount asked, call made, amount on the wire, processor status.
 *   6. The automatic path: `medusa start` serves the store (subscribers run only there), the
 *      admin turns `auto_refund_on_receipt` on through the admin API, and for each processor a
 *      return of the walkthrough's second order is created and received through the admin API;
 *      the plugin refunds it on receipt. A second table: the return, Medusa's refund, the amount
 *      at the processor in its unit and the call made. The policy is turned off again.
 *
 * Logs of the Medusa commands: .cache/demo/*.log (DEMO_VERBOSE=1 streams them).
 */
const fs = require("fs")
const path = require("path")
const { spawn } = require("child_process")

const ROOT = path.resolve(__dirname, "..")
const CACHE_DIR = path.join(ROOT, ".cache", "demo")
const MEDUSA_BIN = path.join(ROOT, "node_modules", "@medusajs", "cli", "cli.js")
const DB_NAME = process.env.DEMO_DB_NAME || "medusa_refund_demo"
const PG_DATA_DIR = process.env.EMBEDDED_PG_DATA_DIR || path.join(ROOT, ".cache", "demo-postgres")
const VERBOSE = process.argv.includes("--verbose") || ["1", "true"].includes(String(process.env.DEMO_VERBOSE))

const t0 = Date.now()
const secs = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`
const log = (m) => console.log(`[demo] ${m}`)

const stops = []
let stopping
async function stopAll() {
  if (!stopping) {
    stopping = (async () => {
      for (const { name, fn } of stops.reverse()) {
        try {
          await Promise.race([fn(), new Promise((r) => setTimeout(r, 20000))])
        } catch (e) {
          log(`could not stop ${name}: ${e && e.message}`)
        }
      }
    })()
  }
  return stopping
}
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    log(`${sig}: stopping`)
    await stopAll()
    process.exit(130)
  })
}

/** Runs the medusa CLI; lines starting with "[demo]" are shown as they come, the rest logged. */
function runMedusa(name, args, env) {
  return new Promise((resolve, reject) => {
    fs.mkdirSync(CACHE_DIR, { recursive: true })
    const logFile = path.join(CACHE_DIR, `${name}.log`)
    const out = fs.createWriteStream(logFile)
    const child = spawn(process.execPath, [MEDUSA_BIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] })
    const entry = { name: `medusa ${args[0]}`, fn: async () => child.exitCode === null && child.kill("SIGTERM") }
    stops.push(entry)
    let buffered = ""
    child.stdout.on("data", (chunk) => {
      out.write(chunk)
      buffered += chunk.toString("utf8")
      const lines = buffered.split("\n")
      buffered = lines.pop()
      for (const line of lines) {
        if (line.startsWith("[demo]")) console.log(line)
        else if (VERBOSE) console.log(`  ${line}`)
      }
    })
    child.stderr.on("data", (chunk) => {
      out.write(chunk)
      if (VERBOSE) process.stderr.write(chunk)
    })
    child.on("exit", (code, signal) => {
      stops.splice(stops.indexOf(entry), 1)
      out.end()
      if (buffered.startsWith("[demo]")) console.log(buffered)
      if (code === 0) return resolve()
      const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n") : ""
      reject(new Error(`medusa ${args.join(" ")} failed (${signal || `exit ${code}`})\n--- last lines of ${path.relative(ROOT, logFile)} ---\n${tail}`))
    })
  })
}

async function startEmulators() {
  // The emulators and the demo's processor table are TypeScript: load them through ts-node, as dev.js does.
  require("ts-node").register({ transpileOnly: true })
  const { PROCESSOR_KITS } = require(path.join(ROOT, "src", "emulators", "kits"))
  const urls = {}
  // One emulator per processor kit, on a free port, with its defaults (no webhooks: the demo reads outcomes from the answers).
  for (const kit of PROCESSOR_KITS) {
    const emulator = kit.createEmulator()
    urls[kit.id] = await emulator.start(0)
    stops.push({ name: `${kit.label} emulator`, fn: () => emulator.stop() })
  }
  return urls
}

async function getDatabase() {
  const { ensurePostgres, databaseUrl } = require(path.join(ROOT, "scripts", "lib", "postgres.js"))
  const conn = await ensurePostgres({ dataDir: PG_DATA_DIR, log: (m) => log(m) })
  stops.push({ name: "PostgreSQL", fn: () => conn.stop() })
  const { Client } = require("pg")
  const client = new Client({ host: conn.host, port: Number(conn.port), user: conn.user, password: conn.password || undefined, database: "postgres" })
  await client.connect()
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [DB_NAME])
    if (!rowCount) await client.query(`create database "${DB_NAME.replace(/"/g, '""')}"`)
  } finally {
    await client.end()
  }
  return databaseUrl(conn, DB_NAME)
}

/** A plain-text table, columns padded to their widest cell. */
function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`
  return [line(headers), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n")
}

/** A free TCP port on 127.0.0.1. */
function freePort() {
  const net = require("net")
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** `medusa start` (no file watcher, no admin build): HTTP routes and subscribers, which `medusa exec` does not load. */
async function serve(env) {
  const port = await freePort()
  fs.mkdirSync(CACHE_DIR, { recursive: true })
  const out = fs.openSync(path.join(CACHE_DIR, "server.log"), "w")
  const child = spawn(process.execPath, [MEDUSA_BIN, "start", "--port", String(port)], {
    cwd: ROOT,
    // `medusa start` runs as production, which refuses to start without secrets: throwaway ones for this run.
    env: {
      ...env,
      PORT: String(port),
      MEDUSA_ADMIN_DISABLE: "true",
      JWT_SECRET: env.JWT_SECRET || require("crypto").randomBytes(32).toString("hex"),
      COOKIE_SECRET: env.COOKIE_SECRET || require("crypto").randomBytes(32).toString("hex"),
    },
    stdio: ["ignore", out, out],
  })
  let exited = false
  child.on("exit", () => (exited = true))
  stops.push({
    name: "medusa start",
    fn: async () => {
      if (exited) return
      child.kill("SIGTERM")
      for (let i = 0; i < 100 && !exited; i++) await sleep(100)
      if (!exited) child.kill("SIGKILL")
    },
  })
  const base = `http://127.0.0.1:${port}`
  for (const started = Date.now(); ; ) {
    if (exited) throw new Error(`medusa start exited; see ${path.relative(ROOT, path.join(CACHE_DIR, "server.log"))}`)
    if (Date.now() - started > 180_000) throw new Error(`medusa start did not answer ${base}/health within 3 minutes`)
    try {
      if ((await fetch(`${base}/health`)).status === 200) return base
    } catch {
      // not listening yet
    }
    await sleep(1000)
  }
}

/** The admin API with a JWT, as any admin client would call it. */
async function adminClient(base, email, password) {
  const call = async (method, route, body, token) => {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: { accept: "application/json", ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    const json = text ? JSON.parse(text) : {}
    if (!res.ok) throw new Error(`${method} ${route} → HTTP ${res.status}: ${text.slice(0, 300)}`)
    return json
  }
  const { token } = await call("POST", "/auth/user/emailpass", { email, password })
  return (method, route, body) => call(method, route, body, token)
}

async function journalOf(url) {
  const body = await (await fetch(`${url}/__emulator/requests`)).json()
  return Array.isArray(body) ? body : body.requests || []
}

/** "cents" for 2 decimals, as the order widget names the processor's unit. */
const unitName = (exponent) => (exponent === 2 ? "cents" : exponent === 0 ? "units" : exponent === 3 ? "thousandths" : "minor units")

/**
 * The automatic path for one processor: fulfil the order's item, return it (create, request,
 * receive, confirm) through the admin API, then wait for the plugin's refund on receipt.
 */
async function autoRefundOne(admin, target, emulatorUrl) {
  const { order } = await admin("GET", `/admin/orders/${target.order_id}?fields=id,display_id,*items`)
  const items = order.items.map((i) => ({ id: i.id, quantity: Number(i.quantity) }))
  const { stock_locations } = await admin("GET", "/admin/stock-locations?limit=1")
  await admin("POST", `/admin/orders/${order.id}/fulfillments`, { items, location_id: stock_locations[0].id })
  const journalBefore = (await journalOf(emulatorUrl)).length

  const { return: ret } = await admin("POST", "/admin/returns", { order_id: order.id, location_id: stock_locations[0].id })
  await admin("POST", `/admin/returns/${ret.id}/request-items`, { items })
  await admin("POST", `/admin/returns/${ret.id}/request`, {})
  await admin("POST", `/admin/returns/${ret.id}/receive`, {})
  await admin("POST", `/admin/returns/${ret.id}/receive-items`, { items })
  await admin("POST", `/admin/returns/${ret.id}/receive/confirm`, {})
  log(`  ${target.processor}: return ${ret.id} of order ${target.order} received; waiting for the refund on receipt…`)

  let row
  for (const started = Date.now(); Date.now() - started < 60_000; await sleep(500)) {
    const { return_refunds } = await admin("GET", `/admin/refund-processors/orders/${order.id}/return-refunds`)
    row = return_refunds.find((r) => r.return_id === ret.id)
    if (row && row.status !== "claimed") break
  }
  if (!row || row.status === "claimed") throw new Error(`no refund for ${ret.id} within 60 s (row: ${JSON.stringify(row ?? null)})`)
  const amount = row.raw_amount?.value !== undefined ? String(row.raw_amount.value) : String(row.amount)
  const calls = (await journalOf(emulatorUrl)).slice(journalBefore).filter((c) => c.method === "POST" && /refund/i.test(c.path))
  const call = calls.length ? `${calls.map((c) => `${c.method} ${c.path.replace(/(pay_|iv_)[A-Za-z0-9_]+/, "$1…")} → ${c.status ?? "?"}`).join(", ")}` : "none"
  const { payment } = await admin("GET", `/admin/refund-processors/payments/${target.payment_id}`)
  const entry = (payment.refunds || []).find((e) => row.refund_id && row.refund_id.split(",").includes(e.medusa_refund_id))
  const atProcessor = entry ? `${entry.amount_minor} ${unitName(payment.exponent)} (${entry.status})` : "—"
  // What the processor was sent, in the unit its API takes (cents for some, major units for others).
  const { wireAmount, withUnit } = require(path.join(ROOT, "scripts", "demo", "wire.ts"))
  const last = calls[calls.length - 1]
  const wire = last ? withUnit(wireAmount(last.body), entry?.amount_minor, payment.exponent ?? undefined) : "—"
  const itemsText = (row.items || []).map((i) => `${i.quantity} × ${i.title}`).join(", ")
  log(`  ${target.processor}: ${row.status}: ${amount} ${String(row.currency_code || "").toUpperCase()} for ${itemsText || "no item"}, refund ${row.refund_id ?? "—"}, at ${target.processor} ${atProcessor}, ${call}, ${wire} on the wire`)
  return {
    processor: target.processor,
    order: target.order,
    return_id: ret.id,
    status: row.status + (row.error_message ? `: ${row.error_message}` : ""),
    amount: `${amount} ${String(row.currency_code || "").toUpperCase()}`,
    refund: row.refund_id ?? "—",
    at_processor: atProcessor,
    call,
    wire,
  }
}

async function autoRefunds(env, urls, returnOrders, seedSummary) {
  log(`the automatic path: starting Medusa (medusa start) for its admin API and subscribers… (${secs()})`)
  const base = await serve(env)
  log(`  Medusa at ${base} (${secs()})`)
  const summary = JSON.parse(fs.readFileSync(seedSummary, "utf8"))
  const admin = await adminClient(base, summary.admin_email, summary.admin_password)
  const { policy, changed } = await admin("POST", "/admin/refund-processors/policy", { auto_refund_on_receipt: true })
  log(`  POST /admin/refund-processors/policy {"auto_refund_on_receipt": true} → on: ${policy.auto_refund_on_receipt} (changed: ${changed.join(", ") || "none"})`)
  const rows = []
  try {
    for (const target of returnOrders) {
      try {
        rows.push(await autoRefundOne(admin, target, urls[target.emulator]))
      } catch (e) {
        log(`  ${target.processor}: FAILED: ${e.message}`)
        rows.push({ processor: target.processor, order: target.order, return_id: "—", status: "error", amount: "—", refund: "—", at_processor: "—", call: e.message.slice(0, 120), wire: "—" })
      }
    }
  } finally {
    // The demo's database is kept between runs: leave the store's policy as the default.
    await admin("POST", "/admin/refund-processors/policy", { auto_refund_on_receipt: false }).catch(() => {})
  }
  return rows
}

async function main() {
  log("starting the processor emulators…")
  const urls = await startEmulators()
  for (const [name, url] of Object.entries(urls)) log(`  ${name.padEnd(10)} ${url}`)

  const { DEMO_PROCESSORS } = require(path.join(ROOT, "scripts", "demo", "processors.ts"))
  const providerEnv = {}
  for (const processor of Object.values(DEMO_PROCESSORS)) {
    if (urls[processor.emulator]) Object.assign(providerEnv, processor.env(urls[processor.emulator]))
  }

  log("PostgreSQL…")
  const databaseUrl = await getDatabase()
  log(`database ${databaseUrl.replace(/:[^:@/]*@/, ":***@")} (${secs()})`)

  fs.mkdirSync(CACHE_DIR, { recursive: true })
  const seedSummary = path.join(CACHE_DIR, "seed-summary.json")
  const results = path.join(CACHE_DIR, "results.json")
  fs.rmSync(results, { force: true })
  const env = {
    ...process.env,
    ...providerEnv,
    DATABASE_URL: databaseUrl,
    DEV_SUMMARY_FILE: seedSummary,
    DEMO_SEED_SUMMARY: seedSummary,
    DEMO_RESULTS_FILE: results,
    DEMO_EMULATORS: JSON.stringify(urls),
    MEDUSA_DISABLE_TELEMETRY: "true",
    LOG_LEVEL: process.env.LOG_LEVEL || "warn",
  }
  delete env.PAYMENT_PROVIDERS // every provider of the plugin

  log("migrating (medusa db:migrate)…")
  await runMedusa("migrate", ["db:migrate"], env)
  log(`seeding the store (medusa exec ./scripts/dev/seed.ts)… (${secs()})`)
  await runMedusa("seed", ["exec", "./scripts/dev/seed.ts"], env)
  log(`walking through every provider (medusa exec ./scripts/demo/walkthrough.ts)… (${secs()})`)
  await runMedusa("walkthrough", ["exec", "./scripts/demo/walkthrough.ts"], env)

  const { rows } = JSON.parse(fs.readFileSync(results, "utf8"))
  console.log("")
  console.log(
    table(
      ["Processor", "Order", "Amount asked", "Call made", "Amount on the wire", "Processor status"],
      rows.map((r) => [r.processor, r.order, r.asked, r.call, r.wire, r.status])
    )
  )
  for (const r of rows.filter((x) => x.note)) console.log(`  ${r.processor}: ${r.note}`)
  console.log("")

  const { return_orders: returnOrders = [] } = JSON.parse(fs.readFileSync(results, "utf8"))
  const autoRows = await autoRefunds(env, urls, returnOrders, seedSummary)
  console.log("")
  console.log("Returns refunded on receipt (auto_refund_on_receipt on):")
  console.log(
    table(
      ["Processor", "Order", "Return", "Status", "Refunded (Medusa)", "At the processor (ledger)", "Amount on the wire", "Call made", "Medusa refund"],
      autoRows.map((r) => [r.processor, r.order, r.return_id, r.status, r.amount, r.at_processor, r.wire, r.call, r.refund])
    )
  )
  console.log("")
  log(`done in ${secs()}. Logs: ${path.relative(ROOT, CACHE_DIR)}/*.log`)
  return rows.some((r) => r.status === "error") || autoRows.some((r) => r.status !== "refunded") ? 1 : 0
}

main()
  .then(async (code) => {
    await stopAll()
    process.exit(code)
  })
  .catch(async (e) => {
    console.error(`[demo] ${e && e.stack ? e.stack : e}`)
    await stopAll()
    process.exit(1)
  })
