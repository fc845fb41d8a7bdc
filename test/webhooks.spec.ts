/**
 * Hostile webhooks, for every processor that sends them. A genuine event is acted on (the
 * action and amount Medusa gets); a tampered body, a wrong key, a missing signature, a replay
 * outside the tolerance window and a duplicate delivery are refused or ignored, never acted on;
 * and the same holds for the refund outcomes the plugin reads from webhooks (refundOutcomes).
 *
 * How each processor authenticates a webhook (each provider's README, "Webhooks"):
 * - Clover: a static shared code in X-Clover-Auth (no HMAC, no timestamp); the body only names
 *   the charge, which is read back from Clover.
 * - Checkout.com: Cko-Signature, hex HMAC-SHA256 of the raw body (no timestamp in the scheme).
 * - Dodo Payments: Standard Webhooks (webhook-id, webhook-timestamp ±5 minutes, v1 signatures).
 * - ProcessOut: unsigned; the webhook URL carries the store's secret (`?token=`, copied into a
 *   header by the plugin's middleware), checked before the body's event_id is fetched from
 *   ProcessOut with the store's credentials; only ProcessOut's answer is used.
 * Fiserv is absent: Commerce Hub sends no payment webhooks (its README); its provider
 * answers every webhook not_supported (src/providers/fiserv/__tests__).
 *
 * Replays: only Standard Webhooks (Dodo) signs a timestamp, so only Dodo has a tolerance window.
 * Elsewhere a replay is a duplicate delivery, covered by the duplicate scenario; Dodo and ProcessOut
 * remember the events they acted on in Medusa's caching module.
 */
import crypto from "node:crypto"
import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type { ProviderWebhookPayload, WebhookActionResult } from "@medusajs/framework/types"
import type { RefundOutcome } from "../src/core/provider"
import { applyRefundOutcomes } from "../src/core/refunds/planner"
import { CloverEmulator } from "../src/emulators/clover"
import { CheckoutEmulator } from "../src/emulators/checkout"
import { DEFAULT_DODO_PRODUCT_ID, DEFAULT_DODO_WEBHOOK_SECRET, DodoEmulator } from "../src/emulators/dodo"
import { PROCESSOR_KITS } from "../src/emulators/kits"
import { ProcessOutEmulator } from "../src/emulators/processout"
import { CloverProviderService } from "../src/providers/clover/service"
import { CheckoutProviderService } from "../src/providers/checkout/service"
import { DodoProviderService } from "../src/providers/dodo/service"
import { ProcessOutProviderService } from "../src/providers/processout/service"

type Payload = ProviderWebhookPayload["payload"]
interface WebhookReader {
  getWebhookActionAndData(payload: Payload): Promise<WebhookActionResult>
  refundOutcomes(payload: Payload): Promise<RefundOutcome[]>
  refundPayment(input: any): Promise<{ data?: Record<string, unknown> }>
}

/** What a refused delivery gets: not_supported (refund outcomes: none), or a MedusaError of a type. */
type Refusal = { ignored: true } | { error: string }
const IGNORED: Refusal = { ignored: true }

/** A delivery to refuse, optionally to a provider configured differently (ProcessOut's wrong credentials). */
interface Hostile {
  payload: Payload
  reader?: WebhookReader
}

interface Genuine<T> {
  payload: Payload
  expected: T
  /** The payment data after the refund, for refund events: outcomes apply to its ledger. */
  data?: Record<string, unknown>
}

