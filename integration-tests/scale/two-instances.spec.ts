/**
 * The way stores scale out: two Medusa app processes on one database, with Medusa's Redis
 * event bus, workflow engine, locking and cache. For each of the five processors, 200 partial
 * refunds across 50 captured payments, spread over both instances and sent concurrently across
 * payments: per payment and per processor, the total at the processor equals the total in
 * Medusa (converted exactly to the processor's unit), never exceeds what was captured, and every
 * refund the processor made is in the payment's refund ledger (Payment.data.refunds).
 *
 * Instance A is the test runner's app; instance B is `medusa start` in a child process on the
 * same database; both have all five providers registered. Redis at REDIS_TEST_URL (default
 * redis://127.0.0.1:6379), in a database index of its own per run. Without Redis the test says
 * so and runs the same refunds on instance A alone with Medusa's in-memory modules: two instances
 * that do not share locks and events are not a deployment Medusa supports (with them, a refund's
 * ledger sync in one instance can overwrite the next refund's entry written by the other).
 */
import { spawn, type ChildProcess } from "node:child_process"
import http from "node:http"
import net from "node:net"
import path from "node:path"
import axios, { type AxiosInstance } from "axios"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import { Decimal, toProcessorAmount } from "../../src/core/money"
import { getPayment, seedStore } from "../helpers"
import { capturedOrderPayment, scaleProcessors, settleAll, type ScaleProcessor } from "./processors"

jest.setTimeout(900_000)

const REPO = path.resolve(__dirname, "../..")
const CURRENCY = "usd"
const PAYMENTS = 50
// Amounts with cents that matter, one of them sub-cent (sent as 2 cents, half-up, while Medusa
// records 0.015). A payment's refunds go one after another, every payment at once: concurrent
// refunds of ONE order collide in Medusa's own credit-line order change ("already has an existing
// active order change"), which the exactly-once suites cover; here the concurrency is across
// payments and instances.
const ROUNDS = ["3.33", "1.01", "2.5", "0.015"]
// Payments set up at once (each: an order, a payment collection, a session, an authorization, a capture).
const SETUP_CONCURRENCY = 8
// How long the refund-ledger subscribers get to sync every payment after the last refund.
const LEDGER_SYNC_WAIT_MS = 90_000

// A private Redis database per run, so queues and locks never meet another run's.
const REDIS_BASE = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379"
const REDIS_URL = `${REDIS_BASE.replace(/\/\d+$/, "")}/${1 + Math.floor(Math.random() * 14)}`

const processors = scaleProcessors(CURRENCY)
const saved: Record<string, string | undefined> = {}
let redisUp = false
const started = Date.now()
const phase = (what: string) => console.log(`[two-instances] ${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`)

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

// Top-level: runs before the runner's own beforeAll, which loads medusa-config.ts.
beforeAll(async () => {
  redisUp = await reachable(REDIS_URL)
  if (!redisUp) {
    console.warn(
      `[two-instances] no Redis at ${REDIS_BASE} (set REDIS_TEST_URL): running on ONE instance with Medusa's ` +
        `in-memory event bus, workflow engine and locking (two instances need them shared)`
    )
  }
  const env: Record<string, string> = { PAYMENT_PROVIDERS: processors.map((p) => p.name).join(",") }
  for (const p of processors) Object.assign(env, await p.start())
  if (redisUp) env.REDIS_URL = REDIS_URL
  for (const k of [...Object.keys(env), "REDIS_URL"]) saved[k] = process.env[k]
  delete process.env.REDIS_URL
  Object.assign(process.env, env)
})
afterAll(async () => {
  await Promise.all(processors.map((p) => p.stop()))
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})

/** `medusa start` on the same database; `ready` settles once it answers /health. */
function startInstanceB(databaseUrl: string, port: number): { child: ChildProcess; ready: Promise<void> } {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, MEDUSA_ADMIN_DISABLE: "true", NODE_ENV: "development", LOG_LEVEL: "error" }
  const child = spawn(process.execPath, [require.resolve("@medusajs/cli/cli.js", { paths: [REPO] }), "start", "--port", String(port)], {
    cwd: REPO,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  })
  let output = ""
  child.stdout!.on("data", (d) => (output = (output + d).slice(-4000)))
  child.stderr!.on("data", (d) => (output = (output + d).slice(-4000)))
  const ready = (async () => {
    for (let i = 0; i < 240; i++) {
      if (child.exitCode !== null) throw new Error(`instance B exited (${child.exitCode}): ${output}`)
      const ok = await axios.get(`http://localhost:${port}/health`, { validateStatus: () => true }).then((r) => r.status === 200, () => false)
      if (ok) return
      await new Promise((r) => setTimeout(r, 500))
    }
    throw new Error(`instance B did not become healthy: ${output}`)
  })()
  ready.catch(() => undefined) // awaited below; not unhandled meanwhile
  return { child, ready }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })
}

