#!/usr/bin/env node
/**
 * Run a processor emulator from the command line:
 *   medusa-processor-emulator clover [--port 4510] [--api-key KEY]...
 *   npx ts-node --transpile-only src/emulators/cli.ts clover --port 4510
 */
import { CheckoutEmulator } from "./checkout"
import { ProcessOutEmulator } from "./processout"
import { FiservEmulator } from "./fiserv"
import { DodoEmulator } from "./dodo"
import { PROCESSOR_KITS, type ProcessorKit } from "./kits"

/**
 * What this CLI says of a processor beyond its kit (the kit gives its name and port), and the options
 * only it reads: a processor without an entry runs from its kit with --port and --api-key.
 */
const HELP: Record<string, string> = {
  clover: "Clover Ecommerce API",
  checkout: "Checkout.com Payments API and classic /v2 Charges API; options --secret-key <key>, --abc-key <key>, --webhook-url <url>, --webhook-key <key>, --refund-delay-ms <ms|manual>",
  processout: "ProcessOut API; options --project <id>:<secret>, --webhook-url <url>",
  fiserv: "Fiserv Commerce Hub payments API, both endpoint styles; options --credential <apiKey>:<apiSecret>, --merchant-id <id>, --terminal-id <id>",
  dodo: "Dodo Payments API: checkouts, payments, item refunds, Standard Webhooks; options --webhook-url <url>, --webhook-secret <whsec_...>, --tax-bps <n>",
}

const processorLine = (kit: ProcessorKit) => {
  const [what, options] = (HELP[kit.id] ?? `${kit.label} API`).split("; ")
  return `  ${kit.id.padEnd(10)} ${what} (default port ${kit.defaultPort})${options ? `; ${options}` : ""}`
}

const USAGE = `Usage: medusa-processor-emulator <processor> [--port <port>] [--api-key <key>]...

Processors:
${PROCESSOR_KITS.map(processorLine).join("\n")}

Options:
  --port <port>     Port on 127.0.0.1 (0 = any free port)
  --api-key <key>   Accepted Bearer key; repeat for several (default: the emulator's own key)
  -h, --help        Show this help`

interface CliArgs {
  processor: string | undefined
  port: number | undefined
  apiKeys: string[]
  help: boolean
}

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { processor: undefined, port: undefined, apiKeys: [], help: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = (): string => {
      const next = argv[++i]
      if (next === undefined) throw new Error(`${arg} needs a value`)
      return next
    }
    if (arg === "-h" || arg === "--help") args.help = true
    else if (arg === "--port" || arg.startsWith("--port=")) {
      const raw = arg.includes("=") ? arg.slice("--port=".length) : value()
      const port = Number(raw)
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port: ${raw}`)
      args.port = port
    } else if (arg === "--api-key" || arg.startsWith("--api-key=")) {
      args.apiKeys.push(arg.includes("=") ? arg.slice("--api-key=".length) : value())
    } else if (!arg.startsWith("-") && args.processor === undefined) args.processor = arg
    else if (/^--(secret-key|abc-key|webhook-key|refund-delay-ms)(=|$)/.test(arg) || (args.processor === "checkout" && /^--webhook-url(=|$)/.test(arg))) {
      if (!arg.includes("=")) value() // Checkout.com options, read by runCheckout
    }
    else if (/^--(webhook-secret|tax-bps)(=|$)/.test(arg)) {
      if (!arg.includes("=")) value() // Dodo options, read by runDodo
    }
    else if (/^--(credential|merchant-id|terminal-id)(=|$)/.test(arg)) {
      if (!arg.includes("=")) value() // Fiserv options, read by runFiserv
    }
    else if (/^--(project|webhook-url)(=|$)/.test(arg)) {
      if (!arg.includes("=")) value() // ProcessOut options, read by runProcessOut
    } else throw new Error(`Unknown argument: ${arg}`)
  }
  return args
}

async function main(): Promise<void> {
  let args: CliArgs
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
  if (args.help) {
    console.log(USAGE)
    return
  }
  const kit = PROCESSOR_KITS.find((k) => k.id === args.processor)
  if (!kit) {
    console.error(`${args.processor ? `Unknown processor: ${args.processor}` : "No processor given"}\n\n${USAGE}`)
    process.exit(2)
  }
  const port = args.port ?? kit.defaultPort
  const argv = process.argv.slice(2)
  if (kit.id === "dodo") return runDodo(port, args.apiKeys, argv)
  if (kit.id === "fiserv") return runFiserv(port, argv)
  if (kit.id === "processout") return runProcessOut(port, argv)
  if (kit.id === "checkout") return runCheckout(port, argv)

  // Any other processor (Clover) from its kit: --api-key is the one option its emulator takes here.
  const emulator = kit.createEmulator(args.apiKeys.length ? { apiKeys: args.apiKeys } : {})
  const url = await emulator.start(port)
  console.log(`${(HELP[kit.id]?.split("; ")[0] ?? kit.label).replace(/ API$/, "")} emulator listening on ${url}`)
  const apiKeys = (emulator as unknown as { apiKeys?: string[] }).apiKeys
  if (apiKeys?.length) console.log(`Accepted API key${apiKeys.length > 1 ? "s" : ""}: ${apiKeys.join(", ")}`)
  console.log(`Control API: ${url}/__emulator/requests | /__emulator/state | POST /__emulator/reset`)

  let stopping = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal} received, stopping emulator`)
    emulator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err)
        process.exit(1)
      }
    )
  }
  process.on("SIGINT", shutdown)
  process.on("SIGTERM", shutdown)
}

