#!/usr/bin/env node
"use strict"
/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and total
 * (inclusive) time per function, top N each, with file:line relative to the repo.
 *   node bench/lib/profile-summary.js <file.cpuprofile> [--top 25] [--filter text]
 */
const fs = require("fs")
const path = require("path")
const { ROOT } = require("./ts")

function summarise(file, { top = 25, filter } = {}) {
  const profile = JSON.parse(fs.readFileSync(file, "utf8"))
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  // sample durations
  const dt = new Map()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) dt.set(samples[i], (dt.get(samples[i]) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0))
  const total = [...dt.values()].reduce((a, b) => a + b, 0)
  const label = (n) => {
    const f = n.callFrame
    let url = f.url || ""
    if (url.startsWith("file://")) url = url.slice(7)
    if (url.startsWith(ROOT)) url = path.relative(ROOT, url)
    url = url.replace(/^node_modules\//, "nm/")
    return `${f.functionName || "(anonymous)"} ${url ? `${url}:${f.lineNumber + 1}` : ""}`.trim()
  }
  const self = new Map()
  const incl = new Map()
  for (const [id, us] of dt) {
    const n = byId.get(id)
    const l = label(n)
    self.set(l, (self.get(l) ?? 0) + us)
    const seen = new Set()
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const ll = label(byId.get(cur))
      if (seen.has(ll)) continue
      seen.add(ll)
      incl.set(ll, (incl.get(ll) ?? 0) + us)
    }
  }
  const pick = (m) =>
    [...m.entries()]
      .filter(([l]) => !filter || l.includes(filter))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, us]) => ({ fn: l, ms: us / 1000, pct: (100 * us) / total }))
  return { totalMs: total / 1000, self: pick(self), inclusive: pick(incl) }
}

if (require.main === module) {
  const file = process.argv[2]
  const topArg = process.argv.indexOf("--top")
  const filterArg = process.argv.indexOf("--filter")
  const s = summarise(file, {
    top: topArg > 0 ? Number(process.argv[topArg + 1]) : 25,
    filter: filterArg > 0 ? process.argv[filterArg + 1] : undefined,
  })
  const show = (title, rows) => {
    console.log(`\n${title} (of ${s.totalMs.toFixed(0)} ms sampled)`)
    for (const r of rows) console.log(`${r.pct.toFixed(1).padStart(6)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.fn}`)
  }
  show("self time", s.self)
  show("inclusive time", s.inclusive)
}

module.exports = { summarise }
