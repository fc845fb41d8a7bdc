/**
 * Every processor of the plugin, once, for everything outside src/providers (medusa-config.ts, the
 * emulator CLI, scripts/dev.js, the demo, the bench, the tests). A new processor is its provider
 * folder, its emulator folder, its kit next to these and one line in PROCESSOR_KITS
 * (docs/adding-a-processor.md).
 */
import { checkoutKit } from "./checkout"
import { cloverKit } from "./clover"
import { dodoKit } from "./dodo"
import { fiservKit } from "./fiserv"
import { processoutKit } from "./processout"
import type { Env, ProcessorKit } from "./types"

export * from "./types"

/** In medusa-config.ts's historical order of providers (the order Medusa registers them). */
export const PROCESSOR_KITS: readonly ProcessorKit[] = [cloverKit, processoutKit, fiservKit, dodoKit, checkoutKit]

/** The kit of a provider id ("clover"); throws naming the known ones. */
export function kitOf(id: string, kits: readonly ProcessorKit[] = PROCESSOR_KITS): ProcessorKit {
  const kit = kits.find((k) => k.id === id)
  if (!kit) throw new Error(`No processor kit "${id}"; known: ${kits.map((k) => k.id).join(", ")}`)
  return kit
}

/** A payment module provider entry, as medusa-config.ts lists them. */
export interface ProviderEntry {
  /** Path of the provider module, relative to the project root. */
  resolve: string
  /** Provider id; Medusa's payment provider id is `pp_<identifier>_<id>`. */
  id: string
  options: Record<string, unknown>
}

/** The payment module's providers for these kits, their options read from `env` (medusa-config.ts). */
export function providerEntries(kits: readonly ProcessorKit[], env: Env): ProviderEntry[] {
  return kits.map((kit) => ({ resolve: kit.providerModule, id: kit.id, options: kit.optionsFromEnv(env) }))
}
