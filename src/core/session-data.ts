import crypto from "node:crypto"
import { MedusaError, PaymentSessionStatus } from "@medusajs/framework/utils"
import type { InitiatePaymentInput, InitiatePaymentOutput, UpdatePaymentInput, UpdatePaymentOutput } from "@medusajs/framework/types"
import { uuidFromKey } from "./idempotency"
import { toProcessorAmount, type ProcessorAmount } from "./money/convert"
import type { CurrencyProfile } from "./money/currency-profile"
import { acceptedStorefrontData, sessionIdOf, type StorefrontRules } from "./session-trust"

/** What a payment session's data needs to know of the provider that owns it. */
export interface SessionOwner {
  /** Medusa's id of the provider ("clover"), stored as `processor`. */
  id: string
  /** "live", "sandbox" or "custom", stored as `environment`. */
  environment: string
  /** Converts Medusa's amount to the processor's unit; its `processor` names the processor in messages. */
  profile: CurrencyProfile
  storefront: StorefrontRules
}

/** What every session's data starts with: the amount in the processor's unit, nothing captured, an empty ledger. */
export function newPaymentData(owner: Pick<SessionOwner, "id" | "environment">, amount: ProcessorAmount): Record<string, unknown> {
  return {
    processor: owner.id,
    environment: owner.environment,
    currency: amount.currency,
    amount_minor: amount.minor,
    captured_minor: "0",
    refunded_minor: "0",
    refunds: [],
  }
}

/**
 * A new session for processors that create nothing until authorization: it lives in Medusa, with the
 * amount already in the processor's unit (so an amount the processor cannot carry is refused at
 * checkout, not at payment). `fields` are the processor's own, taken from Medusa's input, never the shopper's.
 */
export function sessionInMedusa(input: InitiatePaymentInput, owner: SessionOwner, fields: Record<string, unknown> = {}): InitiatePaymentOutput {
  const amount = toProcessorAmount(input.amount, input.currency_code, owner.profile)
  const sessionId = sessionIdOf(input.data)
  return {
    id: sessionId ?? uuidFromKey(input.context?.idempotency_key ?? crypto.randomUUID()),
    status: PaymentSessionStatus.PENDING,
    data: {
      ...acceptedStorefrontData(input.data, owner.storefront),
      ...(sessionId ? { session_id: sessionId } : {}),
      ...fields,
      ...newPaymentData(owner, amount),
    },
  }
}

/**
 * The cart changed before payment: re-convert the amount; refused once the processor holds a payment
 * (`processorPaymentId`). Only the storefront's own keys and the amount are returned: Medusa merges them
 * into the stored data, so what the caller passes for any other key is never stored.
 */
export function updatedSessionInMedusa(input: UpdatePaymentInput, owner: SessionOwner, processorPaymentId: string | undefined): UpdatePaymentOutput {
  if (processorPaymentId) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `This payment is already authorized at ${owner.profile.processor}; its amount cannot change. Cancel it and start a new payment.`
    )
  }
  const amount = toProcessorAmount(input.amount, input.currency_code, owner.profile)
  const kept = Object.fromEntries(Object.entries(acceptedStorefrontData(input.data ?? {}, owner.storefront)).filter(([, v]) => v !== null))
  return { status: PaymentSessionStatus.PENDING, data: { ...kept, currency: amount.currency, amount_minor: amount.minor } }
}
