import crypto from "node:crypto"

interface RefundRow {
  id: string
  payment_id: string
  amount: string
  note: string | null
}

interface RefundingProvider {
  refundPayment(input: { data: Record<string, unknown>; amount: string; context: { idempotency_key: string } }): Promise<{ data?: Record<string, unknown> }>
}

/**
 * Medusa 2.21's payment module as a provider sees it, in memory: refund rows and payment data,
 * exposed through the `refundService` and `paymentService` a provider finds in its container.
 * `refund` follows PaymentModuleService.refundPayment: the refund row exists before the provider
 * is called, is deleted when the provider throws (medusa#16681: the admin's retry then comes
 * under a new id), and the provider's returned data is merged into Payment.data the way Medusa's
 * repository does it (MikroORM `assign` with `mergeObjectProperties`: plain objects merged
 * recursively, anything else replaced, a key left out keeps its stored value).
 */
export class MedusaPaymentsDouble {
  readonly payments = new Map<string, Record<string, unknown>>()
  readonly refunds = new Map<string, RefundRow>()
  /** Refund ids per payment, as Medusa's payment.refunds relation gives them. */
  private readonly refundsOfPayment = new Map<string, Set<string>>()
  /** Refund reads the provider made (one per refund when it batches what it needs). */
  reads = 0
  /** Makes Medusa's write of the next provider answer fail (after the provider returned). */
  failNextDataWrite = false

  addPayment(data: Record<string, unknown>, id = `pay_${crypto.randomBytes(8).toString("hex")}`): string {
    this.payments.set(id, data)
    return id
  }

  /** Records a refund row for a refund made through Medusa (the ledger entry carries its id). */
  addRefundRow(paymentId: string, id: string, amount = "1"): void {
    if (this.refunds.has(id)) return
    this.refunds.set(id, { id, payment_id: paymentId, amount, note: null })
    const ids = this.refundsOfPayment.get(paymentId) ?? new Set<string>()
    this.refundsOfPayment.set(paymentId, ids.add(id))
  }

  /** Drops a payment and its refund rows (a long run keeps memory flat). */
  forgetPayment(paymentId: string): void {
    this.payments.delete(paymentId)
    for (const id of this.refundsOfPayment.get(paymentId) ?? []) this.refunds.delete(id)
    this.refundsOfPayment.delete(paymentId)
  }

  data(paymentId: string): Record<string, unknown> {
    return this.payments.get(paymentId) ?? {}
  }

  async refund(provider: RefundingProvider, paymentId: string, amount: string, id = `ref_${crypto.randomBytes(10).toString("hex")}`) {
    this.addRefundRow(paymentId, id, amount)
    try {
      const out = await provider.refundPayment({ data: this.data(paymentId), amount, context: { idempotency_key: id } })
      if (this.failNextDataWrite) {
        this.failNextDataWrite = false
        throw new Error("Medusa could not store the provider's answer (simulated database error)")
      }
      this.payments.set(paymentId, mergeLikeMedusa(this.data(paymentId), out.data ?? {}))
      return { id, data: this.data(paymentId) }
    } catch (error) {
      this.refunds.delete(id)
      this.refundsOfPayment.get(paymentId)?.delete(id)
      throw error
    }
  }

  /** The provider's cradle entries (merge with a logger). */
  cradle(): Record<string, unknown> {
    return { refundService: this.refundService, paymentService: this.paymentService }
  }

  readonly refundService = {
    retrieve: async (id: string) => {
      this.reads++
      const row = this.refunds.get(id)
      if (!row) throw new Error(`Refund with id: ${id} was not found`)
      const siblings = [...(this.refundsOfPayment.get(row.payment_id) ?? [])].map((refundId) => ({ id: refundId }))
      return { ...row, refund_reason: null, payment: { id: row.payment_id, data: this.data(row.payment_id), refunds: siblings } }
    },
    list: async (filters: { payment_id?: string }) => [...(this.refundsOfPayment.get(filters.payment_id ?? "") ?? [])].map((id) => ({ id })),
  }

  readonly paymentService = {
    retrieve: async (id: string) => ({ id, data: this.data(id) }),
    update: async (input: { id: string; data: Record<string, unknown> }) => {
      this.payments.set(input.id, mergeLikeMedusa(this.data(input.id), input.data))
      return input
    },
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype

/** How Medusa 2.21's repositories write a JSON column on update (see the class comment). */
export function mergeLikeMedusa(stored: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...stored }
  for (const [key, value] of Object.entries(update)) {
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? mergeLikeMedusa(out[key] as Record<string, unknown>, value) : value
  }
  return out
}
