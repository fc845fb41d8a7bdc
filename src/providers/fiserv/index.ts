import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { FiservProviderService } from "./service"

export { FiservProviderService }
export type { FiservOptions } from "./options"

export default ModuleProvider(Modules.PAYMENT, { services: [FiservProviderService] })
