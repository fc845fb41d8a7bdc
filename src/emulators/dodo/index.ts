/**
 * Stateful emulator of the Dodo Payments API: products, checkout sessions that a (simulated)
 * customer pays, payments with line items and taxes, item-level refunds with refundable balances
 * and Dodo's error codes, refunds that end in succeeded, review or failed, and Standard Webhooks
 * signed deliveries to a configured URL.
 *
 * Sources, cited at each rule:
 * - "seed 003 l.N": the Create Refund page, docs.dodopayments.com/api-reference/refunds/post-refunds
 *   (its OpenAPI 1.102.0 for POST /refunds), line N of the copy the project was built from; the
 *   excerpt is in test/conformance/dodo/fixtures/create-refund.seed.yml;
 * - "spec <METHOD path> (<operationId>)": the official OpenAPI 1.53.2 (github dodopayments/dodo-docs
 *   openapi/openapi.documented.yml @ 2570212d81c9);
 * - "error codes": docs.dodopayments.com/api-reference/error-codes (code and message);
 * - "SDK": the official npm package dodopayments 2.52.0 (its routes and the fields its types require).
 * Where the documents are silent the choice is ours: search this file for "CHOICE:" and see
 * src/emulators/README.md ("Our choices").
 */
import { Webhook } from "standardwebhooks"
import { EmulatorServer, isJsonContentType, type EmulatorRequest, type EmulatorResponse, type RouteHandler } from "../core/server"
import { randomString } from "../core/ids"
import { answeringRefusals, bearerKeyOf } from "../core/refusal"
import { DODO_CURRENCIES } from "./currencies"
import { DodoRequestError, dodoError, fail, invalidBody, notFound } from "./errors"
import type {
  DodoCheckoutCartItem,
  DodoCheckoutSession,
  DodoCheckoutSessionStatus,
  DodoCustomer,
  DodoEventType,
  DodoIntentStatus,
  DodoPayment,
  DodoPaymentLineItem,
  DodoPaymentLineItems,
  DodoPaymentListItem,
  DodoProduct,
  DodoRefund,
  DodoRefundListItem,
  DodoRefundStatus,
  DodoTaxCategory,
  DodoWebhookDelivery,
  DodoWebhookPayload,
} from "./types"

export * from "./types"
export { DODO_CURRENCIES } from "./currencies"

export const DEFAULT_DODO_API_KEY = "emulator_dodo_key"
/** A pay-what-you-want, tax-inclusive one-time product every emulator starts with. */
export const DEFAULT_DODO_PRODUCT_ID = "pdt_emulator_pay_what_you_want"
/** Standard Webhooks secret (whsec_ + base64 of 32 bytes) the emulator signs with by default. */
export const DEFAULT_DODO_WEBHOOK_SECRET = `whsec_${Buffer.from("dodo-emulator-webhook-secret-key!").toString("base64")}`
export const DODO_BUSINESS_ID = "bus_emulator00000000001"
/** CHOICE: the SDK's `payment_provider` ("stripe" | "adyen" | "dodo") is undocumented; the emulator says "dodo". */
const PAYMENT_PROVIDER = "dodo"

/** Largest int32: Dodo's amount fields are `format: int32` (seed 003 l.236, l.286). */
export const DODO_MAX_AMOUNT = 2_147_483_647

export interface DodoEmulatorOptions {
  /** Accepted `Authorization: Bearer` keys. Default `["emulator_dodo_key"]`. */
  apiKeys?: string[]
  /** Where webhooks are POSTed. Without it they are only recorded (see webhookDeliveries()). */
  webhookUrl?: string
  /** Standard Webhooks secret (`whsec_<base64>`). Default DEFAULT_DODO_WEBHOOK_SECRET. */
  webhookSecret?: string
  /** Tax rate in basis points applied to every line (default 1000 = 10%). */
  taxBasisPoints?: number
  /** Status new refunds take (default "succeeded"); queueRefundOutcome() overrides one refund at a time. */
  refundOutcome?: DodoRefundStatus
  /** Days after payment creation refunds are refused with REFUND_WINDOW_EXPIRED (default 90). */
  refundWindowDays?: number
}

export interface PayOptions {
  /** Final state of the payment (default "succeeded"). */
  status?: Extract<DodoIntentStatus, "succeeded" | "failed" | "processing" | "cancelled" | "requires_customer_action">
  /** What the customer types for pay-what-you-want lines the session left open (per product id). */
  amounts?: Record<string, number>
  customer?: { name?: string; email?: string }
}

const ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const dodoId = (prefix: string): string => `${prefix}_${randomString(21, ID_ALPHABET)}`

const TAX_CATEGORIES: readonly DodoTaxCategory[] = ["digital_products", "saas", "e_book", "edtech"]
/** RefundStatus (seed 003 l.472-478). */
const REFUND_STATUSES: readonly DodoRefundStatus[] = ["succeeded", "failed", "pending", "review"]
/** CreateRefundRequest's fields (seed 003 l.195-219): no top-level amount; partial refunds name items. */
const REFUND_REQUEST_FIELDS: ReadonlySet<string> = new Set(["payment_id", "items", "metadata", "reason"])
/** IntentStatus (spec GET /payments list_payments_handler, `status`). */
const INTENT_STATUSES: readonly DodoIntentStatus[] = [
  "succeeded",
  "failed",
  "cancelled",
  "processing",
  "requires_customer_action",
  "requires_merchant_action",
  "requires_payment_method",
  "requires_confirmation",
  "requires_capture",
  "partially_captured",
  "partially_captured_and_capturable",
]

interface LineState extends DodoPaymentLineItem {
  /** Tax rate of the line as a fraction tax / (amount - tax), kept to add tax to tax-exclusive refunds. */
  net: number
}

interface PaymentState {
  payment: DodoPayment
  lines: LineState[]
}

