/**
 * The refund guard middleware with Medusa's in-memory locking provider: one refund per order at a
 * time, the lock held until the response ends (bounded), refused refunds release it at once, and
 * input it cannot read is handed to Medusa untouched.
 */
import { EventEmitter } from "node:events"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { InMemoryLockingProvider } from "@medusajs/locking/dist/providers/in-memory"
import { createRefundGuard, createReturnRefundLock } from "../middlewares"

type Change = { id: string; change_type: string; status: string }

function world() {
  const orders: Record<string, { id: string; display_id: number; status: string; summary: { pending_difference: number } }> = {
    order_a: { id: "order_a", display_id: 1, status: "pending", summary: { pending_difference: 0 } },
    order_b: { id: "order_b", display_id: 2, status: "pending", summary: { pending_difference: 0 } },
  }
  const paymentOrder: Record<string, string> = { pay_a1: "order_a", pay_a2: "order_a", pay_b1: "order_b" }
  const changes: Record<string, Change[]> = { order_a: [], order_b: [] }
  const queries: string[] = []
  const query = {
    async graph({ entity, filters }: { entity: string; fields: string[]; filters: any }) {
      queries.push(entity)
      if (entity === "payment" && !("order_id" in filters)) {
        const orderId = paymentOrder[filters.id]
        return { data: orderId ? [{ id: filters.id, amount: 50, currency_code: "usd", payment_collection: { order: { id: orderId } } }] : [] }
      }
      if (entity === "order") return { data: orders[filters.id] ? [orders[filters.id]] : [] }
      if (entity === "return") return { data: filters.id === "return_a" ? [{ id: "return_a", order_id: "order_a" }] : [] }
      if (entity === "order_change") return { data: (changes[filters.order_id] ?? []).filter((c) => filters.status.includes(c.status)) }
      return { data: [] }
    },
  }
  const locking = new InMemoryLockingProvider()
  const scope = {
    resolve(key: string) {
      if (key === ContainerRegistrationKeys.QUERY) return query
      if (key === Modules.LOCKING) return locking
      if (key === ContainerRegistrationKeys.LOGGER) return { warn() {} }
      throw new Error(`not registered: ${key}`)
    },
  }
  const request = (paymentId: unknown, body: unknown) => ({ params: { id: paymentId }, body, validatedBody: body, scope }) as any
  return { orders, changes, queries, request }
}

function response() {
  const res = new EventEmitter() as any
  res.status = (code: number) => ((res.statusCode = code), res)
  res.json = (body: unknown) => {
    res.body = body
    res.emit("finish")
    return res
  }
  return res
}
/** Runs the guard; resolves with "next" when it handed on, or the error it threw. */
function run(guard: ReturnType<typeof createRefundGuard>, req: any, res: any) {
  let passed: (v: string) => void
  const handedOn = new Promise<string>((resolve) => (passed = resolve))
  const done = guard(req, res, (() => passed!("next")) as any).then(
    () => undefined,
    (e) => e
  )
  return Promise.race([handedOn, done.then((e) => e ?? "returned")])
}
const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms))

