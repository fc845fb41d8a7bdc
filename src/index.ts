/**
 * The package's library entry: the money conversion and refund planning that the providers
 * use, for merchants' own code, and each processor's currency profile and service class.
 * Providers themselves are registered in medusa-config.ts as "<package>/providers/<name>".
 */
export * from "./core/money"
export { planRefund, reconcileLedger, type RefundPlan, type ProcessorRefundView } from "./core/refunds/planner"
export type { ProcessorPaymentData, RefundLedgerEntry, RefundStatus } from "./core/payment-data"
export { ProcessorError } from "./core/errors"

// One line per processor.
export { CheckoutProviderService, checkoutCurrencies } from "./providers/checkout/public"
export { CloverProviderService, cloverCurrencies } from "./providers/clover/public"
export { ProcessOutProviderService, processoutCurrencies } from "./providers/processout/public"
export { FiservProviderService, fiservCurrencies } from "./providers/fiserv/public"
export { DodoProviderService, dodoCurrencies } from "./providers/dodo/public"
