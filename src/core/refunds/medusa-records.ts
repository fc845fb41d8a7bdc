import type { BigNumberInput } from "@medusajs/framework/types"
import type { MedusaRefundContext } from "./types"

/**
 * The payment module's internal services, as Medusa 2.21 registers them in a payment provider's
 * container (node_modules/@medusajs/payment/dist/services/payment-module.js). A provider sees
 * only its module's container, so these are the way to Medusa's own records of a refund.
 */
type ModuleServices = {
  refundService?: {
    retrieve(id: string, config?: Record<string, unknown>): Promise<Record<string, any>>
    list(filters: Record<string, unknown>, config?: Record<string, unknown>): Promise<Array<Record<string, any>>>
  }
  paymentService?: {
    update(data: Record<string, unknown>): Promise<unknown>
    retrieve?(id: string, config?: Record<string, unknown>): Promise<{ data?: Record<string, unknown> | null } | undefined>
  }
  captureService?: { retrieve(id: string, config?: Record<string, unknown>): Promise<Record<string, any>> }
}

/**
 * Medusa's records of payments, refunds and captures, read and written for the refund
 * coordinator. Reads are best effort (undefined or empty when a record cannot be read, which
 * makes the coordinator read the processor first); the one write that guards a send throws.
 */
export class MedusaPaymentRecords {
  constructor(private readonly services: ModuleServices | undefined) {}

  /** Whether the payment's data can be written before a send (not in unit tests without Medusa). */
  get writable(): boolean {
    return typeof this.services?.paymentService?.update === "function"
  }

  /**
   * The refund's note, reason and metadata, its payment, and that payment's other refunds, in one
   * query; `{ info: {} }` when it cannot be read.
   */
  async refundContext(refundId: string | undefined): Promise<MedusaRefundContext> {
    const service = this.services?.refundService
    if (!refundId || !service?.retrieve) return { info: {} }
    try {
      const refund = await service.retrieve(refundId, { relations: ["refund_reason", "payment", "payment.refunds"] })
      // The module's service returns ORM entities: a relation is an iterable collection, not an array.
      const loaded = refund?.payment?.refunds
      const siblings: Array<{ id: unknown }> | undefined =
        loaded && typeof loaded[Symbol.iterator] === "function" && (Array.isArray(loaded) || loaded.isInitialized?.() !== false) ? [...loaded] : undefined
      const metadata = refund?.metadata
      return {
        info: {
          note: refund?.note ?? null,
          reasonCode: refund?.refund_reason?.code ?? null,
          reasonLabel: refund?.refund_reason?.label ?? null,
          metadata: metadata && typeof metadata === "object" && !Array.isArray(metadata) ? { ...metadata } : null,
        },
        paymentId: refund?.payment?.id ?? refund?.payment_id ?? undefined,
        otherRefundIds: siblings?.map((r) => String(r.id)).filter((id) => id !== refundId),
        paymentData: refund?.payment?.data ?? undefined,
      }
    } catch {
      return { info: {} }
    }
  }

  /** The Medusa payment a refund belongs to; undefined when it cannot be read. */
  async paymentOfRefund(refundId: string): Promise<string | undefined> {
    try {
      const refund = await this.services?.refundService?.retrieve(refundId, { select: ["id", "payment_id"] })
      return refund ? String(refund.payment_id) : undefined
    } catch {
      return undefined
    }
  }

  /** Ids of the refunds Medusa holds on a payment; [] when they cannot be read. */
  async refundIdsOfPayment(paymentId: string): Promise<string[]> {
    const service = this.services?.refundService
    if (!service?.list) return []
    try {
      return (await service.list({ payment_id: paymentId }, { select: ["id"] })).map((r) => String(r.id))
    } catch {
      return []
    }
  }

  /** The payment's data as stored now; undefined when it cannot be read. */
  async paymentData(paymentId: string): Promise<Record<string, unknown> | undefined> {
    const service = this.services?.paymentService
    if (!service?.retrieve) return undefined
    try {
      return (await service.retrieve(paymentId, { select: ["id", "data"] }))?.data ?? undefined
    } catch {
      return undefined
    }
  }

  /** Writes the payment's data; throws what the database threw. */
  async writePaymentData(paymentId: string, data: Record<string, unknown>): Promise<void> {
    const service = this.services?.paymentService
    if (!service) throw new Error("Medusa's payment records cannot be written here")
    await service.update({ id: paymentId, data })
  }

  /** The amount of the capture Medusa is recording (capturePayment is not told it); undefined when unknown. */
  async captureAmount(captureId: string | undefined): Promise<BigNumberInput | undefined> {
    const service = this.services?.captureService
    if (!captureId || !service?.retrieve) return undefined
    try {
      const capture = await service.retrieve(captureId, { select: ["id", "amount", "raw_amount"] })
      return capture?.raw_amount ?? capture?.amount
    } catch {
      return undefined
    }
  }
}