describe("guardRefund", () => {
  const guard = createRefundGuard({ waitSeconds: 1, leaseSeconds: 1, holdMs: 5_000 })

  it("hands input it cannot read to Medusa's validator untouched, without a query", async () => {
    const w = world()
    for (const [id, body] of [
      ["pay_a1", { amount: "1" }],
      ["pay_a1", { amount: -1 }],
      ["pay_a1", { amount: Number.POSITIVE_INFINITY }],
      ["pay_a1", [1]],
      ["pay_a1", "amount=1"],
      ["pay_'; drop", { amount: 1 }],
      [undefined, { amount: 1 }],
      ["x".repeat(101), { amount: 1 }],
    ] as const) {
      expect(await run(guard, w.request(id, body), response())).toBe("next")
    }
    expect(w.queries).toEqual([])
  })

  it("a payment without an order goes to Medusa (which stops before the provider), unlocked", async () => {
    const w = world()
    expect(await run(guard, w.request("pay_nowhere", { amount: 1 }), response())).toBe("next")
    expect(await run(guard, w.request("pay_nowhere", { amount: 1 }), response())).toBe("next")
  })

  it("refuses a credit line while a return is open, names it, and releases the lock at once", async () => {
    const w = world()
    w.changes.order_a.push({ id: "ordch_1", change_type: "return_request", status: "pending" })
    const refused = await run(guard, w.request("pay_a1", { amount: 1 }), response())
    expect(refused).toEqual(expect.objectContaining({ type: "not_allowed", message: expect.stringContaining("Order #1 has a return being requested (order change ordch_1, status pending)") }))
    w.changes.order_a = []
    expect(await run(guard, w.request("pay_a2", { amount: 1 }), response())).toBe("next")
  })

  it("one refund per order at a time: the next waits until the response has ended, and reads the order afresh", async () => {
    const w = world()
    const first = response()
    expect(await run(guard, w.request("pay_a1", { amount: 1 }), first)).toBe("next")

    const second = run(guard, w.request("pay_a2", { amount: 1 }), response())
    const other = run(guard, w.request("pay_b1", { amount: 1 }), response())
    expect(await other).toBe("next") // another order is not held up
    await tick()
    let secondDone = false
    void second.then(() => (secondDone = true))
    await tick()
    expect(secondDone).toBe(false)

    // Meanwhile the first refund's handler left an active change behind: the second sees it.
    w.changes.order_a.push({ id: "ordch_2", change_type: "credit_line", status: "pending" })
    first.emit("finish")
    first.emit("close")
    expect(await second).toEqual(expect.objectContaining({ type: "not_allowed", message: expect.stringContaining("ordch_2") }))
  })

  it("answers 409 when the order stays locked past the wait, and never holds past holdMs", async () => {
    const w = world()
    const short = createRefundGuard({ waitSeconds: 1, leaseSeconds: 1, holdMs: 1_500 })
    expect(await run(short, w.request("pay_a1", { amount: 1 }), response())).toBe("next") // response never ends
    const started = Date.now()
    const busyRes = response()
    expect(await run(short, w.request("pay_a2", { amount: 1 }), busyRes)).toBe("returned")
    expect(busyRes.statusCode).toBe(409)
    expect(busyRes.body).toEqual({ type: "conflict", message: expect.stringMatching(/^Other refunds of order order_a have been running for 1 s; nothing was sent to the processor\./) })
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    await tick(700)
    expect(await run(short, w.request("pay_a2", { amount: 1 }), response())).toBe("next")
  })

  it("\"Refund this return\" and the admin's refunds of the same order take turns", async () => {
    const w = world()
    const returns = createReturnRefundLock({ waitSeconds: 1, leaseSeconds: 1, holdMs: 5_000 })
    const adminRefund = response()
    expect(await run(guard, w.request("pay_a1", { amount: 1 }), adminRefund)).toBe("next")

    const returnRefund = response()
    let handedOn = false
    const waiting = run(returns, w.request("return_a", {}), returnRefund).then((r) => ((handedOn = true), r))
    await tick()
    expect(handedOn).toBe(false)
    adminRefund.emit("finish")
    expect(await waiting).toBe("next")

    // Now the return's refund holds the order: the admin's next refund waits for it.
    let adminNext = false
    const next = run(guard, w.request("pay_a2", { amount: 1 }), response()).then((r) => ((adminNext = true), r))
    await tick()
    expect(adminNext).toBe(false)
    returnRefund.emit("close")
    expect(await next).toBe("next")

    // Unknown or malformed return ids go to the route, which answers them.
    expect(await run(returns, w.request("return_unknown", {}), response())).toBe("next")
    expect(await run(returns, w.request("return_'; --", {}), response())).toBe("next")
  })
})