/** `processout [--port N] [--project id:secret]... [--webhook-url URL]` (these options are read here). */
async function runProcessOut(port: number, argv: string[]): Promise<void> {
  const projects: Array<{ id: string; secret: string }> = []
  let webhookUrl: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const take = (name: string) => (arg.startsWith(`${name}=`) ? arg.slice(name.length + 1) : argv[++i])
    if (arg === "--project" || arg.startsWith("--project=")) {
      const [id, secret] = String(take("--project")).split(":")
      if (!id || !secret) throw new Error("--project needs <id>:<secret>")
      projects.push({ id, secret })
    } else if (arg === "--webhook-url" || arg.startsWith("--webhook-url=")) webhookUrl = take("--webhook-url")
  }
  const emulator = new ProcessOutEmulator({ projects, webhookUrl })
  const url = await emulator.start(port)
  console.log(`ProcessOut emulator listening on ${url}`)
  console.log(`Accepted projects (Basic id:secret): ${emulator.projects.map((p) => `${p.id}:${p.secret}`).join(", ")}`)
  if (webhookUrl) console.log(`Webhooks (unsigned {event_id, event_type}) are posted to ${webhookUrl}`)
  console.log(`Control API: ${url}/__emulator/requests | /__emulator/state | POST /__emulator/reset`)
  const shutdown = (): void => {
    emulator.stop().then(() => process.exit(0), () => process.exit(1))
  }
  process.on("SIGINT", shutdown)
  process.on("SIGTERM", shutdown)
}

/** `checkout [--port N] [--secret-key K]... [--abc-key K]... [--webhook-url URL] [--webhook-key K] [--refund-delay-ms N|manual]`. */
async function runCheckout(port: number, argv: string[]): Promise<void> {
  const secretKeys: string[] = []
  const abcSecretKeys: string[] = []
  let webhookUrl: string | undefined
  let webhookSignatureKey: string | undefined
  let refundDelayMs: number | null | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const take = (name: string) => String(arg.startsWith(`${name}=`) ? arg.slice(name.length + 1) : argv[++i])
    if (arg === "--secret-key" || arg.startsWith("--secret-key=")) secretKeys.push(take("--secret-key"))
    else if (arg === "--abc-key" || arg.startsWith("--abc-key=")) abcSecretKeys.push(take("--abc-key"))
    else if (arg === "--webhook-url" || arg.startsWith("--webhook-url=")) webhookUrl = take("--webhook-url")
    else if (arg === "--webhook-key" || arg.startsWith("--webhook-key=")) webhookSignatureKey = take("--webhook-key")
    else if (arg === "--refund-delay-ms" || arg.startsWith("--refund-delay-ms=")) {
      const raw = take("--refund-delay-ms")
      refundDelayMs = raw === "manual" ? null : Number(raw)
      if (refundDelayMs !== null && !(Number.isInteger(refundDelayMs) && refundDelayMs >= 0)) throw new Error(`Invalid --refund-delay-ms: ${raw}`)
    }
  }
  const emulator = new CheckoutEmulator({ secretKeys, abcSecretKeys, webhookUrl, webhookSignatureKey, refundDelayMs })
  const url = await emulator.start(port)
  console.log(`Checkout.com emulator listening on ${url} (Payments API under /payments, classic API under /v2/charges)`)
  console.log(`Bearer keys: ${emulator.secretKeys.join(", ")}; raw (previous-structure and classic) keys: ${emulator.abcSecretKeys.join(", ")}`)
  console.log(`Refunds settle ${emulator.refundDelayMs === null ? "only through settleRefunds() (manual: stay pending here)" : `after ${emulator.refundDelayMs} ms`}`)
  if (webhookUrl) console.log(`Signed webhooks (Cko-Signature, key ${emulator.webhookSignatureKey}) are posted to ${webhookUrl}`)
  console.log(`Control API: ${url}/__emulator/requests | /__emulator/state | POST /__emulator/reset`)
  const shutdown = (): void => {
    emulator.stop().then(() => process.exit(0), () => process.exit(1))
  }
  process.on("SIGINT", shutdown)
  process.on("SIGTERM", shutdown)
}