interface RefundState {
  refund: DodoRefund
  /** What each line gave to this refund (tax included), restored if the refund fails. */
  taken: Array<{ items_id: string; amount: number }>
}

/** Half-up integer division of non-negative integers (no float rounding on the money path). */
function divRound(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator)
}

export class DodoEmulator extends EmulatorServer {
  readonly apiKeys: readonly string[]
  readonly taxBasisPoints: number
  readonly refundWindowDays: number
  private webhookUrl: string | undefined
  private readonly webhookSecret: string
  private readonly defaultRefundOutcome: DodoRefundStatus

  private products = new Map<string, DodoProduct>()
  private sessions = new Map<string, DodoCheckoutSession>()
  private payments = new Map<string, PaymentState>()
  private refunds = new Map<string, RefundState>()
  private outcomes: DodoRefundStatus[] = []
  private deliveries: DodoWebhookDelivery[] = []
  private inflight = new Set<Promise<void>>()

  constructor(opts: DodoEmulatorOptions = {}) {
    super()
    this.apiKeys = opts.apiKeys?.length ? [...opts.apiKeys] : [DEFAULT_DODO_API_KEY]
    this.webhookUrl = opts.webhookUrl
    this.webhookSecret = opts.webhookSecret ?? DEFAULT_DODO_WEBHOOK_SECRET
    this.taxBasisPoints = opts.taxBasisPoints ?? 1000
    this.defaultRefundOutcome = opts.refundOutcome ?? "succeeded"
    this.refundWindowDays = opts.refundWindowDays ?? 90
    this.seedProducts()

    this.route("POST", "/products", this.safe((req) => this.createProductRoute(req)))
    this.route("GET", "/products/:id", this.safe((req) => this.retrieveProductRoute(req)))
    this.route("POST", "/checkouts", this.safe((req) => this.createCheckout(req)))
    this.route("GET", "/checkouts/:id", this.safe((req) => this.retrieveCheckoutRoute(req)))
    this.route("GET", "/payments", this.safe((req) => this.listPaymentsRoute(req)))
    this.route("GET", "/payments/:id", this.safe((req) => this.retrievePaymentRoute(req)))
    this.route("GET", "/payments/:id/line-items", this.safe((req) => this.lineItemsRoute(req)))
    this.route("POST", "/refunds", this.safe((req) => this.createRefund(req)))
    this.route("GET", "/refunds", this.safe((req) => this.listRefundsRoute(req)))
    this.route("GET", "/refunds/:id", this.safe((req) => this.retrieveRefundRoute(req)))
    // The hosted checkout page the customer visits (checkout_url). Not part of Dodo's API: no auth.
    this.route("GET", "/checkout/:id", this.safe((req) => this.checkoutPage(req)))
    this.route("POST", "/checkout/:id/pay", this.safe((req) => this.payRoute(req)))
  }

  // ---------------------------------------------------------------- test API

  /** Where webhooks go from now on (undefined: record only). */
  setWebhookUrl(url: string | undefined): void {
    this.webhookUrl = url
  }

  /** Adds a one-time product, as the dashboard or POST /products would. */
  createProduct(input: {
    price: number
    currency: string
    payWhatYouWant?: boolean
    taxInclusive?: boolean
    name?: string
    productId?: string
  }): DodoProduct {
    const now = new Date().toISOString()
    const product: DodoProduct = {
      product_id: input.productId ?? dodoId("pdt"),
      business_id: DODO_BUSINESS_ID,
      brand_id: DODO_BUSINESS_ID,
      created_at: now,
      updated_at: now,
      is_recurring: false,
      license_key_enabled: false,
      metadata: {},
      name: input.name ?? null,
      description: null,
      image: null,
      price: {
        type: "one_time_price",
        price: input.price,
        currency: input.currency.toUpperCase(),
        discount: 0,
        purchasing_power_parity: false,
        pay_what_you_want: input.payWhatYouWant ?? false,
        suggested_price: null,
        tax_inclusive: input.taxInclusive ?? true,
      },
      tax_category: "digital_products",
      addons: null,
    }
    this.products.set(product.product_id, product)
    return structuredClone(product)
  }

  checkoutSession(id: string): DodoCheckoutSession | undefined {
    const session = this.sessions.get(id)
    return session && structuredClone(session)
  }

  listCheckoutSessions(): DodoCheckoutSession[] {
    return [...this.sessions.values()].map((s) => structuredClone(s))
  }

  /**
   * The customer pays a checkout session (what submitting Dodo's hosted page does). Creates the
   * payment with its line items and taxes and sends payment.<status>. Throws if the session is
   * unknown or already made its payment.
   */
  pay(sessionId: string, opts: PayOptions = {}): DodoPayment {
    const res = this.payNow(sessionId, opts)
    if (res.status !== 200) throw new Error(`Dodo emulator: cannot pay ${sessionId}: ${JSON.stringify(res.body)}`)
    return res.body as DodoPayment
  }

  /** Moves a payment to another status (e.g. processing → succeeded) and sends the matching webhook. */
  setPaymentStatus(paymentId: string, status: DodoIntentStatus): DodoPayment {
    const state = this.payments.get(paymentId)
    if (!state) throw new Error(`Dodo emulator: no payment ${paymentId}`)
    state.payment.status = status
    state.payment.updated_at = new Date().toISOString()
    const event = paymentEvent(status)
    if (event) this.emit(event, this.paymentBody(state))
    return this.paymentBody(state)
  }

  /** Makes a payment look `days` days older (for the refund window). */
  agePayment(paymentId: string, days: number): void {
    const state = this.payments.get(paymentId)
    if (!state) throw new Error(`Dodo emulator: no payment ${paymentId}`)
    state.payment.created_at = new Date(Date.parse(state.payment.created_at) - days * 86_400_000).toISOString()
  }

  /** The next refund created takes this status instead of the default (FIFO). */
  queueRefundOutcome(status: DodoRefundStatus): void {
    this.outcomes.push(status)
  }

