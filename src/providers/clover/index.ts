import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { CloverProviderService } from "./service"

export { CloverProviderService }
export type { CloverOptions } from "./options"

export default ModuleProvider(Modules.PAYMENT, { services: [CloverProviderService] })
