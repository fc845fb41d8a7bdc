import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { HttpClient, type Logger } from "../http"
import { commonOptions, describeBaseUrl, isLoopbackHost, parseOptions } from "../options"
import { parseCheckoutOptions } from "../../providers/checkout/options"
import { parseCloverOptions } from "../../providers/clover/options"
import { parseDodoOptions } from "../../providers/dodo/options"
import { parseFiservOptions } from "../../providers/fiserv/options"
import { parseProcessOutOptions } from "../../providers/processout/options"
import { refusal } from "../../../test/support/medusa-error"

const schema = z.object({ apiKey: z.string().min(8), ...commonOptions })
const parse = (options: Record<string, unknown>) => parseOptions(schema, { apiKey: "sk_test_secret_1", ...options }, "Acme")

describe("the environment option", () => {
  it.each(["http://127.0.0.1:4510", "http://127.5.6.7/", "http://127.1:80", "http://localhost:9000/api", "http://LOCALHOST.", "http://[::1]:4510", "http://[0:0:0:0:0:0:0:1]"])(
    "accepts plain http to this machine: %s",
    (environment) => {
      expect(parse({ environment }).allowInsecureHttp).toBe(false)
    }
  )

  it.each([
    "http://emulator:4510",
    "http://10.0.0.5",
    "http://0.0.0.0:4510",
    "http://128.0.0.1",
    "http://127.0.0.1.nip.io",
    "http://localhost.attacker.example",
    "http://[::ffff:127.0.0.1]",
    "http://api.processor.example",
  ])("refuses plain http to another host without allowInsecureHttp: %s", (environment) => {
    const error = refusal(() => parse({ environment }))
    expect(error.type).toBe(MedusaError.Types.INVALID_DATA)
    expect(error.message).toMatch(/Invalid Acme payment provider options: `environment` is a plain http:\/\/ URL .*allowInsecureHttp: true/)
  })

  it("accepts plain http to another host with an explicit allowInsecureHttp: true (env strings too)", () => {
    expect(parse({ environment: "http://emulator:4510", allowInsecureHttp: true }).environment).toBe("http://emulator:4510")
    expect(parse({ environment: "http://emulator:4510", allowInsecureHttp: "true" }).allowInsecureHttp).toBe(true)
    expect(() => parse({ environment: "http://emulator:4510", allowInsecureHttp: "false" })).toThrow(/allowInsecureHttp/)
    expect(() => parse({ environment: "http://emulator:4510", allowInsecureHttp: "yes" })).toThrow(/`allowInsecureHttp`/)
  })

  it("keeps https, sandbox and production as they were", () => {
    expect(parse({ environment: "https://api.processor.example" }).environment).toBe("https://api.processor.example")
    expect(parse({}).environment).toBe("sandbox")
    expect(parse({ environment: "production" }).environment).toBe("production")
  })

  it.each(["https://user:hunter2pass@api.processor.example", "http://user@127.0.0.1:4510", "https://:hunter2pass@api.processor.example"])(
    "refuses a URL with a user name or password, without echoing it: %s",
    (environment) => {
      const error = refusal(() => parse({ environment, allowInsecureHttp: true }))
      expect(error.message).toMatch(/`environment` must not carry a user name or password/)
      expect(error.message).not.toContain("hunter2pass")
    }
  )

  it("reaches every provider through the shared options (no provider schema repeats it)", () => {
    const environment = "http://api.processor.example"
    const providers: Array<[string, (raw: Record<string, unknown>) => unknown, Record<string, unknown>]> = [
      ["Clover", parseCloverOptions, { apiKey: "clover_secret_1" }],
      ["Checkout.com", parseCheckoutOptions, { secretKey: "sk_sbox_secret_1" }],
      ["Fiserv", parseFiservOptions, { apiKey: "fiserv_key_1", apiSecret: "fiserv_secret_1", merchantId: "100008000003683", terminalId: "10000001" }],
      ["Dodo Payments", parseDodoOptions, { apiKey: "dodo_secret_1", productId: "pdt_1" }],
      ["ProcessOut", parseProcessOutOptions, { projectId: "test-proj_1", projectSecret: "key_secret_1", webhookSecret: "whsec_processout_test_1" }],
    ]
    for (const [name, parseProvider, required] of providers) {
      expect(() => parseProvider({ ...required, environment })).toThrow(new RegExp(`Invalid ${name} .*allowInsecureHttp`))
      expect(() => parseProvider({ ...required, environment, allowInsecureHttp: true })).not.toThrow()
      expect(() => parseProvider({ ...required, environment: "https://u:p@api.processor.example" })).toThrow(/user name or password/)
    }
  })
})

describe("loopback hosts", () => {
  it("are 127.0.0.0/8, ::1 and localhost only", () => {
    for (const host of ["127.0.0.1", "127.255.255.254", "localhost", "[::1]", "::1"]) expect(isLoopbackHost(host)).toBe(true)
    for (const host of ["0.0.0.0", "10.0.0.1", "localhost.example", "127.0.0.1.example", "::ffff:7f00:1", "example.com"]) expect(isLoopbackHost(host)).toBe(false)
  })
})

describe("the boot message", () => {
  function boot(baseURL: string, env: Record<string, string> = {}) {
    const lines: Array<[string, string]> = []
    const logger: Logger = { info: (m) => lines.push(["info", m]), warn: (m) => lines.push(["warn", m]), error: (m) => lines.push(["error", m]) }
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
    Object.assign(process.env, env)
    try {
      new HttpClient({ processor: "Acme", baseURL, timeoutMs: 1000, maxRetries: 0, logger, secrets: [], headers: () => ({}), parseError: () => ({}) })
    } finally {
      for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v)
    }
    return lines
  }

  it("says where requests go and how: HTTPS, loopback http, or http allowed by allowInsecureHttp (a warning)", () => {
    expect(boot("https://api.processor.example/v1")).toEqual([["info", "[Acme] API at https://api.processor.example: HTTPS"]])
    expect(boot("http://127.0.0.1:4510")).toEqual([["info", expect.stringMatching(/^\[Acme\] API at http:\/\/127\.0\.0\.1:4510: plain HTTP to this machine/)]])
    expect(boot("http://emulator:4510")).toEqual([["warn", expect.stringMatching(/^\[Acme\] API at http:\/\/emulator:4510: plain HTTP to another host, allowed by `allowInsecureHttp: true`/)]])
    expect(boot("https://api.processor.example", { HTTPS_PROXY: "http://127.0.0.1:3128" })[0][1]).toMatch(/HTTPS, through the environment's proxy \(HTTP\(S\)_PROXY, NO_PROXY\)$/)
  })

  it("a base URL with credentials is refused before any request, without echoing them", () => {
    let error: Error | undefined
    try {
      boot("https://user:hunter2pass@api.processor.example")
    } catch (e) {
      error = e as Error
    }
    expect(error?.message).toMatch(/must not carry a user name or password/)
    expect(error?.message).not.toContain("hunter2pass")
    expect(() => describeBaseUrl("http://127.0.0.1:4510")).not.toThrow()
  })
})
