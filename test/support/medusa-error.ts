import { MedusaError } from "@medusajs/framework/utils"

/**
 * Awaits a provider call that must fail, and checks it failed the way an admin would see:
 * a MedusaError of the given type, a message matching `text`, and none of `secrets` in it.
 */
export async function expectMedusaError(
  promise: Promise<unknown>,
  type: string,
  text: RegExp | string,
  secrets: readonly string[] = []
): Promise<MedusaError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a MedusaError")
    },
    (e) => e
  )
  expect(error).toBeInstanceOf(MedusaError)
  expect(error.type).toBe(type)
  expect(error.message).toMatch(text)
  for (const secret of secrets) expect(error.message).not.toContain(secret)
  return error as MedusaError
}

/** Runs a call that must throw synchronously, checks it threw a MedusaError and returns it. */
export function refusal(run: () => unknown): MedusaError {
  try {
    run()
  } catch (e) {
    expect(e).toBeInstanceOf(MedusaError)
    return e as MedusaError
  }
  throw new Error("expected a refusal")
}
