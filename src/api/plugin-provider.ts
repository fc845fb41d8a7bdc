import type { MedusaRequest } from "@medusajs/framework/http"
import { retrievePaymentProvider } from "../core/payment-provider"

/**
 * The provider behind a provider id a request names (body or URL), typed by what the caller needs
 * of it; undefined for an id of another shape than Medusa's or a provider the payment module lacks.
 */
export function pluginProvider<T extends object>(req: MedusaRequest, providerId: unknown): T | undefined {
  if (typeof providerId !== "string" || !/^[A-Za-z0-9_-]{1,100}$/.test(providerId)) return undefined
  return retrievePaymentProvider(req.scope, providerId) as T | undefined
}