  /** Ends a pending or review refund, restoring the lines' balances if it failed, and sends refund.<status>. */
  settleRefund(refundId: string, status: "succeeded" | "failed"): DodoRefund {
    const state = this.refunds.get(refundId)
    if (!state) throw new Error(`Dodo emulator: no refund ${refundId}`)
    if (state.refund.status === "succeeded" || state.refund.status === "failed") {
      throw new Error(`Dodo emulator: refund ${refundId} already ${state.refund.status}`)
    }
    this.finishRefund(state, status)
    return structuredClone(state.refund)
  }

  getPayment(id: string): DodoPayment | undefined {
    const state = this.payments.get(id)
    return state && this.paymentBody(state)
  }

  /** Payments in creation order (oldest first). */
  listPayments(): DodoPayment[] {
    return [...this.payments.values()].map((s) => this.paymentBody(s))
  }

  lineItems(paymentId: string): DodoPaymentLineItems | undefined {
    const state = this.payments.get(paymentId)
    return state && this.lineItemsBody(state)
  }

  getRefund(id: string): DodoRefund | undefined {
    const state = this.refunds.get(id)
    return state && structuredClone(state.refund)
  }

  /** Refunds in creation order (oldest first), optionally of one payment. */
  listRefunds(paymentId?: string): DodoRefund[] {
    return [...this.refunds.values()]
      .filter((r) => paymentId === undefined || r.refund.payment_id === paymentId)
      .map((r) => structuredClone(r.refund))
  }

  /** How each refund took from the lines (tax included). */
  refundSplit(refundId: string): Array<{ items_id: string; amount: number }> | undefined {
    const state = this.refunds.get(refundId)
    return state && structuredClone(state.taken)
  }

  webhookDeliveries(): DodoWebhookDelivery[] {
    return this.deliveries.map((d) => structuredClone(d))
  }

