/**
 * Idempotency-key bookkeeping shared by processor emulators. Each processor decides the header name, the scope
 * (usually the API key / merchant) and its conflict error; this store only remembers first responses.
 */
import { createHash } from "node:crypto"

export interface StoredResponse {
  status: number
  body: unknown
}

export type IdempotencyLookup =
  | { kind: "miss" }
  | { kind: "replay"; response: StoredResponse }
  /** Same key, different request: the processor answers with its conflict error. */
  | { kind: "mismatch" }

interface Entry {
  fingerprint: string
  response: StoredResponse
}

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>()

  lookup(scope: string, key: string, fingerprint: string): IdempotencyLookup {
    const entry = this.entries.get(storeKey(scope, key))
    if (!entry) return { kind: "miss" }
    if (entry.fingerprint !== fingerprint) return { kind: "mismatch" }
    return { kind: "replay", response: structuredClone(entry.response) }
  }

  save(scope: string, key: string, fingerprint: string, response: StoredResponse): void {
    this.entries.set(storeKey(scope, key), { fingerprint, response: structuredClone(response) })
  }

  get size(): number {
    return this.entries.size
  }

  clear(): void {
    this.entries.clear()
  }
}

/**
 * Fingerprint of method + path + body. The body is compared as canonical JSON (object keys sorted), so
 * re-serialising the same payload with another key order is still "the same request".
 */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method.toUpperCase()} ${path}\n${canonicalJson(body)}`)
    .digest("hex")
}

export function canonicalJson(value: unknown): string {
  if (value === undefined) return ""
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

function storeKey(scope: string, key: string): string {
  return `${scope}\u0000${key}`
}
