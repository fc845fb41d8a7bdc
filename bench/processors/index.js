"use strict"
/**
 * The processors the bench measures: one per processor kit (src/emulators/kits), each with its
 * bench file in this folder (see clover.js for what it holds). A kit without a bench file is
 * listed and skipped with a note.
 */
const fs = require("fs")
const path = require("path")
const { ROOT, registerTs } = require("../lib/ts")

/** The kits' ids and labels, in the kits' order. */
function kits() {
  registerTs()
  return require(path.join(ROOT, "src", "emulators", "kits")).PROCESSOR_KITS.map((kit) => ({ name: kit.id, label: kit.label }))
}

/** Entries with a bench file; the others planned (skipped until their bench file exists). */
function processors() {
  return kits().map((kit) => {
    const file = path.join(__dirname, `${kit.name}.js`)
    return fs.existsSync(file) ? require(file) : { ...kit, sdk: null, planned: true }
  })
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
