/**
 * The processors the shared integration specs run (return-and-refund, return-auto-refund): the plugin's
 * PROCESSOR_KITS, plus test fixtures that prove a processor is its provider folder, its emulator folder and one
 * line in a list (docs/adding-a-processor.md). The example processor (test/fixtures/example-processor) is that one line below.
 *
 * Test only. medusa-config.ts registers a fixture of this list only when NODE_ENV is "test" and TEST_FIXTURE_KITS
 * names it (startProcessors in ./exactly-once.ts sets it for the fixtures it starts); a store never loads them.
 */
import { PROCESSOR_KITS, type ProcessorKit } from "../../src/emulators/kits"
import { exampleKit } from "../../test/fixtures/example-processor/kit"

export const KITS_UNDER_TEST: readonly ProcessorKit[] = [
  ...PROCESSOR_KITS,
  exampleKit,
]

/** The kits of KITS_UNDER_TEST that are no part of the plugin (not in PROCESSOR_KITS). */
export const isFixtureKit = (id: string): boolean => !PROCESSOR_KITS.some((kit) => kit.id === id)
