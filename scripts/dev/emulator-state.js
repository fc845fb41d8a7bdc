"use strict"
/**
 * Keeps the dev Clover emulator's memory across `npm run dev` runs.
 *
 * Why: the emulator is in-memory, but the dev database persists. Without this, the
 * demo order seeded by an earlier run points at a charge the fresh emulator has never
 * seen, so refunding it in the admin would fail with "No such charge".
 *
 * The emulator has no public import/export API (yet), so this reads and writes its
 * runtime fields (TypeScript `private` is compile-time only). Every access is checked:
 * if the emulator's internals change shape, we skip persistence with a warning and the
 * seed falls back to creating a fresh demo order (it verifies the charge exists).
 */
const fs = require("fs")

function looksCompatible(emu) {
  return (
    emu &&
    emu.charges instanceof Map &&
    emu.refunds instanceof Map &&
    emu.usedTokens instanceof Set &&
    Array.isArray(emu.journal) &&
    typeof emu.nextRequestId === "number"
  )
}

/** Writes the emulator's state to `file`. Returns false when it cannot. */
function saveEmulatorState(emu, file) {
  if (!looksCompatible(emu)) return false
  const idem = emu.idempotency && emu.idempotency.entries instanceof Map ? [...emu.idempotency.entries] : []
  const state = {
    version: 1,
    charges: [...emu.charges],
    refunds: [...emu.refunds],
    usedTokens: [...emu.usedTokens],
    idempotency: idem,
    journal: emu.journal.slice(-500), // enough history to show; keeps the file small
    nextRequestId: emu.nextRequestId,
  }
  fs.writeFileSync(file, JSON.stringify(state))
  return true
}

/** Loads state saved by saveEmulatorState into a fresh emulator. Returns a short description or false. */
function restoreEmulatorState(emu, file) {
  if (!fs.existsSync(file) || !looksCompatible(emu)) return false
  let state
  try {
    state = JSON.parse(fs.readFileSync(file, "utf8"))
  } catch (e) {
    return false
  }
  if (!state || state.version !== 1) return false
  emu.charges = new Map(state.charges)
  emu.refunds = new Map(state.refunds)
  emu.usedTokens = new Set(state.usedTokens)
  if (emu.idempotency && emu.idempotency.entries instanceof Map) {
    emu.idempotency.entries.clear()
    for (const [k, v] of state.idempotency || []) emu.idempotency.entries.set(k, v)
  }
  emu.journal = state.journal || []
  emu.nextRequestId = state.nextRequestId || emu.journal.length + 1
  return `${emu.charges.size} charge(s), ${emu.refunds.size} refund(s), ${emu.journal.length} journaled request(s)`
}

module.exports = { saveEmulatorState, restoreEmulatorState }
