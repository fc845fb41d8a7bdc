import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { ProcessOutProviderService } from "./service"

export { ProcessOutProviderService }
export type { ProcessOutOptions } from "./options"

export default ModuleProvider(Modules.PAYMENT, { services: [ProcessOutProviderService] })
