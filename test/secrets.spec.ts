/**
 * No secret ever leaves a provider: for every processor, a payment's whole life (initiate,
 * authorize, capture, refunds, retrieve, status, an over-refund, a forged webhook, test
 * connection) runs against its emulator while every log line, error message and returned
 * payment data is collected; none may contain an API key, HMAC secret or card number.
 * The flows come from the bench entries (bench/processors), one per processor.
 */
import path from "node:path"
import { PROCESSOR_KITS } from "../src/emulators/kits"

const ROOT = path.resolve(__dirname, "..")
const { processors } = require(path.join(ROOT, "bench/processors/index.js"))

/** The emulators' secret credentials, per kit (its default credentials that are secret options), which the bench entries configure. */
const SECRETS: Record<string, string[]> = Object.fromEntries(
  PROCESSOR_KITS.map((kit) => [kit.id, Object.entries(kit.credentials).filter(([option]) => kit.secretOptions.includes(option)).map(([, value]) => value)])
)
const CARD_NUMBERS = /\b(4242424242424242|4111111111111111|5555555555554444)\b/

const entries: any[] = processors().filter((p: any) => p.createProvider && SECRETS[p.name])

describe.each(entries.map((e) => [e.name, e]))("%s", (name, entry: any) => {
  let emulator: any
  let url: string
  beforeAll(async () => {
    const Emulator = require(path.join(ROOT, entry.emulator.module))[entry.emulator.className]
    emulator = new Emulator()
    url = await emulator.start()
  })
  afterAll(() => emulator?.stop())

  it("keeps every secret out of logs, errors and payment data", async () => {
    const seen: string[] = []
    const capture = (m: unknown) => void seen.push(String(m))
    const provider = entry.createProvider(url, { debug: capture, info: capture, warn: capture, error: capture })
    const payment = await entry.createPayment(url)
    seen.push(JSON.stringify(payment.data))
    const refunded = await provider.refundPayment(entry.refundInput(payment, "ref_SECRETSCHECK01", 100))
    seen.push(JSON.stringify(refunded.data))
    for (const call of [
      () => provider.retrievePayment({ data: refunded.data }),
      () => provider.getPaymentStatus({ data: refunded.data }),
      () => provider.refundPayment({ ...entry.refundInput(payment, "ref_SECRETSCHECK02", 100), amount: "99999999", data: refunded.data }),
      () => provider.refundPayment({ amount: -1, data: refunded.data, context: { idempotency_key: "ref_SECRETSCHECK03" } }),
      () => provider.getWebhookActionAndData({ data: { id: "evt_forged" }, rawData: '{"id":"evt_forged"}', headers: { "webhook-signature": "v1,forged" } }),
    ]) {
      try {
        seen.push(JSON.stringify(await call()))
      } catch (error) {
        seen.push(String((error as Error).message))
      }
    }
    seen.push(JSON.stringify(await provider.testConnection()))
    expect(seen.length).toBeGreaterThan(5)
    const text = seen.join("\n")
    for (const secret of SECRETS[name as string]) expect(text).not.toContain(secret)
    expect(text).not.toMatch(CARD_NUMBERS)
  })
})
