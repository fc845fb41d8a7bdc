import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { CheckoutProviderService } from "./service"

export { CheckoutProviderService }
export type { CheckoutOptions } from "./options"

export default ModuleProvider(Modules.PAYMENT, { services: [CheckoutProviderService] })
