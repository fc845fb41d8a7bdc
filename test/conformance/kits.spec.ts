/**
 * The provider conformance check every processor kit passes (src/emulators/kits), the example
 * processor of test/fixtures/example-processor included: it proves a processor is its provider
 * folder, its emulator folder and its kit in the list, nothing else.
 *
 * For each kit, against its own emulator and only through what the kit declares:
 * - the options medusa-config.ts builds from the kit's env (defaults, and pointed at this emulator)
 *   pass the provider's validation, and building the provider logs none of its secret options;
 * - a session initiates, authorizes (with the customer's step at a hosted page where the processor
 *   has one), captures, and refunds a partial amount: exactly one refund goes over the wire, with the
 *   amount in the processor's unit (integer minor units or major-unit decimals, compared exactly);
 * - the same Medusa refund again (Medusa retrying it) sends nothing new.
 */
import crypto from "node:crypto"
import path from "node:path"
import { Decimal } from "../../src/core/money/decimal"
import { PROCESSOR_KITS, providerEntries, refundsOnWire, type ProcessorKit } from "../../src/emulators/kits"
import { MedusaPaymentsDouble } from "../support/medusa-payments"
import { exampleKit } from "../fixtures/example-processor/kit"

const ROOT = path.resolve(__dirname, "../..")

/** The kits under test: the plugin's list, plus the example processor's one line. */
const KITS: readonly ProcessorKit[] = [...PROCESSOR_KITS, exampleKit]

type Service = {
  identifier: string
  validateOptions(options: Record<string, unknown>): void
  new (cradle: Record<string, unknown>, options: Record<string, unknown>): any
}

/** The provider class the way Medusa loads it: the module at the entry's `resolve`, its ModuleProvider's service. */
function serviceOf(kit: ProcessorKit): Service {
  const mod = require(path.join(ROOT, kit.providerModule))
  return mod.default.services[0]
}

function recordingLogger() {
  const lines: string[] = []
  const log = (...args: unknown[]) => void lines.push(args.map(String).join(" "))
  return { lines, logger: { debug: log, info: log, warn: log, error: log } }
}

/** A refund's amount in the processor's unit as the decimal text the check expects ("731" or "7.31"). */
const inUnit = (kit: ProcessorKit, major: string) => (kit.refundOnWire.unit === "minor" ? new Decimal(major).shiftedBy(2) : new Decimal(major))

it("a new processor is one more kit in the list: medusa-config.ts's entries and the conformance check take it as is", () => {
  const entries = providerEntries(KITS, {})
  expect(entries.map((e) => e.id)).toEqual(["clover", "processout", "fiserv", "dodo", "checkout", "example"])
  const example = entries.find((e) => e.id === "example")!
  expect(example.resolve).toBe("./test/fixtures/example-processor/provider")
  expect(() => serviceOf(exampleKit).validateOptions(example.options)).not.toThrow()
})

describe.each(KITS.map((kit) => [kit.id, kit] as const))("%s", (_id, kit) => {
  const emulator = kit.createEmulator()
  let url: string
  beforeAll(async () => {
    url = await emulator.start(0)
  })
  afterAll(() => emulator.stop())

  /** The options medusa-config.ts registers with the env that points the provider at this emulator (no retries: one request per call). */
  const options = (): Record<string, unknown> => ({ ...kit.optionsFromEnv({ ...kit.emulatorEnv(url, kit.scriptedEnv), ...kit.webhookEnv, ...kit.scriptedEnv }), maxRetries: 0 })

  it("options from the kit's env validate, and the provider logs none of its secret options", () => {
    const Service = serviceOf(kit)
    expect(kit.providerId).toBe(`pp_${Service.identifier}_${kit.id}`)
    expect(() => Service.validateOptions(kit.optionsFromEnv({}))).not.toThrow()
    expect(() => Service.validateOptions(options())).not.toThrow()
    const { lines, logger } = recordingLogger()
    new Service({ logger }, options())
    const secrets = kit.secretOptions.flatMap((name) => {
      const value = options()[name]
      return Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]
    })
    for (const secret of secrets) expect(lines.join("\n")).not.toContain(secret)
  })

  it("pays, captures and refunds a partial amount exactly once, in the processor's unit; the same refund again sends nothing", async () => {
    const Service = serviceOf(kit)
    const medusa = new MedusaPaymentsDouble()
    const provider = new Service({ logger: recordingLogger().logger, ...medusa.cradle() }, options())
    const unique = `conf_${crypto.randomBytes(6).toString("hex")}`
    const sessionId = `payses_${unique}`

    // The storefront's session, stored by Medusa as its data merged with the provider's answer.
    const storefront = { session_id: sessionId, ...kit.payment.sessionData(unique) }
    const started = await provider.initiatePayment({
      amount: "25.00",
      currency_code: "usd",
      data: storefront,
      context: { idempotency_key: sessionId, customer: { email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" } },
    })
    let data: Record<string, unknown> = { ...storefront, ...started.data }
    await kit.payment.customerStep?.(data)

    const authorized = await provider.authorizePayment({ data, context: { idempotency_key: sessionId } })
    expect(["authorized", "captured"]).toContain(authorized.status)
    data = { ...data, ...authorized.data }
    if (authorized.status !== "captured") {
      data = { ...data, ...(await provider.capturePayment({ data, context: { idempotency_key: `capt_${unique}` } })).data }
    }
    await kit.payment.afterCapture?.(url)

    const paymentId = medusa.addPayment(data)
    const refundId = `ref_${unique}`
    await medusa.refund(provider, paymentId, "7.31", refundId)
    const sent = refundsOnWire(kit, emulator)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.amount).toBeDefined()
    expect(new Decimal(sent[0]!.amount!).eq(inUnit(kit, "7.31"))).toBe(true)

    // Medusa retries the same refund (same id): the ledger already holds it.
    const before = emulator.requests().length
    await medusa.refund(provider, paymentId, "7.31", refundId)
    expect(refundsOnWire(kit, emulator)).toHaveLength(1)
    expect(emulator.requests().slice(before).filter((r) => r.method !== "GET")).toEqual([])

    // A second refund whose answer is lost (the process dies before Medusa stores the data): Medusa
    // sends it again with the data it had. The processor ends with one refund for it, whether the
    // provider finds it by reading first or the processor replays its idempotency key.
    const stale = medusa.data(paymentId)
    const second = `ref2_${unique}`
    medusa.addRefundRow(paymentId, second, "2.00")
    await provider.refundPayment({ data: stale, amount: "2.00", context: { idempotency_key: second } })
    const again = await provider.refundPayment({ data: medusa.data(paymentId), amount: "2.00", context: { idempotency_key: second } })
    const synced = await provider.syncRefundLedger(again.data, paymentId)
    const ledger = (synced.refunds as Array<{ processor_refund_id: string | null; medusa_refund_id: string | null; amount_minor: string }>).filter(
      (e) => e.processor_refund_id !== null
    )
    expect(new Set(ledger.map((e) => e.processor_refund_id)).size).toBe(2)
    expect(ledger.map((e) => e.amount_minor).sort()).toEqual(["200", "731"])
    expect(refundsOnWire(kit, emulator).map((r) => r.amount && new Decimal(r.amount).toFixed())).not.toContain(undefined)
  })
})
