/**
 * The way stores scale out: two Medusa app processes on one database, with Medusa's Redis
 * event bus, workflow engine, locking and cache. 200 refunds across 50 payments, spread over
 * both instances and sent concurrently: per payment, the total at the processor equals the
 * total in Medusa, never exceeds what was captured, and every refund is in the ledger.
 *
 * Instance A is the test runner's app; instance B is `medusa start` in a child process on
 * the same database. Needs Redis at REDIS_TEST_URL (default redis://127.0.0.1:6379).
 */
import { spawn, type ChildProcess } from "node:child_process"
import net from "node:net"
import path from "node:path"
import axios from "axios"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import { CloverEmulator } from "../../src/emulators/clover"
import { capturePayment, getOnlyPayment, getPayment, placeOrder, seedStore } from "../helpers"
import { Decimal, toDecimal } from "../../src/core/money"

jest.setTimeout(600_000)

const REPO = path.resolve(__dirname, "../..")
const PROVIDER_ID = "pp_clover_clover"
const PAYMENTS = 50
const REFUNDS_PER_PAYMENT = 4
// A private Redis database per run, so queues and locks never meet another run's.
const REDIS_BASE = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379"
const REDIS_URL = `${REDIS_BASE.replace(/\/\d+$/, "")}/${1 + Math.floor(Math.random() * 14)}`

const emu = new CloverEmulator()
const saved: Record<string, string | undefined> = {}
let redisUp = false

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = net.connect(Number(port || 6379), hostname)
    socket.setTimeout(1000)
    socket.once("connect", () => (socket.destroy(), resolve(true)))
    socket.once("error", () => resolve(false))
    socket.once("timeout", () => (socket.destroy(), resolve(false)))
  })
}

beforeAll(async () => {
  redisUp = await reachable(REDIS_URL)
  const url = await emu.start()
  const env = { CLOVER_ENVIRONMENT: url, CLOVER_API_KEY: "emulator_clover_key", CLOVER_CAPTURE_MODE: "manual", PAYMENT_PROVIDERS: "clover", ...(redisUp ? { REDIS_URL } : {}) }
  for (const k of [...Object.keys(env), "REDIS_URL"]) saved[k] = process.env[k]
  Object.assign(process.env, env)
})
afterAll(async () => {
  await emu.stop()
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})

