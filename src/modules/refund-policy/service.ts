import { ContainerRegistrationKeys, generateEntityId, MedusaService } from "@medusajs/framework/utils"
import { RefundPolicy } from "./models/refund-policy"
import { RefundPolicyChange } from "./models/refund-policy-change"
import { ReturnRefund } from "./models/return-refund"
import { STALE_CLAIM_MS } from "./stale-claim"

export type ReturnRefundStatus = "claimed" | "refunded" | "failed" | "nothing_to_refund"
export type ReturnRefundTrigger = "event" | "admin"

type Knex = {
  raw(sql: string, bindings?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>
}

export interface ClaimInput {
  return_id: string
  order_id: string
  trigger: ReturnRefundTrigger
  actor_id?: string | null
  /** What the claim is for: a refund to send ("claimed") or a return with nothing to refund. */
  status: "claimed" | "nothing_to_refund"
}

export interface ClaimResult {
  /** True when this call owns the return now and may refund it. */
  claimed: boolean
  row: Record<string, unknown>
}

/**
 * Data models of the return-to-refund policy, plus the one operation that must be atomic:
 * claiming a return before its refund is sent (see claimReturnRefund).
 */
class RefundPolicyModuleService extends MedusaService({ RefundPolicy, RefundPolicyChange, ReturnRefund }) {
  protected readonly pg_: Knex

  constructor(deps: Record<string, unknown>, ...rest: unknown[]) {
    // @ts-ignore MedusaService's generated constructor takes the module's arguments as they come
    super(deps, ...rest)
    this.pg_ = deps[ContainerRegistrationKeys.PG_CONNECTION] as Knex
  }

  /**
   * Claims the return's row in one statement each, so two deliveries of the same event (or an
   * event and an admin click) never both own it:
   * - no row yet: inserted (unique on return_id);
   * - a `nothing_to_refund` row: taken over (Medusa has emitted order.return_received before
   *   anything was received, so a later real receipt must still be refunded);
   * - a `failed` row: taken over by the admin trigger only (a retry is a person's decision);
   * - a `claimed` row untouched for STALE_CLAIM_MS (the store stopped during its refund): taken over by the admin
   *   trigger only;
   * - anything else (claimed, refunded): not claimed, the row is returned as it is.
   */
  async claimReturnRefund(input: ClaimInput): Promise<ClaimResult> {
    const id = generateEntityId(undefined, "retref")
    const inserted = await this.pg_.raw(
      `INSERT INTO return_refund (id, return_id, order_id, status, "trigger", actor_id, attempts, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, now(), now())
       ON CONFLICT (return_id) WHERE deleted_at IS NULL DO NOTHING
       RETURNING *`,
      [id, input.return_id, input.order_id, input.status, input.trigger, input.actor_id ?? null, input.status === "claimed" ? 1 : 0]
    )
    if (inserted.rows.length) return { claimed: true, row: inserted.rows[0] }

    const takeable = input.trigger === "admin" ? ["nothing_to_refund", "failed"] : ["nothing_to_refund"]
    const updated = await this.pg_.raw(
      `UPDATE return_refund
          SET status = ?, "trigger" = ?, actor_id = ?, error_message = NULL,
              attempts = attempts + ?, updated_at = now()
        WHERE return_id = ? AND deleted_at IS NULL
          AND (status = ANY(?) OR (? AND status = 'claimed' AND updated_at < now() - make_interval(secs => ?)))
        RETURNING *`,
      [input.status, input.trigger, input.actor_id ?? null, input.status === "claimed" ? 1 : 0, input.return_id, takeable, input.trigger === "admin", STALE_CLAIM_MS / 1000]
    )
    if (updated.rows.length) return { claimed: true, row: updated.rows[0] }

    const existing = await this.pg_.raw(`SELECT * FROM return_refund WHERE return_id = ? AND deleted_at IS NULL`, [input.return_id])
    return { claimed: false, row: existing.rows[0] ?? {} }
  }
}

export default RefundPolicyModuleService
