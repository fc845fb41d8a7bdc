import type { PaymentSessionStatus } from "@medusajs/framework/utils"
import type { ProcessorAmount } from "../../core/money/convert"
import type { SendRefundInput, SentRefund } from "../../core/provider"
import type { ProcessorRefundView } from "../../core/refunds/planner"
import type { ProcessorPaymentFacts } from "../../core/session-trust"

/**
 * A refund as Checkout.com reports it, with its decline reason when it failed and, where the answer
 * carries one (classic history), its currency in lower case.
 */
export type CheckoutRefundView = ProcessorRefundView & { failure_reason?: string; currency?: string }

/**
 * One Checkout.com API (the Payments API or the classic Charges API) behind the provider:
 * its wire format, ids and rules. The service holds the Medusa logic common to both.
 */
export interface CheckoutBackend {
  readonly api: "payments" | "classic"
  /** The processor id field in the payment data ("payment_id", "charge_id"). */
  readonly idField: string
  authorize(input: {
    amount: ProcessorAmount
    token: string
    capture: boolean
    sessionId?: string
    email?: string
    idempotencyKey: string
  }): Promise<{ status: PaymentSessionStatus; patch: Record<string, unknown> }>
  /**
   * The payment's current state (status and data patch), with the facts the service checks
   * against the session (assertPaymentOfSession) before trusting any of it.
   */
  state(data: Record<string, unknown>): Promise<{ status: PaymentSessionStatus; patch: Record<string, unknown>; facts: ProcessorPaymentFacts }>
  /** Captures `amount`; returns a data patch. */
  capture(data: Record<string, unknown>, amount: ProcessorAmount, idempotencyKey: string): Promise<Record<string, unknown>>
  /** Voids the whole authorization; returns a data patch. */
  void(data: Record<string, unknown>, idempotencyKey: string): Promise<Record<string, unknown>>
  refund(input: SendRefundInput): Promise<SentRefund>
  refunds(data: Record<string, unknown>): Promise<CheckoutRefundView[]>
  /** Whether several partial captures are possible (Payments API) or one only (classic). */
  readonly multipleCaptures: boolean
  /** An authenticated read for "Test connection": resolves when the credentials are accepted. */
  ping(): Promise<void>
}
