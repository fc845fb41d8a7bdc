/**
 * After a refund whose outcome is unknown (reset, timeout, lost or unreadable answer, 5xx), the
 * admin reads that it may already have been made, that retrying will not refund twice, and where
 * to see the outcome. A refund that cannot have reached the processor says nothing of the kind.
 */
import { ProcessorError, toMedusaError } from "../errors"

const error = (init: Partial<ConstructorParameters<typeof ProcessorError>[0]>) =>
  new ProcessorError({ processor: "Clover", kind: "network", message: "failed", ...init } as ConstructorParameters<typeof ProcessorError>[0])
const message = (e: ProcessorError, operation = "refund the payment") => toMedusaError(e, { processor: "Clover", operation }).message
const AMBIGUOUS = /The refund may already have been made at Clover\. Retrying is safe: .* will not refund twice\. See the outcome in the order's refund panel \(Sync/

describe("the message after a refund whose outcome is unknown", () => {
  it.each([
    ["a reset connection", error({ kind: "network", code: "ECONNRESET" })],
    ["a timeout", error({ kind: "timeout", code: "ECONNABORTED" })],
    ["an unreadable answer", error({ kind: "invalid_response" })],
    ["an outage answer", error({ kind: "http", status: 502 } as any)],
    ["an answer over the size cap", error({ kind: "invalid_response", code: "response_too_large" })],
  ])("says the refund may have been made after %s", (_what, e) => {
    expect(message(e)).toMatch(AMBIGUOUS)
  })

  it.each([
    ["a refused connection", error({ kind: "network", code: "ECONNREFUSED" })],
    ["an unknown host", error({ kind: "network", code: "ENOTFOUND" })],
    ["a refusal", error({ kind: "http", status: 400 } as any)],
  ])("says nothing of the kind after %s", (_what, e) => {
    expect(message(e)).not.toMatch(/may already have been made/)
  })

  it("is only for refunds", () => {
    expect(message(error({ kind: "network", code: "ECONNRESET" }), "capture the payment")).not.toMatch(/may already have been made/)
  })
})