/** `fiserv [--port N] [--credential apiKey:apiSecret]... [--merchant-id ID] [--terminal-id ID]` (read here). */
async function runFiserv(port: number, argv: string[]): Promise<void> {
  const credentials: Record<string, string> = {}
  let merchantId: string | undefined
  let terminalId: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const take = (name: string) => (arg.startsWith(`${name}=`) ? arg.slice(name.length + 1) : argv[++i])
    if (arg === "--credential" || arg.startsWith("--credential=")) {
      const [key, ...rest] = String(take("--credential")).split(":")
      if (!key || rest.length === 0) throw new Error("--credential needs <apiKey>:<apiSecret>")
      credentials[key] = rest.join(":")
    } else if (arg === "--merchant-id" || arg.startsWith("--merchant-id=")) merchantId = take("--merchant-id")
    else if (arg === "--terminal-id" || arg.startsWith("--terminal-id=")) terminalId = take("--terminal-id")
  }
  const emulator = new FiservEmulator({ ...(Object.keys(credentials).length ? { credentials } : {}), merchantId, terminalId })
  const url = await emulator.start(port)
  console.log(`Fiserv Commerce Hub emulator listening on ${url}`)
  console.log(`Accepted Api-Key:secret: ${Object.entries(emulator.credentials).map(([k, v]) => `${k}:${v}`).join(", ")}`)
  console.log(`merchantDetails: merchantId ${emulator.merchantId}, terminalId ${emulator.terminalId}`)
  console.log(`Control API: ${url}/__emulator/requests | /__emulator/state | POST /__emulator/reset`)
  const shutdown = (): void => {
    emulator.stop().then(() => process.exit(0), () => process.exit(1))
  }
  process.on("SIGINT", shutdown)
  process.on("SIGTERM", shutdown)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})

/** `dodo [--port N] [--api-key KEY]... [--webhook-url URL] [--webhook-secret whsec_...] [--tax-bps N]` */
async function runDodo(port: number, apiKeys: string[], argv: string[]): Promise<void> {
  let webhookUrl: string | undefined
  let webhookSecret: string | undefined
  let taxBasisPoints: number | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const take = (name: string) => (arg.startsWith(`${name}=`) ? arg.slice(name.length + 1) : argv[++i])
    if (arg === "--webhook-url" || arg.startsWith("--webhook-url=")) webhookUrl = take("--webhook-url")
    else if (arg === "--webhook-secret" || arg.startsWith("--webhook-secret=")) webhookSecret = take("--webhook-secret")
    else if (arg === "--tax-bps" || arg.startsWith("--tax-bps=")) {
      taxBasisPoints = Number(take("--tax-bps"))
      if (!Number.isInteger(taxBasisPoints) || taxBasisPoints < 0) throw new Error("--tax-bps needs a whole number of basis points")
    }
  }
  const emulator = new DodoEmulator({ apiKeys: apiKeys.length ? apiKeys : undefined, webhookUrl, webhookSecret, taxBasisPoints })
  const url = await emulator.start(port)
  console.log(`Dodo Payments emulator listening on ${url}`)
  console.log(`Accepted API key${emulator.apiKeys.length > 1 ? "s" : ""}: ${emulator.apiKeys.join(", ")}`)
  console.log(`Pay-what-you-want product: pdt_emulator_pay_what_you_want; customers pay at ${url}/checkout/<session_id> (POST .../pay)`)
  if (webhookUrl) console.log(`Standard Webhooks signed deliveries go to ${webhookUrl}`)
  console.log(`Control API: ${url}/__emulator/requests | /__emulator/state | POST /__emulator/reset`)
  const shutdown = (): void => {
    emulator.stop().then(() => process.exit(0), () => process.exit(1))
  }
  process.on("SIGINT", shutdown)
  process.on("SIGTERM", shutdown)
}
