"use strict"
/**
 * Starts `npm run dev` (scripts/dev.js) as a child process on free ports and its own database,
 * waits for Medusa's /health and the admin at /app, and stops it again (Ctrl-C, as a person would).
 */
const fs = require("fs")
const net = require("net")
const path = require("path")
const { spawn } = require("child_process")

const ROOT = path.resolve(__dirname, "..", "..", "..")
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

async function getStatus(url, timeoutMs = 5000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" })
    return res.status
  } catch {
    return 0
  }
}

/** The processor kits (src/emulators/kits, TypeScript: loaded through ts-node as scripts/dev.js does). */
function processorKits() {
  require("ts-node").register({ transpileOnly: true })
  return require(path.join(ROOT, "src", "emulators", "kits")).PROCESSOR_KITS
}

/** scripts/dev.js's port variable of each emulator (its kit's devPortEnv). */
const EMULATOR_PORT_VARS = Object.fromEntries(processorKits().map((kit) => [kit.id, kit.devPortEnv]))

/** Medusa's provider id of every processor (`npm run dev` registers one per kit). */
const PROVIDER_IDS = processorKits().map((kit) => kit.providerId)

/**
 * @param {{ log: (m: string) => void, logFile: string, port?: number, dbName?: string, hmr?: boolean }} opts
 */
async function startDevServer(opts) {
  const port = opts.port || (await freePort())
  // Free ports for every emulator, so a `npm run dev` on the default ports can keep running.
  const emulatorPorts = {}
  for (const id of Object.keys(EMULATOR_PORT_VARS)) emulatorPorts[id] = await freePort()
  const emulatorUrls = Object.fromEntries(Object.entries(emulatorPorts).map(([id, p]) => [id, `http://127.0.0.1:${p}`]))
  const base = `http://localhost:${port}`
  const cors = `${base},http://127.0.0.1:${port}`
  const env = {
    ...process.env,
    PORT: String(port),
    ...Object.fromEntries(Object.entries(EMULATOR_PORT_VARS).map(([id, name]) => [name, String(emulatorPorts[id])])),
    DEV_DB_NAME: opts.dbName || "medusa_refund_browser",
    ADMIN_CORS: cors,
    AUTH_CORS: cors,
    STORE_CORS: cors,
    MEDUSA_DISABLE_TELEMETRY: "true",
  }
  // Backend HMR reloads changed resources in place instead of restarting the whole server, so
  // edits elsewhere in the repository (the dev server watches all of it) do not reload the page
  // under the test. BROWSER_TEST_HMR=0 turns it off.
  if (opts.hmr !== false) env.MEDUSA_FF_BACKEND_HMR = "true"

  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true })
  const out = fs.openSync(opts.logFile, "w")
  const child = spawn(process.execPath, [path.join(ROOT, "scripts", "dev.js")], {
    cwd: ROOT,
    env,
    stdio: ["ignore", out, out],
    detached: true, // its own process group: a Ctrl-C of ours reaches it once, through stop()
  })
  let exited = null
  const exitPromise = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal }
      resolve(exited)
    })
  )
  const readLog = () => {
    try {
      return fs.readFileSync(opts.logFile, "utf8")
    } catch {
      return ""
    }
  }
  const tail = (n = 40) => readLog().split("\n").slice(-n).join("\n")

  async function stop() {
    if (exited) return exited
    try {
      process.kill(child.pid, "SIGINT")
    } catch {
      /* gone */
    }
    const done = await Promise.race([exitPromise, sleep(60_000).then(() => null)])
    if (!done) {
      opts.log("npm run dev did not stop within 60 s; killing it")
      try {
        process.kill(-child.pid, "SIGKILL")
      } catch {
        /* gone */
      }
    }
    fs.closeSync(out)
    return exited
  }

  const t0 = Date.now()
  const ports = Object.entries(emulatorPorts).map(([id, p]) => `${id} :${p}`).join(", ")
  opts.log(`starting npm run dev (Medusa on ${base}, emulators ${ports}, database ${env.DEV_DB_NAME}); log: ${path.relative(ROOT, opts.logFile)}`)
  let healthy = false
  let admin = false
  while (!admin) {
    if (exited) throw new Error(`npm run dev exited (${exited.signal || exited.code}) before it was ready:\n${tail()}`)
    if (Date.now() - t0 > 600_000) {
      await stop()
      throw new Error(`npm run dev was not ready within 10 minutes:\n${tail()}`)
    }
    await sleep(1000)
    if (!healthy) {
      healthy = (await getStatus(`${base}/health`)) === 200
      if (healthy) opts.log(`Medusa answers ${base}/health (${((Date.now() - t0) / 1000).toFixed(0)} s)`)
      continue
    }
    admin = (await getStatus(`${base}/app/login`, 60_000)) === 200
  }
  opts.log(`admin served at ${base}/app (${((Date.now() - t0) / 1000).toFixed(0)} s)`)
  return { base, port, emulatorUrl: emulatorUrls.clover, emulatorUrls, stop, readLog, tail, child }
}

module.exports = { startDevServer, freePort, getStatus, PROVIDER_IDS }
