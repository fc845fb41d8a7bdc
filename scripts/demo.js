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
  log(`done in ${secs()}. Logs: ${path.relative(ROOT, CACHE_DIR)}/*.log`)
  return rows.some((r) => r.status === "error") ? 1 : 0
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
