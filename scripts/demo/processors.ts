/**
 * What `npm run demo` needs to know per processor that Medusa cannot tell it: how to point the
 * provider at its emulator (the env vars medusa-config.ts reads) and what the customer does at
 * checkout (the storefront's card token, or paying on a hosted page). Everything else (the
 * provider list, the order, capture, refunds, the ledger) goes through Medusa generically.
 *
 * All of it comes from the processor kits (src/emulators/kits); a provider Medusa loaded without a
 * kit is still listed by the demo, as skipped, with the reason.
 */
import { PROCESSOR_KITS } from "../../src/emulators/kits"

export interface DemoSession {
  id: string
  data: Record<string, unknown>
}

export interface DemoProcessor {
  /** The emulator's name: its kit's id (src/emulators/kits). */
  emulator: string
  /** Env vars that make medusa-config.ts register the provider against the emulator at `url`. */
  env(url: string): Record<string, string>
  /** The payment session data the storefront sends (a single-use test token). */
  sessionData(unique: string): Record<string, unknown>
  /** What the customer does at the processor after the session exists (hosted checkout). */
  customerStep?(session: DemoSession): Promise<string>
  /** The processor's step between capture and refunds, at its emulator `url` (Fiserv closes its batch). */
  afterCapture?(url: string): Promise<string>
}

/** One per processor kit (src/emulators/kits): its emulator env with the scripted-payment settings, and how its customer pays. */
export const DEMO_PROCESSORS: Record<string, DemoProcessor> = Object.fromEntries(
  PROCESSOR_KITS.map((kit): [string, DemoProcessor] => {
    const { customerStep, afterCapture } = kit.payment
    return [
      kit.id,
      {
        emulator: kit.id,
        // The demo makes sessions through the payment workflow, not the store route: the kit's scripted env covers what that route does.
        env: (url) => ({ ...kit.emulatorEnv(url, { ...process.env, ...kit.scriptedEnv }), ...kit.scriptedEnv }),
        sessionData: (unique) => kit.payment.sessionData(`demo_${unique}`),
        ...(customerStep ? { customerStep: (session: DemoSession) => customerStep(session.data) } : {}),
        ...(afterCapture ? { afterCapture } : {}),
      },
    ]
  })
)