  /** Resolves when every webhook POST in flight has been answered (or failed). */
  async flushWebhooks(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight])
  }

  /**
   * A signed webhook as Dodo would send it, without sending it: the exact body and the
   * Standard Webhooks headers. `at` sets webhook-timestamp (default now); `secret` signs with
   * another secret (rotation tests).
   */
  signedWebhook(
    type: DodoEventType,
    object: DodoPayment | DodoRefund,
    opts: { at?: Date; secret?: string; webhookId?: string } = {}
  ): { webhookId: string; headers: Record<string, string>; body: string; payload: DodoWebhookPayload } {
    const payloadType = "payment_id" in object && "refund_id" in object ? "Refund" : "Payment"
    const payload = {
      business_id: DODO_BUSINESS_ID,
      type,
      timestamp: new Date().toISOString(),
      data: { ...structuredClone(object), payload_type: payloadType },
    } as DodoWebhookPayload
    const body = JSON.stringify(payload)
    const webhookId = opts.webhookId ?? dodoId("msg")
    const at = opts.at ?? new Date()
    const signature = new Webhook(opts.secret ?? this.webhookSecret).sign(webhookId, at, body)
    return {
      webhookId,
      body,
      payload,
      headers: {
        "content-type": "application/json",
        "webhook-id": webhookId,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": signature,
      },
    }
  }

  // ---------------------------------------------------------------- EmulatorServer hooks

  protected resetState(): void {
    this.products = new Map()
    this.sessions = new Map()
    this.payments = new Map()
    this.refunds = new Map()
    this.outcomes = []
    this.deliveries = []
    this.seedProducts()
  }

  protected stateSnapshot(): unknown {
    return {
      products: [...this.products.values()],
      checkoutSessions: this.listCheckoutSessions(),
      payments: this.listPayments(),
      lineItems: Object.fromEntries([...this.payments.keys()].map((id) => [id, this.lineItems(id)])),
      refunds: this.listRefunds(),
      webhooks: this.webhookDeliveries(),
    }
  }

  /**
   * Bearer auth on the API (seed 003 l.72-73, l.479-482; 401 UNAUTHORIZED: error codes), not on the
   * customer's checkout page; request bodies are application/json (seed 003 l.54-55).
   */
  protected guard(req: EmulatorRequest): EmulatorResponse | undefined {
    if (req.path.startsWith("/checkout/")) return undefined
    if (!this.apiKeyOf(req)) {
      return dodoError(401, "UNAUTHORIZED", "You are not authorised to perform this action")
    }
    // CHOICE: a POST body in another content type is refused (422) rather than guessed at.
    if (req.method === "POST" && req.rawBody.trim() !== "" && !isJsonContentType(req.headers["content-type"])) {
      return invalidBody("Content-Type must be application/json")
    }
    return undefined
  }

  protected notFound(_req: EmulatorRequest): EmulatorResponse {
    return notFound()
  }

  protected malformedJson(_req: EmulatorRequest): EmulatorResponse {
    return invalidBody("malformed JSON")
  }

  protected internalError(_req: EmulatorRequest, err: unknown): EmulatorResponse {
    return dodoError(500, "INTERNAL_SERVER_ERROR", `Emulator internal error: ${err instanceof Error ? err.message : String(err)}`)
  }

  // ---------------------------------------------------------------- plumbing

  private apiKeyOf(req: EmulatorRequest): string | undefined {
    return bearerKeyOf(req, this.apiKeys)
  }

  private safe(handler: RouteHandler): RouteHandler {
    return answeringRefusals(handler)
  }

  private seedProducts(): void {
    this.createProduct({
      productId: DEFAULT_DODO_PRODUCT_ID,
      name: "Order payment (pay what you want)",
      price: 1,
      currency: "USD",
      payWhatYouWant: true,
      taxInclusive: true,
    })
  }

  private checkoutUrl(sessionId: string): string {
    let base = "http://127.0.0.1"
    try {
      base = this.url
    } catch {
      // not listening (unit use of pay()): a relative-looking URL is enough
    }
    return `${base}/checkout/${sessionId}`
  }

  // ---------------------------------------------------------------- products

  /** Spec POST /products (create_product); GET /products/{id} (get_product_handler). */
  private createProductRoute(req: EmulatorRequest): EmulatorResponse {
    const b = object(req.body, "body")
    const taxCategory = b.tax_category
    if (typeof taxCategory !== "string" || !(TAX_CATEGORIES as readonly string[]).includes(taxCategory)) {
      fail(invalidBody("tax_category must be one of " + TAX_CATEGORIES.join(", ")))
    }
    const price = object(b.price, "price")
    // CHOICE: only one-time prices; subscriptions and usage-based prices are out of scope.
    if (price.type !== "one_time_price") fail(invalidBody("price.type: only one_time_price is emulated"))
    const amount = int32(price.price, "price.price")
    const currency = currencyOf(price.currency, "price.currency")
    if (typeof price.discount !== "number" || typeof price.purchasing_power_parity !== "boolean") {
      fail(invalidBody("price.discount and price.purchasing_power_parity are required"))
    }
    const product = this.createProduct({
      price: amount,
      currency,
      payWhatYouWant: optionalBool(price.pay_what_you_want, "price.pay_what_you_want") ?? false,
      taxInclusive: optionalBool(price.tax_inclusive, "price.tax_inclusive") ?? false,
      name: typeof b.name === "string" ? b.name : undefined,
    })
    const stored = this.products.get(product.product_id)!
    stored.tax_category = taxCategory as DodoTaxCategory
    if (b.metadata !== undefined) stored.metadata = metadataOf(b.metadata)
    return { status: 200, body: structuredClone(stored) }
  }

  private retrieveProductRoute(req: EmulatorRequest): EmulatorResponse {
    const product = this.products.get(req.params.id ?? "")
    if (!product) return notFound("Product")
    return { status: 200, body: structuredClone(product) }
  }

  // ---------------------------------------------------------------- checkout sessions

  /**
   * Spec POST /checkouts (create_session): CreateCheckoutSessionRequest in, CreateSessionResponse
   * `{session_id, checkout_url}` out. Error codes and messages: error codes.
   */
  private createCheckout(req: EmulatorRequest): EmulatorResponse {
    const b = object(req.body, "body")
    if (!Array.isArray(b.product_cart)) fail(invalidBody("product_cart is required"))
    if (b.product_cart.length === 0) return dodoError(400, "PRODUCT_CART_EMTPY", "product_cart is empty")
    const cart: DodoCheckoutCartItem[] = []
    const seen = new Set<string>()
    for (const [i, raw] of (b.product_cart as unknown[]).entries()) {
      const item = object(raw, `product_cart[${i}]`)
      if (typeof item.product_id !== "string" || item.product_id === "") fail(invalidBody(`product_cart[${i}].product_id is required`))
      const quantity = int32(item.quantity, `product_cart[${i}].quantity`)
      const amount = item.amount === undefined || item.amount === null ? null : int32(item.amount, `product_cart[${i}].amount`)
      const product = this.products.get(item.product_id)
      if (!product) {
        return dodoError(404, "NOT_FOUND", `Product ${item.product_id} not found`)
      }
      // CHOICE: a product twice in one cart is refused (refunds address lines by product id).
      if (seen.has(product.product_id)) fail(invalidBody(`product ${product.product_id} appears twice in product_cart`))
      seen.add(product.product_id)
      // CHOICE: quantity 0 is refused for one-time products (the spec allows 0; it would make an empty line).
      if (quantity < 1) fail(invalidBody(`product_cart[${i}].quantity must be at least 1`))
      if (product.price.pay_what_you_want && amount !== null && amount < product.price.price) {
        return dodoError(400, "REQUEST_AMOUNT_BELOW_MINIMUM", "Amount cannot be less than minimum amount specified for the product")
      }
      cart.push({ product_id: product.product_id, quantity, amount: product.price.pay_what_you_want ? amount : null })
    }
    const metadata = b.metadata === undefined || b.metadata === null ? {} : metadataOf(b.metadata)
    let billingCurrency: string | null = null
    if (b.billing_currency !== undefined && b.billing_currency !== null) billingCurrency = currencyOf(b.billing_currency, "billing_currency")
    const currencies = new Set(cart.map((c) => this.products.get(c.product_id)!.price.currency))
    if (!billingCurrency && currencies.size > 1) {
      // CHOICE: a cart mixing currencies needs billing_currency (adaptive pricing).
      return dodoError(400, "UNSUPPORTED_CURRENCY", "Currency Not Supported")
    }
    let customer: DodoCheckoutSession["customer"] = null
    if (b.customer !== undefined && b.customer !== null) {
      const c = object(b.customer, "customer")
      if (typeof c.customer_id === "string") customer = { customer_id: c.customer_id }
      else if (typeof c.email === "string" && typeof c.name === "string") customer = { email: c.email, name: c.name }
      else fail(invalidBody("customer needs customer_id, or name and email"))
    }
    const flags: Record<string, boolean> = {}
    if (b.feature_flags !== undefined) {
      for (const [k, v] of Object.entries(object(b.feature_flags, "feature_flags"))) {
        if (typeof v !== "boolean") fail(invalidBody(`feature_flags.${k} must be a boolean`))
        flags[k] = v
      }
    }
    if (b.return_url !== undefined && b.return_url !== null && typeof b.return_url !== "string") fail(invalidBody("return_url must be a string"))
    const sessionId = dodoId("cks")
    const session: DodoCheckoutSession = {
      session_id: sessionId,
      checkout_url: this.checkoutUrl(sessionId),
      created_at: new Date().toISOString(),
      product_cart: cart,
      metadata,
      billing_currency: billingCurrency,
      customer,
      return_url: (b.return_url as string | null | undefined) ?? null,
      feature_flags: flags,
      payment_id: null,
    }
    this.sessions.set(sessionId, session)
    return { status: 200, body: { session_id: sessionId, checkout_url: session.checkout_url } }
  }

  /**
   * GET /checkouts/{id}: from the SDK (`checkoutSessions.retrieve`, type CheckoutSessionStatus); not in spec
   * 1.53.2. The customer's name and email "prefers payment's customer, falls back to session" (SDK doc comment);
   * payment_id and payment_status are null until the customer pays.
   */
  private retrieveCheckoutRoute(req: EmulatorRequest): EmulatorResponse {
    const session = this.sessions.get(req.params.id ?? "")
    if (!session) return notFound("Checkout session")
    const payment = session.payment_id ? this.payments.get(session.payment_id)?.payment : undefined
    const body: DodoCheckoutSessionStatus = {
      id: session.session_id,
      created_at: session.created_at,
      customer_email: payment?.customer.email ?? session.customer?.email ?? null,
      customer_name: payment?.customer.name ?? session.customer?.name ?? null,
      payment_id: session.payment_id,
      payment_status: payment?.status ?? null,
    }
    return { status: 200, body }
  }

  /** The customer's page (not Dodo's API). */
  private checkoutPage(req: EmulatorRequest): EmulatorResponse {
    const session = this.sessions.get(req.params.id ?? "")
    if (!session) return notFound("Checkout session")
    return { status: 200, body: structuredClone(session) }
  }

  private payRoute(req: EmulatorRequest): EmulatorResponse {
    const b = req.body === undefined ? {} : object(req.body, "body")
    const status = b.status === undefined ? undefined : (String(b.status) as PayOptions["status"])
    return this.payNow(req.params.id ?? "", {
      status,
      amounts: b.amounts as Record<string, number> | undefined,
      customer: b.customer as PayOptions["customer"],
    })
  }

  private payNow(sessionId: string, opts: PayOptions): EmulatorResponse {
    const session = this.sessions.get(sessionId)
    if (!session) return notFound("Checkout session")
    if (session.payment_id) return dodoError(409, "CHECKOUT_SESSION_CONSUMED", "Checkout session has already been consumed")
    const status = opts.status ?? "succeeded"
    if (!(INTENT_STATUSES as readonly string[]).includes(status)) return invalidBody(`unknown payment status ${status}`)
    const currency = session.billing_currency ?? this.products.get(session.product_cart[0]!.product_id)!.price.currency
    const lines: LineState[] = []
    for (const item of session.product_cart) {
      const product = this.products.get(item.product_id)!
      let unit: number
      if (product.price.pay_what_you_want) {
        const chosen = item.amount ?? opts.amounts?.[product.product_id]
        if (chosen === undefined || chosen === null) {
          return dodoError(400, "PAY_AS_YOU_WANT_AMOUNT_REQUIRED", "Amount is mandatory for pay as you want product")
        }
        unit = chosen
      } else {
        // CHOICE: adaptive pricing is not emulated: a fixed price is charged as is, in the payment currency.
        unit = product.price.price
      }
      const gross = BigInt(unit) * BigInt(item.quantity)
      const bp = BigInt(this.taxBasisPoints)
      let amount: bigint
      let tax: bigint
      if (product.price.tax_inclusive) {
        amount = gross
        tax = divRound(gross * bp, 10_000n + bp)
      } else {
        tax = divRound(gross * bp, 10_000n)
        amount = gross + tax
      }
      if (amount > BigInt(DODO_MAX_AMOUNT)) return dodoError(400, "INTEGER_CONVERSION_FAILURE", "Integer Conversion Failure")
      lines.push({
        items_id: product.product_id,
        amount: Number(amount),
        tax: Number(tax),
        refundable_amount: Number(amount),
        name: product.name,
        description: product.description,
        net: Number(amount - tax),
      })
    }
    const total = lines.reduce((s, l) => s + l.amount, 0)
    const tax = lines.reduce((s, l) => s + l.tax, 0)
    if (total > DODO_MAX_AMOUNT) return dodoError(400, "INTEGER_CONVERSION_FAILURE", "Integer Conversion Failure")
    const now = new Date().toISOString()
    const customer: DodoCustomer = {
      customer_id: session.customer?.customer_id ?? dodoId("cus"),
      name: opts.customer?.name ?? session.customer?.name ?? "Emulator Customer",
      email: opts.customer?.email ?? session.customer?.email ?? "customer@example.com",
    }
    const failed = status === "failed"
    const payment: DodoPayment = {
      payment_id: dodoId("pay"),
      business_id: DODO_BUSINESS_ID,
      brand_id: DODO_BUSINESS_ID,
      status,
      total_amount: total,
      tax,
      currency,
      settlement_amount: total,
      settlement_currency: currency,
      settlement_tax: tax,
      created_at: now,
      updated_at: now,
      customer,
      billing: { city: "New York", country: "US", state: "NY", street: "1 Test Street", zipcode: "10001" },
      metadata: { ...session.metadata },
      product_cart: session.product_cart.map((c) => ({ product_id: c.product_id, quantity: c.quantity })),
      refunds: [],
      disputes: [],
      checkout_session_id: session.session_id,
      subscription_id: null,
      discount_id: null,
      payment_link: session.checkout_url,
      payment_method: "card",
      payment_method_type: "visa",
      card_last_four: "4242",
      card_network: "VISA",
      card_type: "CREDIT",
      card_issuing_country: "US",
      error_code: failed ? "CARD_DECLINED" : null,
      error_message: failed ? "The card was declined." : null,
      digital_products_delivered: false,
      // Required by the SDK's Payment type, absent from spec 1.53.2: a one-time payment's values.
      is_multi_subscription: false,
      is_update_payment_method: false,
      payment_provider: PAYMENT_PROVIDER,
      retry_attempt: 0,
      subscription_ids: [],
    }
    session.payment_id = payment.payment_id
    const state: PaymentState = { payment, lines }
    this.payments.set(payment.payment_id, state)
    const event = paymentEvent(status)
    if (event) this.emit(event, this.paymentBody(state))
    return { status: 200, body: this.paymentBody(state) }
  }

  // ---------------------------------------------------------------- payments

  private requirePayment(id: string): PaymentState {
    const state = this.payments.get(id)
    if (!state) fail(notFound("Payment"))
    return state
  }

  private paymentBody(state: PaymentState): DodoPayment {
    const payment = structuredClone(state.payment)
    payment.refunds = [...this.refunds.values()].filter((r) => r.refund.payment_id === payment.payment_id).map((r) => listItem(r.refund))
    return payment
  }

  private lineItemsBody(state: PaymentState): DodoPaymentLineItems {
    return {
      currency: state.payment.currency,
      items: state.lines.map(({ net: _net, ...line }) => ({ ...line })),
    }
  }

  /** Spec GET /payments/{payment_id} (get_payment_handler): PaymentResponse, its refunds as RefundListItems. */
  private retrievePaymentRoute(req: EmulatorRequest): EmulatorResponse {
    return { status: 200, body: this.paymentBody(this.requirePayment(req.params.id ?? "")) }
  }

  /** Spec GET /payments/{payment_id}/line-items (get_payment_line_items_handler): PaymentLineItemsResponse. */
  private lineItemsRoute(req: EmulatorRequest): EmulatorResponse {
    return { status: 200, body: this.lineItemsBody(this.requirePayment(req.params.id ?? "")) }
  }

  /** Spec GET /payments (list_payments_handler): filters and pages as its parameters say; newest first (CHOICE). */
  private listPaymentsRoute(req: EmulatorRequest): EmulatorResponse {
    const q = req.query
    if (q.status !== undefined && !(INTENT_STATUSES as readonly string[]).includes(q.status)) fail(invalidQuery("status"))
    const all = [...this.payments.values()]
      .map((s) => s.payment)
      .filter((p) => inWindow(p.created_at, q))
      .filter((p) => q.status === undefined || p.status === q.status)
      .filter((p) => q.customer_id === undefined || p.customer.customer_id === q.customer_id)
      .filter((p) => q.brand_id === undefined || p.brand_id === q.brand_id)
      .reverse()
    const items = page(all, q).map(
      (p): DodoPaymentListItem => ({
        payment_id: p.payment_id,
        brand_id: p.brand_id,
        created_at: p.created_at,
        currency: p.currency,
        customer: structuredClone(p.customer),
        digital_products_delivered: p.digital_products_delivered,
        metadata: { ...p.metadata },
        payment_method: p.payment_method,
        payment_method_type: p.payment_method_type,
        status: p.status,
        subscription_id: p.subscription_id,
        total_amount: p.total_amount,
        // Required by the SDK's PaymentListResponse type, absent from spec 1.53.2.
        has_license_key: false,
        is_multi_subscription: p.is_multi_subscription,
        payment_provider: p.payment_provider,
        subscription_ids: [...p.subscription_ids],
      })
    )
    return { status: 200, body: { items } }
  }

  // ---------------------------------------------------------------- refunds

  /**
   * Seed 003: POST /refunds (create_refund_handler, l.48-52), CreateRefundRequest in (l.195-219), 200
   * RefundResponse out (l.60-65, l.220-276); 400 "Invalid Request Parameters" and 422 "Invalid Request Object or
   * Parameters" (l.66-69). Business-rule codes and messages: error codes.
   */
  private createRefund(req: EmulatorRequest): EmulatorResponse {
    const b = object(req.body, "body")
    // No top-level amount in CreateRefundRequest (l.195-219): a partial refund names its items (l.200-206).
    // CHOICE: a field the request schema does not have is refused (422), so a top-level `amount` is never read
    // as a full refund; whether Dodo refuses or ignores one is unconfirmed.
    const unknown = Object.keys(b).filter((k) => !REFUND_REQUEST_FIELDS.has(k))
    if (unknown.includes("amount")) fail(invalidBody("amount is not a field of CreateRefundRequest: refund part of a payment with items[].amount"))
    if (unknown.length > 0) fail(invalidBody(`unknown field(s) ${unknown.join(", ")}`))
    if (typeof b.payment_id !== "string" || b.payment_id === "") fail(invalidBody("payment_id is required")) // l.196-198
    if (b.reason !== undefined && b.reason !== null) {
      if (typeof b.reason !== "string") fail(invalidBody("reason must be a string"))
      // "Maximum length is 3000 characters" (l.218): characters, so code points, not UTF-16 units.
      if ([...b.reason].length > 3000) fail(invalidBody("reason is longer than 3000 characters"))
    }
    const metadata = b.metadata === undefined || b.metadata === null ? {} : metadataOf(b.metadata) // l.207-209, l.294-299
    let requested: Array<{ item_id: string; amount: number | null; tax_inclusive: boolean }> | null = null
    if (b.items !== undefined && b.items !== null) {
      // PartialRefundItem (l.277-293): item_id required; amount int32, "if None the whole item is refunded" (l.287);
      // tax_inclusive "Default true" (l.293).
      if (!Array.isArray(b.items)) fail(invalidBody("items must be an array"))
      requested = (b.items as unknown[]).map((raw, i) => {
        const item = object(raw, `items[${i}]`)
        if (typeof item.item_id !== "string" || item.item_id === "") fail(invalidBody(`items[${i}].item_id is required`))
        const amount = item.amount === undefined || item.amount === null ? null : int32(item.amount, `items[${i}].amount`)
        return { item_id: item.item_id, amount, tax_inclusive: optionalBool(item.tax_inclusive, `items[${i}].tax_inclusive`) ?? true }
      })
    }
    const state = this.requirePayment(b.payment_id)
    const payment = state.payment
    if (payment.status !== "succeeded") {
      // CHOICE: the code for "not succeeded" is unconfirmed; PAYMENT_NOT_SUCCEEDED is from the error codes list.
      return dodoError(400, "PAYMENT_NOT_SUCCEEDED", "The provided payment has not succeeded")
    }
    // CHOICE: 90 days (the REFUND_WINDOW_EXPIRED message); Dodo's refunds page says 30.
    if (Date.now() - Date.parse(payment.created_at) > this.refundWindowDays * 86_400_000) {
      return dodoError(
        400,
        "REFUND_WINDOW_EXPIRED",
        `Refunds cannot be initiated ${this.refundWindowDays} days after payment creation. Contact support@dodopayments.com.`
      )
    }
    if (payment.total_amount === 0) { // error codes
      return dodoError(400, "ZERO_AMOUNT_PAYMENT_REFUND_NOT_ALLOWED", "Cannot refund a payment with zero currency amount")
    }
    const earlier = [...this.refunds.values()].filter((r) => r.refund.payment_id === payment.payment_id)
    if (earlier.some((r) => r.refund.status === "pending")) {
      // CHOICE: HTTP 409 (the error-code page gives no status; 409 is its "conflicts with the current state"), and
      // only a pending refund blocks a new one, not one in review.
      return dodoError(409, "EXISTING_REFUND_REQUEST_PROCESSING", 'A refund request with status "Pending" is still being processed')
    }
    // Several partial refunds per payment (dodo-docs changelog v1.38.0); a failed one took nothing.
    const live = earlier.filter((r) => r.refund.status !== "failed")
    const taken: RefundState["taken"] = []
    if (requested === null || requested.length === 0) {
      // Full refund: no items (the seed's own example, l.85-86). CHOICE: an empty items list is a full refund too.
      if (live.length > 0) {
        const left = state.lines.reduce((s, l) => s + l.refundable_amount, 0)
        // CHOICE: after partial refunds a full refund is refused rather than turned into "the rest".
        if (left === 0) return dodoError(400, "PAYMENT_ALREADY_REFUNDED", "This payment has already been refunded")
        return dodoError(400, "REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT", "The calculated refund amount is larger than the paid amount")
      }
      for (const line of state.lines) taken.push({ items_id: line.items_id, amount: line.refundable_amount })
    } else {
      const ids = new Set<string>()
      for (const item of requested) {
        if (ids.has(item.item_id)) return dodoError(400, "DUPLICATE_LINE_ITEMS_IN_REQUEST", "Duplicate item_ids specified in items array")
        ids.add(item.item_id)
      }
      for (const item of requested) {
        const line = state.lines.find((l) => l.items_id === item.item_id)
        if (!line) return dodoError(400, "LINE_ITEM_NOT_FOUND", `Line item ${item.item_id} not found in payment`)
        if (line.refundable_amount === 0) {
          return dodoError(400, "LINE_ITEM_FULLY_REFUNDED", `Line item ${item.item_id} has been fully refunded cannot be refunded further.`)
        }
        let gross: number
        if (item.amount === null) {
          gross = line.refundable_amount
        } else {
          if (item.amount <= 0) {
            return dodoError(400, "LINE_ITEM_REFUND_AMOUNT_TOO_LOW", `Line item ${item.item_id} requested refund amount is ${item.amount} which is too low`)
          }
          // Tax-exclusive amounts get the line's tax added, at the line's own rate (CHOICE: the rate and rounding).
          gross = item.tax_inclusive
            ? item.amount
            : Number(BigInt(item.amount) + divRound(BigInt(item.amount) * BigInt(line.tax), BigInt(Math.max(line.net, 1))))
        }
        if (gross > line.refundable_amount) {
          return dodoError(
            400,
            "LINE_ITEM_REFUND_AMOUNT_TOO_HIGH",
            `Line item ${item.item_id} requested refund amount including tax is ${gross} which is above the paid amount ${line.refundable_amount}`
          )
        }
        taken.push({ items_id: line.items_id, amount: gross })
      }
    }
    const amount = taken.reduce((s, t) => s + t.amount, 0)
    const refundedBefore = live.reduce((s, r) => s + (r.refund.amount ?? 0), 0)
    if (refundedBefore + amount > payment.total_amount) {
      return dodoError(400, "REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT", "The calculated refund amount is larger than the paid amount")
    }
    for (const t of taken) state.lines.find((l) => l.items_id === t.items_id)!.refundable_amount -= t.amount
    const status = this.outcomes.shift() ?? this.defaultRefundOutcome
    // RefundResponse (l.220-276): is_partial (l.257-259), customer "from the associated payment" (l.252-256),
    // metadata as stored (l.260-262), reason as given (l.266-270).
    const refund: DodoRefund = {
      refund_id: dodoId("ref"),
      payment_id: payment.payment_id,
      business_id: DODO_BUSINESS_ID,
      brand_id: payment.brand_id,
      status: "pending",
      created_at: new Date().toISOString(),
      is_partial: amount < payment.total_amount,
      amount,
      currency: payment.currency,
      reason: (b.reason as string | null | undefined) ?? null,
      customer: structuredClone(payment.customer),
      metadata,
    }
    const refundState: RefundState = { refund, taken }
    this.refunds.set(refund.refund_id, refundState)
    if (status === "succeeded" || status === "failed") this.finishRefund(refundState, status)
    else refund.status = status
    return { status: 200, body: structuredClone(refund) }
  }

  private finishRefund(state: RefundState, status: "succeeded" | "failed"): void {
    state.refund.status = status
    if (status === "failed") {
      const payment = this.payments.get(state.refund.payment_id)!
      for (const t of state.taken) payment.lines.find((l) => l.items_id === t.items_id)!.refundable_amount += t.amount
    }
    this.emit(status === "succeeded" ? "refund.succeeded" : "refund.failed", structuredClone(state.refund))
  }

  /** Spec GET /refunds (list_refunds): GetRefundsListResponse of RefundListItems (no metadata). */
  private listRefundsRoute(req: EmulatorRequest): EmulatorResponse {
    const q = req.query
    if (q.status !== undefined && !(REFUND_STATUSES as readonly string[]).includes(q.status)) fail(invalidQuery("status"))
    // CHOICE: filters Dodo does not document (payment_id, …) are ignored, as an API that doesn't know them would;
    // newest first.
    const all = [...this.refunds.values()]
      .map((r) => r.refund)
      .filter((r) => inWindow(r.created_at, q))
      .filter((r) => q.status === undefined || r.status === q.status)
      .filter((r) => q.customer_id === undefined || r.customer.customer_id === q.customer_id)
      .reverse()
    return { status: 200, body: { items: page(all, q).map(listItem) } }
  }

  /** Spec GET /refunds/{refund_id} (get_refund_handler): RefundResponse, with metadata (seed 003 l.260-262). */
  private retrieveRefundRoute(req: EmulatorRequest): EmulatorResponse {
    const state = this.refunds.get(req.params.id ?? "")
    if (!state) return notFound("Refund")
    return { status: 200, body: structuredClone(state.refund) }
  }

  // ---------------------------------------------------------------- webhooks

  /** Standard Webhooks deliveries (spec POST /your-webhook-url; docs.dodopayments.com/developer-resources/webhooks). */
  private emit(type: DodoEventType, object: DodoPayment | DodoRefund): void {
    const signed = this.signedWebhook(type, object)
    const delivery: DodoWebhookDelivery = {
      webhookId: signed.webhookId,
      type,
      url: this.webhookUrl ?? null,
      headers: signed.headers,
      body: signed.body,
      status: null,
    }
    this.deliveries.push(delivery)
    const url = this.webhookUrl
    if (!url) return
    // CHOICE: one attempt, no retry schedule (Dodo retries up to 8 times over ~10 h).
    const attempt = (async () => {
      try {
        const res = await fetch(url, { method: "POST", headers: signed.headers, body: signed.body })
        delivery.status = res.status
        await res.text()
      } catch (err) {
        delivery.error = err instanceof Error ? err.message : String(err)
      }
    })()
    this.inflight.add(attempt)
    void attempt.finally(() => this.inflight.delete(attempt))
  }
}

