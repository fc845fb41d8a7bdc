import { publishStoreReasonMap } from "../reason-map"
import { CloverEmulator } from "../../emulators/clover"
import { ProcessOutEmulator } from "../../emulators/processout"
import { CloverProviderService } from "../../providers/clover/service"
import { CLOVER_DEFAULT_REASON_MAP, CLOVER_REASONS, cloverRefundReason } from "../../providers/clover/reasons"
import { refundReasonFor as cloverGuess } from "../../providers/clover/transformers"
import { ProcessOutProviderService } from "../../providers/processout/service"
import { PROCESSOUT_DEFAULT_REASON_MAP, PROCESSOUT_REASONS, processoutRefundReason } from "../../providers/processout/reasons"
import { refundReasonFor as processoutGuess } from "../../providers/processout/transformers"
import { parseRefundReturn } from "../return-items"
import { useEmulator } from "../../../test/support/emulator"

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const item = (reason_code: string | null, item_id = "ordli_1") => ({ item_id, variant_id: null, sku: null, title: "Mug", quantity: "1", unit_total: "10", total: "10", reason_code, damaged: false })

describe("default reason maps: data, every value one of the processor's reasons", () => {
  it.each([
    ["Clover", CLOVER_DEFAULT_REASON_MAP, CLOVER_REASONS],
    ["ProcessOut", PROCESSOUT_DEFAULT_REASON_MAP, PROCESSOUT_REASONS],
  ])("%s", (_name, map, allowed) => {
    expect(Object.values(map).every((v) => (allowed as readonly string[]).includes(v))).toBe(true)
    // Medusa 2.21's default refund reasons (codes derived from their labels).
    for (const code of ["shipping_issue", "customer_care_adjustment", "pricing_error"]) expect(map).toHaveProperty(code)
  })
})

describe("mapping: store override, then option, then defaults, then the guess", () => {
  const po = { refundReasons: {}, defaultRefundReason: "customer_request" as const }
  const guessPo = (code: string | null | undefined) => processoutGuess(code, po)

  it("ProcessOut: defaults, an override keyed by processor id or provider id, and the option", () => {
    expect(processoutRefundReason({ reasonCode: "pricing_error" }, po, {}, guessPo)).toBe("other")
    expect(processoutRefundReason({ reasonCode: "pricing_error" }, po, { override: { processout: { pricing_error: "duplicate" } } }, guessPo)).toBe("duplicate")
    expect(processoutRefundReason({ reasonCode: "damaged" }, po, { override: { pp_processout_processout: { damaged: "fraud" } } }, guessPo)).toBe("fraud")
    expect(processoutRefundReason({ reasonCode: "damaged" }, { ...po, refundReasons: { damaged: "other" } }, {}, guessPo)).toBe("other")
    expect(processoutRefundReason({ reasonCode: "mystery" }, po, {}, guessPo)).toBe("customer_request")
  })

  it("an override value the processor does not have is skipped with a warning; own keys only", () => {
    const warnings: string[] = []
    const logger = { warn: (m: string) => warnings.push(m) }
    expect(processoutRefundReason({ reasonCode: "pricing_error" }, po, { override: { processout: { pricing_error: "fraudulent" } }, logger }, guessPo)).toBe("other")
    expect(warnings).toHaveLength(1)
    expect(processoutRefundReason({ reasonCode: "constructor" }, po, { override: { processout: {} } }, guessPo)).toBe("customer_request")
  })

  it("a refund without its own reason takes the one reason its returned items share", () => {
    const returned = parseRefundReturn({ return_items: [item("fraud"), item("fraud", "ordli_2")] })
    expect(processoutRefundReason({}, po, { returned }, guessPo)).toBe("fraud")
    const mixed = parseRefundReturn({ return_items: [item("fraud"), item("damaged", "ordli_2")] })
    expect(processoutRefundReason({}, po, { returned: mixed }, guessPo)).toBe("customer_request")
    expect(cloverRefundReason({}, { refundReasons: {} }, { returned }, (r) => cloverGuess(r, { refundReasons: {} }))).toBe("fraudulent")
  })
})

