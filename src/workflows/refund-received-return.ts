/**
 * A received return becomes its refund, once.
 *
 * 1. plan: re-reads the return, its order and payments with Medusa's query (the event is not
 *    trusted: Medusa has emitted order.return_received for returns where nothing was received)
 *    and computes the amount (./return-refund-amount.ts).
 * 2. execute: claims the return's ReturnRefund row (unique return_id) before anything is sent,
 *    then runs Medusa's own refundPaymentWorkflow, so order totals, transactions and the
 *    payment.refunded event stay Medusa's, with the return's items in refund.metadata for the
 *    providers. The outcome is written to the row; a failure is logged and shown in the admin's
 *    notification feed. The return stays received either way.
 *
 * Medusa workflows: https://docs.medusajs.com/learn/fundamentals/workflows
 */
import { refundPaymentWorkflow } from "@medusajs/core-flows"
import { ContainerRegistrationKeys, MathBN, MedusaError, Modules } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { providerOf } from "../core/refunds/ledger-store"
import { REFUND_POLICY_MODULE } from "../modules/refund-policy"
import type RefundPolicyModuleService from "../modules/refund-policy/service"
import { readRefundPolicy, type RefundPolicyView } from "../modules/refund-policy/policy"
import {
  computeReturnRefund,
  largestRefundable,
  pickPayment,
  type ReturnItemMetadata,
  type ReturnLineInput,
} from "./return-refund-amount"

export type RefundReceivedReturnTrigger = "event" | "admin"

export interface RefundReceivedReturnInput {
  return_id: string
  trigger: RefundReceivedReturnTrigger
  /** The admin user who asked (trigger "admin"). */
  actor_id?: string | null
}

export type RefundReceivedReturnOutcome =
  | "refunded"
  | "nothing_to_refund"
  | "failed"
  /** Another delivery (or an admin click) owns the return, or it was refunded before. */
  | "already_handled"

export interface RefundReceivedReturnResult {
  outcome: RefundReceivedReturnOutcome
  return_refund: Record<string, unknown>
  message?: string
}

type Container = { resolve<T = any>(key: string): T }

interface PaymentRow {
  id: string
  provider_id: string
  currency_code: string
  refundable: string
  refunds: Array<{ id: string; metadata?: Record<string, unknown> | null }>
}

export interface ReturnRefundPlan {
  return_id: string
  order_id: string
  return_status: string
  currency_code: string
  amount: string
  uncapped: string
  shipping_deducted: string
  capped_by: "order" | "payments" | null
  items: ReturnItemMetadata[]
  payment_id: string | null
  /** Why the refund cannot be sent (then the row is marked failed with it). */
  refusal: string | null
  refund_reason_id: string | null
  /** A Medusa refund that already carries this return's id (a crash after sending it). */
  existing_refund_id: string | null
  existing_payment_id: string | null
}

/** bigNumber columns are typed as numbers but take decimal strings, which they store exactly. */
const exact = (decimal: string) => decimal as unknown as number

const RECEIVED_STATUSES = new Set(["received", "partially_received"])

const dec = (v: unknown): string => {
  if (v === null || v === undefined) return "0"
  // Medusa's amounts come as raw objects ({ value, precision }), BigNumber instances (their exact
  // `raw`), decimal strings or numbers: the exact form is read first, never a float of it.
  const o = v as any
  const raw = typeof v === "object" ? o.raw?.value ?? o.value ?? (typeof o.bigNumber?.toFixed === "function" ? o.bigNumber.toFixed() : v) : v
  const n = MathBN.convert(raw as any)
  return n.isFinite() ? n.toFixed() : "0"
}

