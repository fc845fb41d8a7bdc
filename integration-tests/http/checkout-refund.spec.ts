/**
 * End to end through a real Medusa 2.21 app and the Checkout.com emulator, Payments API (the
 * default): return and refund in a 0-decimal (JPY) and a 3-decimal (KWD) currency, with
 * asynchronous refunds (202, pending in the ledger, settled, signed webhook).
 */
import { checkoutReturnAndRefundSuite } from "../helpers/checkout-com"

jest.setTimeout(180_000)

checkoutReturnAndRefundSuite("payments")
