import crypto from "node:crypto"

/**
 * A UUID v4-shaped key derived from any string, stable across retries and restarts.
 * For processors that require UUID idempotency keys while Medusa's keys are ULID-based
 * ids (payses_…, capt_…): the same Medusa key always maps to the same UUID.
 */
export function uuidFromKey(key: string): string {
  const bytes = crypto.createHash("sha256").update(key).digest().subarray(0, 16)
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = bytes.toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
