"use strict"
/** Shared by the bench children: argument parsing, a silent logger, refund keys, results. */
const crypto = require("crypto")
const fs = require("fs")
const path = require("path")

function parseArgs(argv) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (!a.startsWith("--")) continue
    const eq = a.indexOf("=")
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1)
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) out[a.slice(2)] = argv[++i]
    else out[a.slice(2)] = true
  }
  return out
}

/** Medusa's logger at its default level: debug lines are dropped. */
const silentLogger = { debug() {}, info() {}, warn() {}, error() {} }

/** Fresh refund ids shaped like Medusa's (ref_ + 26 upper-case characters). */
function keyMaker(tag) {
  const run = crypto.randomBytes(4).toString("hex").toUpperCase()
  let n = 0
  return () => `ref_${tag}${run}${String(n++).padStart(26 - tag.length - run.length, "0")}`
}

function writeResult(file, result) {
  if (!file) {
    process.stdout.write(`${JSON.stringify(result)}\n`)
    return
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, JSON.stringify(result, null, 2))
}

module.exports = { parseArgs, silentLogger, keyMaker, writeResult }
