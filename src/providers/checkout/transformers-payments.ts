import { PaymentSessionStatus } from "@medusajs/framework/utils"
import { wireAmount, type ProcessorAmount } from "../../core/money/convert"
import type { RefundStatus } from "../../core/payment-data"
import type { ProcessorRefundView } from "../../core/refunds/planner"
import { medusaRefundIdOf } from "./transformers"
import type { CheckoutPayment, PaymentAction, PaymentRequest, PaymentResponse, RefundRequest, FlatMetadata } from "./wire-payments"

/** `reference` is at most 50 characters in the 2021 spec (80 today): keep to the stricter one. */
export function reference(text: string | undefined): string | undefined {
  return text ? text.slice(0, 50) : undefined
}

export function paymentRequest(input: {
  amount: ProcessorAmount
  token: string
  capture: boolean
  sessionId?: string
  email?: string
  processingChannelId?: string
}): PaymentRequest {
  const metadata: FlatMetadata | undefined = input.sessionId ? { session_id: input.sessionId } : undefined
  return {
    source: { type: "token", token: input.token },
    amount: wireAmount.minorInteger(input.amount),
    currency: input.amount.currency.toUpperCase(),
    payment_type: "Regular",
    capture: input.capture,
    ...(input.sessionId ? { reference: reference(input.sessionId) } : {}),
    ...(input.email ? { customer: { email: input.email } } : {}),
    ...(input.processingChannelId ? { processing_channel_id: input.processingChannelId } : {}),
    ...(metadata ? { metadata } : {}),
  }
}

export function refundRequest(input: { amount: ProcessorAmount; medusaRefundId?: string; metadata: FlatMetadata }): RefundRequest {
  return {
    // Always explicit: Checkout.com's "full amount" default is the payment amount, which is not
    // what remains after partial captures or refunds.
    amount: wireAmount.minorInteger(input.amount),
    ...(input.medusaRefundId ? { reference: reference(input.medusaRefundId) } : {}),
    ...(Object.keys(input.metadata).length ? { metadata: input.metadata } : {}),
  }
}

/** Checkout.com payment status → Medusa session status. */
export function paymentStatus(status: string, approved?: boolean): PaymentSessionStatus {
  switch (status) {
    case "Authorized":
    case "Card Verified":
      return PaymentSessionStatus.AUTHORIZED
    case "Partially Captured":
    case "Captured":
    case "Partially Refunded":
    case "Refunded":
    case "Paid":
      return PaymentSessionStatus.CAPTURED
    case "Voided":
    case "Canceled":
    case "Expired":
      return PaymentSessionStatus.CANCELED
    case "Declined":
      return PaymentSessionStatus.ERROR
    case "Pending":
      return PaymentSessionStatus.PENDING
  }
  return approved === false ? PaymentSessionStatus.ERROR : PaymentSessionStatus.PENDING
}

/**
 * What the 201/202 answer of POST /payments tells us, for the payment data. `amount_minor` stays
 * the session's own: it is what later reads of the payment are checked against.
 */
export function createdPaymentData(res: PaymentResponse, amount: ProcessorAmount, capture: boolean): Record<string, unknown> {
  const status = paymentStatus(res.status, res.approved)
  return {
    payment_id: res.id,
    payment_status: res.status,
    authorization_action_id: res.action_id ?? null,
    captured_minor: status === PaymentSessionStatus.CAPTURED && capture ? String(res.amount ?? amount.minor) : "0",
    ...(res._links?.redirect?.href ? { redirect_url: res._links.redirect.href } : {}),
  }
}

function sumApproved(actions: readonly PaymentAction[], type: string): number {
  return actions.filter((a) => a.type === type && a.approved !== false).reduce((sum, a) => sum + a.amount, 0)
}

/** The payment's state from GET /payments/{id} and its actions. */
export function paymentData(payment: CheckoutPayment, actions: readonly PaymentAction[] | undefined): Record<string, unknown> {
  const captured = payment.balances?.total_captured ?? (actions ? sumApproved(actions, "Capture") : undefined)
  return {
    payment_status: payment.status,
    ...(captured !== undefined ? { captured_minor: String(captured) } : {}),
    ...(payment.balances?.total_refunded !== undefined ? { processor_refunded_minor: String(payment.balances.total_refunded) } : {}),
    ...(actions ? { processor_refunded_minor: String(sumApproved(actions, "Refund")) } : {}),
  }
}

export function actionRefundStatus(action: PaymentAction): RefundStatus {
  if (action.approved === true) return "succeeded"
  if (action.approved === false) return "failed"
  return "pending"
}

/** Refund actions as refunds, for reconciliation. */
export function refundViews(actions: readonly PaymentAction[]): Array<ProcessorRefundView & { failure_reason?: string }> {
  return actions
    .filter((a) => a.type === "Refund")
    .map((a) => {
      const status = actionRefundStatus(a)
      return {
        id: a.id,
        amount_minor: String(a.amount),
        status,
        // The Medusa refund id we sent as reference (and metadata): the core links it to a live Medusa refund.
        tag: medusaRefundIdOf(a.reference, a.metadata),
        created_at: a.processed_on,
        ...(status === "failed" ? { failure_reason: `${a.response_code ?? ""} ${a.response_summary ?? "declined"}`.trim() } : {}),
      }
    })
}