// ------------------------------------------------------------------ helpers

function paymentEvent(status: DodoIntentStatus): DodoEventType | undefined {
  switch (status) {
    case "succeeded":
      return "payment.succeeded"
    case "failed":
      return "payment.failed"
    case "processing":
      return "payment.processing"
    case "cancelled":
      return "payment.cancelled"
    default:
      return undefined
  }
}

function listItem(refund: DodoRefund): DodoRefundListItem {
  const { refund_id, payment_id, business_id, status, created_at, is_partial, amount, currency, reason } = refund
  return { refund_id, payment_id, business_id, status, created_at, is_partial, amount, currency, reason }
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(invalidBody(`${what} must be an object`))
  return value as Record<string, unknown>
}

/** Amounts are `format: int32` (seed 003 l.236, l.286); CHOICE: negative amounts fail as a schema error. */
function int32(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > DODO_MAX_AMOUNT) {
    // A non-integer or out-of-range amount fails deserialisation of an int32 field.
    fail(invalidBody(`${what} must be a non-negative 32-bit integer`))
  }
  return value
}

function optionalBool(value: unknown, what: string): boolean | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== "boolean") fail(invalidBody(`${what} must be a boolean`))
  return value
}

/** The Currency enum (seed 003 l.300-447). */
function currencyOf(value: unknown, what: string): string {
  if (typeof value !== "string" || !DODO_CURRENCIES.has(value)) {
    // Dodo's Currency enum is upper case; "usd" does not deserialize.
    fail(invalidBody(`${what} must be one of Dodo's upper-case currency codes`))
  }
  return value
}

