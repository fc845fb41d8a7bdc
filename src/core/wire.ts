import type { z } from "zod"
import { ProcessorError } from "./errors"

/**
 * Checks a processor's answer against its wire schema. An answer of the wrong shape is a
 * ProcessorError ("invalid_response"), never a crash deeper in the mapping.
 */
export function parseWire<S extends z.ZodType>(schema: S, data: unknown, processor: string, what: string): z.output<S> {
  const result = schema.safeParse(data)
  if (result.success) return result.data
  const first = result.error.issues[0]
  throw new ProcessorError({
    processor,
    kind: "invalid_response",
    message: `${processor} answered with an unexpected ${what}: ${first?.path.join(".") || "(body)"} ${first?.message ?? ""}`.trim(),
  })
}
