import { defineMiddlewares, type MedusaNextFunction, type MedusaRequest, type MedusaResponse } from "@medusajs/framework/http"
import { Modules } from "@medusajs/framework/utils"

/** The header the webhook middleware writes the URL's token into (Medusa passes the provider headers, not the URL). */
export const WEBHOOK_TOKEN_HEADER = "x-medusa-webhook-token"

type PluginProvider = {
  stampRequestIp?(ip: string | undefined): Record<string, string>
  verifyWebhookToken?(token: string | undefined): boolean
}

function pluginProvider(req: MedusaRequest, providerId: unknown): PluginProvider | undefined {
  if (typeof providerId !== "string" || !/^[A-Za-z0-9_-]{1,100}$/.test(providerId)) return undefined
  try {
    const paymentModule = req.scope.resolve(Modules.PAYMENT) as any
    return paymentModule?.paymentProviderService_?.retrieveProvider?.(providerId) as PluginProvider | undefined
  } catch {
    return undefined
  }
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
    const stamp = pluginProvider(req, body.provider_id)?.stampRequestIp?.(req.ip)
    body.data = { ...data, ...(stamp ?? {}) }
  } else if (body && typeof body === "object") {
    const stamp = pluginProvider(req, body.provider_id)?.stampRequestIp?.(req.ip)
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
  const provider = typeof param === "string" ? pluginProvider(req, param.startsWith("pp_") ? param : `pp_${param}`) : undefined
  if (!provider?.verifyWebhookToken) return next()
  const token = typeof req.query?.token === "string" ? req.query.token : undefined
  if (!provider.verifyWebhookToken(token)) {
    res.status(401).json({ type: "unauthorized", message: "Webhook token missing or wrong." })
    return
  }
  req.headers[WEBHOOK_TOKEN_HEADER] = token
  next()
}

export default defineMiddlewares({
  routes: [
    { matcher: "/store/payment-collections/:id/payment-sessions", methods: ["POST"], middlewares: [stampCustomerIp] },
    { matcher: "/hooks/payment/:provider", methods: ["POST"], middlewares: [checkWebhookToken] },
  ],
})
