"use strict"
/**
 * The processors the bench measures. A new processor is one file in this folder (see
 * clover.js for what it holds) and one line here. An entry whose provider or emulator is
 * not in src/ yet is skipped with a note.
 */
const fs = require("fs")
const path = require("path")
const { ROOT } = require("../lib/ts")

const PLANNED = [
  // name, provider service, emulator, official SDK on npm
  { name: "checkout", label: "Checkout.com", sdk: "checkout-sdk-node" },
  { name: "fiserv", label: "Fiserv Commerce Hub", sdk: null },
  { name: "dodo", label: "Dodo Payments", sdk: "dodopayments" },
  { name: "processout", label: "ProcessOut", sdk: null },
]

/** Entries with a bench file, then the planned ones (skipped until their bench file exists). */
function processors() {
  const entries = [require("./clover")]
  for (const p of PLANNED) {
    const file = path.join(__dirname, `${p.name}.js`)
    if (fs.existsSync(file)) entries.push(require(file))
    else entries.push({ ...p, planned: true })
  }
  return entries
}

/** Why an entry cannot run now, or null. */
function unavailable(entry) {
  if (entry.planned) {
    const service = `src/providers/${entry.name}/service.ts`
    const emulator = `src/emulators/${entry.name}/index.ts`
    const missing = [service, emulator].filter((f) => !fs.existsSync(path.join(ROOT, f)))
    if (missing.length) return `not written yet (${missing.join(", ")} missing)`
    return `provider and emulator exist but bench/processors/${entry.name}.js does not: add the entry (see bench/processors/clover.js)`
  }
  for (const f of [entry.provider.module, entry.emulator.module]) {
    if (!fs.existsSync(path.join(ROOT, f))) return `${f} missing`
  }
  return null
}

module.exports = { processors, unavailable }
