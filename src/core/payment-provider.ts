import { Modules } from "@medusajs/framework/utils"

type Container = { resolve<T = any>(key: string): T }

/**
 * The provider instance Medusa's payment module runs for `providerId` (pp_clover_clover, …), or
 * undefined when there is none or the module cannot be read. The payment module keeps providers in
 * its own container; its provider service resolves them.
 */
export function retrievePaymentProvider(container: Container, providerId: string): unknown {
  try {
    const paymentModule = container.resolve(Modules.PAYMENT) as any
    return paymentModule?.paymentProviderService_?.retrieveProvider?.(providerId)
  } catch {
    return undefined
  }
}
