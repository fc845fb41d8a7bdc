import { PaymentSessionStatus } from "@medusajs/framework/utils"
import { minorToMajor, wireAmount, type ProcessorAmount } from "../../core/money/convert"
import type { RefundStatus } from "../../core/payment-data"
import type { RefundOutcome } from "../../core/provider"
import type { ProcessorRefundView } from "../../core/refunds/planner"
import type { ProcessorPaymentFacts } from "../../core/session-trust"
import { checkoutCurrencies } from "./currencies"
import { medusaRefundIdOf, sessionRefOf } from "./transformers"
import {
  webhookEventSchema,
  type CaptureRequest,
  type CheckoutPayment,
  type CheckoutWebhookEvent,
  type FlatMetadata,
  type PaymentAction,
  type PaymentRequest,
  type PaymentResponse,
  type RefundRequest,
  type VoidRequest,
} from "./wire-payments"

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

/**
 * An omitted capture_type is Final, which voids what remains authorized (capture guide,
 * https://www.checkout.com/docs/payments/manage-payments/capture-a-payment): NonFinal while some
 * stays for a later capture, Final for the capture that takes the rest.
 */
export function captureRequest(input: { amount: ProcessorAmount; before: bigint; authorized: bigint; idempotencyKey: string }): CaptureRequest {
  const last = input.before + BigInt(input.amount.minor) >= input.authorized
  return { amount: wireAmount.minorInteger(input.amount), capture_type: last ? "Final" : "NonFinal", reference: reference(input.idempotencyKey) }
}

/** The payment data after an accepted capture: the captured total and the capture's action id. */
export function capturedData(data: Record<string, unknown>, before: bigint, amount: ProcessorAmount, actionId: string): Record<string, unknown> {
  const ids = Array.isArray(data.capture_action_ids) ? (data.capture_action_ids as string[]) : []
  return {
    captured_minor: (before + BigInt(amount.minor)).toString(),
    capture_action_ids: [...ids, actionId],
  }
}

export function voidRequest(idempotencyKey: string): VoidRequest {
  return { reference: reference(idempotencyKey) }
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

/** What the service checks against the session before trusting a payment (core/session-trust.ts). */
export function paymentFacts(payment: CheckoutPayment): ProcessorPaymentFacts {
  return { id: payment.id, sessionRef: sessionRefOf(payment.reference, payment.metadata), currency: payment.currency, amountMinor: payment.amount }
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

/** A webhook's raw body as an event, or undefined when it is not one. */
export function webhookEventOf(raw: string): CheckoutWebhookEvent | undefined {
  let body: unknown
  try {
    body = JSON.parse(raw)
  } catch {
    return undefined
  }
  const parsed = webhookEventSchema.safeParse(body)
  return parsed.success ? parsed.data : undefined
}

/** The session and amount Medusa acts on for a webhook, from Checkout.com's own record of the payment. */
export function webhookPaymentData(payment: CheckoutPayment, sessionId: string): { session_id: string; amount: string } {
  return { session_id: sessionId, amount: minorToMajor(payment.amount, payment.currency, checkoutCurrencies).toString() }
}

/** True when the payment's one approved capture took the whole amount (and is the event's action, when it names one). */
export function isWholeSingleCapture(payment: CheckoutPayment, actions: readonly PaymentAction[], actionId: string | undefined): boolean {
  const captures = actions.filter((a) => a.type === "Capture" && a.approved !== false)
  return captures.length === 1 && captures[0]!.amount === payment.amount && (!actionId || captures[0]!.id === actionId)
}

/** The refund outcome a `payment_refunded` / `payment_refund_declined` event reports; [] for any other event. */
export function refundOutcomesOfEvent(event: CheckoutWebhookEvent): RefundOutcome[] {
  if (!event.data.action_id) return []
  const status = event.type === "payment_refunded" ? "succeeded" : event.type === "payment_refund_declined" ? "failed" : undefined
  if (!status) return []
  const sessionId = event.data.metadata?.session_id
  return [
    {
      processor_refund_id: event.data.action_id,
      status,
      ...(status === "failed" ? { failure_reason: `${event.data.response_code ?? ""} ${event.data.response_summary ?? "declined"}`.trim() } : {}),
      medusa_refund_id: medusaRefundIdOf(event.data.reference, event.data.metadata),
      ...(event.data.id ? { processor_payment_id: event.data.id } : {}),
      ...(typeof sessionId === "string" ? { session_id: sessionId } : {}),
    },
  ]
}
