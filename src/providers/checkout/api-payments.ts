import { MedusaError, PaymentSessionStatus } from "@medusajs/framework/utils"
import { ProcessorError } from "../../core/errors"
import type { HttpClient, Logger } from "../../core/http"
import type { ProcessorAmount } from "../../core/money/convert"
import { baseUrlFor } from "../../core/options"
import { paymentMinor, requireField } from "../../core/payment-data"
import { defineProcessorClient } from "../../core/processor-client"
import type { SendRefundInput, SentRefund } from "../../core/provider"
import { parseWire } from "../../core/wire"
import { requirePathId } from "../../core/session-trust"
import type { CheckoutBackend, CheckoutRefundView } from "./backend"
import { paymentsAuthorization, type CheckoutOptions } from "./options"
import { refundMetadata } from "./transformers"
import {
  capturedData,
  captureRequest,
  createdPaymentData,
  paymentData,
  paymentFacts,
  paymentRequest,
  paymentStatus,
  refundRequest,
  refundViews,
  voidRequest,
} from "./transformers-payments"
import {
  actionAcceptedSchema,
  paymentActionsSchema,
  paymentResponseSchema,
  paymentSchema,
  paymentsErrorSchema,
  type CheckoutPayment,
  type PaymentAction,
} from "./wire-payments"

const PROCESSOR = "Checkout.com"

/**
 * Metadata values on the Payments API: the 2021 spec gives no limit, so 255 is our choice (UNCONFIRMED);
 * the refund note is cut visibly there.
 */
const PAYMENTS_METADATA_VALUE_MAX = 255

/** Payments API payment ids, as the API reference's path parameters define them: `^(pay)_(\w{26})$`. */
export const PAYMENT_ID = /^pay_\w{26}$/

/** Live and sandbox hosts, or the account-specific form `https://{prefix}.api[.sandbox].checkout.com`. */
export function paymentsHosts(options: Pick<CheckoutOptions, "accountPrefix">): { sandbox: string; production: string } {
  const prefix = options.accountPrefix ? `${options.accountPrefix}.` : ""
  return { sandbox: `https://${prefix}api.sandbox.checkout.com`, production: `https://${prefix}api.checkout.com` }
}

/** The base URL the Payments API client is built with (a custom `environment` URL replaces the hosts). */
export function paymentsBaseUrl(options: Pick<CheckoutOptions, "environment" | "accountPrefix">): string {
  return baseUrlFor(options.environment, paymentsHosts(options))
}

/**
 * The Payments API client: `Authorization` as the account's key structure wants it (options.ts), writes retried
 * under `Cko-Idempotency-Key` (test/contract/specs/checkout-fragments/nas_spec/components/parameters/ckoIdempotencyKey.yaml).
 */
export const checkoutPaymentsClient = defineProcessorClient<CheckoutOptions>({
  processor: PROCESSOR,
  hosts: paymentsHosts,
  secrets: (options) => [options.secretKey, options.webhookSignatureKey],
  headers: (options) => () => ({ Authorization: paymentsAuthorization(options) }),
  idempotencyHeader: "Cko-Idempotency-Key",
  parseError: (_status, body) => {
    const parsed = paymentsErrorSchema.safeParse(body)
    if (!parsed.success) return {}
    const { error_type, error_codes } = parsed.data
    const codes = error_codes ?? []
    const message = [error_type, codes.join(", ")].filter(Boolean).join(": ")
    return { code: codes[0], type: error_type, message: message || undefined }
  },
})

/** A decline in a 2xx answer, as a ProcessorError the service classifies like any other. */
export function declined(status: number, label: string, code: string | undefined, summary: string | undefined): ProcessorError {
  return new ProcessorError({
    processor: PROCESSOR,
    kind: "http",
    status,
    code,
    type: "declined",
    processorMessage: summary ?? "Declined",
    message: `${label} was declined (${code ?? "no response code"}: ${summary ?? "Declined"})`,
  })
}

/** The unified Payments API: `/payments`, asynchronous captures, voids and refunds (202 + action id). */
export class PaymentsBackend implements CheckoutBackend {
  readonly api = "payments" as const
  readonly idField = "payment_id"
  readonly multipleCaptures = true
  private readonly http: HttpClient

  constructor(private readonly options: CheckoutOptions, logger: Logger) {
    this.http = checkoutPaymentsClient(options, logger)
  }

  /** Every payment URL goes through here: an id of another shape is refused before any request. */
  private path(paymentId: string, action?: string): string {
    return `/payments/${requirePathId(PROCESSOR, "payment id (payment_id)", paymentId, PAYMENT_ID)}${action ? `/${action}` : ""}`
  }

  async getPayment(paymentId: string): Promise<CheckoutPayment> {
    const res = await this.http.request({ method: "GET", path: this.path(paymentId) })
    return parseWire(paymentSchema, res.data, PROCESSOR, "payment")
  }

  async getActions(paymentId: string): Promise<PaymentAction[]> {
    const res = await this.http.request({ method: "GET", path: this.path(paymentId, "actions") })
    return parseWire(paymentActionsSchema, res.data, PROCESSOR, "payment actions")
  }

