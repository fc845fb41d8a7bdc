/**
 * Request validators for the Clover emulator. Each one throws `CloverRequestError` carrying Clover's error
 * response, so handlers read top to bottom. `undefined` means "absent"; an explicit `null` is an invalid value
 * (it is never silently read as "omitted", which for a refund amount would mean "refund everything").
 */
import type { EmulatorRequest } from "../core/server"
import { CLOVER_CURRENCIES } from "./currencies"
import { CloverRequestError, invalidRequest, missingParam } from "./errors"

/** Clover rejects charges above $999,999.99 with `amount_too_large` (docs.clover.com/docs/appendix). */
export const MAX_CHARGE_AMOUNT = 99_999_999

function fail(code: string, message: string, param?: string): never {
  throw new CloverRequestError(invalidRequest(code, message, param))
}

/** The JSON body as an object; an empty body is `{}`. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined) return {}
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    fail("invalid_request", "The request body must be a JSON object.")
  }
  return body as Record<string, unknown>
}

/** Clover: "Requests that don't include the header are not successful" (createcharge, capturecharge). */
export function requireForwardedFor(req: EmulatorRequest): void {
  if (!req.headers["x-forwarded-for"]?.trim()) throw new CloverRequestError(missingParam("x-forwarded-for"))
}

function positiveInteger(value: unknown, param: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    fail("invalid_charge_amount", `Invalid ${param}: must be a positive integer number of cents.`, param)
  }
  return value
}

/** Required charge amount: integer cents, 1..99,999,999. */
export function chargeAmount(value: unknown): number {
  if (value === undefined) throw new CloverRequestError(missingParam("amount"))
  const amount = positiveInteger(value, "amount")
  if (amount > MAX_CHARGE_AMOUNT) {
    fail("amount_too_large", "The amount provided exceeds the amount allowed by Clover ($999,999.99).", "amount")
  }
  return amount
}

/** Optional amount (capture, refund): absent stays undefined; otherwise a positive safe integer. */
export function optionalAmount(value: unknown): number | undefined {
  return value === undefined ? undefined : positiveInteger(value, "amount")
}

/** Lower-case ISO 4217 code, max 3 chars (Clover createcharge). Upper case is rejected, not normalised. */
export function currency(value: unknown): string {
  if (value === undefined) throw new CloverRequestError(missingParam("currency"))
  if (typeof value !== "string" || !/^[a-z]{3}$/.test(value) || !CLOVER_CURRENCIES.has(value)) {
    fail(
      "invalid_request",
      `Invalid currency: ${JSON.stringify(value)}. Use a lower-case three-letter ISO 4217 code, e.g. "usd".`,
      "currency"
    )
  }
  return value
}

export function requiredString(value: unknown, param: string): string {
  if (value === undefined) throw new CloverRequestError(missingParam(param))
  if (typeof value !== "string" || value.trim() === "") fail("invalid_request", `Invalid ${param}.`, param)
  return value
}

export function optionalString(value: unknown, param: string, maxLength: number): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== "string") fail("invalid_request", `Invalid ${param}: must be a string.`, param)
  if (value.length > maxLength) {
    fail("invalid_request", `Invalid ${param}: must be at most ${maxLength} characters.`, param)
  }
  return value
}

/** "Alphanumeric characters with in-between spaces", max 12 (Clover Charge.external_reference_id). */
export function externalReferenceId(value: unknown): string | undefined {
  const ref = optionalString(value, "external_reference_id", 12)
  if (ref !== undefined && !/^[A-Za-z0-9]+(?: [A-Za-z0-9]+)*$/.test(ref)) {
    fail(
      "invalid_request",
      "Invalid external_reference_id: use up to 12 alphanumeric characters with in-between spaces.",
      "external_reference_id"
    )
  }
  return ref
}

export function optionalBoolean(value: unknown, param: string): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== "boolean") fail("invalid_request", `Invalid ${param}: must be a boolean.`, param)
  return value
}

export function optionalEnum<T extends string>(value: unknown, param: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    fail("invalid_request", `Invalid ${param}: must be one of ${allowed.join(", ")}.`, param)
  }
  return value as T
}

/**
 * Key-value pairs, "Length: Maximum 500 characters" (spec components/schemas/Charge.metadata). CHOICE: the
 * limit is applied to the object's JSON text; the spec types it as a string, the reference as an object.
 */
export function optionalMetadata(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail("invalid_request", "Invalid metadata: must be an object of key-value pairs.", "metadata")
  }
  if (JSON.stringify(value).length > MAX_METADATA_LENGTH) {
    fail("invalid_request", `Invalid metadata: at most ${MAX_METADATA_LENGTH} characters.`, "metadata")
  }
  return structuredClone(value as Record<string, unknown>)
}

export const MAX_METADATA_LENGTH = 500

/** `email_invalid` is Clover's documented code for a bad receipt email. */
export function optionalEmail(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== "string" || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    fail("email_invalid", "The email provided is not valid.", "receipt_email")
  }
  return value
}

/** List `limit`: 1..100, default 10 (Clover list charges / list refunds). */
export function listLimit(value: string | undefined): number {
  if (value === undefined) return 10
  const limit = /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100) {
    fail("invalid_request", "Invalid limit: must be an integer between 1 and 100.", "limit")
  }
  return limit
}
