/**
 * Offline processor emulators. Start one in a test, point the provider's base URL at `emulator.url`, then
 * assert on `emulator.requests()` (what went over the wire) and on the emulator's state.
 */
import { CloverEmulator, type CloverEmulatorOptions } from "./clover"

export * from "./core"
export {
  CloverEmulator,
  DEFAULT_CLOVER_API_KEY,
  DEFAULT_CLOVER_APP_ID,
  DEFAULT_CLOVER_MERCHANT_ID,
  MAX_CHARGE_AMOUNT as CLOVER_MAX_CHARGE_AMOUNT,
  CLOVER_CURRENCIES,
} from "./clover"
export type {
  CloverEmulatorOptions,
  CloverCharge,
  CloverChargeSource,
  CloverErrorBody,
  CloverErrorType,
  CloverList,
  CloverRefund,
  CloverRefundReason,
  CloverWebhookPayload,
} from "./clover"

/** Ports the CLI uses when `--port` is not given. */
export const DEFAULT_EMULATOR_PORTS = { clover: 4510 } as const

export interface StartEmulatorsOptions {
  /** Port 0 (default) picks a free port, which is what parallel tests want. */
  clover?: { port?: number } & CloverEmulatorOptions
}

export interface RunningEmulators {
  clover: CloverEmulator
  stop(): Promise<void>
}

export async function startEmulators(opts: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const { port = 0, ...cloverOpts } = opts.clover ?? {}
  const clover = new CloverEmulator(cloverOpts)
  await clover.start(port)
  return {
    clover,
    stop: () => clover.stop(),
  }
}
