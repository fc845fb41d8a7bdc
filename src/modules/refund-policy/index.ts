import { Module } from "@medusajs/framework/utils"
import RefundPolicyModuleService from "./service"

/** The module's key in Medusa's container: `container.resolve(REFUND_POLICY_MODULE)`. */
export const REFUND_POLICY_MODULE = "refundPolicy"

export default Module(REFUND_POLICY_MODULE, { service: RefundPolicyModuleService })
