/**
 * End to end through a real Medusa 2.21 app and the Fiserv Commerce Hub emulator, with the default
 * configuration: the current reference-transaction endpoints, refunds referencing the captured transaction.
 * USD, JPY (0 decimals) and KWD (3 decimals): checkout (pre-auth), admin capture, return of one item, refund
 * of exactly what the order owes, refund of the rest, a refused over-refund that never reaches Fiserv.
 */
import { defineFiservRefundSuite } from "../helpers/fiserv"

defineFiservRefundSuite({ endpointStyle: "reference", refundReference: "transaction" })
