import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys, OrderWorkflowEvents } from "@medusajs/framework/utils"
import { hasRefundPolicyModule, readRefundPolicy } from "../modules/refund-policy/policy"
import { refundReceivedReturnWorkflow } from "../workflows/refund-received-return"

/**
 * A received return refunds itself when the store's policy says so (off by default). The event
 * only names the return: the workflow re-reads it, and its ReturnRefund row makes a redelivered
 * event a no-op. Payload: { order_id, return_id }
 * (https://docs.medusajs.com/resources/references/events#order-events).
 */
export default async function refundReceivedReturn({ event, container }: SubscriberArgs<{ order_id?: string; return_id?: string }>) {
  const returnId = event.data?.return_id
  if (typeof returnId !== "string" || !/^[A-Za-z0-9_-]{1,100}$/.test(returnId)) return
  // Without the module (a store that registers the providers alone), the policy is off.
  if (!hasRefundPolicyModule(container as any)) return
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  try {
    const policy = await readRefundPolicy(container as any)
    if (!policy.auto_refund_on_receipt) return
    const { result } = await refundReceivedReturnWorkflow(container).run({ input: { return_id: returnId, trigger: "event" } })
    if (result.outcome === "failed") return // logged and announced by the workflow
    logger.info(`[return-refund] return ${returnId}: ${result.outcome}`)
  } catch (error) {
    logger.warn(`[return-refund] return ${returnId} was not refunded automatically: ${(error as Error).message}`)
  }
}

export const config: SubscriberConfig = {
  event: OrderWorkflowEvents.RETURN_RECEIVED,
  context: { subscriberId: "refund-received-return" },
}