/** The order line's total for its whole quantity, as Medusa computes it (tax and discounts in). */
export function lineTotalOf(item: Record<string, any>): string {
  // Medusa's `total` covers only the units not yet returned; `refundable_total_per_unit` and the
  // lifecycle totals are per-unit figures of the full-quantity total. Rebuild the full total
  // from the figures Medusa gives, preferring those that are not yet divided.
  const quantity = MathBN.convert(dec(item.raw_quantity ?? item.quantity))
  if (!quantity.gt(0)) return "0"
  const per = (total: unknown, q: unknown): string | null => {
    const qq = MathBN.convert(dec(q))
    return qq.gt(0) && total !== undefined && total !== null ? MathBN.div(MathBN.mult(dec(total), quantity), qq).toFixed() : null
  }
  const detail = item.detail ?? {}
  const returned = MathBN.add(dec(detail.return_received_quantity), dec(detail.return_dismissed_quantity))
  const current = MathBN.sub(quantity, returned)
  return (
    // Nothing returned yet: `total` is the whole line.
    (returned.lte(0) ? dec(item.raw_total ?? item.total) : null) ??
    per(item.raw_total ?? item.total, current.gt(0) ? current.toFixed() : 0) ??
    per(item.return_received_total, detail.return_received_quantity) ??
    per(item.return_dismissed_total, detail.return_dismissed_quantity) ??
    MathBN.mult(dec(item.refundable_total_per_unit), quantity).toFixed()
  )
}

const RETURN_FIELDS = [
  "id",
  "status",
  "order_id",
  "items.id",
  "items.item_id",
  "items.quantity",
  "items.received_quantity",
  "items.damaged_quantity",
  "items.reason_id",
  "items.reason.value",
  "shipping_methods.id",
  "shipping_methods.shipping_method_id",
]

const ORDER_FIELDS = [
  "id",
  "currency_code",
  "summary",
  // An order-level total field makes Medusa's order module compute every line's totals
  // (from the lines' tax lines and adjustments, read too).
  "total",
  "items.*",
  "items.tax_lines.*",
  "items.adjustments.*",
  "items.detail.*",
  "shipping_methods.*",
  "shipping_methods.tax_lines.*",
  "shipping_methods.adjustments.*",
  "payment_collections.payments.id",
  "payment_collections.payments.provider_id",
  "payment_collections.payments.currency_code",
  "payment_collections.payments.canceled_at",
  "payment_collections.payments.captures.raw_amount",
  "payment_collections.payments.refunds.id",
  "payment_collections.payments.refunds.raw_amount",
  "payment_collections.payments.refunds.metadata",
]

/** The one row of `entity` with `id`, read with Medusa's query; NOT_FOUND in Medusa's words when there is none. */
async function readOne(query: any, entity: string, label: string, id: string, fields: string[]): Promise<any> {
  const { data } = await query.graph({ entity, fields, filters: { id } })
  const row = data?.[0]
  if (!row) throw new MedusaError(MedusaError.Types.NOT_FOUND, `${label} with id: ${id} was not found.`)
  return row
}