describe("the mapped reason reaches the processor (emulator journal)", () => {
  const clover = useEmulator(new CloverEmulator())
  const processout = useEmulator(new ProcessOutEmulator())

  it("Clover: a return's item reason 'duplicate' → duplicate", async () => {
    const refundService = { retrieve: async (id: string) => ({ id, note: null, metadata: { return_id: "ret_1", return_items: [item("duplicate")] } }) }
    const service = new CloverProviderService({ logger: quiet, refundService }, { apiKey: "emulator_clover_key", environment: clover.url, captureMode: "manual", maxRetries: 0, webhookAuthCode: "clover-auth-code-123" })
    const session = await service.initiatePayment({ amount: "20", currency_code: "usd", data: { session_id: "payses_r1", source: `clv_test_ok_${Date.now()}`, ...service.stampRequestIp("203.0.113.7") }, context: { idempotency_key: "payses_r1" } })
    const auth = await service.authorizePayment({ data: { ...session.data, session_id: "payses_r1" }, context: { idempotency_key: "payses_r1" } })
    const captured = await service.capturePayment({ data: auth.data, context: { idempotency_key: "capt_r1" } })
    await service.refundPayment({ amount: "10", data: captured.data, context: { idempotency_key: "ref_r1" } })
    expect(clover.requests({ method: "POST", path: "/v1/refunds" })[0].body).toMatchObject({ reason: "duplicate" })
  })

  it("ProcessOut: Medusa's default refund reason 'pricing_error' → other", async () => {
    const refundService = { retrieve: async (id: string) => ({ id, note: null, refund_reason: { code: "pricing_error", label: "Pricing Error" } }) }
    const service = new ProcessOutProviderService({ logger: quiet, refundService }, { projectId: "test-proj_emulator", projectSecret: "key_sandbox_emulator", environment: processout.url, captureMode: "manual", maxRetries: 0 })
    const session = await service.initiatePayment({ amount: "20", currency_code: "usd", data: { session_id: "payses_r2", source: "card_ok_r2" }, context: { idempotency_key: "payses_r2" } })
    const auth = await service.authorizePayment({ data: session.data, context: { idempotency_key: "payses_r2" } })
    const captured = await service.capturePayment({ data: auth.data, context: { idempotency_key: "capt_r2" } })
    await service.refundPayment({ amount: "5", data: captured.data, context: { idempotency_key: "ref_r2" } })
    expect(processout.requests({ method: "POST", path: /\/refunds$/ })[0].body).toMatchObject({ reason: "other", information: "Pricing Error" })
  })

  it("the store's reason map (Settings) decides first: Clover's pricing_error → duplicate; a value Clover lacks is skipped", async () => {
    const refundService = { retrieve: async (id: string) => ({ id, note: null, refund_reason: { code: "pricing_error", label: "Pricing Error" } }) }
    const service = new CloverProviderService({ logger: quiet, refundService }, { apiKey: "emulator_clover_key", environment: clover.url, captureMode: "manual", maxRetries: 0, webhookAuthCode: "clover-auth-code-123" })
    const refund = async (n: number) => {
      const key = `payses_s${n}`
      const session = await service.initiatePayment({ amount: "20", currency_code: "usd", data: { session_id: key, source: `clv_test_ok_${Date.now()}_${n}`, ...service.stampRequestIp("203.0.113.7") }, context: { idempotency_key: key } })
      const auth = await service.authorizePayment({ data: { ...session.data, session_id: key }, context: { idempotency_key: key } })
      const captured = await service.capturePayment({ data: auth.data, context: { idempotency_key: `capt_s${n}` } })
      await service.refundPayment({ amount: "10", data: captured.data, context: { idempotency_key: `ref_s${n}` } })
      return clover.requests({ method: "POST", path: "/v1/refunds" }).pop()!.body
    }
    try {
      publishStoreReasonMap({ pp_clover_clover: { pricing_error: "duplicate" } })
      expect(await refund(1)).toMatchObject({ reason: "duplicate" })
      publishStoreReasonMap({ clover: { pricing_error: "not_a_clover_reason" }, __proto__: { pricing_error: "fraudulent" } })
      expect(await refund(2)).toMatchObject({ reason: "requested_by_customer" })
    } finally {
      publishStoreReasonMap(undefined)
    }
  })
})
