import { MedusaError } from "@medusajs/framework/utils"
import { ProcessorError } from "../../core/errors"
import type { HttpClient, Logger } from "../../core/http"
import type { ProcessorAmount } from "../../core/money/convert"
import { baseUrlFor } from "../../core/options"
import { requireField } from "../../core/payment-data"
import { defineProcessorClient } from "../../core/processor-client"
import type { SendRefundInput, SentRefund } from "../../core/provider"
import { refundReturnOf } from "../../core/return-items"
import { requirePathId } from "../../core/session-trust"
import { parseWire } from "../../core/wire"
import { declined } from "./api-payments"
import type { CheckoutBackend, CheckoutRefundView } from "./backend"
import { udfFields, type CheckoutOptions } from "./options"
import { refundMetadata } from "./transformers"
import {
  CLASSIC_LIMITS,
  authorizedChargeData,
  captureChargeOf,
  chargeApproved,
  chargeFacts,
  chargeRequest,
  chargeValue,
  classicCaptureRequest,
  classicProducts,
  classicRefundRequest,
  classicRefundViews,
  classicStatus,
  classicVoidRequest,
  sentClassicRefund,
} from "./transformers-classic"
import { classicChargeSchema, classicErrorSchema, classicHistorySchema, type ClassicCharge } from "./wire-classic"

const PROCESSOR = "Checkout.com"

/**
 * Classic charge ids: `charge_` or `charge_test_` and an upper-case alphanumeric code (20 characters
 * in every documented example, `charge_test_8C5A496E242M73BD0AE1`; a little slack as no spec fixes it).
 */
export const CHARGE_ID = /^charge_(?:test_)?[A-Za-z0-9]{16,32}$/

/** A charge's URL; an id of another shape is refused before any request. */
function chargePath(field: string, chargeId: string, action?: string): string {
  return `/v2/charges/${requirePathId(PROCESSOR, `charge id (${field})`, chargeId, CHARGE_ID)}${action ? `/${action}` : ""}`
}

/**
 * Classic hosts (checkout-java-library AppSettings, checkout-php-library AppSetting):
 * live `https://api2.checkout.com/v2`, sandbox `https://sandbox.checkout.com/api2/v2`. Paths carry
 * the `/v2`, so an emulator or proxy base URL serves them under `/v2/charges…`.
 */
export const CLASSIC_HOSTS = { sandbox: "https://sandbox.checkout.com/api2", production: "https://api2.checkout.com" } as const

/** The base URL the classic client is built with (a custom `environment` URL replaces the hosts). */
export function classicBaseUrl(options: Pick<CheckoutOptions, "environment">): string {
  return baseUrlFor(options.environment, CLASSIC_HOSTS)
}

/**
 * The classic client: the raw secret key as `Authorization` (options.ts, `authScheme`), no idempotency header
 * (none is documented, so writes are never retried), errors as wire-classic.ts `classicErrorSchema` reads them.
 */
export const checkoutClassicClient = defineProcessorClient<CheckoutOptions>({
  processor: PROCESSOR,
  hosts: CLASSIC_HOSTS,
  secrets: (options) => [options.secretKey, options.webhookSignatureKey],
  headers: (options) => () => ({ Authorization: options.secretKey }),
  parseError: (_status, body) => {
    const parsed = classicErrorSchema.safeParse(body)
    if (!parsed.success) return {}
    const { errorCode, message, errors } = parsed.data
    const text = [message, ...(errors ?? [])].filter(Boolean).join(": ")
    return { code: errorCode, message: text || undefined }
  },
})

/**
 * The classic v2 Charges API. Every action makes a new charge id: the payment data keeps the
 * authorization's `charge_id`, the capture's `capture_charge_id` (refunds go against it) and the
 * void's `void_charge_id`. With automatic capture the answer names the authorization, which "cannot be
 * used for refunds" (docs, "Refund a payment"): the capture charge is looked up in the charge history.
 * The API has no documented idempotency header, so writes are never retried automatically; before a
 * refund the core reads the charge history (reconcileBeforeRefund) and records a refund whose trackId is our Medusa
 * refund id instead of sending it again.
 */
export class ClassicBackend implements CheckoutBackend {
  readonly api = "classic" as const
  readonly idField = "charge_id"
  readonly multipleCaptures = false
  private readonly http: HttpClient
  private readonly udf: Record<string, string>

  constructor(options: CheckoutOptions, private readonly logger: Logger) {
    this.udf = udfFields(options)
    this.http = checkoutClassicClient(options, logger)
  }

  /** A write; a decline in its 200 answer is thrown unless `declines` is "return" (refunds record theirs). */
  private async post(path: string, body: unknown, label: string, declines: "throw" | "return" = "throw"): Promise<ClassicCharge> {
    const res = await this.http.request({ method: "POST", path, body })
    const charge = parseWire(classicChargeSchema, res.data, PROCESSOR, "charge")
    if (declines === "throw" && !chargeApproved(charge)) throw declined(res.status, label, charge.responseCode, charge.responseMessage ?? undefined)
    return charge
  }

  async getCharge(chargeId: string): Promise<ClassicCharge> {
    const res = await this.http.request({ method: "GET", path: chargePath("charge_id", chargeId) })
    return parseWire(classicChargeSchema, res.data, PROCESSOR, "charge")
  }

