"use strict"
/**
 * Lets bench scripts require the package's TypeScript sources (src/**) directly:
 * ts-node in transpile-only mode, compiled by swc (tsconfig.json sets "ts-node": { "swc": true }).
 */
const path = require("path")

const ROOT = path.resolve(__dirname, "..", "..")
let registered = false

function registerTs() {
  if (registered) return ROOT
  registered = true
  process.env.TS_NODE_PROJECT = process.env.TS_NODE_PROJECT || path.join(ROOT, "tsconfig.json")
  require("ts-node").register({ transpileOnly: true, swc: true, project: process.env.TS_NODE_PROJECT })
  return ROOT
}

module.exports = { registerTs, ROOT }