interface ScalePayment {
  processor: ScaleProcessor
  /** Medusa's payment id. */
  id: string
  /** The processor's payment (emulator key). */
  key: string
}

type LedgerEntry = { processor_refund_id: string | null; medusa_refund_id: string | null; amount_minor: string; status: string }

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer, dbConfig }) => {
    it(`${PAYMENTS * ROUNDS.length} refunds across ${PAYMENTS} payments for each of ${processors.map((p) => p.label).join(", ")} on two instances: same totals everywhere, none lost from the ledger`, async () => {
      phase(`instance A up (${redisUp ? `Redis ${REDIS_URL}` : "in-memory modules"})`)
      const paymentModule = getContainer().resolve(Modules.PAYMENT)
      const store = await seedStore(api, getContainer(), {
        providerIds: processors.map((p) => p.providerId),
        currencyCode: CURRENCY,
        shippingAmount: 0,
      })

      // Instance B boots while A sets the payments up.
      const port = await freePort()
      const b = redisUp ? startInstanceB(`${dbConfig.clientUrl}`, port) : { child: undefined, ready: Promise.resolve() }
      // The refunds go over fresh connections: a kept-alive socket that a server closes as the
      // client reuses it fails with ECONNRESET before the request reaches Medusa.
      const fresh = (baseURL: string | undefined) => axios.create({ baseURL, httpAgent: new http.Agent({ keepAlive: false }) })
      const instanceA = fresh(api.defaults.baseURL)
      const instanceB = redisUp ? fresh(`http://localhost:${port}`) : instanceA
      try {
        // ---- 50 captured payments of 20.00 per processor; the admin captures on both instances
        const slots = processors.flatMap((processor) => Array.from({ length: PAYMENTS }, (_, i) => ({ processor, i })))
        const placed = await settleAll(slots, SETUP_CONCURRENCY, async ({ processor, i }): Promise<ScalePayment> => {
          const { paymentId } = await capturedOrderPayment(getContainer(), store, {
            providerId: processor.providerId,
            sessionData: processor.sessionData(i),
            beforeAuthorize: processor.beforeAuthorize,
            amount: 20,
            captureVia: async () => (i % 2 === 0 ? instanceA : (await b.ready, instanceB)),
          })
          const { data } = await paymentModule.retrievePayment(paymentId, { select: ["id", "data"] })
          return { processor, id: paymentId, key: processor.paymentKey(data ?? {}) }
        })
        const setupErrors = placed.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => String(r.reason?.message ?? r.reason))
        if (setupErrors.length) throw new Error(`${setupErrors.length} payments could not be set up: ${[...new Set(setupErrors)].slice(0, 5).join(" | ")}`)
        // Interleaved (clover 0, checkout 0, ..., clover 1, ...) so the processors' refunds mix.
        const payments = Array.from({ length: PAYMENTS }, (_, i) => processors.map((_, p) => (placed[p * PAYMENTS + i] as PromiseFulfilledResult<ScalePayment>).value)).flat()
        for (const processor of processors) processor.afterSetup?.()
        phase(`${payments.length} payments captured`)
        await b.ready
        if (redisUp) phase("instance B up")

        // ---- the refunds: every payment at once, each its refunds one after another, alternating instances
        const refused = new Map<ScaleProcessor, string[]>(processors.map((p) => [p, []]))
        // A call that got no HTTP answer (a connection error): its refund may or may not exist;
        // the totals below check the money either way.
        const unanswered: string[] = []
        await Promise.all(
          payments.map(async (p, i) => {
            for (const [round, amount] of ROUNDS.entries()) {
              const instance: AxiosInstance = (i + round) % 2 === 0 ? instanceA : instanceB
              await instance.post(`/admin/payments/${p.id}/refund`, { amount: Number(amount) }, store.adminHeaders).catch((e) => {
                const res = e?.response
                if (res) refused.get(p.processor)!.push(`${res.status} ${res.data?.message}`)
                else unanswered.push(`${p.processor.label} ${p.id}: ${String(e?.code ?? e?.message ?? e)}`)
              })
            }
          })
        )
        if (unanswered.length) console.warn(`[two-instances] ${unanswered.length} refund calls got no HTTP answer: ${unanswered.slice(0, 5).join(" | ")}`)
        phase(`${payments.length * ROUNDS.length} refunds sent, ${[...refused.values()].flat().length} refused`)

        // ---- Medusa's refunds, and the ledger once the plugin's subscriber has synced every payment
        const medusaRefunds = new Map<string, Array<{ id: string; amount: unknown }>>()
        await settleAll(payments, 8, async (p) => {
          const payment = await getPayment(instanceA, store.adminHeaders, p.id)
          medusaRefunds.set(p.id, payment.refunds.map((r: any) => ({ id: r.id, amount: r.raw_amount ?? r.amount })))
        })
        const ledgers = new Map<string, LedgerEntry[]>()
        const readLedger = async (p: ScalePayment) => {
          const { data } = await paymentModule.retrievePayment(p.id, { select: ["id", "data"] })
          ledgers.set(p.id, ((data?.refunds ?? []) as LedgerEntry[]).slice())
        }
        const synced = (p: ScalePayment) => {
          const ledger = ledgers.get(p.id) ?? []
          const atProcessor = p.processor.refunds(p.key)
          return atProcessor.every((r) => ledger.some((e) => e.processor_refund_id === r.id && e.medusa_refund_id)) &&
            medusaRefunds.get(p.id)!.every((r) => ledger.some((e) => e.medusa_refund_id === r.id))
        }
        const syncDeadline = Date.now() + LEDGER_SYNC_WAIT_MS
        let waiting = payments
        for (;;) {
          await settleAll(waiting, 8, readLedger)
          waiting = waiting.filter((p) => !synced(p))
          if (!waiting.length || Date.now() > syncDeadline) break
          await new Promise((r) => setTimeout(r, 500))
        }
        phase(`ledgers read (${waiting.length} payments not synced after the wait)`)

        // ---- per payment and per processor: the same totals everywhere
        const problems: string[] = []
        for (const processor of processors) {
          const mine = payments.filter((p) => p.processor === processor)
          const count = { processor: 0, medusa: 0, ledger: 0, doubles: 0, processorMinor: new Decimal(0), medusaMinor: new Decimal(0) }
          for (const p of mine) {
            const atProcessor = processor.refunds(p.key)
            const medusa = medusaRefunds.get(p.id)!
            const ledger = ledgers.get(p.id) ?? []
            const processorMinor = atProcessor.reduce((s, r) => s.plus(r.minor), new Decimal(0))
            // Each Medusa refund in the processor's unit, exactly as the provider converts it.
            const medusaMinor = medusa.reduce((s, r) => s.plus(toProcessorAmount(r.amount, CURRENCY, processor.profile).minor), new Decimal(0))
            const captured = processor.capturedMinor(p.key)
            count.processor += atProcessor.length
            count.medusa += medusa.length
            count.ledger += ledger.length
            count.doubles += Math.max(0, atProcessor.length - medusa.length)
            count.processorMinor = count.processorMinor.plus(processorMinor)
            count.medusaMinor = count.medusaMinor.plus(medusaMinor)
            const where = `${processor.label} payment ${p.id} (${p.key})`
            if (!processorMinor.eq(medusaMinor)) problems.push(`${where}: ${processorMinor} minor units refunded at the processor, ${medusaMinor} in Medusa`)
            if (processorMinor.gt(captured)) problems.push(`${where}: ${processorMinor} minor units refunded, more than the ${captured} captured`)
            if (atProcessor.length !== medusa.length) problems.push(`${where}: ${atProcessor.length} refunds at the processor, ${medusa.length} in Medusa`)
            for (const r of atProcessor) {
              if (!ledger.some((e) => e.processor_refund_id === r.id)) problems.push(`${where}: processor refund ${r.id} (${r.minor}) is not in the refund ledger`)
            }
            const ledgerIds = ledger.map((e) => e.medusa_refund_id).sort()
            const medusaIds = medusa.map((r) => r.id).sort()
            if (JSON.stringify(ledgerIds) !== JSON.stringify(medusaIds)) problems.push(`${where}: ledger has Medusa refunds ${JSON.stringify(ledgerIds)}, Medusa ${JSON.stringify(medusaIds)}`)
            const ledgerMinor = ledger.filter((e) => e.status !== "failed").reduce((s, e) => s.plus(e.amount_minor), new Decimal(0))
            if (!ledgerMinor.eq(processorMinor)) problems.push(`${where}: ledger sums to ${ledgerMinor} minor units, the processor to ${processorMinor}`)
          }
          const reasons = [...new Set(refused.get(processor)!)]
          console.log(
            `[two-instances] ${processor.label}: ${count.processor} refunds at the processor (${count.processorMinor} minor units), ` +
              `${count.medusa} in Medusa (${count.medusaMinor}), ${count.ledger} ledger entries, ${count.doubles} doubles, ` +
              `${refused.get(processor)!.length} of ${mine.length * ROUNDS.length} refused${reasons.length ? `: ${reasons.join(" | ")}` : ""}`
          )
        }
        expect(problems).toEqual([])
        // A refused refund must say why (an HTTP answer with a message); and most must go through,
        // or the totals above check little.
        for (const reasons of refused.values()) {
          for (const r of reasons) expect(r).toMatch(/^\d{3} \S/)
          expect(reasons.length).toBeLessThan((PAYMENTS * ROUNDS.length) / 4)
        }
        expect(unanswered.length).toBeLessThan(PAYMENTS / 10)
      } finally {
        try {
          if (b.child) process.kill(-b.child.pid!, "SIGTERM")
        } catch {}
      }
    })
  },
})