/** Metadata: string values only (seed 003 l.294-299), at most 50 keys (MAXIMUM_KEYS_REACHED: error codes). */
function metadataOf(value: unknown): Record<string, string> {
  const m = object(value, "metadata")
  const entries = Object.entries(m)
  if (entries.length > 50) fail(dodoError(400, "MAXIMUM_KEYS_REACHED", "Exceeds 50 key-value pairs"))
  for (const [k, v] of entries) if (typeof v !== "string") fail(invalidBody(`metadata.${k} must be a string`))
  return { ...(m as Record<string, string>) }
}

/** CHOICE: a query parameter outside its schema is 422 INVALID_QUERY_PARAMS (code from the error codes list). */
function invalidQuery(param: string): EmulatorResponse {
  return dodoError(422, "INVALID_QUERY_PARAMS", `Invalid query parameter ${param}`)
}

function inWindow(createdAt: string, q: Record<string, string>): boolean {
  const at = Date.parse(createdAt)
  for (const [param, keep] of [
    ["created_at_gte", (limit: number) => at >= limit],
    ["created_at_lte", (limit: number) => at <= limit],
  ] as const) {
    const raw = q[param]
    if (raw === undefined) continue
    const limit = Date.parse(raw)
    if (Number.isNaN(limit)) fail(invalidQuery(param))
    if (!keep(limit)) return false
  }
  return true
}

/**
 * Spec GET /payments (list_payments_handler) and GET /refunds (list_refunds): page_size "default is 10 max is
 * 100", page_number "default is 0", both minimum 0. So the first page is 0. UNCONFIRMED: the SDK's
 * auto-pagination takes a missing page_number as 1 and asks for 2 next (it skips page 1 unless the first call
 * passes page_number: 0). CHOICE: page_size over 100 is refused (422), not clamped.
 */
function page<T>(items: T[], q: Record<string, string>): T[] {
  const size = q.page_size === undefined ? 10 : Number(q.page_size)
  const number = q.page_number === undefined ? 0 : Number(q.page_number)
  if (!Number.isInteger(size) || size < 0 || size > 100) fail(invalidQuery("page_size"))
  if (!Number.isInteger(number) || number < 0) fail(invalidQuery("page_number"))
  return items.slice(number * size, number * size + size)
}