interface WebhookProcessor {
  name: string
  start(): Promise<void>
  stop(): Promise<void>
  reset(): void
  reader(): WebhookReader
  /** A payment made through the provider, and the genuine event about it. */
  paymentEvent(reader: WebhookReader): Promise<Genuine<WebhookActionResult>>
  /** A refund made through the provider, and the genuine event about its outcome. */
  refundEvent(reader: WebhookReader): Promise<Genuine<RefundOutcome[]>>
  /** One byte of the body changed after it was signed. */
  tampered(genuine: Payload): Hostile
  /** Signed (or fetched) with a key that is not the store's. */
  wrongKey(genuine: Payload): Hostile
  /** Without the signature header (ProcessOut: without the event id, its only proof). */
  unsigned(genuine: Payload): Hostile
  /** Signed outside the tolerance window; null when the scheme signs no timestamp. */
  stale: ((genuine: Payload, at: Date) => Hostile) | null
  refusals: {
    tampered: Refusal
    wrongKey: Refusal
    unsigned: Refusal
  }
  /**
   * A second delivery of the same event: "same" (the provider answers again as the first time;
   * Medusa's handling of the same action for the same session is idempotent) or "ignored"
   * (the provider remembers the event id and answers not_supported / no outcomes).
   */
  duplicate: { action: "same" | "ignored"; refunds: "same" | "ignored" }
  /** False when the processor's refunds are synchronous and refundOutcomes reads nothing from webhooks. */
  refundsByWebhook: boolean
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const AMOUNT = "42.50"
const MAJOR = "42.5"
let seq = 0
const nextSession = () => `payses_WEBHOOK${++seq}${crypto.randomBytes(4).toString("hex").toUpperCase()}`

/** Changes the last digit of the first `"<field>":<digits>` in a JSON text: still valid JSON, one byte different. */
function changeOneDigit(raw: string, field: string): string {
  const match = new RegExp(`"${field}":(\\d+)`).exec(raw)
  if (!match) throw new Error(`no numeric ${field} in ${raw.slice(0, 200)}`)
  const end = match.index + match[0].length - 1
  const digit = Number(raw[end])
  return raw.slice(0, end) + String((digit + 1) % 10) + raw.slice(end + 1)
}

/** Changes one character of an id (keeps its alphabet), the way a flipped byte in transit would. */
function changeOneChar(id: string): string {
  const last = id.at(-1)!
  return id.slice(0, -1) + (last === "A" ? "B" : "A")
}

/** A second, separate delivery of the same bytes and headers. */
const redelivered = (payload: Payload): Payload => ({
  data: JSON.parse(JSON.stringify(payload.data)),
  rawData: Buffer.from(rawText(payload)),
  headers: { ...(payload.headers as Record<string, string>) },
})

const rawText = (payload: Payload) => {
  const raw = payload.rawData as unknown
  return Buffer.isBuffer(raw) ? raw.toString("utf8") : String(raw)
}

// ---- Clover ------------------------------------------------------------------------------------

const clover = (() => {
  const CODE = "clover-webhook-auth-code-7f3a"
  const emulator = new CloverEmulator()
  const reader = () =>
    new CloverProviderService(
      { logger: quiet },
      { apiKey: "emulator_clover_key", environment: emulator.url, captureMode: "manual", maxRetries: 0, webhookAuthCode: CODE }
    )
  const delivery = (body: unknown, code: string | undefined): Payload => ({
    data: body as Record<string, unknown>,
    rawData: Buffer.from(JSON.stringify(body)),
    headers: code === undefined ? { "content-type": "application/json" } : { "content-type": "application/json", "x-clover-auth": code },
  })
  async function authorized(service: WebhookReader) {
    const provider = service as unknown as CloverProviderService
    const session = nextSession()
    const started = await provider.initiatePayment({
      amount: AMOUNT,
      currency_code: "usd",
      data: { session_id: session, source: `clv_test_${session}`, ...provider.stampRequestIp("203.0.113.7") },
      context: { idempotency_key: session },
    })
    const auth = await provider.authorizePayment({ data: started.data, context: { idempotency_key: session } })
    expect(auth.status).toBe(PaymentSessionStatus.AUTHORIZED)
    return auth.data!
  }
  const processor: WebhookProcessor = {
    name: "Clover",
    start: async () => void (await emulator.start()),
    stop: () => emulator.stop(),
    reset: () => emulator.reset(),
    reader,
    async paymentEvent(service) {
      const data = await authorized(service)
      return {
        payload: delivery(emulator.webhookPayload(data.charge_id as string, "UPDATE"), CODE),
        expected: { action: PaymentActions.AUTHORIZED, data: { session_id: data.session_id as string, amount: MAJOR } },
      }
    },
    async refundEvent(service) {
      // Clover refunds are synchronous (the refund call answers its outcome): no refund outcomes from webhooks.
      const auth = await authorized(service)
      const provider = service as unknown as CloverProviderService
      const captured = await provider.capturePayment({ data: auth, context: { idempotency_key: `capt_${auth.session_id}` } })
      const refunded = await service.refundPayment({ amount: "10", data: captured.data, context: { idempotency_key: `ref_${auth.session_id}` } })
      return { payload: delivery(emulator.webhookPayload(auth.charge_id as string, "UPDATE"), CODE), expected: [], data: refunded.data }
    },
    tampered(genuine) {
      // X-Clover-Auth does not cover the body; the body only names a charge, read back from Clover.
      const body = structuredClone(genuine.data) as any
      const [event] = Object.values(body.merchants as Record<string, Array<{ objectId: string }>>)[0]
      event.objectId = changeOneChar(event.objectId)
      return { payload: delivery(body, CODE) }
    },
    wrongKey: (genuine) => ({ payload: delivery(genuine.data, changeOneChar(CODE)) }),
    unsigned: (genuine) => ({ payload: delivery(genuine.data, undefined) }),
    stale: null, // a static code, no timestamp: a replay is a duplicate, and reports the charge's current state
    refusals: { tampered: IGNORED, wrongKey: IGNORED, unsigned: IGNORED },
    duplicate: { action: "same", refunds: "same" },
    refundsByWebhook: false,
  }
  return processor
})()

// ---- Checkout.com ------------------------------------------------------------------------------

const checkout = (() => {
  const KEY = "checkout-webhook-signature-key-9c1e"
  const emulator = new CheckoutEmulator({ webhookSignatureKey: KEY })
  const reader = () =>
    new CheckoutProviderService(
      { logger: quiet },
      { secretKey: "sk_sbox_emulatorkeyforcheckoutdotco", environment: emulator.url, captureMode: "manual", maxRetries: 0, webhookSignatureKey: KEY }
    )
  const delivery = (event: unknown, key = KEY): Payload => {
    const signed = emulator.signWebhook(event as any, key)
    return { data: event as Record<string, unknown>, rawData: Buffer.from(signed.rawBody), headers: signed.headers }
  }
  async function authorized(service: WebhookReader, capture: boolean) {
    const provider = service as unknown as CheckoutProviderService
    const session = nextSession()
    const started = await provider.initiatePayment({
      amount: AMOUNT,
      currency_code: "usd",
      data: { session_id: session, token: `tok_webhook_${session.toLowerCase()}` },
      context: { idempotency_key: session },
    })
    const auth = await provider.authorizePayment({ data: started.data, context: { idempotency_key: session } })
    expect(auth.status).toBe(PaymentSessionStatus.AUTHORIZED)
    if (!capture) return auth.data!
    return (await provider.capturePayment({ data: auth.data, context: { idempotency_key: `capt_${session}` } })).data!
  }
  const processor: WebhookProcessor = {
    name: "Checkout.com",
    start: async () => void (await emulator.start()),
    stop: () => emulator.stop(),
    reset: () => emulator.reset(),
    reader,
    async paymentEvent(service) {
      const data = await authorized(service, false)
      return {
        payload: delivery(emulator.webhookEvent("payment_approved", data.payment_id as string)),
        expected: { action: PaymentActions.AUTHORIZED, data: { session_id: data.session_id as string, amount: MAJOR } },
      }
    },
    async refundEvent(service) {
      const data = await authorized(service, true)
      const refundId = `ref_${data.session_id}`
      const refunded = (await service.refundPayment({ amount: "10", data, context: { idempotency_key: refundId } })).data!
      const [settled] = emulator.settleRefunds()
      return {
        payload: delivery(emulator.webhookEvent("payment_refunded", data.payment_id as string, settled.id)),
        expected: [
          { processor_refund_id: settled.id, status: "succeeded", medusa_refund_id: refundId, processor_payment_id: data.payment_id as string, session_id: data.session_id as string },
        ],
        data: refunded,
      }
    },
    tampered(genuine) {
      const raw = changeOneDigit(rawText(genuine), "amount")
      return { payload: { ...genuine, data: JSON.parse(raw), rawData: Buffer.from(raw) } }
    },
    wrongKey: (genuine) => ({ payload: delivery(genuine.data, "not-the-store-signature-key") }),
    unsigned: (genuine) => ({ payload: { ...genuine, headers: { "content-type": "application/json" } } }),
    stale: null, // Cko-Signature covers the body only: no timestamp to check
    refusals: { tampered: IGNORED, wrongKey: IGNORED, unsigned: IGNORED },
    duplicate: { action: "same", refunds: "same" },
    refundsByWebhook: true,
  }
  return processor
})()

// ---- Dodo Payments -----------------------------------------------------------------------------

const dodo = (() => {
  const OTHER_SECRET = `whsec_${Buffer.from("an-attackers-webhook-secret-32b!").toString("base64")}`
  const emulator = new DodoEmulator()
  // Medusa's payment sessions, as the payment module's container gives them to the provider: a
  // webhook is checked against its session's data.
  const sessions = new Map<string, Record<string, unknown>>()
  const paymentSessionService = {
    retrieve: async (id: string) => {
      const data = sessions.get(id)
      if (!data) throw new Error(`PaymentSession with id "${id}" not found`)
      return { id, data }
    },
  }
  const reader = () =>
    new DodoProviderService(
      { logger: quiet, paymentSessionService },
      { apiKey: "emulator_dodo_key", environment: emulator.url, productId: DEFAULT_DODO_PRODUCT_ID, webhookSecrets: [DEFAULT_DODO_WEBHOOK_SECRET], maxRetries: 0 }
    )
  const delivery = (signed: { headers: Record<string, string>; body: string }): Payload => ({
    data: JSON.parse(signed.body),
    rawData: Buffer.from(signed.body),
    headers: signed.headers,
  })
  const idOf = (payload: Payload) => String((payload.headers as Record<string, string>)["webhook-id"])
  async function paid(service: WebhookReader) {
    const provider = service as unknown as DodoProviderService
    const session = nextSession()
    const started = await provider.initiatePayment({
      amount: AMOUNT,
      currency_code: "usd",
      data: { session_id: session },
      context: { idempotency_key: session, customer: { email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" } } as any,
    })
    sessions.set(session, started.data!)
    const payment = emulator.pay(started.data!.checkout_session_id as string)
    return { session, started: started.data!, payment }
  }
  /** Re-signs the genuine event's payment (same webhook-id) with other options. */
  const resign = (genuine: Payload, opts: { at?: Date; secret?: string }) => {
    const body = genuine.data as any
    const type = body.type
    const { payload_type: _type, ...object } = body.data
    return delivery(emulator.signedWebhook(type, object, { webhookId: idOf(genuine), ...opts }))
  }
  const processor: WebhookProcessor = {
    name: "Dodo Payments",
    start: async () => void (await emulator.start()),
    stop: () => emulator.stop(),
    reset: () => emulator.reset(),
    reader,
    async paymentEvent(service) {
      const { session, payment } = await paid(service)
      return {
        payload: delivery(emulator.signedWebhook("payment.succeeded", payment)),
        expected: { action: PaymentActions.SUCCESSFUL, data: { session_id: session, amount: MAJOR } },
      }
    },
    async refundEvent(service) {
      const { started } = await paid(service)
      const data = (await (service as unknown as DodoProviderService).authorizePayment({ data: started })).data!
      emulator.queueRefundOutcome("pending")
      const refundId = `ref_${data.session_id}`
      const refunded = (await service.refundPayment({ amount: "10", data, context: { idempotency_key: refundId } })).data!
      const [refund] = emulator.listRefunds(data.payment_id as string)
      const settled = emulator.settleRefund(refund.refund_id, "succeeded")
      return {
        payload: delivery(emulator.signedWebhook("refund.succeeded", settled)),
        expected: [
          {
            processor_refund_id: refund.refund_id,
            status: "succeeded",
            processor_status: "succeeded",
            medusa_refund_id: refundId,
            processor_payment_id: data.payment_id as string,
            session_id: data.session_id as string,
          } as RefundOutcome,
        ],
        data: refunded,
      }
    },
    tampered(genuine) {
      const raw = changeOneDigit(rawText(genuine), (genuine.data as any).type.startsWith("refund.") ? "amount" : "total_amount")
      return { payload: { ...genuine, data: JSON.parse(raw), rawData: Buffer.from(raw) } }
    },
    // The same webhook-id as the genuine delivery: a refused delivery must not be remembered as handled.
    wrongKey: (genuine) => ({ payload: resign(genuine, { secret: OTHER_SECRET }) }),
    unsigned(genuine) {
      const { "webhook-signature": _signature, ...headers } = genuine.headers as Record<string, string>
      return { payload: { ...genuine, headers } }
    },
    stale: (genuine, at) => ({ payload: resign(genuine, { at }) }),
    refusals: { tampered: IGNORED, wrongKey: IGNORED, unsigned: IGNORED },
    // Verified events are remembered (Medusa's caching module): a second delivery is not acted on.
    duplicate: { action: "ignored", refunds: "ignored" },
    refundsByWebhook: true,
  }
  return processor
})()

// ---- ProcessOut --------------------------------------------------------------------------------

const processout = (() => {
  const PROJECT = "test-proj_emulator"
  const WEBHOOK_SECRET = "whsec_processout_webhooks_spec"
  const emulator = new ProcessOutEmulator()
  // Medusa's payment sessions as the payment module's container gives them: a webhook is checked against its session.
  const sessions = new Map<string, Record<string, unknown>>()
  const paymentSessionService = {
    retrieve: async (id: string) => {
      const data = sessions.get(id)
      if (!data) throw new Error(`PaymentSession with id "${id}" not found`)
      return { id, data }
    },
  }
  const reader = (secret = "key_sandbox_emulator") =>
    new ProcessOutProviderService(
      { logger: quiet, paymentSessionService },
      { projectId: PROJECT, projectSecret: secret, environment: emulator.url, captureMode: "manual", maxRetries: 0, webhookSecret: WEBHOOK_SECRET }
    )
  // ProcessOut signs nothing: the URL's token, which the plugin's middleware copies into this header.
  const delivery = (body: unknown, token: string = WEBHOOK_SECRET): Payload => ({
    data: body as Record<string, unknown>,
    rawData: Buffer.from(JSON.stringify(body)),
    headers: { "content-type": "application/json", "x-medusa-webhook-token": token },
  })
  async function authorized(service: WebhookReader, capture: boolean) {
    const provider = service as unknown as ProcessOutProviderService
    const session = nextSession()
    const started = await provider.initiatePayment({ amount: AMOUNT, currency_code: "usd", data: { session_id: session }, context: { idempotency_key: session } })
    const auth = await provider.authorizePayment({
      data: { ...started.data, source: `card_test_ok_${session.toLowerCase()}` },
      context: { idempotency_key: session },
    })
    sessions.set(session, auth.data!)
    expect(auth.status).toBe(PaymentSessionStatus.AUTHORIZED)
    if (!capture) return auth.data!
    return (await provider.capturePayment({ data: auth.data, context: { idempotency_key: `capt_${session}` } })).data!
  }
  const processor: WebhookProcessor = {
    name: "ProcessOut",
    start: async () => void (await emulator.start()),
    stop: () => emulator.stop(),
    reset: () => emulator.reset(),
    reader: () => reader(),
    async paymentEvent(service) {
      const data = await authorized(service, false)
      const event = emulator.listEvents().find((e) => e.name === "transaction.authorized" && (e.data as any)?.transaction?.metadata?.session_id === data.session_id)!
      return {
        payload: delivery(emulator.webhookBody(event)),
        expected: { action: PaymentActions.AUTHORIZED, data: { session_id: data.session_id as string, amount: MAJOR } },
      }
    },
    async refundEvent(service) {
      const data = await authorized(service, true)
      const refundId = `ref_${data.session_id}`
      const refunded = (await service.refundPayment({ amount: "10", data, context: { idempotency_key: refundId } })).data!
      const event = emulator.listEvents().find((e) => e.name === "transaction.refunded" && (e.data as any)?.transaction?.id === data.transaction_id)!
      const [refund] = emulator.listRefunds(data.transaction_id as string)
      return {
        payload: delivery(emulator.webhookBody(event)),
        expected: [
          { processor_refund_id: refund.id, status: "succeeded", medusa_refund_id: refundId, processor_payment_id: data.invoice_id as string, session_id: data.session_id as string },
        ],
        data: refunded,
      }
    },
    // Unsigned by design: the event id is the only thing a webhook brings, and it is checked by fetching it.
    tampered: (genuine) => ({ payload: delivery({ ...(genuine.data as object), event_id: changeOneChar(String((genuine.data as any).event_id)) }) }),
    // The store's webhook token is the key: another token is refused before anything is read.
    wrongKey: (genuine) => ({ payload: delivery(genuine.data, "whsec_not_the_store_webhook_token") }),
    unsigned: (genuine) => ({ payload: delivery(genuine.data, "") }),
    stale: null, // no signature, no timestamp: a replay is a duplicate
    refusals: { tampered: IGNORED, wrongKey: IGNORED, unsigned: IGNORED },
    duplicate: { action: "ignored", refunds: "ignored" },
    refundsByWebhook: true,
  }
  return processor
})()

// ---- The suite ---------------------------------------------------------------------------------

async function expectActionRefused(reader: WebhookReader, payload: Payload, refusal: Refusal) {
  const answer = reader.getWebhookActionAndData(payload)
  if ("error" in refusal) {
    const error = await answer.then(() => undefined, (e) => e)
    expect(error).toBeInstanceOf(MedusaError)
    expect(error.type).toBe(refusal.error)
  } else {
    expect(await answer).toEqual({ action: PaymentActions.NOT_SUPPORTED })
  }
}

async function expectOutcomesRefused(reader: WebhookReader, payload: Payload, refusal: Refusal) {
  const answer = reader.refundOutcomes(payload)
  if ("error" in refusal) {
    const error = await answer.then(() => undefined, (e) => e)
    expect(error).toBeInstanceOf(MedusaError)
    expect(error.type).toBe(refusal.error)
  } else {
    expect(await answer).toEqual([])
  }
}

const PROCESSORS: WebhookProcessor[] = [clover, checkout, dodo, processout]

/** Kits (src/emulators/kits) whose processor sends no payment webhooks, and where that is stated. */
const WITHOUT_WEBHOOKS: Record<string, string> = { fiserv: "Commerce Hub sends no payment webhooks (src/providers/fiserv/README.md)" }

it("covers every processor kit, unless its processor sends no webhooks", () => {
  // A webhook is the one input a stranger can send the store: a new processor brings its scenarios here.
  const covered = new Set(PROCESSORS.map((p) => p.name))
  expect(PROCESSOR_KITS.filter((kit) => !covered.has(kit.label) && !(kit.id in WITHOUT_WEBHOOKS)).map((kit) => kit.id)).toEqual([])
})

describe.each(PROCESSORS.map((p) => [p.name, p] as const))("%s webhooks", (_name, processor) => {
  beforeAll(() => processor.start())
  afterAll(() => processor.stop())
  beforeEach(() => processor.reset())

  describe("payment events (getWebhookActionAndData)", () => {
    it("acts on a genuine event: the action, session id and exact amount", async () => {
      const reader = processor.reader()
      const genuine = await processor.paymentEvent(reader)
      expect(await reader.getWebhookActionAndData(genuine.payload)).toEqual(genuine.expected)
    })

    // Each refused delivery comes first; the genuine one after it must still be acted on, so a
    // refused delivery never poisons the provider's memory of handled events.
    it.each([
      ["a tampered body (one byte changed after signing)", "tampered"],
      ["a wrong key", "wrongKey"],
      ["a missing signature", "unsigned"],
    ] as const)("refuses %s, then still acts on the genuine event", async (_label, scenario) => {
      const reader = processor.reader()
      const genuine = await processor.paymentEvent(reader)
      const hostile = processor[scenario](genuine.payload)
      await expectActionRefused(hostile.reader ?? reader, hostile.payload, processor.refusals[scenario])
      expect(await reader.getWebhookActionAndData(genuine.payload)).toEqual(genuine.expected)
    })

    if (processor.stale) {
      const stale = processor.stale
      it.each([
        ["6 minutes old", -6 * 60_000],
        ["6 minutes in the future", 6 * 60_000],
        ["a day old", -24 * 3_600_000],
      ])("ignores a replay signed %s (outside the ±5 minute tolerance), then acts on the genuine event", async (_label, offset) => {
        const reader = processor.reader()
        const genuine = await processor.paymentEvent(reader)
        const hostile = stale(genuine.payload, new Date(Date.now() + offset))
        expect(await reader.getWebhookActionAndData(hostile.payload)).toEqual({ action: PaymentActions.NOT_SUPPORTED })
        expect(await reader.getWebhookActionAndData(genuine.payload)).toEqual(genuine.expected)
      })

      it("accepts an event signed 4 minutes ago (inside the tolerance)", async () => {
        const reader = processor.reader()
        const genuine = await processor.paymentEvent(reader)
        const recent = stale(genuine.payload, new Date(Date.now() - 4 * 60_000))
        expect(await reader.getWebhookActionAndData(recent.payload)).toEqual(genuine.expected)
      })
    }

    it(`answers a duplicate delivery: ${processor.duplicate.action === "same" ? "the same answer again, nothing new" : "ignored, acted on once"}`, async () => {
      const reader = processor.reader()
      const genuine = await processor.paymentEvent(reader)
      expect(await reader.getWebhookActionAndData(genuine.payload)).toEqual(genuine.expected)
      const again = await reader.getWebhookActionAndData(redelivered(genuine.payload))
      expect(again).toEqual(processor.duplicate.action === "same" ? genuine.expected : { action: PaymentActions.NOT_SUPPORTED })
    })
  })

  describe("refund events (refundOutcomes)", () => {
    const genuineTitle = processor.refundsByWebhook
      ? "reads the outcome of a genuine refund event for the ledger"
      : "reads no outcome even from a genuine event (refunds are synchronous: the refund call answers)"
    it(genuineTitle, async () => {
      const reader = processor.reader()
      const genuine = await processor.refundEvent(reader)
      expect(genuine.expected.length > 0).toBe(processor.refundsByWebhook)
      expect(await reader.refundOutcomes(genuine.payload)).toEqual(genuine.expected)
    })

    it.each([
      ["a tampered body (one byte changed after signing)", "tampered"],
      ["a wrong key", "wrongKey"],
      ["a missing signature", "unsigned"],
    ] as const)("reads no outcome from %s, then reads the genuine event", async (_label, scenario) => {
      const reader = processor.reader()
      const genuine = await processor.refundEvent(reader)
      const hostile = processor[scenario](genuine.payload)
      await expectOutcomesRefused(hostile.reader ?? reader, hostile.payload, processor.refusals[scenario])
      expect(await reader.refundOutcomes(genuine.payload)).toEqual(genuine.expected)
    })

    if (processor.stale) {
      const stale = processor.stale
      it("reads no outcome from a replay signed 6 minutes ago", async () => {
        const reader = processor.reader()
        const genuine = await processor.refundEvent(reader)
        expect(await reader.refundOutcomes(stale(genuine.payload, new Date(Date.now() - 6 * 60_000)).payload)).toEqual([])
        expect(await reader.refundOutcomes(genuine.payload)).toEqual(genuine.expected)
      })
    }

    it(`answers a duplicate delivery (${processor.duplicate.refunds}); the ledger changes at most once`, async () => {
      const reader = processor.reader()
      const genuine = await processor.refundEvent(reader)
      const first = await reader.refundOutcomes(genuine.payload)
      const second = await reader.refundOutcomes(redelivered(genuine.payload))
      expect(second).toEqual(processor.duplicate.refunds === "same" ? first : [])
      const once = applyRefundOutcomes(genuine.data!, first)
      const twice = applyRefundOutcomes(once.data, second)
      expect(twice.changed).toBe(false)
      expect(twice.data.refunds).toEqual(once.data.refunds)
    })
  })
})