  /** No cheap list to read: a well-formed unknown payment answers 404 to valid credentials, 401 to wrong ones. */
  async ping(): Promise<void> {
    try {
      await this.http.request({ method: "GET", path: "/payments/pay_connectioncheckconnectioncheck" })
    } catch (error) {
      if (error instanceof ProcessorError && error.status === 404) return
      throw error
    }
  }

  async authorize(input: Parameters<CheckoutBackend["authorize"]>[0]) {
    const body = paymentRequest({ ...input, processingChannelId: this.options.processingChannelId })
    const res = await this.http.request({ method: "POST", path: "/payments", idempotencyKey: input.idempotencyKey, body })
    const created = parseWire(paymentResponseSchema, res.data, PROCESSOR, "payment")
    if (created.approved === false || created.status === "Declined") {
      throw declined(res.status, "POST /payments", created.response_code, created.response_summary)
    }
    const patch = createdPaymentData(created, input.amount, input.capture)
    // 202: the payment needs the customer (3D Secure, a redirect) before it is authorized.
    const status = res.status === 202 && patch.redirect_url ? PaymentSessionStatus.REQUIRES_MORE : paymentStatus(created.status, created.approved)
    return { status, patch }
  }

  async state(data: Record<string, unknown>) {
    const paymentId = requireField(data, "payment_id", PROCESSOR)
    const payment = await this.getPayment(paymentId)
    // Accounts of the previous structure return no balances: the captured total comes from the actions.
    const actions = payment.balances ? undefined : await this.getActions(paymentId)
    return {
      status: paymentStatus(payment.status, payment.approved),
      patch: paymentData(payment, actions),
      facts: paymentFacts(payment),
    }
  }

  async capture(data: Record<string, unknown>, amount: ProcessorAmount, idempotencyKey: string) {
    const paymentId = requireField(data, "payment_id", PROCESSOR)
    const before = paymentMinor(data, "captured_minor", PROCESSOR, 0n)
    const body = captureRequest({ amount, before, authorized: paymentMinor(data, "amount_minor", PROCESSOR), idempotencyKey })
    const res = await this.http.request({ method: "POST", path: this.path(paymentId, "captures"), idempotencyKey, body })
    const accepted = parseWire(actionAcceptedSchema, res.data, PROCESSOR, "capture answer")
    return capturedData(data, before, amount, accepted.action_id)
  }

  async void(data: Record<string, unknown>, idempotencyKey: string) {
    const paymentId = requireField(data, "payment_id", PROCESSOR)
    const res = await this.http.request({
      method: "POST",
      path: this.path(paymentId, "voids"),
      idempotencyKey,
      body: voidRequest(idempotencyKey),
    })
    const accepted = parseWire(actionAcceptedSchema, res.data, PROCESSOR, "void answer")
    return { void_action_id: accepted.action_id, payment_status: "Voided" }
  }

  async refund({ data, plan, idempotencyKey, medusaRefundId, refund, ledgerCurrent }: SendRefundInput): Promise<SentRefund> {
    const paymentId = requireField(data, "payment_id", PROCESSOR)
    // Medusa's records already prove no earlier attempt is unknown; else look at the balances.
    if (!ledgerCurrent) await this.refuseWhileUnknownRefundPending(paymentId, data)
    const res = await this.http.request({
      method: "POST",
      path: this.path(paymentId, "refunds"),
      idempotencyKey,
      body: refundRequest({ amount: plan.amount, medusaRefundId, metadata: refundMetadata(medusaRefundId, refund, PAYMENTS_METADATA_VALUE_MAX) }),
    })
    const accepted = parseWire(actionAcceptedSchema, res.data, PROCESSOR, "refund answer")
    // 202 "Refund accepted" carries no amount or currency, and the refund is not among the actions until
    // processed: its figures reach the ledger from the actions (listProcessorRefunds) when it settles.
    return { processorRefundId: accepted.action_id, status: "pending" }
  }

  /**
   * Pending refunds are not among a payment's actions until processed, so the core's check of the
   * processor's refunds cannot see one sent by an earlier attempt whose Medusa refund was deleted
   * (core/provider.ts, reconcileBeforeRefund). Current accounts' balances count it: when Checkout.com holds more
   * refunded-or-pending than the ledger knows, refuse rather than risk refunding twice.
   */
  private async refuseWhileUnknownRefundPending(paymentId: string, data: Record<string, unknown>): Promise<void> {
    const balances = (await this.getPayment(paymentId)).balances
    if (balances?.total_captured === undefined || balances.available_to_refund === undefined) return
    const atCheckout = BigInt(balances.total_captured) - BigInt(balances.available_to_refund)
    const inLedger = paymentMinor(data, "refunded_minor", PROCESSOR, 0n)
    if (atCheckout > inLedger) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Checkout.com holds ${atCheckout} minor units refunded or being refunded on this payment, but Medusa knows of ${inLedger}: ` +
          "a refund Medusa does not know is still being processed (an earlier attempt, or one from the dashboard). " +
          "Wait a few minutes until it settles, read the payment again (Sync), then refund what remains."
      )
    }
  }

  async refunds(data: Record<string, unknown>): Promise<CheckoutRefundView[]> {
    const paymentId = requireField(data, "payment_id", PROCESSOR)
    return refundViews(await this.getActions(paymentId))
  }
}
