import { reasonRows, storeReasonMapOf, withChoice } from "../reason-map"

const clover = { processor: "clover", name: "Clover", reasons: ["requested_by_customer", "duplicate", "fraudulent"], defaults: { damaged: "requested_by_customer", duplicate: "duplicate" } }

describe("the settings page's reason map", () => {
  it("reads only the documented shape of the saved map", () => {
    expect(storeReasonMapOf({ clover: { damaged: "fraudulent", n: 7 }, junk: "x", list: [] })).toEqual({ clover: { damaged: "fraudulent" } })
    expect(storeReasonMapOf(null)).toEqual({})
  })

  it("lists the defaults, the store's choices and the store's own reason codes, once each", () => {
    const rows = reasonRows(clover, { clover: { pricing_error: "duplicate" } }, ["damaged", "wrong_size"])
    expect(rows).toEqual([
      { code: "damaged", defaultReason: "requested_by_customer", chosen: null },
      { code: "duplicate", defaultReason: "duplicate", chosen: null },
      { code: "pricing_error", defaultReason: null, chosen: "duplicate" },
      { code: "wrong_size", defaultReason: null, chosen: null },
    ])
  })

  it("sets and clears a choice without touching other processors", () => {
    const map = withChoice({ processout: { damaged: "other" } }, "clover", "damaged", "fraudulent")
    expect(map).toEqual({ processout: { damaged: "other" }, clover: { damaged: "fraudulent" } })
    expect(withChoice(map, "clover", "damaged", null)).toEqual({ processout: { damaged: "other" } })
  })
})