async function readPlan(container: Container, input: RefundReceivedReturnInput, policy: RefundPolicyView): Promise<ReturnRefundPlan> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const ret = await readOne(query, "return", "Return", input.return_id, RETURN_FIELDS)
  const order = await readOne(query, "order", "Order", ret.order_id, ORDER_FIELDS)

  const orderItems = new Map<string, any>((order.items ?? []).map((i: any) => [i.id, i]))
  const received = RECEIVED_STATUSES.has(String(ret.status))
  const lines: ReturnLineInput[] = received
    ? (ret.items ?? []).map((ri: any) => {
        const item = orderItems.get(ri.item_id) ?? {}
        const title = [item.product_title ?? item.title, item.variant_title].filter(Boolean).join(" – ") || item.title || ri.item_id
        return {
          item_id: ri.item_id,
          variant_id: item.variant_id ?? null,
          sku: item.variant_sku ?? null,
          title,
          ordered_quantity: dec(item.raw_quantity ?? item.quantity),
          line_total: lineTotalOf(item),
          received_quantity: dec(ri.raw_received_quantity ?? ri.received_quantity),
          damaged_quantity: dec(ri.raw_damaged_quantity ?? ri.damaged_quantity),
          reason_code: ri.reason?.value ?? null,
        }
      })
    : []

  // The return's shipping methods are order shipping methods; their totals come with the order.
  const returnShippingIds = new Set((ret.shipping_methods ?? []).map((s: any) => s.shipping_method_id ?? s.id))
  const shippingTotal = (order.shipping_methods ?? [])
    .filter((s: any) => returnShippingIds.has(s.id))
    .reduce((sum: any, s: any) => MathBN.add(sum, dec(s.raw_total ?? s.total)), MathBN.convert(0))

  const payments: PaymentRow[] = (order.payment_collections ?? [])
    .flatMap((pc: any) => pc?.payments ?? [])
    .filter((p: any) => p && !p.canceled_at && providerOf(container, p.provider_id))
    .map((p: any) => {
      const captured = (p.captures ?? []).reduce((s: any, c: any) => MathBN.add(s, dec(c.raw_amount)), MathBN.convert(0))
      const refunded = (p.refunds ?? []).reduce((s: any, r: any) => MathBN.add(s, dec(r.raw_amount)), MathBN.convert(0))
      return {
        id: p.id,
        provider_id: p.provider_id,
        currency_code: p.currency_code,
        refundable: MathBN.max(MathBN.sub(captured, refunded), 0).toFixed(),
        refunds: p.refunds ?? [],
      }
    })

  const existing = payments
    .flatMap((p) => p.refunds.map((r) => ({ payment: p.id, refund: r })))
    .find(({ refund }) => refund?.metadata?.return_id === ret.id)

  const pending = dec(order.summary?.raw_pending_difference ?? order.summary?.pending_difference)
  const result = computeReturnRefund({
    lines,
    return_shipping_total: shippingTotal.toFixed(),
    order_owes: MathBN.mult(pending, -1).toFixed(),
    refundable: largestRefundable(payments),
    policy,
  })

  let paymentId: string | null = null
  let refusal: string | null = null
  const currency = String(order.currency_code ?? "").toUpperCase()
  const refundableList = payments.map((p) => `${p.id} ${p.refundable}`).join(", ")
  if (MathBN.gt(result.amount, 0)) {
    const chosen = pickPayment(result.amount, payments)
    paymentId = chosen?.id ?? null
    if (!chosen) {
      refusal = `No single payment of this order can refund ${result.amount} ${currency} (refundable: ${refundableList}); a return's refund is not split over payments. Refund it from the order's payments.`
    } else if (result.capped_by === "payments" && payments.filter((p) => MathBN.gt(p.refundable, 0)).length > 1) {
      refusal =
        `The return's ${result.uncapped} ${currency} is more than any one payment of this order can refund (refundable: ${refundableList}); ` +
        `a return's refund is not split over payments. Refund it from the order's payments.`
    }
  } else if (result.capped_by === "payments") {
    // The order owes the customer, but no payment of this plugin can give it back: say so rather
    // than record "nothing to refund".
    refusal = payments.length
      ? `The order owes ${result.uncapped} ${currency} for this return, but its payments of medusa-refund-processors have nothing left to refund (refundable: ${refundableList}): capture the payment first, or refund the customer another way.`
      : `The order owes ${result.uncapped} ${currency} for this return, but it has no captured payment of a medusa-refund-processors provider: refund it from the order's payments.`
  }

  // A Medusa refund reason whose code is the return's reason (one reason for the whole return).
  let refundReasonId: string | null = null
  const codes = [...new Set(result.items.map((i) => i.reason_code).filter((c): c is string => !!c))]
  if (codes.length === 1) {
    try {
      const { data: reasons } = await query.graph({ entity: "refund_reason", fields: ["id", "code"], filters: { code: codes[0] } })
      refundReasonId = reasons?.[0]?.id ?? null
    } catch {
      refundReasonId = null // refund reasons are optional
    }
  }

  return {
    return_id: ret.id,
    order_id: ret.order_id,
    return_status: String(ret.status),
    currency_code: String(order.currency_code ?? ""),
    amount: result.amount,
    uncapped: result.uncapped,
    shipping_deducted: result.shipping_deducted,
    capped_by: result.capped_by,
    items: result.items,
    payment_id: paymentId,
    refusal,
    refund_reason_id: refundReasonId,
    existing_refund_id: existing?.refund.id ?? null,
    existing_payment_id: existing?.payment ?? null,
  }
}

