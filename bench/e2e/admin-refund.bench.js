/**
 * Part 4 of `npm run bench`: an admin refund through Medusa's HTTP API
 * (POST /admin/payments/:id/refund) with our provider(s) against the same with Medusa's
 * built-in system provider (pp_system_default), in the same app, interleaved.
 *
 * Run by bench/run.js (jest --config bench/jest.e2e.config.js), which starts each processor's
 * emulator in its own process and passes:
 *   BENCH_E2E_PROCESSORS  JSON [{ name, url }]: processors to measure (bench/processors/<name>.js)
 *   BENCH_E2E_ORDERS      orders per provider (default 12)
 *   BENCH_E2E_REFUNDS     refunds per order (default 4)
 *   BENCH_E2E_OUT         where to write the JSON result
 * It reuses integration-tests/helpers (seed, checkout, capture, refund) unchanged; an entry whose
 * checkout placeOrder cannot drive gives e2e.placeCapturedOrder (bench/processors/clover.js).
 */
const fs = require("node:fs")
const path = require("node:path")
const { medusaIntegrationTestRunner } = require("@medusajs/test-utils")
// The helpers are TypeScript; jest compiles them (bench/jest.e2e.config.js). This file stays
// JavaScript so `medusa plugin:build` (which compiles every .ts outside integration-tests/) never ships it.
const { capturePayment, getOnlyPayment, placeOrder, refundPayment, seedStore } = require("../../integration-tests/helpers")

jest.setTimeout(1_800_000)

const SYSTEM = "pp_system_default"
const targets = JSON.parse(process.env.BENCH_E2E_PROCESSORS ?? "[]")
const ORDERS = Number(process.env.BENCH_E2E_ORDERS ?? 12)
const REFUNDS_PER_ORDER = Number(process.env.BENCH_E2E_REFUNDS ?? 4)
const WARMUP_ORDERS = 2
const OUT = process.env.BENCH_E2E_OUT

const entries = targets.map((t) => ({ ...t, entry: require(`../processors/${t.name}.js`) }))

function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    it("times admin refunds: our providers vs the system provider", async () => {
      const contenders = [
        { id: SYSTEM, label: "Medusa system provider", sessionData: () => undefined },
        ...entries.map((e) => ({
          id: e.entry.e2e.providerId,
          label: e.entry.label,
          sessionData: e.entry.e2e.sessionData,
          placeCapturedOrder: e.entry.e2e.placeCapturedOrder,
          afterCapture: e.entry.e2e.afterCapture && (() => e.entry.e2e.afterCapture(e.url)),
        })),
      ]
      const store = await seedStore(api, getContainer(), {
        providerIds: contenders.map((c) => c.id),
        variants: [{ title: "Parka", sku: `BENCH-PARKA-${Date.now()}`, amount: 200, stock: 10_000 }],
        shippingAmount: 5,
      })
      const admin = store.adminHeaders

      // Orders: captured payments of 205.00, interleaved across providers (seeding is not timed).
      // A provider whose checkout or capture fails here is left out, with the reason.
      const payments = Object.fromEntries(contenders.map((c) => [c.id, []]))
      const failed = {}
      const seedStarted = Date.now()
      for (let i = 0; i < ORDERS + WARMUP_ORDERS; i++) {
        for (const c of contenders) {
          if (failed[c.id]) continue
          try {
            if (c.placeCapturedOrder) {
              // A checkout of its own (e.g. Dodo's hosted page), captured when it returns
              payments[c.id].push((await c.placeCapturedOrder(api, store)).id)
              continue
            }
            const { order } = await placeOrder(api, store, { providerId: c.id, sessionData: c.sessionData() })
            const payment = await getOnlyPayment(api, admin, order.id)
            await capturePayment(api, admin, payment.id)
            await c.afterCapture?.()
            payments[c.id].push(payment.id)
          } catch (e) {
            failed[c.id] = `checkout or capture failed: ${String(e?.message ?? e).slice(0, 300)}`
          }
        }
      }
      const seedSeconds = (Date.now() - seedStarted) / 1000
      if (failed[SYSTEM]) throw new Error(`the system provider's orders failed: ${failed[SYSTEM]}`)

      const live = () => contenders.filter((c) => !failed[c.id])
      const rotate = (i) => live().map((_, j, all) => all[(i + j) % all.length])
      const times = Object.fromEntries(contenders.map((c) => [c.id, []]))
      const refund = async (c, paymentId) => {
        try {
          return await refundPayment(api, admin, paymentId, { amount: 1 })
        } catch (e) {
          failed[c.id] = `refund failed: ${String(e?.message ?? e).slice(0, 300)}`
          return undefined
        }
      }

      // Warm-up: the first refund of each workflow path compiles and caches a lot
      for (let i = 0; i < WARMUP_ORDERS; i++) {
        for (let r = 0; r < REFUNDS_PER_ORDER; r++) {
          for (const c of rotate(i + r)) await refund(c, payments[c.id][i])
        }
      }
      // Timed: refund k of every order, interleaved across providers in a rotating order
      let step = 0
      for (let r = 0; r < REFUNDS_PER_ORDER; r++) {
        for (let i = WARMUP_ORDERS; i < ORDERS + WARMUP_ORDERS; i++) {
          for (const c of rotate(step++)) {
            const t0 = performance.now()
            const payment = await refund(c, payments[c.id][i])
            const ms = performance.now() - t0
            if (!payment) continue
            if (payment.refunds?.length !== r + 1) failed[c.id] = `payment ${payments[c.id][i]} has ${payment.refunds?.length} refunds after refund ${r + 1}`
            else times[c.id].push(ms)
          }
        }
      }
      if (failed[SYSTEM]) throw new Error(`the system provider's refunds failed: ${failed[SYSTEM]}`)

      // Every refund of ours reached its emulator
      const reached = {}
      for (const e of entries) {
        const res = await fetch(`${e.url}/__emulator/requests?method=POST`)
        const body = await res.json()
        const refundPath = new RegExp(e.entry.e2e.refundPathPattern)
        reached[e.entry.e2e.providerId] = body.requests.filter((q) => refundPath.test(q.path) && q.status >= 200 && q.status < 300).length
        const expected = (ORDERS + WARMUP_ORDERS) * REFUNDS_PER_ORDER
        if (!failed[e.entry.e2e.providerId] && reached[e.entry.e2e.providerId] !== expected) {
          failed[e.entry.e2e.providerId] = `${reached[e.entry.e2e.providerId]} refunds reached the emulator, ${expected} expected`
        }
      }

      const result = {
        orders: ORDERS,
        refundsPerOrder: REFUNDS_PER_ORDER,
        warmupOrders: WARMUP_ORDERS,
        seedSeconds,
        reachedEmulator: reached,
        failed,
        contenders: contenders.filter((c) => !failed[c.id]).map((c) => ({
          id: c.id,
          label: c.label,
          n: times[c.id].length,
          p50: percentile(times[c.id], 50),
          p90: percentile(times[c.id], 90),
          p99: percentile(times[c.id], 99),
          mean: times[c.id].reduce((a, b) => a + b, 0) / times[c.id].length,
          samples: times[c.id],
        })),
      }
      if (OUT) {
        fs.mkdirSync(path.dirname(OUT), { recursive: true })
        fs.writeFileSync(OUT, JSON.stringify(result, null, 2))
      }
    })
  },
})
