import { STATUS_CODES } from "node:http"
import type { EmulatorResponse } from "../core/server"
import type { CloverErrorBody, CloverErrorType } from "./types"

type ErrorExtras = Pick<CloverErrorBody["error"], "param" | "charge" | "decline_code">

/** Status names of Clover's "HTTP Status Code Summary" (docs.clover.com/docs/appendix); others as Node names them. */
const CLOVER_STATUS_NAMES: Record<number, string> = { 402: "Request Failed" }

/** Clover's error envelope (see CloverErrorBody): the HTTP status as `message`, the details in `error`. */
export function cloverErrorBody(status: number, type: CloverErrorType, code: string, message: string, extras: ErrorExtras = {}): CloverErrorBody {
  const error: CloverErrorBody["error"] = { type, code, message }
  if (extras.param !== undefined) error.param = extras.param
  if (extras.charge !== undefined) error.charge = extras.charge
  if (extras.decline_code !== undefined) error.decline_code = extras.decline_code
  return { message: `${status} ${CLOVER_STATUS_NAMES[status] ?? STATUS_CODES[status] ?? "Error"}`, error }
}

export function cloverError(
  status: number,
  type: CloverErrorType,
  code: string,
  message: string,
  extras: ErrorExtras = {}
): EmulatorResponse {
  return { status, body: cloverErrorBody(status, type, code, message, extras) }
}

/** 400 invalid_request_error; the most common validation failure. */
export function invalidRequest(code: string, message: string, param?: string): EmulatorResponse {
  return cloverError(400, "invalid_request_error", code, message, { param })
}

/** A required parameter or header is absent. `missing` is in Clover's error-code appendix. */
export function missingParam(param: string): EmulatorResponse {
  return invalidRequest("missing", `Missing required param: ${param}.`, param)
}

export function resourceMissing(kind: "charge" | "refund", id: string, param?: string): EmulatorResponse {
  return cloverError(404, "invalid_request_error", "resource_missing", `No such ${kind}: '${id}'`, { param })
}

/** Thrown by validators; the route wrapper (core `answeringRefusals`) answers with its response. */
export { Refusal as CloverRequestError } from "../core/refusal"
