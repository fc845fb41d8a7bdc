/**
 * The kits' facts against the code they describe: the provider's identifier, its option validation,
 * the emulator's defaults. The provider conformance check (test/conformance/kits.spec.ts) runs each
 * kit's payment and refund through its emulator.
 */
import fs from "node:fs"
import path from "node:path"
import { DEFAULT_EMULATOR_PORTS, PROCESSOR_KITS, kitOf } from "../../index"

const ROOT = path.resolve(__dirname, "../../../..")
const serviceOf = (modulePath: string) => {
  const mod = require(path.join(ROOT, modulePath))
  return mod.default.services[0] as { identifier: string; validateOptions(o: Record<string, unknown>): void }
}

describe("processor kits", () => {
  it("list every processor once, on today's ports", () => {
    expect(PROCESSOR_KITS.map((k) => k.id)).toEqual(["clover", "processout", "fiserv", "dodo", "checkout"])
    expect(DEFAULT_EMULATOR_PORTS).toEqual({ clover: 4510, checkout: 4520, fiserv: 4530, dodo: 4540, processout: 4550 })
    expect(new Set(PROCESSOR_KITS.map((k) => k.envPrefix)).size).toBe(PROCESSOR_KITS.length)
    expect(kitOf("dodo").label).toBe("Dodo Payments")
    expect(() => kitOf("nope")).toThrow(/known: clover, processout/)
  })

  it.each(PROCESSOR_KITS.map((k) => [k.id, k] as const))("%s: provider id, env names and defaults match the provider", (_id, kit) => {
    const Service = serviceOf(kit.providerModule)
    expect(kit.providerId).toBe(`pp_${Service.identifier}_${kit.id}`)
    const options = kit.optionsFromEnv({})
    expect(() => Service.validateOptions(options)).not.toThrow()
    expect(options).toMatchObject(kit.credentials)
    expect(options.environment).toBe(`http://127.0.0.1:${kit.defaultPort}`)
    // Pointing the provider at an emulator elsewhere is its env, read back by optionsFromEnv.
    const env = { ...kit.emulatorEnv("http://127.0.0.1:1"), ...kit.webhookEnv, ...kit.scriptedEnv }
    for (const name of Object.keys(env)) expect(name.startsWith(`${kit.envPrefix}_`)).toBe(true)
    const pointed = kit.optionsFromEnv(env)
    expect(pointed.environment).toBe("http://127.0.0.1:1")
    expect(() => Service.validateOptions(pointed)).not.toThrow()
    for (const name of kit.secretOptions) expect(typeof name).toBe("string")
  })

  it.each(PROCESSOR_KITS.map((k) => [k.id, k] as const))("%s: every env var its options read is documented in .env.template", (_id, kit) => {
    const read = new Set<string>()
    kit.optionsFromEnv(new Proxy({}, { get: (_target, name) => (typeof name === "string" && read.add(name), undefined) }))
    const template = fs.readFileSync(path.join(ROOT, ".env.template"), "utf8")
    const names = [...read].filter((name) => name !== "NODE_ENV")
    expect(names.length).toBeGreaterThan(3)
    expect(names.filter((name) => !new RegExp(`^${name}=`, "m").test(template))).toEqual([])
    for (const name of names) expect(name.startsWith(`${kit.envPrefix}_`)).toBe(true)
  })

  it("reads env like medusa-config.ts always did: trimmed, empty = unset, numbers checked", () => {
    const clover = kitOf("clover")
    expect(clover.optionsFromEnv({ CLOVER_API_KEY: "  k  ", CLOVER_DEFAULT_CLIENT_IP: " ", CLOVER_TIMEOUT_MS: "250" })).toEqual({
      apiKey: "k",
      environment: "http://127.0.0.1:4510",
      captureMode: "manual",
      timeoutMs: 250,
    })
    expect(() => clover.optionsFromEnv({ CLOVER_MAX_RETRIES: "two" })).toThrow('medusa-config: CLOVER_MAX_RETRIES must be a number, got "two"')
    expect(kitOf("checkout").optionsFromEnv({ CHECKOUT_API: "classic" }).secretKey).toMatch(/^sk_test_/)
    expect(kitOf("processout").optionsFromEnv({}).webhookSecret).toBe("whsec_processout_dev_emulator")
    expect(kitOf("processout").optionsFromEnv({ NODE_ENV: "production" }).webhookSecret).toBeUndefined()
  })
})
