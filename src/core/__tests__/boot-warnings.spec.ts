import { CheckoutProviderService } from "../../providers/checkout/public"
import { CloverProviderService } from "../../providers/clover/public"
import { DodoProviderService } from "../../providers/dodo/public"
import { FiservProviderService } from "../../providers/fiserv/public"
import { ProcessOutProviderService } from "../../providers/processout/public"

/** Boots one provider the way Medusa does (cradle, options) and returns what it warned at boot. */
function bootWarningsOf(Service: any, options: Record<string, unknown>): string[] {
  const warnings: string[] = []
  const logger = { warn: (m: string) => warnings.push(m), info() {}, error() {}, debug() {}, log() {} }
  new Service({ logger }, options)
  return warnings
}

const EMULATOR = "http://127.0.0.1:4999"

describe("boot warnings: what a merchant forgot", () => {
  it.each([
    ["Clover", CloverProviderService, { apiKey: "emulator_clover_key", environment: EMULATOR }, "webhookAuthCode", "CLOVER_WEBHOOK_AUTH_CODE"],
    ["Checkout.com", CheckoutProviderService, { secretKey: "sk_sbox_emulatorkeyforcheckoutdotco", environment: EMULATOR }, "webhookSignatureKey", "CHECKOUT_WEBHOOK_SIGNATURE_KEY"],
    ["Dodo Payments", DodoProviderService, { apiKey: "emulator_dodo_key", productId: "pdt_emulator_product", environment: EMULATOR }, "webhookSecrets", "DODO_WEBHOOK_SECRET"],
    ["ProcessOut", ProcessOutProviderService, { projectId: "test-proj_emulator", projectSecret: "key_sandbox_emulator", environment: EMULATOR }, "webhookSecret", "PROCESSOUT_WEBHOOK_SECRET"],
  ])("%s without a webhook secret says which option and env var to set", (_name, Service, options, option, env) => {
    const warnings = bootWarningsOf(Service, options).filter((w) => w.includes("no webhook secret"))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`\`${option}\``)
    expect(warnings[0]).toContain(env as string)
  })

  it.each([
    ["Clover", CloverProviderService, { apiKey: "emulator_clover_key", environment: EMULATOR, webhookAuthCode: "clover-auth-code-1" }],
    ["Checkout.com", CheckoutProviderService, { secretKey: "sk_sbox_emulatorkeyforcheckoutdotco", environment: EMULATOR, webhookSignatureKey: "whsk_checkout_1" }],
    ["Dodo Payments", DodoProviderService, { apiKey: "emulator_dodo_key", productId: "pdt_emulator_product", environment: EMULATOR, webhookSecrets: "whsec_" + Buffer.from("a dodo secret of enough length").toString("base64") }],
    ["ProcessOut", ProcessOutProviderService, { projectId: "test-proj_emulator", projectSecret: "key_sandbox_emulator", environment: EMULATOR, webhookSecret: "a-webhook-secret-of-16+" }],
    ["Fiserv (no webhooks)", FiservProviderService, { apiKey: "emulator_fiserv_api_key", apiSecret: "emulator_fiserv_api_secret", merchantId: "100008000003683", terminalId: "10000001", environment: EMULATOR }],
  ])("%s with its webhook secret and test credentials boots quietly", (_name, Service, options) => {
    expect(bootWarningsOf(Service, options)).toEqual([])
  })

  it.each([
    ["a current-account live key", "sk_abcdefghijklmnopqrstuvwxyz2"],
    ["a previous-account live key", "sk_0e3a2f6c-1b7d-4c8e-9f00-5a6b7c8d9e0f"],
  ])("Checkout.com warns when %s goes to an emulator URL or to the sandbox", (_kind, secretKey) => {
    for (const environment of [EMULATOR, "sandbox"]) {
      const warnings = bootWarningsOf(CheckoutProviderService, { secretKey, environment, webhookSignatureKey: "whsk_checkout_1" })
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/`secretKey` looks like a live credential/)
      expect(warnings[0]).not.toContain(secretKey)
    }
    expect(bootWarningsOf(CheckoutProviderService, { secretKey, environment: "production", webhookSignatureKey: "whsk_checkout_1" })).toEqual([])
  })

  it("ProcessOut warns when a project that is not a test project goes to an emulator URL", () => {
    const options = { projectId: "proj_live123", projectSecret: "key_live_secret", webhookSecret: "a-webhook-secret-of-16+" }
    const warnings = bootWarningsOf(ProcessOutProviderService, { ...options, environment: EMULATOR })
    expect(warnings).toEqual([expect.stringMatching(/`projectId` looks like a live credential .*127\.0\.0\.1:4999/)])
    expect(warnings[0]).not.toContain("key_live_secret")
    expect(bootWarningsOf(ProcessOutProviderService, { ...options, environment: "production" })).toEqual([])
  })

  it.each([
    ["Dodo Payments", DodoProviderService, { apiKey: "emulator_dodo_key", productId: "pdt_emulator_product", environment: EMULATOR, webhookSecrets: "whsec_" + Buffer.from("a dodo secret of enough length").toString("base64") }],
    ["ProcessOut", ProcessOutProviderService, { projectId: "test-proj_emulator", projectSecret: "key_sandbox_emulator", environment: EMULATOR, webhookSecret: "a-webhook-secret-of-16+" }],
  ])("%s says once that webhookDedupeSize is deprecated and ignored", (name, Service, options) => {
    expect(bootWarningsOf(Service, { ...options, webhookDedupeSize: 2000 })).toEqual([
      `[${name}] the \`webhookDedupeSize\` option is deprecated and ignored: duplicate webhooks are remembered in Medusa's caching module`,
    ])
  })
})
