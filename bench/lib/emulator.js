"use strict"
/** Starts an emulator child process and talks to its control API. */
const path = require("path")
const { spawn } = require("child_process")
const http = require("http")
const { ROOT } = require("./ts")

const CHILD = path.join(__dirname, "emulator-child.js")

/**
 * @param {{ module: string, className: string }} spec
 * @returns {Promise<{ url: string, pid: number, reset(): Promise<void>, stop(): Promise<void> }>}
 */
function startEmulator(spec, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, spec.module, spec.className], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    })
    let out = ""
    let err = ""
    let settled = false
    const timer = setTimeout(() => fail(new Error(`emulator ${spec.className} did not start in ${timeoutMs} ms\n${err}`)), timeoutMs)
    function fail(e) {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill("SIGKILL")
      reject(e)
    }
    child.stderr.on("data", (d) => {
      err += d
      if (err.length > 20_000) err = err.slice(-20_000)
    })
    child.on("exit", (code, signal) => {
      if (!settled) fail(new Error(`emulator ${spec.className} exited (${code ?? signal}) before it was ready\n${err}`))
    })
    child.stdout.on("data", (d) => {
      out += d
      const line = out.split("\n").find((l) => l.startsWith("{"))
      if (!line || settled) return
      settled = true
      clearTimeout(timer)
      const { url } = JSON.parse(line)
      const exited = new Promise((r) => child.once("exit", r))
      resolve({
        url,
        pid: child.pid,
        reset: () => control(url, "POST", "/__emulator/reset"),
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return
          child.kill("SIGTERM")
          const t = setTimeout(() => child.kill("SIGKILL"), 3000)
          await exited
          clearTimeout(t)
        },
      })
    })
  })
}

/** One request to the emulator's control API (never journaled, never authenticated). */
function control(baseUrl, method, pathname) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname, baseUrl), { method, agent: false }, (res) => {
      res.resume()
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${method} ${pathname} -> ${res.statusCode}`))))
    })
    req.on("error", reject)
    req.end()
  })
}

module.exports = { startEmulator }
