#!/usr/bin/env node
"use strict"
/**
 * Runs ONE processor emulator in its own process, so its CPU and memory stay out of the
 * measuring process. Usage (from bench/lib/emulator.js):
 *   node bench/lib/emulator-child.js <module path relative to the repo> <exported class>
 * Prints one JSON line {"ready":true,"url":"http://127.0.0.1:<port>"} on stdout, then serves
 * on 127.0.0.1 until SIGTERM/SIGINT or until its parent goes away (stdin closes).
 */
const path = require("path")
const { registerTs, ROOT } = require("./ts")

async function main() {
  const [modulePath, className] = process.argv.slice(2)
  if (!modulePath || !className) throw new Error("usage: emulator-child.js <module> <class>")
  registerTs()
  const mod = require(path.join(ROOT, modulePath))
  const Emulator = mod[className]
  if (typeof Emulator !== "function") throw new Error(`${modulePath} exports no class ${className}`)
  const emulator = new Emulator()
  const url = await emulator.start(0) // 127.0.0.1, any free port
  process.stdout.write(`${JSON.stringify({ ready: true, url })}\n`)

  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    emulator.stop().finally(() => process.exit(0))
    setTimeout(() => process.exit(0), 2000).unref()
  }
  process.on("SIGTERM", stop)
  process.on("SIGINT", stop)
  // The parent holds our stdin open; when it dies (even by SIGKILL) stdin ends: stop too.
  process.stdin.on("end", stop)
  process.stdin.on("error", stop)
  process.stdin.resume()
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})
