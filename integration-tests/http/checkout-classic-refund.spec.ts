/**
 * End to end through a real Medusa 2.21 app and the Checkout.com emulator, classic v2 Charges API
 * (CHECKOUT_API=classic): return and refund in JPY and KWD; the capture makes a new charge id and
 * the refunds go against it, synchronously.
 */
import { checkoutReturnAndRefundSuite } from "../helpers/checkout-com"

jest.setTimeout(180_000)

checkoutReturnAndRefundSuite("classic")
