import { parseRefundReturn, refundReturnOf, RETURN_LIMITS, wholeQuantity } from "../return-items"

const item = (over: Record<string, unknown> = {}) => ({
  item_id: "ordli_01",
  variant_id: "variant_01",
  sku: "TEE-M",
  title: "T-Shirt / M",
  quantity: "2",
  unit_total: "19.990",
  total: "39.98",
  reason_code: "damaged",
  damaged: true,
  ...over,
})

function logger() {
  const warnings: string[] = []
  return { warnings, warn: (m: string) => warnings.push(m) }
}

describe("parseRefundReturn: refund.metadata is untrusted", () => {
  it("reads the contract's fields, canonical decimals, unknown keys dropped", () => {
    const log = logger()
    const out = parseRefundReturn({ return_id: "ret_01", other: "x", return_items: [item({ extra: { deep: 1 } })] }, log)
    expect(out).toEqual({
      returnId: "ret_01",
      items: [
        { itemId: "ordli_01", variantId: "variant_01", sku: "TEE-M", title: "T-Shirt / M", quantity: "2", unitTotal: "19.99", total: "39.98", reasonCode: "damaged", damaged: true },
      ],
    })
    expect(log.warnings).toEqual([])
  })

  it("describes no return for metadata without return keys, or no metadata", () => {
    for (const meta of [undefined, null, "x", [], { note: "hi" }]) expect(parseRefundReturn(meta)).toBeUndefined()
  })

  it.each([
    ["a number as quantity", { quantity: 2 }],
    ["a float unit_total", { unit_total: 19.99 }],
    ["exponent notation", { total: "1e3" }],
    ["a negative total", { total: "-1" }],
    ["a zero quantity", { quantity: "0.000" }],
    ["a huge amount", { unit_total: "9".repeat(RETURN_LIMITS.integerDigits + 1) }],
    ["a long title", { title: "t".repeat(RETURN_LIMITS.title + 1) }],
    ["an item id with a slash", { item_id: "../x" }],
    ["an empty title", { title: "  " }],
    ["damaged as text", { damaged: "yes" }],
  ])("ignores return_items with %s, with a warning that logs no value", (_name, over) => {
    const log = logger()
    const secretish = JSON.stringify(over)
    expect(parseRefundReturn({ return_id: "ret_01", return_items: [item(over)] }, log)).toEqual({ returnId: "ret_01", items: [] })
    expect(log.warnings).toHaveLength(1)
    expect(log.warnings[0]).toMatch(/return_items ignored/)
    if (secretish.length > 20) expect(log.warnings[0]).not.toContain(Object.values(over)[0] as string)
  })

  it("ignores too many items, duplicates and a non-array", () => {
    const many = Array.from({ length: RETURN_LIMITS.items + 1 }, (_, i) => item({ item_id: `ordli_${i}` }))
    for (const items of [many, [item(), item()], { 0: item() }, []]) {
      const log = logger()
      expect(parseRefundReturn({ return_items: items }, log)?.items).toEqual([])
      expect(log.warnings).toHaveLength(1)
    }
  })

  it("keeps the items when the return id is invalid, and says so", () => {
    const log = logger()
    expect(parseRefundReturn({ return_id: { $ne: 1 }, return_items: [item()] }, log)).toMatchObject({ returnId: null, items: [{ itemId: "ordli_01" }] })
    expect(log.warnings).toHaveLength(1)
  })

  it("reads the metadata the base passes on the refund info; never throws", () => {
    expect(refundReturnOf({ metadata: { return_items: [item()] } })?.items).toHaveLength(1)
    expect(refundReturnOf(undefined)).toBeUndefined()
    const hostile = { get return_items() { throw new Error("boom") } }
    expect(() => refundReturnOf({ metadata: hostile })).not.toThrow()
  })

  it("whole quantities only for processors that count units", () => {
    expect(wholeQuantity({ quantity: "3" })).toBe(3)
    expect(wholeQuantity({ quantity: "1.5" })).toBeUndefined()
  })
})
