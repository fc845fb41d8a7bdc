/**
 * The same end-to-end suite as fiserv-refund.spec.ts for merchants on older Commerce Hub configurations:
 * the URI endpoints (/payments/v1/charges/{transactionId}/capture, /charges/orders/{orderId}/refund) with
 * refunds referencing the order.
 */
import { defineFiservRefundSuite } from "../helpers/fiserv"

defineFiservRefundSuite({ endpointStyle: "uri", refundReference: "order" })
