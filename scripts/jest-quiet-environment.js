"use strict"
/**
 * Jest environment of the integration suites: a suite's output is held while it runs and
 * printed only if something in it failed, so a green run shows one line per suite.
 *
 * Held: everything written to process.stdout / process.stderr while the suite runs (Medusa's
 * winston logger writes there directly, not through `console`), and the suite's `console.*`
 * calls (which jest prints after the suite). Printed, in order, when a test, a hook or the
 * suite itself failed, or when the process ends before the suite finished; dropped otherwise.
 * Jest's own failure report (the assertion and its stack) is never held.
 *
 * TEST_VERBOSE=1 holds nothing: everything is printed as it comes.
 */
const { TestEnvironment } = require("jest-environment-node")

const VERBOSE = Boolean(process.env.TEST_VERBOSE)
// More than this is kept as its last part only (a failing suite's end is what explains it).
const MAX_HELD_BYTES = 8 * 1024 * 1024

class QuietEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context)
    this.testConsole = context.console
    this.testPath = context.testPath
    this.failed = false
    this.finished = false
    this.held = []
    this.heldBytes = 0
    this.patches = []
    if (!VERBOSE) this.hold()
  }

  hold() {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write
      const env = this
      const patched = function write(chunk, encoding, callback) {
        if (!env.holding) return original.apply(this, arguments)
        env.keep(stream, chunk, typeof encoding === "string" ? encoding : undefined)
        const cb = typeof encoding === "function" ? encoding : callback
        if (typeof cb === "function") process.nextTick(cb)
        return true
      }
      stream.write = patched
      this.patches.push({ stream, original, patched })
    }
    this.holding = true
    this.onExit = () => this.release(true)
    process.once("exit", this.onExit)
  }

  keep(stream, chunk, encoding) {
    const size = typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk?.length ?? 0
    this.held.push({ stream, chunk, encoding, size })
    this.heldBytes += size
    while (this.heldBytes > MAX_HELD_BYTES && this.held.length > 1) {
      this.heldBytes -= this.held.shift().size
      this.truncated = true
    }
  }

  /** Stops holding; prints what was held if `print`. */
  release(print) {
    if (!this.holding) return
    this.holding = false
    for (const { stream, original, patched } of this.patches) {
      // Put the original back unless someone wrapped write after us (ours then passes through).
      if (stream.write === patched) stream.write = original
    }
    if (this.onExit) process.removeListener("exit", this.onExit)
    const held = this.held
    this.held = []
    this.heldBytes = 0
    if (!print || held.length === 0) return
    const name = this.testPath ? require("path").relative(process.cwd(), this.testPath) : "suite"
    process.stderr.write(`\n----- output of ${name} (held until it failed; TEST_VERBOSE=1 prints it as it comes) -----\n`)
    if (this.truncated) process.stderr.write(`[... earlier output dropped, the last ${MAX_HELD_BYTES} bytes follow ...]\n`)
    for (const { stream, chunk, encoding } of held) stream.write(chunk, encoding)
    process.stderr.write(`----- end of output of ${name} -----\n`)
  }

  handleTestEvent(event, state) {
    switch (event.name) {
      case "test_done":
        if (event.test.errors.length > 0) this.failed = true
        break
      case "hook_failure":
      case "test_fn_failure":
        this.failed = true
        break
      case "run_finish":
        if (state.unhandledErrors && state.unhandledErrors.length > 0) this.failed = true
        this.finished = true
        // The suite's console.* calls: jest prints them after the suite, from this buffer.
        if (!VERBOSE && !this.failed) {
          const buffer = this.testConsole && typeof this.testConsole.getBuffer === "function" ? this.testConsole.getBuffer() : undefined
          if (Array.isArray(buffer)) buffer.length = 0
        }
        break
    }
  }

  async teardown() {
    try {
      await super.teardown()
    } finally {
      // A suite that never finished (it did not load, or jest gave up on it) counts as failed.
      this.release(this.failed || !this.finished)
    }
  }
}

module.exports = QuietEnvironment