export const planReturnRefundStep = createStep(
  "plan-return-refund",
  async (input: RefundReceivedReturnInput, { container }) => {
    const policy = await readRefundPolicy(container as any)
    return new StepResponse(await readPlan(container as any, input, policy))
  }
)

/** Tells the admin in Medusa's notification feed, when the store has a "feed" provider. */
async function notifyAdmin(container: Container, title: string, description: string): Promise<void> {
  let notifications: any
  try {
    notifications = container.resolve(Modules.NOTIFICATION)
  } catch {
    return // no notification module: the row and the log carry the failure
  }
  try {
    // https://docs.medusajs.com/resources/infrastructure-modules/notification/local#admin-notifications
    await notifications.createNotifications({ to: "", channel: "feed", template: "admin-ui", data: { title, description } })
  } catch {
    // no provider for the "feed" channel: skipped quietly
  }
}

export const executeReturnRefundStep = createStep(
  "execute-return-refund",
  async ({ plan, input }: { plan: ReturnRefundPlan; input: RefundReceivedReturnInput }, { container }) => {
    const c = container as unknown as Container
    const service = c.resolve<RefundPolicyModuleService>(REFUND_POLICY_MODULE)
    const logger = c.resolve(ContainerRegistrationKeys.LOGGER) as { info(m: string): void; warn(m: string): void; error(m: string): void }
    const actor = input.actor_id ?? null
    const currency = plan.currency_code.toUpperCase()

    if (!MathBN.gt(plan.amount, 0) && !plan.existing_refund_id && !plan.refusal) {
      const claim = await service.claimReturnRefund({
        return_id: plan.return_id,
        order_id: plan.order_id,
        trigger: input.trigger,
        actor_id: actor,
        status: "nothing_to_refund",
      })
      if (!claim.claimed) return new StepResponse<RefundReceivedReturnResult>({ outcome: "already_handled", return_refund: claim.row })
      const row = await service.updateReturnRefunds({
        id: claim.row.id as string,
        amount: exact("0"),
        currency_code: plan.currency_code,
        items: plan.items as any,
        error_message: null,
      })
      return new StepResponse<RefundReceivedReturnResult>({
        outcome: "nothing_to_refund",
        return_refund: row as any,
        message: `Return ${plan.return_id} (${plan.return_status}) has nothing to refund: no item received that the policy refunds, or the order owes nothing.`,
      })
    }

    const claim = await service.claimReturnRefund({
      return_id: plan.return_id,
      order_id: plan.order_id,
      trigger: input.trigger,
      actor_id: actor,
      status: "claimed",
    })
    if (!claim.claimed) {
      // Refunded before, yet the order still owes the customer for received items: more of the return
      // arrived after its refund (a second receipt). One refund per return: say so on the row and to
      // the admin rather than refund again.
      if (claim.row.status === "refunded" && MathBN.gt(plan.amount, 0)) {
        const note = `Received after this return's refund: ${plan.amount} ${currency} was not refunded automatically. Refund it from the order's payments.`
        if (claim.row.error_message !== note) {
          const row = await service.updateReturnRefunds({ id: claim.row.id as string, error_message: note })
          logger.warn(`[return-refund] return ${plan.return_id} of order ${plan.order_id}: ${note}`)
          await notifyAdmin(c, "Return received after its refund", `Return ${plan.return_id} (order ${plan.order_id}): ${note}`)
          return new StepResponse<RefundReceivedReturnResult>({ outcome: "already_handled", return_refund: row as any, message: note })
        }
      }
      return new StepResponse<RefundReceivedReturnResult>({ outcome: "already_handled", return_refund: claim.row })
    }
    const rowId = claim.row.id as string

    // A refund carrying this return's id exists: it was sent before (a crash before the row was
    // written). Record it instead of refunding again.
    if (plan.existing_refund_id) {
      const row = await service.updateReturnRefunds({
        id: rowId,
        status: "refunded",
        refund_id: plan.existing_refund_id,
        payment_id: plan.existing_payment_id,
        error_message: null,
      })
      return new StepResponse<RefundReceivedReturnResult>({ outcome: "refunded", return_refund: row as any })
    }

    // What the row records of the plan, whether the refund fails or is made.
    const planned = { amount: exact(plan.amount), currency_code: plan.currency_code, items: plan.items as any, payment_id: plan.payment_id }

    const fail = async (message: string): Promise<StepResponse<RefundReceivedReturnResult>> => {
      const row = await service.updateReturnRefunds({
        id: rowId,
        status: "failed",
        ...planned,
        error_message: message.slice(0, 2000),
      })
      logger.warn(`[return-refund] return ${plan.return_id} of order ${plan.order_id} was not refunded: ${message}`)
      await notifyAdmin(
        c,
        "Return not refunded",
        `Return ${plan.return_id} (order ${plan.order_id}): ${message} Retry with "Refund this return" once the cause is fixed.`
      )
      return new StepResponse<RefundReceivedReturnResult>({ outcome: "failed", return_refund: row as any, message })
    }

    if (plan.refusal || !plan.payment_id) return fail(plan.refusal ?? "No payment to refund the return to.")

    const metadata = { return_id: plan.return_id, return_items: plan.items }
    try {
      const { result: payment } = await refundPaymentWorkflow(container).run({
        input: {
          payment_id: plan.payment_id,
          amount: plan.amount,
          created_by: actor ?? undefined,
          note: `Return ${plan.return_id}`,
          ...(plan.refund_reason_id ? { refund_reason_id: plan.refund_reason_id } : {}),
          // Medusa 2.21 passes the workflow input to the payment module, which stores metadata on the refund.
          metadata,
        } as any,
      })
      const refunds: Array<{ id: string; metadata?: any; created_at?: any }> = (payment as any)?.refunds ?? []
      const refund =
        refunds.find((r) => r.metadata?.return_id === plan.return_id) ??
        (await findRefundOf(c, plan.payment_id, plan.return_id))
      const row = await service.updateReturnRefunds({
        id: rowId,
        status: "refunded",
        ...planned,
        refund_id: refund?.id ?? null,
        error_message: null,
      })
      logger.info(`[return-refund] return ${plan.return_id}: refunded ${plan.amount} ${currency} on ${plan.payment_id} (${refund?.id ?? "refund id unknown"})`)
      return new StepResponse<RefundReceivedReturnResult>({ outcome: "refunded", return_refund: row as any })
    } catch (error) {
      // The providers' MedusaErrors say what to do (amount left, settlement, a declined card…).
      const message = (error as Error)?.message || "The refund failed without a message."
      return fail(message)
    }
  }
)

async function findRefundOf(container: Container, paymentId: string, returnId: string): Promise<{ id: string } | undefined> {
  const paymentModule = container.resolve(Modules.PAYMENT) as any
  const refunds: Array<{ id: string; metadata?: any }> = await paymentModule.listRefunds({ payment_id: paymentId }, { select: ["id", "metadata"] })
  return refunds.find((r) => r.metadata?.return_id === returnId)
}

export const refundReceivedReturnWorkflowId = "refund-received-return"

export const refundReceivedReturnWorkflow = createWorkflow(refundReceivedReturnWorkflowId, (input: RefundReceivedReturnInput) => {
  const plan = planReturnRefundStep(input)
  const result = executeReturnRefundStep({ plan, input })
  return new WorkflowResponse(result)
})

export default refundReceivedReturnWorkflow
