export * from "./core/money"
export { planRefund, reconcileLedger, type RefundPlan } from "./core/refund-planner"
export type { ProcessorPaymentData, RefundLedgerEntry, RefundStatus } from "./core/payment-data"
export { CloverProviderService } from "./providers/clover/service"
