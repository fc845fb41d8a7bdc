/**
 * One emulator behind the store under test, for a spec's top-level hooks. medusa-config.ts reads the
 * provider's options from the environment when the runner's own beforeAll boots Medusa, so the hooks
 * registered here (at the top level of the spec, before medusaIntegrationTestRunner) must have started
 * the emulator and set the variables by then.
 */

/** Variables for medusa-config.ts; undefined unsets one (the config's default then applies). */
export type StoreEnv = Record<string, string | undefined>

/** Sets the variables and returns what puts every one of them back as it was. */
export function setEnv(env: StoreEnv): () => void {
  const saved: StoreEnv = {}
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key]
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

export interface StoreEmulator {
  start(): Promise<string>
  stop(): Promise<void>
  reset(): void
}

/**
 * Registers beforeAll (start the emulator, then set `env`, given the emulator's URL), afterAll (stop it,
 * then restore the variables) and, unless `resetEachTest` is false, beforeEach (the database is restored
 * before every test; the emulator starts empty too). Call it at the top level of the spec, before
 * medusaIntegrationTestRunner.
 */
export function useEmulatorForStore(emulator: StoreEmulator, env: (url: string) => StoreEnv, options: { resetEachTest?: boolean } = {}): void {
  let restore: (() => void) | undefined
  beforeAll(async () => {
    const url = await emulator.start()
    restore = setEnv(env(url))
  })
  afterAll(async () => {
    await emulator.stop()
    restore?.()
    restore = undefined
  })
  if (options.resetEachTest !== false) beforeEach(() => emulator.reset())
}
