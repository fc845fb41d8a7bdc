import { MedusaError, PaymentSessionStatus } from "@medusajs/framework/utils"
import { HttpClient, type Logger } from "../../core/http"
import { wireAmount, type ProcessorAmount } from "../../core/money/convert"
import { baseUrlFor } from "../../core/options"
import { requireField } from "../../core/payment-data"
import type { SendRefundInput, SentRefund } from "../../core/provider"
import { requirePathId } from "../../core/session-trust"
import { parseWire } from "../../core/wire"
import { declined } from "./api-payments"
import type { CheckoutBackend, CheckoutRefundView } from "./backend"
import { udfFields, type CheckoutOptions } from "./options"
import { isApprovedCode, refundMetadata, sessionRefOf } from "./transformers"
import { chargeRequest, chargeValue, classicRefundRequest, classicRefundViews, classicStatus, trackId } from "./transformers-classic"
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
export function classicBaseUrl(options: Pick<CheckoutOptions, "environment">): string {
  return baseUrlFor(options.environment, { sandbox: "https://sandbox.checkout.com/api2", production: "https://api2.checkout.com" })
}

/**
 * The classic v2 Charges API. Every action makes a new charge id: the payment data keeps the
 * authorization's `charge_id`, the capture's `capture_charge_id` (refunds go against it) and the
 * void's `void_charge_id`. The API has no documented idempotency header, so writes are never
 * retried automatically; before a refund the core reads the charge history (reconcileBeforeRefund)
 * and adopts a refund whose trackId is our Medusa refund id instead of sending it again.
 */
export class ClassicBackend implements CheckoutBackend {
  readonly api = "classic" as const
  readonly idField = "charge_id"
  readonly multipleCaptures = false
  readonly http: HttpClient
  private readonly udf: Record<string, string>

  constructor(options: CheckoutOptions, logger: Logger) {
    this.udf = udfFields(options)
    this.http = new HttpClient({
      processor: PROCESSOR,
      baseURL: classicBaseUrl(options),
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      logger,
      secrets: [options.secretKey, options.webhookSignatureKey],
      headers: () => ({ Authorization: options.secretKey }),
      parseError: (_status, body) => {
        const parsed = classicErrorSchema.safeParse(body)
        if (!parsed.success) return {}
        const { errorCode, message, errors } = parsed.data
        const text = [message, ...(errors ?? [])].filter(Boolean).join(": ")
        return { code: errorCode, message: text || undefined }
      },
    })
  }

  private async post(path: string, body: unknown, label: string): Promise<ClassicCharge> {
    const res = await this.http.request({ method: "POST", path, body })
    const charge = parseWire(classicChargeSchema, res.data, PROCESSOR, "charge")
    if (!isApprovedCode(charge.responseCode ?? "10000") || charge.status.toLowerCase() === "declined") {
      throw declined(res.status, label, charge.responseCode, charge.responseMessage ?? undefined)
    }
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

  async authorize(input: Parameters<CheckoutBackend["authorize"]>[0]) {
    const charge = await this.post("/v2/charges/token", chargeRequest({ ...input, udf: this.udf }), "POST /v2/charges/token")
    const status = classicStatus(charge)
    const captured = status === PaymentSessionStatus.CAPTURED
    return {
      status,
      patch: {
        charge_id: charge.id,
        charge_status: charge.status,
        captured_minor: captured ? chargeValue(charge) : "0",
        // With autoCapture the charge itself is the captured one that refunds go against.
        ...(captured ? { capture_charge_id: charge.id } : {}),
      },
    }
  }

  async state(data: Record<string, unknown>) {
    const charge = await this.getCharge(requireField(data, "charge_id", PROCESSOR))
    return {
      status: classicStatus(charge),
      patch: { charge_status: charge.status },
      facts: { id: charge.id, sessionRef: sessionRefOf(charge.trackId, charge.metadata), currency: charge.currency, amountMinor: chargeValue(charge) },
    }
  }

  async capture(data: Record<string, unknown>, amount: ProcessorAmount, idempotencyKey: string) {
    const chargeId = requireField(data, "charge_id", PROCESSOR)
    const full = amount.minor === String(data.amount_minor)
    const record = await this.post(
      chargePath("charge_id", chargeId, "capture"),
      { ...(full ? {} : { value: wireAmount.minorInteger(amount) }), trackId: trackId(idempotencyKey), ...this.udf },
      "capture"
    )
    return { capture_charge_id: record.id, captured_minor: chargeValue(record), charge_status: "Captured" }
  }

  async void(data: Record<string, unknown>, idempotencyKey: string) {
    const chargeId = requireField(data, "charge_id", PROCESSOR)
    const record = await this.post(chargePath("charge_id", chargeId, "void"), { trackId: trackId(idempotencyKey), ...this.udf }, "void")
    return { void_charge_id: record.id, charge_status: "Voided" }
  }

  async refund({ data, plan, medusaRefundId, refund }: SendRefundInput): Promise<SentRefund> {
    const chargeId = requireField(data, "charge_id", PROCESSOR)
    const captureChargeId = requireField(data, "capture_charge_id", PROCESSOR)
    // No idempotency header: the core has read the history first (reconcileBeforeRefund), so a refund
    // whose answer was lost is adopted by its trackId instead of sent twice.
    const record = await this.post(
      chargePath("capture_charge_id", captureChargeId, "refund"),
      classicRefundRequest({
        amount: plan.amount,
        omitValue: plan.untouched,
        medusaRefundId,
        description: refund.note ?? refund.reasonLabel ?? undefined,
        metadata: refundMetadata(medusaRefundId, refund),
        udf: this.udf,
      }),
      "refund"
    )
    if (chargeValue(record) !== plan.amount.minor) {
      throw new MedusaError(
        MedusaError.Types.UNEXPECTED_STATE,
        `Checkout.com refunded ${chargeValue(record)} minor units where ${plan.amount.minor} were planned (refund charge ${record.id} of ${chargeId}). Check the charge at Checkout.com.`
      )
    }
    return { processorRefundId: record.id, status: "succeeded" }
  }

  async refunds(data: Record<string, unknown>): Promise<CheckoutRefundView[]> {
    return classicRefundViews(await this.history(requireField(data, "charge_id", PROCESSOR)))
  }
}
