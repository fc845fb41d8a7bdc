/** The JSON the plugin's admin routes answer with, defined once beside the routes (types only). */
export type { AdminMode, AmountPair, LedgerRow, PaymentView, ProviderView, RefundStatus, TestResult } from "../../api/admin/refund-processors/types"