  async history(chargeId: string): Promise<ClassicCharge[]> {
    const res = await this.http.request({ method: "GET", path: chargePath("charge_id", chargeId, "history") })
    return parseWire(classicHistorySchema, res.data, PROCESSOR, "charge history").charges
  }

  /** No cheap list to read: a well-formed unknown charge answers 404 to valid credentials, 401 to wrong ones. */
  async ping(): Promise<void> {
    try {
      await this.http.request({ method: "GET", path: "/v2/charges/charge_test_connectioncheck0000" })
    } catch (error) {
      if (error instanceof ProcessorError && error.status === 404) return
      throw error
    }
  }

  async authorize(input: Parameters<CheckoutBackend["authorize"]>[0]) {
    const charge = await this.post("/v2/charges/token", chargeRequest({ ...input, udf: this.udf }), "POST /v2/charges/token")
    // With autoCapture this is the authorization: the capture charge refunds go against is found in the
    // history when first needed (captureChargeId).
    return { status: classicStatus(charge), patch: authorizedChargeData(charge) }
  }

  async state(data: Record<string, unknown>) {
    const charge = await this.getCharge(requireField(data, "charge_id", PROCESSOR))
    return {
      status: classicStatus(charge),
      patch: { charge_status: charge.status },
      facts: chargeFacts(charge),
    }
  }

  async capture(data: Record<string, unknown>, amount: ProcessorAmount, idempotencyKey: string) {
    const chargeId = requireField(data, "charge_id", PROCESSOR)
    const full = amount.minor === String(data.amount_minor)
    const record = await this.post(chargePath("charge_id", chargeId, "capture"), classicCaptureRequest({ amount, full, idempotencyKey, udf: this.udf }), "capture")
    // The money moved: keep Checkout.com's figure and say so when it is not what was asked.
    if (chargeValue(record) !== amount.minor || record.currency.toLowerCase() !== amount.currency) {
      this.logger.error(
        `[${PROCESSOR}] capture ${record.id} of ${chargeId}: Checkout.com captured ${chargeValue(record)} ${record.currency} (minor units) where ${amount.minor} ${amount.currency.toUpperCase()} was asked; recorded as Checkout.com says`
      )
    }
    return { capture_charge_id: record.id, captured_minor: chargeValue(record), charge_status: "Captured" }
  }

  async void(data: Record<string, unknown>, idempotencyKey: string) {
    const chargeId = requireField(data, "charge_id", PROCESSOR)
    const record = await this.post(chargePath("charge_id", chargeId, "void"), classicVoidRequest({ idempotencyKey, udf: this.udf }), "void")
    return { void_charge_id: record.id, charge_status: "Voided" }
  }

  async refund({ data, plan, medusaRefundId, refund }: SendRefundInput): Promise<SentRefund> {
    const capture = await this.captureChargeId(data)
    const products = this.returnedProducts(refund, plan.amount.currency, medusaRefundId)
    // No idempotency header: the core has read the history first (reconcileBeforeRefund), so a refund
    // whose answer was lost is found by its trackId and recorded instead of sent twice.
    const record = await this.post(
      chargePath("capture_charge_id", capture.id, "refund"),
      classicRefundRequest({
        amount: plan.amount,
        omitValue: plan.untouched,
        medusaRefundId,
        description: refund.note || refund.reasonLabel || undefined,
        metadata: refundMetadata(medusaRefundId, refund, CLASSIC_LIMITS.metadataValue),
        products,
        udf: this.udf,
      }),
      "refund",
      "return"
    )
    return sentClassicRefund(record, capture.found ? { capture_charge_id: capture.id } : undefined)
  }

  /** The returned items of a refund of a Medusa return (refund metadata, src/core/return-items.ts) as classic `products`. */
  private returnedProducts(refund: SendRefundInput["refund"], currency: string, medusaRefundId: string | undefined) {
    const returned = refundReturnOf(refund as { metadata?: unknown }, this.logger, `refund ${medusaRefundId ?? ""}`.trim())
    if (!returned?.items.length) return undefined
    const { products, skipped } = classicProducts(returned.items, currency)
    if (skipped) {
      this.logger.warn(`[${PROCESSOR}] refund ${medusaRefundId ?? ""}: ${skipped} returned line(s) not sent as products (a fractional quantity, an unsendable price, or over ${CLASSIC_LIMITS.products} lines)`)
    }
    return products
  }

  /**
   * The charge refunds go against: the capture's. Payments captured automatically (and data written before
   * this lookup existed, which stored the authorization's id) find it in the history: the approved
   * `Captured` charge whose originalId is the authorization.
   */
  private async captureChargeId(data: Record<string, unknown>): Promise<{ id: string; found: boolean }> {
    const chargeId = requireField(data, "charge_id", PROCESSOR)
    const stored = data.capture_charge_id
    if (typeof stored === "string" && stored !== chargeId) return { id: stored, found: false }
    const capture = captureChargeOf(await this.history(chargeId), chargeId)
    if (!capture) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Checkout.com's history of charge ${chargeId} holds no capture yet, and the authorization's id cannot be refunded. ` +
          "An automatic capture may still be pending (autoCapTime): refund once the capture shows in the Checkout.com Hub."
      )
    }
    return { id: capture.id, found: true }
  }

  async refunds(data: Record<string, unknown>): Promise<CheckoutRefundView[]> {
    return classicRefundViews(await this.history(requireField(data, "charge_id", PROCESSOR)))
  }
}
