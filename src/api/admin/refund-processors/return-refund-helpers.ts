/**
 * Input schemas of the return-to-refund admin routes (policy, "Refund this return", the order's
 * return refunds). Every input is untrusted: ids by shape, bodies strict (unknown keys refused).
 */
import type { MedusaRequest } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { reasonMapProblems } from "./reason-catalogue"

export const returnParams = z.object({
  id: z.string().max(100).regex(/^return_[A-Za-z0-9_-]+$/, "must be a return id (return_…)"),
})

const JSON_LIMIT = 20_000

/** A JSON object of bounded size (reason_map, processor_settings): no credentials belong there. */
const boundedObject = z
  .record(z.string().max(100), z.unknown())
  .refine((value) => JSON.stringify(value).length <= JSON_LIMIT, `at most ${JSON_LIMIT} characters of JSON`)

export const policyBody = z
  .object({
    auto_refund_on_receipt: z.boolean().optional(),
    refund_damaged_items: z.boolean().optional(),
    return_shipping: z.enum(["deduct_from_refund", "merchant_pays"]).optional(),
    reason_map: boundedObject
      .superRefine((map, ctx) => {
        for (const message of reasonMapProblems(map)) ctx.addIssue({ code: "custom", message })
      })
      .optional(),
    processor_settings: boundedObject.optional(),
  })
  .strict()

export const changesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict()

/** An empty body for "Refund this return" (an amount is never taken: it is Medusa's figure). */
export const refundReturnBody = z.object({}).strict()

/** Parses with a zod schema; a bad value is a 400 naming the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = "body"): z.output<S> {
  const result = schema.safeParse(input ?? {})
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.join(".") || what
    return issue.code === "unrecognized_keys" ? `${path}: unknown field(s) ${issue.keys.join(", ")}` : `${path} ${issue.message}`
  })
  throw new MedusaError(MedusaError.Types.INVALID_DATA, `Invalid request: ${problems.join("; ")}`)
}

/** The signed-in admin user's id; admin routes are authenticated, this only reads it. */
export function actorOf(req: MedusaRequest): string {
  const actor = (req as MedusaRequest & { auth_context?: { actor_id?: string } }).auth_context?.actor_id
  if (!actor) throw new MedusaError(MedusaError.Types.UNAUTHORIZED, "An admin user must be signed in to change the refund policy.")
  return actor
}
