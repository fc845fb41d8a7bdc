#!/usr/bin/env node
/**
 * Run a processor emulator from the command line:
 *   medusa-processor-emulator clover [--port 4510] [--api-key KEY]...
 *   npx ts-node --transpile-only src/emulators/cli.ts clover --port 4510
 */
import { CloverEmulator, DEFAULT_EMULATOR_PORTS } from "./index"

const USAGE = `Usage: medusa-processor-emulator <processor> [--port <port>] [--api-key <key>]...

Processors:
  clover   Clover Ecommerce API (default port ${DEFAULT_EMULATOR_PORTS.clover})

Options:
  --port <port>     Port on 127.0.0.1 (0 = any free port)
  --api-key <key>   Accepted Bearer key; repeat for several (default: emulator_clover_key)
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
    else throw new Error(`Unknown argument: ${arg}`)
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
  if (args.processor !== "clover") {
    console.error(`${args.processor ? `Unknown processor: ${args.processor}` : "No processor given"}\n\n${USAGE}`)
    process.exit(2)
  }

  const emulator = new CloverEmulator(args.apiKeys.length ? { apiKeys: args.apiKeys } : {})
  const url = await emulator.start(args.port ?? DEFAULT_EMULATOR_PORTS.clover)
  console.log(`Clover Ecommerce emulator listening on ${url}`)
  console.log(`Accepted API key${emulator.apiKeys.length > 1 ? "s" : ""}: ${emulator.apiKeys.join(", ")}`)
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

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
