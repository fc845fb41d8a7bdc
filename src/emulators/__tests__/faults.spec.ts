import axios from "axios"
import { CloverEmulator } from "../clover"
import { useEmulator } from "../../../test/support/emulator"

const auth = { authorization: "Bearer emulator_clover_key", "x-forwarded-for": "203.0.113.7" }
const emulator = useEmulator(new CloverEmulator())
let client: ReturnType<typeof axios.create>

beforeAll(() => {
  client = axios.create({ baseURL: emulator.url, headers: auth, validateStatus: () => true, timeout: 400, transformResponse: [(d) => d] })
})

let seq = 0
const charge = () => client.post("/v1/charges", { amount: 1000, currency: "usd", source: `clv_fault_${++seq}` })

describe("scripted faults", () => {
  it("answers a scripted 503 without applying, then behaves normally", async () => {
    emulator.injectFault({ method: "POST", path: "/v1/charges", fault: { kind: "status", status: 503 } })
    const first = await charge()
    expect(first.status).toBe(503)
    expect(JSON.parse(first.data)).toMatchObject({ error: { type: "api_error" } })
    expect(emulator.listCharges()).toHaveLength(0)
    expect((await charge()).status).toBe(200)
    expect(emulator.requests().map((r) => [r.status, r.fault, r.applied])).toEqual([[503, "status", false], [200, undefined, undefined]])
  })

  it("sends Retry-After with a 429, on every request of a route while the rule lasts", async () => {
    emulator.injectFault({ path: "/v1/charges/:id", times: 2, fault: { kind: "status", status: 429, retryAfter: "1" } })
    const created = JSON.parse((await charge()).data)
    const a = await client.get(`/v1/charges/${created.id}`)
    const b = await client.get(`/v1/charges/${created.id}`)
    const c = await client.get(`/v1/charges/${created.id}`)
    expect([a.status, b.status, c.status]).toEqual([429, 429, 200])
    expect(a.headers["retry-after"]).toBe("1")
  })

  it("resets the connection before applying", async () => {
    emulator.injectFault({ path: "/v1/charges", fault: { kind: "reset" } })
    await expect(charge()).rejects.toMatchObject({ code: "ECONNRESET" })
    expect(emulator.listCharges()).toHaveLength(0)
  })

  it("applies, then drops or withholds the answer (the ambiguous cases)", async () => {
    emulator.injectFault({ path: "/v1/charges", fault: { kind: "reset_after_apply" } })
    await expect(charge()).rejects.toMatchObject({ code: "ECONNRESET" })
    expect(emulator.listCharges()).toHaveLength(1)
    emulator.injectFault({ path: "/v1/charges", fault: { kind: "timeout_after_apply" } })
    await expect(charge()).rejects.toMatchObject({ code: "ECONNABORTED" })
    expect(emulator.listCharges()).toHaveLength(2)
  })

  it("applies, then answers malformed JSON or a wrong content type", async () => {
    emulator.injectFault({ path: "/v1/charges", fault: { kind: "malformed_json" } })
    const broken = await charge()
    expect(broken.status).toBe(200)
    expect(() => JSON.parse(broken.data)).toThrow()
    emulator.injectFault({ path: "/v1/charges", fault: { kind: "wrong_content_type" } })
    expect((await charge()).headers["content-type"]).toMatch(/text\/html/)
    expect(emulator.listCharges()).toHaveLength(2)
  })

  it("lets the first matching requests through with skip, and adds latency", async () => {
    emulator.injectFault({ path: "/v1/charges", skip: 1, fault: { kind: "status", status: 500 } })
    expect((await charge()).status).toBe(200)
    expect((await charge()).status).toBe(500)
    emulator.injectFault({ path: "/v1/charges", fault: { kind: "latency", ms: 150 } })
    const started = Date.now()
    expect((await charge()).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  it("takes faults over the control API", async () => {
    const created = await axios.post(`${emulator.url}/__emulator/faults`, { method: "POST", path: "/v1/refunds", times: "always", fault: { kind: "status", status: 502 } })
    expect(created.status).toBe(201)
    const listed = await axios.get(`${emulator.url}/__emulator/faults`)
    expect(listed.data.faults).toEqual([expect.objectContaining({ path: "/v1/refunds", remaining: null })])
    const c = JSON.parse((await charge()).data)
    expect((await client.post("/v1/refunds", { charge: c.id })).status).toBe(502)
    expect((await client.post("/v1/refunds", { charge: c.id })).status).toBe(502)
    await axios.delete(`${emulator.url}/__emulator/faults`)
    expect((await client.post("/v1/refunds", { charge: c.id })).status).toBe(200)
  })
})
