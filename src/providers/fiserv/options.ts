import { z } from "zod"
import { commonOptions, parseOptions } from "../../core/options"

export const fiservOptionsSchema = z.object({
  /** Commerce Hub API key (sent as Api-Key). */
  apiKey: z.string().min(8, "must be the Commerce Hub API key"),
  /** Commerce Hub API secret: the HMAC key. Never sent, never stored in payment data. */
  apiSecret: z.string().min(8, "must be the Commerce Hub API secret"),
  /** merchantDetails.merchantId assigned by the acquirer or gateway. */
  merchantId: z.string().min(1).max(40),
  /** merchantDetails.terminalId assigned by the acquirer or gateway. */
  terminalId: z.string().min(1).max(1024),
  ...commonOptions,
  /**
   * "reference" (default): the current API, where capture, cancel and refund reference the charge in the
   * body (POST /payments/v1/charges, /cancels, /refunds). "uri": the older URI endpoints
   * (POST /payments/v1/charges/{transactionId}/capture|cancel|refund, /payments/v1/charges/orders/{orderId}/refund)
   * for merchants whose Commerce Hub configuration predates reference transactions.
   */
  endpointStyle: z.enum(["reference", "uri"]).default("reference"),
  /**
   * What a refund references. "transaction" (default): the captured transaction (transactionId).
   * "order": the order: the store's merchantOrderId in the reference style
   * (referenceMerchantOrderId), Commerce Hub's orderId in the URI style (/charges/orders/{orderId}/refund).
   */
  refundReference: z.enum(["transaction", "order"]).default("transaction"),
  /**
   * transactionDetails.captureFlag sent with refunds. true (default): Commerce Hub captures the refund at once;
   * false: the refund is only authorized and a later capture (outside this plugin) settles it.
   */
  captureRefunds: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean()).default(true),
  /**
   * Whether Fiserv takes partial cancels for this merchant: "Commerce Hub currently only supports partial cancels for
   * terminal direct and gateway settlement on the Nashville front-end processor" (Cancel.md). false (default): a
   * partial refund before the batch settles is refused with when it becomes possible; true: it is a partial cancel.
   */
  partialCancels: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean()).default(false),
})

export type FiservOptions = z.output<typeof fiservOptionsSchema>

export function parseFiservOptions(raw: unknown): FiservOptions {
  return parseOptions(fiservOptionsSchema, raw, "Fiserv")
}
