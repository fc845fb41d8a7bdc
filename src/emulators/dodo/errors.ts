import type { EmulatorResponse } from "../core/server"
import type { DodoErrorBody } from "./types"

/** Dodo's error body `{code, message}` (error codes: docs.dodopayments.com/api-reference/error-codes) with an HTTP status. */
export function dodoError(status: number, code: string, message: string): EmulatorResponse {
  const body: DodoErrorBody = { code, message }
  return { status, body }
}

/**
 * A body that does not match the request schema: 422 "Invalid Request Object or Parameters" (seed 003
 * l.68-69); the code and message are the documented INVALID_REQUEST_BODY ones (error codes), with the field.
 */
export function invalidBody(detail: string): EmulatorResponse {
  return dodoError(422, "INVALID_REQUEST_BODY", `Your request body is invalid. Please check your request headers and object. (${detail})`)
}

/** CHOICE: an unknown id is 404 NOT_FOUND (the spec documents no 404; the code is from the error codes list). */
export function notFound(what = "Item"): EmulatorResponse {
  return dodoError(404, "NOT_FOUND", `${what} not found`)
}

/** Thrown by validators; the route wrapper (core `answeringRefusals`) answers with its response. */
export { Refusal as DodoRequestError, refuse as fail } from "../core/refusal"
