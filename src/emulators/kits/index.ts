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
import type { ProcessorKit } from "./types"

export * from "./types"
export { checkoutKit, cloverKit, dodoKit, fiservKit, processoutKit }

/** In medusa-config.ts's historical order of providers (the order Medusa registers them). */
export const PROCESSOR_KITS: readonly ProcessorKit[] = [cloverKit, processoutKit, fiservKit, dodoKit, checkoutKit]

/** The kit of a provider id ("clover"); throws naming the known ones. */
export function kitOf(id: string, kits: readonly ProcessorKit[] = PROCESSOR_KITS): ProcessorKit {
  const kit = kits.find((k) => k.id === id)
  if (!kit) throw new Error(`No processor kit "${id}"; known: ${kits.map((k) => k.id).join(", ")}`)
  return kit
}
