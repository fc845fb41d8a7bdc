import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { stampCartLines, CART_LINE_FIELDS } from "../stamp-cart-lines"
import { cartLinesFromItems, stampCartLines as stamp, verifiedCartLines, CART_LINE_LIMITS } from "../../core/cart-lines"

const SECRET = "key_sandbox_emulator"
const items = [
  { id: "cali_1", variant_id: "variant_tee", variant_sku: "TEE-M", title: "M", product_title: "T-Shirt", variant_title: "M", quantity: 2, raw_quantity: { value: "2", precision: 20 }, unit_price: 12.345, raw_unit_price: { value: "12.345", precision: 20 } },
  { id: "cali_2", variant_id: null, title: "Engraving", quantity: 1, unit_price: 0 },
]

/** A request as Medusa hands it to a route middleware: its scope resolves the payment module and query. */
function request(body: Record<string, unknown>, opts: { graph?: (input: any) => Promise<any>; provider?: unknown } = {}) {
  const graphCalls: any[] = []
  const provider = opts.provider ?? { stampCartLines: (lines: any, collection: any) => stamp(SECRET, lines, collection) }
  const scope = {
    resolve(key: string) {
      if (key === Modules.PAYMENT) return { paymentProviderService_: { retrieveProvider: (id: string) => (id === "pp_processout_processout" ? provider : undefined) } }
      if (key === ContainerRegistrationKeys.QUERY) {
        return {
          graph: async (input: any) => {
            graphCalls.push(input)
            return opts.graph ? opts.graph(input) : { data: [{ id: "pay_col_1", amount: 34.69, raw_amount: { value: "34.69", precision: 20 }, currency_code: "usd", cart: { items } }] }
          },
        }
      }
      throw new Error(`unknown ${key}`)
    },
  }
  return { req: { body, params: { id: "pay_col_1" }, scope } as any, graphCalls }
}

async function run(req: any) {
  let called = 0
  await stampCartLines(req, {} as any, () => void called++)
  expect(called).toBe(1)
  return req.body
}

describe("stampCartLines middleware: the cart's lines come from the server, never the shopper", () => {
  it("reads the cart through the payment collection and stamps lines the provider verifies", async () => {
    const { req, graphCalls } = request({ provider_id: "pp_processout_processout", data: { source: "card_x", cart_lines: "[]", cart_lines_proof: "1.forged" } })
    const body = await run(req)
    expect(graphCalls).toEqual([{ entity: "payment_collection", fields: CART_LINE_FIELDS, filters: { id: "pay_col_1" } }])
    expect(body.data.source).toBe("card_x")
    const lines = verifiedCartLines(SECRET, body.data, { amount: { value: "34.690", precision: 20 }, currency: "usd" })
    expect(lines).toEqual([
      { id: "cali_1", variant_id: "variant_tee", sku: "TEE-M", title: "T-Shirt – M", quantity: "2", unit_price: "12.345" },
      { id: "cali_2", variant_id: null, sku: null, title: "Engraving", quantity: "1", unit_price: "0" },
    ])
    expect(verifiedCartLines(SECRET, body.data, { amount: "34.70", currency: "usd" })).toBeUndefined()
    expect(verifiedCartLines("another", body.data, { amount: "34.69", currency: "usd" })).toBeUndefined()
    expect(verifiedCartLines(SECRET, body.data, { amount: "34.69", currency: "usd" }, Date.now() + 11 * 60_000)).toBeUndefined()
  })

  it("drops the shopper's cart_lines for providers that take none, and reads nothing", async () => {
    const { req, graphCalls } = request({ provider_id: "pp_other", data: { cart_lines: "[]", cart_lines_proof: "1.x", token: "t" } })
    const body = await run(req)
    expect(body.data).toEqual({ token: "t" })
    expect(graphCalls).toEqual([])
  })

  it("stamps nothing, and lets the request through, when the read fails", async () => {
    const { req } = request({ provider_id: "pp_processout_processout", data: { cart_lines: "x" } }, { graph: async () => { throw new Error("db down") } })
    expect((await run(req)).data).toEqual({})
  })

  it("bounds what it stamps: more lines than the limit give none", () => {
    expect(cartLinesFromItems(Array.from({ length: CART_LINE_LIMITS.lines + 1 }, (_, i) => ({ ...items[0], id: `cali_${i}` })))).toEqual([])
    expect(cartLinesFromItems([{ ...items[0], id: "../x" }, { ...items[0], unit_price: "1e999", raw_unit_price: undefined }])).toEqual([])
  })
})
