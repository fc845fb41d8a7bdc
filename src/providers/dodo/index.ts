import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { DodoProviderService } from "./service"

export { DodoProviderService }
export type { DodoOptions } from "./options"

export default ModuleProvider(Modules.PAYMENT, { services: [DodoProviderService] })
