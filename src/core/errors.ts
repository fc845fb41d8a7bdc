import { MedusaError } from "@medusajs/framework/utils"

export type ProcessorFailureKind =
  /** The processor answered with an error status. */
  | "http"
  /** No answer: connection refused or reset, DNS, TLS. */
  | "network"
  /** No answer in time: the processor may or may not have applied the request. */
  | "timeout"
  /** An answer we cannot read (malformed JSON, wrong content type, unexpected shape). */
  | "invalid_response"

/**
 * What went wrong at a processor, with its own code and message, before it is turned
 * into a MedusaError. Never carries secrets: bodies and messages pass through redaction.
 */
export class ProcessorError extends Error {
  readonly processor: string
  readonly kind: ProcessorFailureKind
  readonly status?: number
  /** The processor's error code ("charge_already_refunded"). */
  readonly code?: string
  /** The processor's error type or category ("invalid_request_error"). */
  readonly type?: string
  readonly declineCode?: string
  /** The processor's own message, redacted. */
  readonly processorMessage?: string
  readonly retryAfterMs?: number

  constructor(init: {
    processor: string
    kind: ProcessorFailureKind
    message: string
    status?: number
    code?: string
    type?: string
    declineCode?: string
    processorMessage?: string
    retryAfterMs?: number
  }) {
    super(init.message)
    this.name = "ProcessorError"
    this.processor = init.processor
    this.kind = init.kind
    this.status = init.status
    this.code = init.code
    this.type = init.type
    this.declineCode = init.declineCode
    this.processorMessage = init.processorMessage
    this.retryAfterMs = init.retryAfterMs
  }

  /** "HTTP 400 charge_already_refunded: The charge has already been refunded" */
  describe(): string {
    const parts: string[] = []
    if (this.status) parts.push(`HTTP ${this.status}`)
    if (this.code) parts.push(this.code)
    const head = parts.join(" ")
    const text = this.processorMessage ?? this.message
    return head ? `${head}: ${text}` : text
  }
}

/**
 * A processor-specific reading of an error: which MedusaError type and what the admin can do.
 * Never CONFLICT: Medusa's error handler replaces a CONFLICT's message with a generic
 * "retry with the Idempotency-Key" text, so the admin would lose the advice. Use NOT_ALLOWED.
 */
export interface ErrorAdvice {
  type: (typeof MedusaError.Types)[keyof typeof MedusaError.Types]
  advice: string
}

/** Generic advice by failure kind and HTTP status, used when a processor has nothing more specific. */
export function defaultAdvice(error: ProcessorError): ErrorAdvice {
  const T = MedusaError.Types
  const name = error.processor
  if (error.kind === "timeout") {
    return {
      type: T.UNEXPECTED_STATE,
      advice: `${name} did not answer in time. The operation may have been applied: check the payment at ${name} (or use "Sync" on the order) before trying again.`,
    }
  }
  if (error.kind === "network") {
    return { type: T.UNEXPECTED_STATE, advice: `${name} could not be reached. Try again in a few minutes.` }
  }
  if (error.kind === "invalid_response") {
    return {
      type: T.UNEXPECTED_STATE,
      advice: `${name} sent an answer that could not be read. Check the payment at ${name} before trying again.`,
    }
  }
  const status = error.status ?? 0
  if (status === 401 || status === 403) {
    return {
      type: T.UNEXPECTED_STATE,
      advice: `${name} rejected the store's credentials. Check the provider's API key and environment options.`,
    }
  }
  if (status === 402) {
    return { type: T.PAYMENT_AUTHORIZATION_ERROR, advice: "The payment was declined. Ask the customer for another payment method." }
  }
  if (status === 404) {
    return { type: T.NOT_FOUND, advice: `${name} does not know this payment. Check that it was made with the same account and environment.` }
  }
  if (status === 409) {
    return { type: T.NOT_ALLOWED, advice: "Another request for this payment is in progress. Try again in a moment." }
  }
  if (status === 429) {
    return { type: T.UNEXPECTED_STATE, advice: `${name} is rate-limiting the store. Try again in a minute.` }
  }
  if (status >= 500) {
    return { type: T.UNEXPECTED_STATE, advice: `${name} is having an outage. Try again later.` }
  }
  return { type: T.INVALID_DATA, advice: `${name} refused the request as sent. Check the amount and the payment's state.` }
}

/** Connection failures where the request cannot have reached the processor. */
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ERR_INVALID_URL"])

/**
 * True when the processor may have acted although the store got no usable answer: a timeout, a
 * connection reset or cut-off answer, an unreadable answer, or a 5xx (the processor may have
 * applied the request before failing).
 */
export function mayHaveApplied(error: ProcessorError): boolean {
  if (error.kind === "timeout" || error.kind === "invalid_response") return true
  if (error.kind === "network") return !NEVER_SENT.has(String(error.code ?? ""))
  return (error.status ?? 0) >= 500
}

/** What the admin must read after a refund whose outcome is unknown. */
export function refundMayHaveApplied(processor: string): string {
  return (
    `The refund may already have been made at ${processor}. Retrying is safe: the plugin reads ${processor}'s refunds first and ` +
    `will not refund twice. See the outcome in the order's refund panel (Sync reads it from ${processor}).`
  )
}

/**
 * Any failure inside a provider method becomes a MedusaError whose message says which
 * processor did what, its code and message, and what the admin can do. A plain Error
 * would reach the admin as "An unknown error occurred.".
 */
export function toMedusaError(
  error: unknown,
  context: { processor: string; operation: string; classify?: (e: ProcessorError) => ErrorAdvice | undefined },
  redact: (text: string) => string = (t) => t
): MedusaError {
  if (error instanceof MedusaError) {
    return error
  }
  if (error instanceof ProcessorError) {
    const advice = context.classify?.(error) ?? defaultAdvice(error)
    const ambiguous = context.operation === "refund the payment" && mayHaveApplied(error) ? ` ${refundMayHaveApplied(context.processor)}` : ""
    return new MedusaError(
      advice.type,
      redact(`${context.processor} could not ${context.operation} (${error.describe()}). ${advice.advice}${ambiguous}`)
    )
  }
  const message = error instanceof Error ? error.message : String(error)
  return new MedusaError(
    MedusaError.Types.UNEXPECTED_STATE,
    redact(`${context.processor} provider failed to ${context.operation}: ${message}`)
  )
}
