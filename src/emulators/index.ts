/**
 * Offline processor emulators. Start one in a test, point the provider's base URL at `emulator.url`, then
 * assert on `emulator.requests()` (what went over the wire) and on the emulator's state.
 */
import { CloverEmulator, type CloverEmulatorOptions } from "./clover"
import { CheckoutEmulator, type CheckoutEmulatorOptions } from "./checkout"
import { ProcessOutEmulator, type ProcessOutEmulatorOptions } from "./processout"
import { FiservEmulator, type FiservEmulatorOptions } from "./fiserv"
import { DodoEmulator, type DodoEmulatorOptions } from "./dodo"
import { PROCESSOR_KITS } from "./kits"

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

export { ProcessOutEmulator, DEFAULT_PROCESSOUT_PROJECT_ID, DEFAULT_PROCESSOUT_PROJECT_SECRET } from "./processout"
export type { ProcessOutEmulatorOptions, RefundMode as ProcessOutRefundMode } from "./processout"

export {
  CheckoutEmulator,
  DEFAULT_CHECKOUT_SECRET_KEY,
  DEFAULT_CHECKOUT_ABC_SECRET_KEY,
  DEFAULT_CHECKOUT_WEBHOOK_SIGNATURE_KEY,
  defaultRefundDecline as checkoutDefaultRefundDecline,
} from "./checkout"
export type { CheckoutEmulatorOptions, CheckoutWebhookEvent, SignedWebhook as CheckoutSignedWebhook } from "./checkout"

export {
  FiservEmulator,
  DEFAULT_FISERV_API_KEY,
  DEFAULT_FISERV_API_SECRET,
  DEFAULT_FISERV_MERCHANT_ID,
  DEFAULT_FISERV_TERMINAL_ID,
  FISERV_CURRENCY_DECIMALS,
  fiservHeaders,
  fiservSignature,
} from "./fiserv"
export type { FiservEmulatorOptions, FiservOrder, FiservTransaction as FiservEmulatorTransaction } from "./fiserv"

export {
  DodoEmulator,
  DEFAULT_DODO_API_KEY,
  DEFAULT_DODO_PRODUCT_ID,
  DEFAULT_DODO_WEBHOOK_SECRET,
  DODO_BUSINESS_ID,
  DODO_CURRENCIES,
  DODO_MAX_AMOUNT,
} from "./dodo"
export type {
  DodoEmulatorOptions,
  PayOptions as DodoPayOptions,
  DodoPayment,
  DodoRefund,
  DodoPaymentLineItems,
  DodoWebhookDelivery,
  DodoWebhookPayload,
} from "./dodo"

export * from "./kits"

/** Ports the CLI uses when `--port` is not given (each kit's defaultPort). */
export const DEFAULT_EMULATOR_PORTS: Readonly<Record<string, number>> = Object.fromEntries(PROCESSOR_KITS.map((kit) => [kit.id, kit.defaultPort]))

export interface StartEmulatorsOptions {
  /** Port 0 (default) picks a free port, which is what parallel tests want. */
  clover?: { port?: number } & CloverEmulatorOptions
  checkout?: { port?: number } & CheckoutEmulatorOptions
  processout?: { port?: number } & ProcessOutEmulatorOptions
  fiserv?: { port?: number } & FiservEmulatorOptions
  dodo?: { port?: number } & DodoEmulatorOptions
}

export interface RunningEmulators {
  clover: CloverEmulator
  checkout: CheckoutEmulator
  processout: ProcessOutEmulator
  fiserv: FiservEmulator
  dodo: DodoEmulator
  stop(): Promise<void>
}

export async function startEmulators(opts: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const { port = 0, ...cloverOpts } = opts.clover ?? {}
  const clover = new CloverEmulator(cloverOpts)
  await clover.start(port)
  const { port: checkoutPort = 0, ...checkoutOpts } = opts.checkout ?? {}
  const checkout = new CheckoutEmulator(checkoutOpts)
  await checkout.start(checkoutPort)
  const { port: processoutPort = 0, ...processoutOpts } = opts.processout ?? {}
  const processout = new ProcessOutEmulator(processoutOpts)
  await processout.start(processoutPort)
  const { port: fiservPort = 0, ...fiservOpts } = opts.fiserv ?? {}
  const fiserv = new FiservEmulator(fiservOpts)
  await fiserv.start(fiservPort)
  const { port: dodoPort = 0, ...dodoOpts } = opts.dodo ?? {}
  const dodo = new DodoEmulator(dodoOpts)
  await dodo.start(dodoPort)
  return {
    clover,
    checkout,
    processout,
    fiserv,
    dodo,
    stop: async () => {
      await Promise.all([clover.stop(), checkout.stop(), processout.stop(), fiserv.stop(), dodo.stop()])
    },
  }
}
