/**
 * Scripted faults for emulators: what a real processor or network does to a request.
 * Rules are matched in order; each fires `times` times (default once), optionally after
 * letting `skip` matching requests through.
 */
export type Fault =
  /** Answer normally, after a delay. */
  | { kind: "latency"; ms: number }
  /** Answer this status without applying anything (500, 502, 503, 429…); 429/503 may carry Retry-After. */
  | { kind: "status"; status: number; retryAfter?: string; body?: unknown }
  /** Drop the connection before applying anything. */
  | { kind: "reset" }
  /** Apply the operation, then drop the connection: the client never sees the answer. */
  | { kind: "reset_after_apply" }
  /** Apply the operation, then never answer (the client times out): the ambiguous case. */
  | { kind: "timeout_after_apply"; holdMs?: number }
  /** Apply the operation, then answer 200 with a body that is not JSON. */
  | { kind: "malformed_json" }
  /** Apply the operation, then answer with a non-JSON content type. */
  | { kind: "wrong_content_type" }
  /** Processor-specific faults (e.g. Fiserv's stale HMAC window), handled by the subclass. */
  | { kind: "custom"; name: string; options?: Record<string, unknown> }

export interface FaultRule {
  /** Upper-case method; any when absent. */
  method?: string
  /** The concrete path, the route pattern ("/v1/charges/:id/capture"), or a RegExp on the path. */
  path?: string | RegExp
  /** How many matching requests it hits (default 1; Infinity for "every request on this route"). */
  times?: number
  /** Matching requests to let through first. */
  skip?: number
  fault: Fault
}

interface ActiveRule extends FaultRule {
  id: number
  remaining: number
  toSkip: number
}

export class FaultPlan {
  private rules: ActiveRule[] = []
  private nextId = 1

  add(rule: FaultRule): number {
    const id = this.nextId++
    this.rules.push({ ...rule, id, remaining: rule.times ?? 1, toSkip: rule.skip ?? 0 })
    return id
  }

  clear(): void {
    this.rules = []
  }

  list(): Array<FaultRule & { id: number; remaining: number }> {
    return this.rules.map(({ toSkip: _skip, ...rule }) => ({ ...rule, path: rule.path instanceof RegExp ? rule.path.source : rule.path }))
  }

  /** The fault for this request, consuming one use of the first matching rule. */
  take(method: string, path: string, pattern: string): Fault | undefined {
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue
      if (rule.method && rule.method.toUpperCase() !== method) continue
      if (rule.path instanceof RegExp ? !rule.path.test(path) : rule.path && rule.path !== path && rule.path !== pattern) continue
      if (rule.toSkip > 0) {
        rule.toSkip--
        continue
      }
      rule.remaining--
      return rule.fault
    }
    return undefined
  }
}
