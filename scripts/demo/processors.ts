/**
 * What `npm run demo` needs to know per processor that Medusa cannot tell it: how to point the
 * provider at its emulator (the env vars medusa-config.ts reads) and what the customer does at
 * checkout (the storefront's card token, or paying on a hosted page). Everything else (the
 * provider list, the order, capture, refunds, the ledger) goes through Medusa generically.
 *
 * A processor without an entry here is still listed by the demo, as skipped, with the reason.
 */

export interface DemoSession {
  id: string
  data: Record<string, unknown>
}

export interface DemoProcessor {
  /** The emulator's name in src/emulators (startEmulators()). */
  emulator: "clover" | "checkout" | "fiserv" | "dodo" | "processout"
  /** Env vars that make medusa-config.ts register the provider against the emulator at `url`. */
  env(url: string): Record<string, string>
  /** The payment session data the storefront sends (a single-use test token). */
  sessionData(unique: string): Record<string, unknown>
  /** What the customer does at the processor after the session exists (hosted checkout). */
  customerStep?(session: DemoSession): Promise<string>
  /** The processor's step between capture and refunds, at its emulator `url` (Fiserv closes its batch). */
  afterCapture?(url: string): Promise<string>
}

export const DEMO_PROCESSORS: Record<string, DemoProcessor> = {
  clover: {
    emulator: "clover",
    // The demo makes sessions through the payment workflow, not the store route whose middleware stamps the IP.
    env: (url) => ({ CLOVER_ENVIRONMENT: url, CLOVER_API_KEY: "emulator_clover_key", CLOVER_CAPTURE_MODE: "manual", CLOVER_DEFAULT_CLIENT_IP: "203.0.113.7" }),
    sessionData: (unique) => ({ source: `clv_demo_${unique}` }),
  },
  checkout: {
    emulator: "checkout",
    env: (url) => ({
      CHECKOUT_ENVIRONMENT: url,
      CHECKOUT_SECRET_KEY: "sk_sbox_emulatorkeyforcheckoutdotco",
      CHECKOUT_API: "payments",
      CHECKOUT_CAPTURE_MODE: "manual",
    }),
    sessionData: (unique) => ({ token: `tok_demo_${unique}` }),
  },
  fiserv: {
    emulator: "fiserv",
    env: (url) => ({
      FISERV_ENVIRONMENT: url,
      FISERV_API_KEY: "emulator_fiserv_api_key",
      FISERV_API_SECRET: "emulator_fiserv_api_secret",
      FISERV_MERCHANT_ID: "100008000003683",
      FISERV_TERMINAL_ID: "10000001",
      FISERV_CAPTURE_MODE: "manual",
    }),
    // Fiserv refunds a charge once its batch has settled: the merchant's batch closes (the emulator's control route).
    afterCapture: async (url) => {
      const res = await fetch(`${url}/__emulator/settle`, { method: "POST" })
      if (!res.ok) throw new Error(`POST /__emulator/settle answered ${res.status}`)
      return "the merchant's batch closed (Fiserv refunds settled charges)"
    },
    sessionData: (unique) => ({ payment_token: `fiserv_tok_demo_${unique}` }),
  },
  processout: {
    emulator: "processout",
    env: (url) => ({
      PROCESSOUT_ENVIRONMENT: url,
      PROCESSOUT_PROJECT_ID: "test-proj_emulator",
      PROCESSOUT_PROJECT_SECRET: "key_sandbox_emulator",
      PROCESSOUT_CAPTURE_MODE: "manual",
    }),
    sessionData: (unique) => ({ source: `card_demo_${unique}` }),
  },
  dodo: {
    emulator: "dodo",
    env: (url) => ({ DODO_ENVIRONMENT: url, DODO_API_KEY: "emulator_dodo_key", DODO_PRODUCT_ID: "pdt_emulator_pay_what_you_want" }),
    sessionData: () => ({}),
    // Dodo is a hosted checkout: the session holds the page's URL; the customer pays there.
    async customerStep(session) {
      const url = session.data.checkout_url
      if (typeof url !== "string") throw new Error("the Dodo session has no checkout_url")
      const res = await fetch(`${url}/pay`, { method: "POST" })
      if (!res.ok) throw new Error(`paying on Dodo's checkout page answered HTTP ${res.status}`)
      return `the customer paid on Dodo's checkout page (POST ${new URL(url).pathname}/pay → ${res.status})`
    },
  },
}
