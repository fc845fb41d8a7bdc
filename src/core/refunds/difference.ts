import type { ProcessorAmount } from "../money/convert"
import type { RefundDiscrepancy } from "../payment-data"

/**
 * Compares what the processor says it refunded with the plan. Undefined when they agree, or when
 * the processor gave no figure (the provider reads it back where its answer carries none). The
 * ledger then keeps the processor's amount when the currency is the planned one.
 */
export function refundDifference(
  planned: Pick<ProcessorAmount, "minor" | "currency">,
  refunded: { amountMinor?: string; currency?: string } | undefined
): { amount_minor?: string; discrepancy: RefundDiscrepancy } | undefined {
  if (!refunded) return undefined
  const currency = refunded.currency?.toLowerCase()
  const amount = refunded.amountMinor !== undefined && /^\d{1,30}$/.test(refunded.amountMinor) ? BigInt(refunded.amountMinor).toString() : refunded.amountMinor
  const sameCurrency = currency === undefined || currency === planned.currency
  const sameAmount = amount === undefined || amount === planned.minor
  if (sameCurrency && sameAmount) return undefined
  const what = `${short(amount ?? "?")} ${short((currency ?? planned.currency).toUpperCase())}`
  return {
    ...(sameCurrency && amount !== undefined && /^\d+$/.test(amount) ? { amount_minor: amount } : {}),
    discrepancy: {
      planned_minor: planned.minor,
      planned_currency: planned.currency,
      processor_minor: amount ?? null,
      processor_currency: currency ?? null,
      note:
        `the processor refunded ${what} (minor units) where ${planned.minor} ${planned.currency.toUpperCase()} was planned. ` +
        `The refund is recorded with the processor's figures; check the payment at the processor and settle the difference with the customer.`,
    },
  }
}

function short(text: string): string {
  return text.length > 32 ? `${text.slice(0, 28)}…` : text
}
