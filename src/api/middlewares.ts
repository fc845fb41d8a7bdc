import { defineMiddlewares, type MedusaNextFunction, type MedusaRequest, type MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, MedusaError, Modules } from "@medusajs/framework/utils"
import { decideCancel, decideRefund, loadCancelGuardState, loadRefundGuardState, orderIdOfPayment } from "./refund-guard"
import { pluginProvider } from "./plugin-provider"
import { refreshStorePolicy } from "../modules/refund-policy/policy"
import { stampCartLines } from "./stamp-cart-lines"

import { WEBHOOK_TOKEN_HEADER } from "../core/webhooks"

type PluginProvider = {
  stampRequestIp?(ip: string | undefined): Record<string, string>
  verifyWebhookToken?(token: string | undefined): boolean
}

/**
 * The shopper's session data never carries a customer IP of their own: whatever they sent is
 * replaced by the IP of this request (Medusa trusts one proxy hop), stamped with a proof the
 * provider checks at initiate.
 */
export function stampCustomerIp(req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction) {
  const body = req.body as { provider_id?: unknown; data?: unknown } | undefined
  if (body && typeof body === "object" && body.data && typeof body.data === "object" && !Array.isArray(body.data)) {
    const data = { ...(body.data as Record<string, unknown>) }
    delete data.customer_ip
    delete data.customer_ip_proof
    const stamp = pluginProvider<PluginProvider>(req, body.provider_id)?.stampRequestIp?.(req.ip)
    body.data = { ...data, ...(stamp ?? {}) }
  } else if (body && typeof body === "object") {
    const stamp = pluginProvider<PluginProvider>(req, body.provider_id)?.stampRequestIp?.(req.ip)
    if (stamp && Object.keys(stamp).length) body.data = stamp
  }
  next()
}

/**
 * Webhooks of processors that sign nothing (ProcessOut) carry a per-store secret in the URL
 * (`?token=`): checked here in constant time before Medusa queues the event, and copied into a
 * header the provider checks again (the provider alone sees the webhook's headers, not its URL).
 */
export function checkWebhookToken(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
  delete req.headers[WEBHOOK_TOKEN_HEADER]
  const param = req.params?.provider
  const provider = typeof param === "string" ? pluginProvider<PluginProvider>(req, param.startsWith("pp_") ? param : `pp_${param}`) : undefined
  if (!provider?.verifyWebhookToken) return next()
  const token = typeof req.query?.token === "string" ? req.query.token : undefined
  if (!provider.verifyWebhookToken(token)) {
    res.status(401).json({ type: "unauthorized", message: "Webhook token missing or wrong." })
    return
  }
  req.headers[WEBHOOK_TOKEN_HEADER] = token
  next()
}

export type RefundLockOptions = {
  /** How long a refund waits for the one before it on the same order, in seconds (the locking module's unit). */
  waitSeconds: number
  /** A Redis lock's lease, renewed while held: what a crashed instance leaves locked, at most. */
  leaseSeconds: number
  /** The longest one refund keeps its order locked, if its response never ends. */
  holdMs: number
}

// Waiting is the normal case for refunds sent together (each takes a provider round trip): a queue
// of 20 on one order under load takes about a minute, so the wait is long and the 409 rare.
export const REFUND_LOCK: Readonly<RefundLockOptions> = Object.freeze({ waitSeconds: 120, leaseSeconds: 30, holdMs: 120_000 })

/** Thrown when the order's lock stays taken; answered by the guard itself (Medusa's handler rewrites a 409's message). */
class RefundLockBusy extends Error {}

const ID_SHAPE = /^[A-Za-z0-9_-]{1,100}$/
const INVALID = Symbol("invalid")

/** The body's amount as Medusa's validator leaves it (a positive number, or none); INVALID for anything else. */
function refundAmountOf(req: MedusaRequest): number | undefined | typeof INVALID {
  const body = ((req as { validatedBody?: unknown }).validatedBody ?? req.body) as unknown
  if (body === undefined || body === null) return undefined
  if (typeof body !== "object" || Array.isArray(body)) return INVALID
  const amount = (body as { amount?: unknown }).amount
  if (amount === undefined) return undefined
  return typeof amount === "number" && Number.isFinite(amount) && amount > 0 ? amount : INVALID
}

type Locking = {
  execute<T>(keys: string | string[], job: () => Promise<T>, args?: { timeout?: number; expire?: number }): Promise<T>
}
type Logger = { warn(message: string): void }

/**
 * Takes `key` in Medusa's locking module (Redis with REDIS_URL, in-process otherwise) and keeps
 * it until the returned function is called or `holdMs` pass. Throws a 409 when the key stays
 * taken for `waitSeconds`.
 */
async function holdLock(locking: Locking, key: string, busy: string, options: RefundLockOptions, logger?: Logger): Promise<() => void> {
  let finish!: () => void
  const finished = new Promise<void>((resolve) => (finish = resolve))
  let acquired = false
  await new Promise<void>((resolve, reject) => {
    locking
      .execute(
        key,
        async () => {
          acquired = true
          resolve()
          await finished
        },
        { timeout: options.waitSeconds, expire: options.leaseSeconds }
      )
      .catch((error: unknown) => {
        if (!acquired) reject(new RefundLockBusy(busy))
        // The lease was lost while the refund ran (Redis unreachable): nothing to undo, say so.
        else logger?.warn(`refund guard: the lock ${key} was lost before the refund finished (${String((error as Error)?.message ?? error).slice(0, 200)})`)
      })
  })
  const timer = setTimeout(finish, options.holdMs)
  timer.unref?.()
  return () => {
    clearTimeout(timer)
    finish()
  }
}