async function startInstanceB(databaseUrl: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [require.resolve("@medusajs/cli/cli.js", { paths: [REPO] }), "start", "--port", String(port)], {
    cwd: REPO,
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL, MEDUSA_ADMIN_DISABLE: "true", NODE_ENV: "development", LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  })
  let output = ""
  child.stdout!.on("data", (d) => (output = (output + d).slice(-4000)))
  child.stderr!.on("data", (d) => (output = (output + d).slice(-4000)))
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`instance B exited (${child.exitCode}): ${output}`)
    const ok = await axios.get(`http://localhost:${port}/health`, { validateStatus: () => true }).then((r) => r.status === 200, () => false)
    if (ok) return child
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`instance B did not become healthy: ${output}`)
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })
}

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer, dbConfig }) => {
    it(`${PAYMENTS * REFUNDS_PER_PAYMENT} refunds across ${PAYMENTS} payments on two instances: same totals everywhere`, async () => {
      if (!redisUp) {
        console.warn(`[two-instances] skipped: no Redis at ${REDIS_BASE} (set REDIS_TEST_URL)`)
        return
      }
      const store = await seedStore(api, getContainer(), {
        providerIds: [PROVIDER_ID],
        variants: [{ title: "Item", sku: "SCALE-1", amount: 20, stock: 1000 }],
        shippingAmount: 0,
      })
      const payments: Array<{ id: string; chargeId: string }> = []
      for (let i = 0; i < PAYMENTS; i++) {
        const token = `clv_scale_${i}_${Date.now()}`
        const { order } = await placeOrder(api, store, { providerId: PROVIDER_ID, sessionData: { source: token, customer_ip: "203.0.113.7" } })
        const payment = await getOnlyPayment(api, store.adminHeaders, order.id)
        await capturePayment(api, store.adminHeaders, payment.id)
        const charge = emu.listCharges().find((c) => c.source?.id === token || c.status === "succeeded" && !payments.some((p) => p.chargeId === c.id))!
        payments.push({ id: payment.id, chargeId: charge.id })
      }

      const port = await freePort()
      const b = await startInstanceB(`${dbConfig.clientUrl}`, port)
      const instanceB = axios.create({ baseURL: `http://localhost:${port}` })
      try {
        // Refund amounts with cents that matter; each payment gets 4 refunds (one of them sub-cent).
        // One round sends one refund per payment, all 50 at once, spread over both instances.
        // (Concurrent refunds of ONE order collide in Medusa's own credit-line order change,
        // "already has an existing active order change"; clover-exactly-once.spec.ts covers that.)
        const amounts = [3.33, 1.01, 2.5, 0.015]
        const outcomes: PromiseSettledResult<unknown>[] = []
        for (const [round, amount] of amounts.entries()) {
          outcomes.push(
            ...(await Promise.allSettled(
              payments.map((p, i) =>
                ((i + round) % 2 === 0 ? api : instanceB).post(`/admin/payments/${p.id}/refund`, { amount }, store.adminHeaders)
              )
            ))
          )
        }
        const jobs = outcomes
        const refused = outcomes.filter((o) => o.status === "rejected") as PromiseRejectedResult[]
        for (const r of refused) expect(typeof r.reason?.response?.data?.message).toBe("string")
        const reasons = [...new Set(refused.map((r) => `${r.reason?.response?.status} ${r.reason?.response?.data?.message}`))]
        expect({ refused: refused.length, reasons }).toEqual({ refused: expect.any(Number), reasons: expect.any(Array) })
        if (refused.length >= jobs.length / 4) throw new Error(`${refused.length} of ${jobs.length} refunds refused: ${reasons.join(" | ")}`)

        const paymentModule = getContainer().resolve(Modules.PAYMENT)
        for (const p of payments) {
          const medusa = await getPayment(api, store.adminHeaders, p.id)
          // Medusa keeps 0.015 as is: sum exactly, in cents.
          const medusaCents = medusa.refunds.reduce((s: Decimal, r: any) => s.plus(toDecimal(r.raw_amount ?? r.amount)), new Decimal(0)).shiftedBy(2).toNumber()
          const charge = emu.getCharge(p.chargeId)!
          const cloverCents = emu.listRefunds(p.chargeId).reduce((s, r) => s + r.amount, 0)
          // 0.015 is sent as 2 cents (half-up) while Medusa records 0.015: at most half a cent per refund apart.
          expect(Math.abs(cloverCents - medusaCents)).toBeLessThanOrEqual(medusa.refunds.length * 0.5 + 0.0001)
          expect(cloverCents).toBeLessThanOrEqual(charge.amount_captured!)
          expect(emu.listRefunds(p.chargeId)).toHaveLength(medusa.refunds.length)
          let ledger: any[] = []
          for (let i = 0; i < 50; i++) {
            ledger = ((await paymentModule.retrievePayment(p.id, { select: ["id", "data"] })).data?.refunds ?? []) as any[]
            if (ledger.length === medusa.refunds.length && ledger.every((e) => e.medusa_refund_id)) break
            await new Promise((r) => setTimeout(r, 200))
          }
          expect(ledger.map((e) => e.medusa_refund_id).sort()).toEqual(medusa.refunds.map((r: any) => r.id).sort())
          expect(ledger.reduce((s, e) => s + Number(e.amount_minor), 0)).toBe(cloverCents)
        }
      } finally {
        try {
          process.kill(-b.pid!, "SIGTERM")
        } catch {}
      }
    })
  },
})
