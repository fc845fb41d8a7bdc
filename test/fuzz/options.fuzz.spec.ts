/**
 * Hostile provider options: each provider's validateOptions and constructor, fed valid options
 * with fields replaced by wrong types, removed, or set to marked secret values that are invalid
 * (too short, wrong type). Either both accept, or both refuse with the same MedusaError
 * (invalid_data) naming the options in backticks, and never showing a secret value. Seeded: see harness.ts.
 */
import fc from "fast-check"
import { MedusaError } from "@medusajs/framework/utils"
import { PROCESSORS, garbage, params, type FuzzProcessor } from "./harness"

const RUNS = 300
const OPTION_NAMES = [
  "environment", "captureMode", "timeoutMs", "maxRetries", "api", "authScheme", "accountPrefix", "processingChannelId",
  "udf1", "productId", "returnUrl", "cancelUrl", "webhookUrl", "showSavedPaymentMethods",
  "paymentSearchMaxPages", "webhookDedupeSize", "apiVersion", "invoiceNamePrefix", "refundVia", "refundReasons",
  "defaultRefundReason", "merchantId", "terminalId", "endpointStyle", "refundReference", "captureRefunds",
  "defaultClientIp", "projectId",
]

/** A secret-looking value, marked so a leak cannot be a coincidence; often invalid for its option. */
const secretValue = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9]{0,12}$/), fc.constantFrom("", "whsec_", "sk_sbox_", "key_"))
  .map(([body, prefix]) => `${prefix}SECRET${body}`)

/** Every option name the fuzz sets or removes (the ones a refusal may name). */
const knownNames = (processor: FuzzProcessor) => [
  ...new Set([...Object.keys(processor.options("http://127.0.0.1:9")), ...OPTION_NAMES, ...processor.secretOptions]),
]

function optionsArbitrary(processor: FuzzProcessor) {
  const valid = processor.options("http://127.0.0.1:9")
  const names = knownNames(processor)
  return fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...names), garbage), { maxLength: 4 }),
      fc.array(fc.tuple(fc.constantFrom(...processor.secretOptions), fc.oneof(secretValue, secretValue.map((v) => [v]), secretValue.map((v) => `${v}, ${v}`))), {
        maxLength: 2,
      }),
      fc.array(fc.constantFrom(...names), { maxLength: 3 })
    )
    .map(([sets, secrets, deletes]) => {
      const options: Record<string, unknown> = { ...valid }
      for (const name of deletes) delete options[name]
      for (const [name, value] of sets) options[name] = value
      for (const [name, value] of secrets) options[name] = value
      const planted = secrets.flatMap(([, value]) => (Array.isArray(value) ? value : String(value).split(", ")))
      return { options, planted }
    })
}

const outcome = (run: () => unknown): { ok: true } | { error: unknown } => {
  try {
    run()
    return { ok: true }
  } catch (error) {
    return { error }
  }
}

describe.each(PROCESSORS.map((p) => [p.name, p] as const))("%s options", (_name, processor) => {
  it("validateOptions and the constructor agree; a refusal is a MedusaError naming the options, never a secret value", () => {
    fc.assert(
      fc.property(optionsArbitrary(processor), ({ options, planted }) => {
        const validated = outcome(() => processor.validateOptions(options))
        const constructed = outcome(() => processor.construct(options))
        if ("ok" in validated) {
          if (!("ok" in constructed)) throw new Error(`validateOptions accepted options the constructor refused: ${String((constructed as any).error)}`)
          return
        }
        const error = validated.error
        if (!(error instanceof MedusaError)) throw new Error(`validateOptions threw ${(error as Error)?.constructor?.name}: ${String(error)}`)
        expect(error.type).toBe(MedusaError.Types.INVALID_DATA)
        // Every problem is named by its option (`environment`, `refundReasons.<code>`, `webhookSecrets.0`).
        const named = [...error.message.matchAll(/`([^`]+)` /g)].map((m) => m[1].split(".")[0])
        expect(named.length).toBeGreaterThan(0)
        for (const name of named) expect(knownNames(processor)).toContain(name)
        for (const secret of planted) expect(error.message).not.toContain(secret)
        for (const secret of processor.secrets) expect(error.message).not.toContain(secret)
        expect("error" in constructed && (constructed.error as Error).message).toBe(error.message)
      }),
      params(RUNS)
    )
  })

  it("refuses options that are not an object with a MedusaError", () => {
    for (const options of [null, undefined, "apiKey=x", 42, [], true]) {
      const error = outcome(() => processor.validateOptions(options as any))
      expect("error" in error && error.error).toBeInstanceOf(MedusaError)
    }
  })
})