/**
 * Takes the order's refund lock for this request, or answers 409 itself and returns null when
 * other refunds of the order keep it past the wait.
 */
async function takeOrderLock(req: MedusaRequest, res: MedusaResponse, orderId: string, options: RefundLockOptions): Promise<(() => void) | null> {
  let logger: Logger | undefined
  try {
    logger = req.scope.resolve(ContainerRegistrationKeys.LOGGER) as Logger
  } catch {
    logger = undefined
  }
  const locking = req.scope.resolve(Modules.LOCKING) as Locking
  try {
    return await holdLock(
      locking,
      `refund-processors:order-refund:${orderId}`,
      `Other refunds of order ${orderId} have been running for ${options.waitSeconds} s; nothing was sent to the processor. ` +
        `Reload the order to see what they refunded, then try again.`,
      options,
      logger
    )
  } catch (error) {
    if (!(error instanceof RefundLockBusy)) throw error
    res.status(409).json({ type: MedusaError.Types.CONFLICT, message: error.message })
    return null
  }
}

/**
 * Takes the order's refund lock, runs `check` (which throws to refuse), then hands on to Medusa's handler with the lock
 * held until it has answered: the next refund of this order reads the order as this one left it.
 */
async function underOrderLock(
  req: MedusaRequest,
  res: MedusaResponse,
  next: MedusaNextFunction,
  orderId: string,
  options: RefundLockOptions,
  check: () => Promise<void> = async () => {}
): Promise<void> {
  const release = await takeOrderLock(req, res, orderId, options)
  if (!release) return
  let handedOn = false
  try {
    await check()
    res.once("finish", release)
    res.once("close", release)
    handedOn = true
    next()
  } finally {
    if (!handedOn) release()
  }
}

/**
 * POST /admin/payments/:id/refund: one refund per order at a time, and none that Medusa's
 * refundPaymentWorkflow would fail after the processor moved the money (see ./refund-guard.ts).
 * Runs after Medusa's own body validator; anything malformed is left to Medusa to refuse.
 */
export function createRefundGuard(options: RefundLockOptions = REFUND_LOCK) {
  return async function guardRefund(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
    const paymentId = req.params?.id
    const amount = refundAmountOf(req)
    if (typeof paymentId !== "string" || !ID_SHAPE.test(paymentId) || amount === INVALID) return next()

    const query = req.scope.resolve(ContainerRegistrationKeys.QUERY) as any
    const orderId = await orderIdOfPayment(query, paymentId)
    // No order: the workflow stops at its order lookup, before the provider is called.
    if (!orderId) return next()

    await underOrderLock(req, res, next, orderId, options, async () => {
      const state = await loadRefundGuardState(query, paymentId, orderId)
      if (state) {
        const decision = decideRefund({ ...state, amount })
        if (!decision.allow) throw new MedusaError(decision.type, decision.message)
      }
      // The store's reason map as saved now (another instance may have changed it) for the provider's refund call.
      await refreshStorePolicy(req.scope)
    })
  }
}

export const guardRefund = createRefundGuard()

/**
 * POST /admin/refund-processors/returns/:id/refund ("Refund this return") runs Medusa's
 * refundPaymentWorkflow for the return's order: it waits for, and holds off, the order's other
 * refunds through the same lock. It refunds what the received items owe, so it needs no credit
 * line and no decision here; its own route validates the id and body.
 */
export function createReturnRefundLock(options: RefundLockOptions = REFUND_LOCK) {
  return async function lockReturnRefund(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
    const returnId = req.params?.id
    if (typeof returnId !== "string" || !ID_SHAPE.test(returnId)) return next()
    const query = req.scope.resolve(ContainerRegistrationKeys.QUERY) as any
    const { data } = await query.graph({ entity: "return", fields: ["id", "order_id"], filters: { id: returnId } })
    const orderId = data?.[0]?.order_id
    if (typeof orderId !== "string" || !orderId) return next()
    await underOrderLock(req, res, next, orderId, options)
  }
}

export const lockReturnRefund = createReturnRefundLock()

/**
 * POST /admin/orders/:id/cancel: Medusa's cancelOrderWorkflow refunds the captured payments before it records them
 * as a credit line order change, which another active order change blocks (see decideCancel). Refused up front in
 * that case, and run under the order's refund lock so it never races a refund of the same order.
 */
export function createOrderCancelGuard(options: RefundLockOptions = REFUND_LOCK) {
  return async function guardOrderCancel(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
    const orderId = req.params?.id
    if (typeof orderId !== "string" || !ID_SHAPE.test(orderId)) return next()
    await underOrderLock(req, res, next, orderId, options, async () => {
      const state = await loadCancelGuardState(req.scope.resolve(ContainerRegistrationKeys.QUERY) as any, orderId)
      const decision = state ? decideCancel(state) : { allow: true as const }
      if (!decision.allow) throw new MedusaError(decision.type, decision.message)
    })
  }
}

export const guardOrderCancel = createOrderCancelGuard()

export default defineMiddlewares({
  routes: [
    { matcher: "/store/payment-collections/:id/payment-sessions", methods: ["POST"], middlewares: [stampCustomerIp, stampCartLines] },
    { matcher: "/hooks/payment/:provider", methods: ["POST"], middlewares: [checkWebhookToken] },
    { matcher: "/admin/payments/:id/refund", methods: ["POST"], middlewares: [guardRefund] },
    { matcher: "/admin/refund-processors/returns/:id/refund", methods: ["POST"], middlewares: [lockReturnRefund] },
    { matcher: "/admin/orders/:id/cancel", methods: ["POST"], middlewares: [guardOrderCancel] },
  ],
})
