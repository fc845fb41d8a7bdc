import { MedusaError } from "@medusajs/framework/utils"
import type { BigNumberInput } from "@medusajs/framework/types"
import { fromProcessorMinor, toProcessorAmount, type ProcessorAmount } from "./money/convert"
import type { CurrencyProfile } from "./money/currency-profile"
import { paymentMinor, requireField } from "./payment-data"

export interface CapturePlan {
  currency: string
  authorizedMinor: bigint
  capturedMinor: bigint
  /** What to capture now, in the processor's unit: Medusa's capture amount, else all that remains authorized. */
  amount: ProcessorAmount
  /** The amount when it is less than the whole authorization; undefined: the processor's "capture all" form. */
  partial?: ProcessorAmount
}

/**
 * The capture to send, from the payment's data and Medusa's capture amount (Medusa does not pass
 * it to providers: the base reads it from Medusa's capture record). Refuses, before any call, a
 * second capture where the processor captures once, and an amount above what remains authorized.
 */
export function planCapture(input: {
  data: Record<string, unknown>
  profile: CurrencyProfile
  medusaAmount: BigNumberInput | undefined
  /** Where the processor captures an authorization once, the sentence that says so ("Clover captures an authorization once"). */
  capturesOnce?: string
}): CapturePlan {
  const { data, profile } = input
  const processor = profile.processor
  const currency = requireField(data, "currency", processor)
  const authorizedMinor = paymentMinor(data, "amount_minor", processor)
  const capturedMinor = paymentMinor(data, "captured_minor", processor, 0n)
  const money = (minor: bigint) => `${fromProcessorMinor(minor.toString(), currency, profile).major} ${currency.toUpperCase()}`
  if (capturedMinor > 0n && input.capturesOnce) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `${input.capturesOnce}, and ${money(capturedMinor)} of this one is already captured. Refund instead of capturing again.`
    )
  }
  const remaining = authorizedMinor - capturedMinor
  if (remaining <= 0n) {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `This payment is already fully captured at ${processor} (${money(capturedMinor)}).`)
  }
  const amount =
    input.medusaAmount !== undefined
      ? toProcessorAmount(input.medusaAmount, currency, profile, "capture amount")
      : fromProcessorMinor(remaining.toString(), currency, profile)
  if (BigInt(amount.minor) > remaining) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `The capture of ${amount.major} ${currency.toUpperCase()} is more than the ${money(remaining)} that remains authorized at ${processor}.`
    )
  }
  return { currency, authorizedMinor, capturedMinor, amount, partial: BigInt(amount.minor) === authorizedMinor ? undefined : amount }
}
