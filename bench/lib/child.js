"use strict"
/** Runs a bench child process with a time limit; its JSON result goes to a file. */
const fs = require("fs")
const path = require("path")
const { spawn } = require("child_process")
const { ROOT } = require("./ts")

const OUT_DIR = path.join(ROOT, ".cache", "bench")

/**
 * @param {string} script   path relative to the repo
 * @param {string[]} args
 * @param {{ nodeArgs?: string[], timeoutMs?: number, name: string, env?: object, command?: string[] }} opts
 */
function runChild(script, args, { nodeArgs = [], timeoutMs = 15 * 60_000, name, env, command, quiet = false } = {}) {
  const out = path.join(OUT_DIR, `${name}.json`)
  fs.mkdirSync(OUT_DIR, { recursive: true })
  fs.rmSync(out, { force: true })
  const argv = command ?? [...nodeArgs, path.join(ROOT, script), ...args, "--out", out]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: ROOT,
      env: env ?? { ...process.env, NODE_OPTIONS: "" },
      stdio: ["ignore", quiet ? "ignore" : "inherit", "pipe"],
    })
    let err = ""
    child.stderr.on("data", (d) => {
      const s = String(d)
      err = (err + s).slice(-40_000)
      if (!quiet) process.stderr.write(s)
    })
    const timer = setTimeout(() => {
      process.stderr.write(`[bench] ${name} ran over ${Math.round(timeoutMs / 1000)} s: stopping it\n`)
      child.kill("SIGTERM")
      setTimeout(() => child.kill("SIGKILL"), 5000).unref()
    }, timeoutMs)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      if (code === 0 && fs.existsSync(out)) resolve(JSON.parse(fs.readFileSync(out, "utf8")))
      else reject(new Error(`${name} failed (${code ?? signal})${quiet ? `\n${err.slice(-4000)}` : ""}`))
    })
    child.on("error", reject)
  })
}

module.exports = { runChild, OUT_DIR }
