import { MedusaError } from "@medusajs/framework/utils"
import { assertPaymentOfSession, requirePathId, stampRequestIp, storefrontData, verifiedRequestIp } from "../session-trust"

describe("storefront session data", () => {
  it("keeps the allowed keys and nulls every other key the shopper sent, session_id aside", () => {
    const out = storefrontData({ source: "tok_1", charge_id: "CH1", amount_minor: "1", session_id: "payses_1" }, ["source"])
    expect(out).toEqual({ source: "tok_1", charge_id: null, amount_minor: null })
  })

  it("treats inherited names as keys like any other", () => {
    const data = JSON.parse('{"__proto__": {"charge_id": "CH1"}, "constructor": "x"}')
    const out = storefrontData(data, ["source"])
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect((out as any).charge_id).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toBeNull()
    expect(Object.getOwnPropertyDescriptor(out, "constructor")?.value).toBeNull()
  })
})

describe("a processor payment found in session data", () => {
  const session = { sessionId: "payses_1", currency: "usd", amountMinor: "46500" }
  const own = { id: "CH1", sessionRef: "payses_1", currency: "USD", amountMinor: 46500 }

  it("is trusted when it names the session and carries its amount and currency", () => {
    expect(() => assertPaymentOfSession("Clover", session, own)).not.toThrow()
  })

  it.each([
    ["another session", { sessionRef: "payses_2" }, /does not name this session/],
    ["no reference", { sessionRef: undefined }, /does not name this session/],
    ["a smaller amount", { amountMinor: 5550 }, /amount 5550 is not the session's 46500/],
    ["an amount as text with an exponent", { amountMinor: "4.65e4" }, /amount/],
    ["another currency", { currency: "EUR" }, /currency EUR is not the session's usd/],
  ])("is refused with %s", (_what, change, message) => {
    const error = (() => {
      try {
        assertPaymentOfSession("Clover", session, { ...own, ...change })
      } catch (e) {
        return e as MedusaError
      }
    })()
    expect(error).toBeInstanceOf(MedusaError)
    expect(error?.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(error?.message).toMatch(message)
    expect(error?.message).toMatch(/Nothing was captured/)
  })

  it("is refused when the session itself has no id", () => {
    expect(() => assertPaymentOfSession("Clover", { ...session, sessionId: undefined }, own)).toThrow(/does not name this session/)
  })
})

describe("ids in URL paths", () => {
  it.each(["../v1/refunds", "CH1?expand=x", "CH1/capture", "", "A".repeat(129), 42])("refuses %p", (value) => {
    expect(() => requirePathId("Clover", "charge id", value, /^[A-Z0-9]+$/)).toThrow(/is not a Clover id/)
  })

  it("shows a long value in short form", () => {
    try {
      requirePathId("Clover", "charge id", "x".repeat(10_000), /^[A-Z0-9]+$/)
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(200)
    }
  })
})

describe("the customer's IP stamped by the store middleware", () => {
  const secret = "sk_test_secret"
  it("is verified with its proof", () => {
    expect(verifiedRequestIp(secret, stampRequestIp(secret, "203.0.113.7"))).toBe("203.0.113.7")
  })

  it.each([
    ["no proof", { customer_ip: "203.0.113.7" }],
    ["a proof for another IP", { ...stampRequestIp(secret, "203.0.113.7"), customer_ip: "198.51.100.1" }],
    ["a proof under another secret", stampRequestIp("other", "203.0.113.7")],
    ["a stale proof", stampRequestIp(secret, "203.0.113.7", Date.now() - 3_600_000)],
    ["not an IP", stampRequestIp(secret, "evil.example")],
  ])("is dropped with %s", (_what, data) => {
    expect(verifiedRequestIp(secret, data)).toBeUndefined()
  })

  it("is given in IPv4 form for an IPv4 client of a dual-stack server", () => {
    expect(verifiedRequestIp(secret, stampRequestIp(secret, "::ffff:203.0.113.7"))).toBe("203.0.113.7")
  })

  it("is dropped when the provider has no secret", () => {
    expect(verifiedRequestIp(undefined, stampRequestIp(secret, "203.0.113.7"))).toBeUndefined()
  })
})
