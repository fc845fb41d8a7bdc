/**
 * What the Dodo conformance suites share: the documents (fixtures/, copied from their public sources), a
 * JSON Schema validator over them, and an emulator reached over HTTP only, as a merchant would reach Dodo.
 * No provider code: these suites check the emulator against the documents alone.
 */
import fs from "node:fs"
import path from "node:path"
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020"
import addFormats from "ajv-formats"
import { parse } from "yaml"
import { DEFAULT_DODO_API_KEY, DEFAULT_DODO_PRODUCT_ID, DodoEmulator } from "../../../src/emulators/dodo"

export { DEFAULT_DODO_PRODUCT_ID }

export interface Document {
  doc: Record<string, any>
  /** Schema errors of `value` against components.schemas[name] ([] when it conforms). */
  errors(name: string, value: unknown): string[]
}

/** A fixture OpenAPI 3.1 document with a validator for its component schemas. */
export function loadDocument(file: string): Document {
  const doc = parse(fs.readFileSync(path.join(__dirname, "fixtures", file), "utf8"), { maxAliasCount: -1 })
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false })
  addFormats(ajv as never)
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 })
  ajv.addSchema({ ...doc, $id: file })
  const compiled = new Map<string, ValidateFunction>()
  return {
    doc,
    errors(name, value) {
      if (!doc.components?.schemas?.[name]) throw new Error(`${file} has no schema ${name}`)
      let fn = compiled.get(name)
      if (!fn) compiled.set(name, (fn = ajv.compile({ $ref: `${file}#/components/schemas/${name}` })))
      return fn(value) ? [] : (fn.errors ?? []).map((e) => `${name}${e.instancePath} ${e.message}`)
    },
  }
}

export interface Answer {
  status: number
  body: any
}

export function emulatorHarness() {
  const emulator = new DodoEmulator()
  beforeAll(async () => {
    await emulator.start()
  })
  afterAll(() => emulator.stop())
  beforeEach(() => emulator.reset())

  async function call(method: string, route: string, body?: unknown, key: string | null = DEFAULT_DODO_API_KEY): Promise<Answer> {
    const headers: Record<string, string> = {}
    if (key !== null) headers.authorization = `Bearer ${key}`
    if (body !== undefined) headers["content-type"] = "application/json"
    const res = await fetch(`${emulator.url}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }

  /** A checkout session (POST /checkouts) for `amount` of the emulator's pay-what-you-want product, paid by the customer. */
  async function paidPayment(amount: number, currency = "USD"): Promise<{ payment_id: string; total_amount: number; currency: string; customer: any }> {
    const checkout = await call("POST", "/checkouts", {
      product_cart: [{ product_id: DEFAULT_DODO_PRODUCT_ID, quantity: 1, amount }],
      billing_currency: currency,
    })
    if (checkout.status !== 200) throw new Error(`checkout refused: ${JSON.stringify(checkout.body)}`)
    // The customer's side: the emulator's checkout page, not Dodo's API.
    const paid = await call("POST", `/checkout/${checkout.body.session_id}/pay`, undefined, null)
    if (paid.status !== 200) throw new Error(`payment refused: ${JSON.stringify(paid.body)}`)
    return paid.body
  }

  /** The refunds the emulator holds, read through the documented list (GET /refunds). */
  async function refundsOf(paymentId: string): Promise<any[]> {
    const list = await call("GET", "/refunds?page_size=100")
    return list.body.items.filter((r: any) => r.payment_id === paymentId)
  }

  return { emulator, call, paidPayment, refundsOf }
}
