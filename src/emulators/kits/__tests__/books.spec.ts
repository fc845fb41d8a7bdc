/**
 * The kits' facts the integration and scale tests read the processor by (src/emulators/kits/types.ts):
 * the refund route and idempotency header, and the books (which payment field names the processor's
 * payment; what it captured and the refunds it holds, in minor units), checked for every kit and the
 * example processor's against a payment made, captured and refunded through the provider.
 */
import crypto from "node:crypto"
import path from "node:path"
import { MedusaPaymentsDouble } from "../../../../test/support/medusa-payments"
import { exampleKit } from "../../../../test/fixtures/example-processor/kit"
import { PROCESSOR_KITS, majorToMinorText, refundsOnWire, type ProcessorKit } from "../index"

const ROOT = path.resolve(__dirname, "../../../..")
const KITS: readonly ProcessorKit[] = [...PROCESSOR_KITS, exampleKit]

const serviceOf = (kit: ProcessorKit) => require(path.join(ROOT, kit.providerModule)).default.services[0]
const silent = { debug() {}, info() {}, warn() {}, error() {} }

describe("majorToMinorText", () => {
  it("moves the digits, exactly", () => {
    expect(majorToMinorText("20.00", 2)).toBe("2000")
    expect(majorToMinorText("12.1", 2)).toBe("1210")
    expect(majorToMinorText("0.07", 2)).toBe("7")
    expect(majorToMinorText("7", 0)).toBe("7")
    expect(majorToMinorText("1.234", 3)).toBe("1234")
    expect(majorToMinorText("1.2300", 2)).toBe("123")
    expect(majorToMinorText("90071992547409.93", 2)).toBe("9007199254740993")
    expect(majorToMinorText("-0.50", 2)).toBe("-50")
  })

  it("refuses what is not a whole number of minor units, or not an amount", () => {
    expect(() => majorToMinorText("0.015", 2)).toThrow(/not a whole number/)
    expect(() => majorToMinorText("1e3", 2)).toThrow(/not an amount/)
    expect(() => majorToMinorText("", 2)).toThrow(/not an amount/)
    expect(() => majorToMinorText("1.00", undefined)).toThrow(/known exponent/)
  })
})

describe.each(KITS.map((kit) => [kit.id, kit] as const))("%s", (_id, kit) => {
  it("its refund route is a path its refunds on the wire take", () => {
    const { route, path: onWire } = kit.refundOnWire
    expect(onWire.test(route.replace(/:[A-Za-z]+/g, "x_1"))).toBe(true)
  })

  it("its label is the name the provider gives itself in messages", () => {
    const file = path.join(ROOT, kit.providerModule, "currencies")
    const profiles = Object.values(require(file)).filter((v: any) => v && typeof v.processor === "string" && typeof v.step === "function")
    expect(profiles.map((p: any) => p.processor)).toEqual([kit.label])
  })

  describe("its books, after a payment of 25.00 captured and 7.31 refunded", () => {
    const emulator = kit.createEmulator()
    let url: string
    beforeAll(async () => {
      url = await emulator.start(0)
    })
    afterAll(() => emulator.stop())

    it("name the payment, its capture and its refund in minor units; the refund went under the idempotency header", async () => {
      const env = { ...kit.emulatorEnv(url, kit.scriptedEnv), ...kit.webhookEnv, ...kit.scriptedEnv }
      const Service = serviceOf(kit)
      const medusa = new MedusaPaymentsDouble()
      const provider = new Service({ logger: silent, ...medusa.cradle() }, { ...kit.optionsFromEnv(env), maxRetries: 0 })
      const unique = `books_${crypto.randomBytes(6).toString("hex")}`
      const storefront = { session_id: `payses_${unique}`, ...kit.payment.sessionData(unique) }
      const started = await provider.initiatePayment({
        amount: "25.00",
        currency_code: "usd",
        data: storefront,
        context: { idempotency_key: storefront.session_id, customer: { email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" } },
      })
      let data: Record<string, unknown> = { ...storefront, ...started.data }
      await kit.payment.customerStep?.(data)
      const authorized = await provider.authorizePayment({ data, context: { idempotency_key: storefront.session_id } })
      data = { ...data, ...authorized.data }
      if (authorized.status !== "captured") data = { ...data, ...(await provider.capturePayment({ data, context: { idempotency_key: `capt_${unique}` } })).data }
      await kit.payment.afterCapture?.(url)
      const paymentId = medusa.addPayment(data)
      await medusa.refund(provider, paymentId, "7.31", `ref_${unique}`)

      const ref = medusa.data(paymentId)[kit.books.paymentField]
      expect(typeof ref).toBe("string")
      expect(kit.books.capturedMinor(emulator, ref as string, "usd")).toBe("2500")
      const held = kit.books.refunds(emulator, ref as string, "usd")
      expect(held.map((r) => r.minor)).toEqual(["731"])
      expect(held[0]!.id).toEqual(expect.any(String))
      const [sent] = refundsOnWire(kit, emulator)
      if (kit.refundOnWire.idempotencyHeader) expect(sent!.request.headers[kit.refundOnWire.idempotencyHeader]).toEqual(expect.any(String))
    })
  })
})
