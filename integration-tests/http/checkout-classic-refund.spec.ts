/**
 * End to end through a real Medusa 2.21 app and the Checkout.com emulator, classic v2 Charges API
 * (CHECKOUT_API=classic): return and refund in JPY and KWD; the capture makes a new charge id and
 * the refunds go against it, synchronously.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { CheckoutEmulator, DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY } from "../../src/emulators/checkout"
import { runCheckoutReturnAndRefund } from "../helpers/checkout-com"

jest.setTimeout(180_000)

const emu = new CheckoutEmulator()
const saved: Record<string, string | undefined> = {}
const ENV: Record<string, string> = { CHECKOUT_API: "classic", CHECKOUT_CAPTURE_MODE: "manual", CHECKOUT_WEBHOOK_SIGNATURE_KEY: DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY, PAYMENT_PROVIDERS: "checkout" }

// Top-level: runs before the runner loads medusa-config.ts, which reads these.
beforeAll(async () => {
  const url = await emu.start()
  for (const k of [...Object.keys(ENV), "CHECKOUT_ENVIRONMENT", "CHECKOUT_SECRET_KEY"]) saved[k] = process.env[k]
  Object.assign(process.env, ENV, { CHECKOUT_ENVIRONMENT: url })
  delete process.env.CHECKOUT_SECRET_KEY // the config's default is the emulator's key
})
afterAll(async () => {
  await emu.stop()
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})
beforeEach(() => emu.reset())

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    it("JPY (whole amounts): returns and refunds in yen, exactly", async () => {
      await runCheckoutReturnAndRefund(api, getContainer(), emu, {
        api: "classic",
        currency: "jpy",
        country: "jp",
        large: 3000,
        small: 1234,
        shipping: 500,
        minor: { total: 4734, small: 1234, rest: 3500 },
      })
    })

    it("KWD (3 decimals, sent in tens of fils): a 12.345 KWD item is charged and refunded as 12.350, the rest exactly", async () => {
      await runCheckoutReturnAndRefund(api, getContainer(), emu, {
        api: "classic",
        currency: "kwd",
        country: "kw",
        large: 30.25,
        small: 12.345,
        shipping: 1.5,
        // 44.095 KWD is sent as 44.100 (half-up to the 0.010 step), 12.345 as 12.350; the rest is exact.
        minor: { total: 44100, small: 12350, rest: 31750 },
      })
    })
  },
})
