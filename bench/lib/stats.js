"use strict"
/** Small statistics helpers: percentiles (nearest rank on a sorted copy), medians, formatting. */

function percentile(values, p) {
  if (!values.length) return NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

function median(values) {
  const v = values.filter((x) => Number.isFinite(x))
  if (!v.length) return NaN
  const s = [...v].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

function fmt(x, digits = 2) {
  if (x === undefined || x === null || Number.isNaN(x)) return "n/a"
  if (!Number.isFinite(x)) return String(x)
  return x.toFixed(digits)
}

function fmtInt(x) {
  if (x === undefined || x === null || !Number.isFinite(x)) return "n/a"
  return Math.round(x).toLocaleString("en-US")
}

/**
 * Runs fn(i, worker) for i in [0, n) with at most `concurrency` in flight (worker in
 * [0, concurrency)); resolves with the elapsed ms.
 */
async function pool(n, concurrency, fn) {
  let next = 0
  const started = performance.now()
  async function worker(_, w) {
    for (;;) {
      const i = next++
      if (i >= n) return
      await fn(i, w)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
  return performance.now() - started
}

module.exports = { percentile, median, fmt, fmtInt, pool }
