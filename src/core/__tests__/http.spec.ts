import http from "node:http"
import type { AddressInfo } from "node:net"
import { MedusaError } from "@medusajs/framework/utils"
import { ProcessorError, toMedusaError } from "../errors"
import zlib from "node:zlib"
import axios from "axios"
import { HttpClient, parseRetryAfter } from "../http"
import { axiosTransport, directAdapter } from "../http-transport"
import { JsonDecimal } from "../json"

type Step = (req: http.IncomingMessage, res: http.ServerResponse) => void
const SECRET = "sk_test_secret_value_123"

let server: http.Server
let url: string
let script: Step[] = []
let seen: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }> = []

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      const step = script.shift() ?? ((_q, r) => json(r, 200, { ok: true }))
      step(req, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  // Kept-alive client connections would hold close() open for seconds.
  server.closeAllConnections()
  return new Promise((resolve) => server.close(resolve))
})
beforeEach(() => {
  script = []
  seen = []
})

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

const logs: string[] = []
function client(overrides: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) {
  const sleeps: number[] = []
  const c = new HttpClient({
    processor: "Acme",
    baseURL: url,
    timeoutMs: 300,
    maxRetries: 2,
    logger: { debug: (m) => logs.push(m), info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    secrets: [SECRET],
    idempotencyHeader: "Idempotency-Key",
    headers: () => ({ Authorization: `Bearer ${SECRET}` }),
    parseError: (_s, body: any) => ({ code: body?.error?.code, message: body?.error?.message }),
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    ...overrides,
  })
  return { c, sleeps }
}

describe("HttpClient retries", () => {
  it("retries a keyed write on 503 with the same idempotency key and body", async () => {
    script = [(_q, r) => json(r, 503, { error: { code: "unavailable" } }), (_q, r) => json(r, 200, { id: "re_1" })]
    const { c, sleeps } = client()
    const res = await c.request({ method: "POST", path: "/refunds", body: { amount: new JsonDecimal("10.50") }, idempotencyKey: "ref_1" })
    expect(res).toMatchObject({ status: 200, data: { id: "re_1" }, attempts: 2 })
    expect(seen.map((s) => s.headers["idempotency-key"])).toEqual(["ref_1", "ref_1"])
    expect(seen.map((s) => s.body)).toEqual(['{"amount":10.50}', '{"amount":10.50}'])
    expect(sleeps).toHaveLength(1)
  })

  it("never retries a write without an idempotency key", async () => {
    script = [(_q, r) => json(r, 503, { error: { code: "unavailable" } })]
    const { c } = client()
    await expect(c.request({ method: "POST", path: "/refunds", body: {} })).rejects.toMatchObject({ kind: "http", status: 503 })
    expect(seen).toHaveLength(1)
  })

  it("honours Retry-After on 429", async () => {
    script = [(_q, r) => json(r, 429, { error: { code: "rate_limit" } }, { "retry-after": "2" }), (_q, r) => json(r, 200, {})]
    const { c, sleeps } = client()
    await c.request({ method: "GET", path: "/x" })
    expect(sleeps).toEqual([2000])
  })

  it("retries a read after a connection reset and gives up after the budget", async () => {
    script = [(q) => q.socket.destroy(), (q) => q.socket.destroy(), (q) => q.socket.destroy()]
    const { c } = client()
    await expect(c.request({ method: "GET", path: "/x" })).rejects.toMatchObject({ kind: "network" })
    expect(seen).toHaveLength(3)
  })

  it("treats a timeout as ambiguous and retries only with the key", async () => {
    script = [() => undefined /* never answers */, (_q, r) => json(r, 200, { id: "re_1" })]
    const { c } = client()
    const res = await c.request({ method: "POST", path: "/refunds", body: {}, idempotencyKey: "ref_t" })
    expect(res.attempts).toBe(2)
    script = [() => undefined]
    const error = await client({ maxRetries: 0 }).c.request({ method: "POST", path: "/refunds", body: {}, idempotencyKey: "k" }).catch((e) => e)
    expect(error).toMatchObject({ kind: "timeout" })
    expect(toMedusaError(error, { processor: "Acme", operation: "refund the payment" }).message).toMatch(/may have been applied/)
  })

  it("does not retry 4xx answers", async () => {
    script = [(_q, r) => json(r, 400, { error: { code: "amount_too_large", message: "too much" } })]
    const { c } = client()
    const error = await c.request({ method: "POST", path: "/refunds", body: {}, idempotencyKey: "k" }).catch((e) => e)
    expect(error).toBeInstanceOf(ProcessorError)
    expect(error.describe()).toBe("HTTP 400 amount_too_large: too much")
    expect(seen).toHaveLength(1)
  })
})

describe("HttpClient answers it cannot read", () => {
  it("reports malformed JSON and a wrong content type as invalid responses", async () => {
    script = [
      (_q, r) => {
        r.writeHead(200, { "content-type": "application/json" })
        r.end("{not json")
      },
      (_q, r) => {
        r.writeHead(200, { "content-type": "text/html" })
        r.end("<html>")
      },
    ]
    const { c } = client({ maxRetries: 0 })
    await expect(c.request({ method: "GET", path: "/a" })).rejects.toMatchObject({ kind: "invalid_response" })
    await expect(c.request({ method: "GET", path: "/b" })).rejects.toMatchObject({ kind: "invalid_response" })
  })
})

describe("HttpClient on the wire (node:http transport)", () => {
  it("sends the exact body with its length, the key, the query, and no body headers on a GET", async () => {
    const { c } = client()
    await c.request({ method: "POST", path: "/refunds", body: { amount: new JsonDecimal("10.50"), note: "caf\u00e9" }, idempotencyKey: "ref_1" })
    await c.request({ method: "GET", path: "/refunds", query: { charge: "ch 1", limit: 100, cursor: undefined } })
    expect(seen[0].body).toBe('{"amount":10.50,"note":"caf\u00e9"}')
    expect(seen[0].headers).toMatchObject({ "content-type": "application/json", "content-length": String(Buffer.byteLength(seen[0].body)), "idempotency-key": "ref_1" })
    expect(seen[1].url).toBe("/refunds?charge=ch+1&limit=100")
    expect(seen[1].headers["content-type"]).toBeUndefined()
    expect(seen[1].headers["content-length"]).toBeUndefined()
  })

  it("reads gzip and brotli answers", async () => {
    const body = Buffer.from(JSON.stringify({ id: "re_1", amount: 1050 }))
    script = [
      (_q, r) => {
        r.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
        r.end(zlib.gzipSync(body))
      },
      (_q, r) => {
        r.writeHead(200, { "content-type": "application/json", "content-encoding": "br" })
        r.end(zlib.brotliCompressSync(body))
      },
    ]
    const { c } = client()
    expect((await c.request({ method: "GET", path: "/a" })).data).toEqual({ id: "re_1", amount: 1050 })
    expect((await c.request({ method: "GET", path: "/b" })).data).toEqual({ id: "re_1", amount: 1050 })
    expect(seen[0].headers["accept-encoding"]).toBe("gzip, br")
  })

  it("times out an answer that trickles in slower than the deadline, as a timeout", async () => {
    // Each byte comes before the socket would be idle for long; only a whole-exchange deadline stops it.
    script = [
      (_q, r) => {
        r.writeHead(200, { "content-type": "application/json" })
        const timer = setInterval(() => (r.writableEnded ? clearInterval(timer) : r.write(" ")), 50)
        r.on("close", () => clearInterval(timer))
      },
    ]
    const started = Date.now()
    const error = await client({ maxRetries: 0, timeoutMs: 250 }).c.request({ method: "GET", path: "/slow" }).catch((e) => e)
    expect(error).toMatchObject({ kind: "timeout" })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it("reports an answer cut off mid-body as a network error, not as the truncated body", async () => {
    script = [
      (_q, r) => {
        r.writeHead(200, { "content-type": "application/json", "content-length": "100" })
        r.write('{"id":"re_1"')
        setTimeout(() => r.socket?.destroy(), 20)
      },
    ]
    const error = await client({ maxRetries: 0 }).c.request({ method: "GET", path: "/cut" }).catch((e) => e)
    expect(error).toMatchObject({ kind: "network" })
  })

  it("behaves as an axios adapter on its own: statuses checked by validateStatus, body as text", async () => {
    script = [(_q, r) => json(r, 404, { error: { code: "not_found" } }), (_q, r) => json(r, 200, { id: "re_1" })]
    const plain = axios.create({ adapter: directAdapter, baseURL: url, responseType: "text", transformResponse: [(d) => d] })
    await expect(plain.get("/missing")).rejects.toMatchObject({ response: { status: 404 }, code: "ERR_BAD_REQUEST" })
    const ok = await plain.post("/refunds", '{"amount":1}', { headers: { "Content-Type": "application/json" } })
    expect(ok.data).toBe('{"id":"re_1"}')
    expect(seen[1]).toMatchObject({ method: "POST", url: "/refunds", body: '{"amount":1}' })
  })

  it("leaves proxies to axios' own adapter, which honours HTTP(S)_PROXY and NO_PROXY", () => {
    expect(axiosTransport({})).toBe(directAdapter)
    expect(axiosTransport({ HTTPS_PROXY: "http://proxy.internal:3128" })).toBe("http")
    expect(axiosTransport({ http_proxy: "http://proxy.internal:3128" })).toBe("http")
  })
})

describe("secrets", () => {
  it("never puts a secret in an error or a log line, even when the processor echoes it", async () => {
    logs.length = 0
    script = [(_q, r) => json(r, 401, { error: { code: "unauthorized", message: `key ${SECRET} is invalid` } })]
    const { c } = client()
    const error = await c.request({ method: "GET", path: "/x" }).catch((e) => e)
    const medusa = toMedusaError(error, { processor: "Acme", operation: "read" })
    expect(medusa).toBeInstanceOf(MedusaError)
    expect(medusa.message).toContain("[REDACTED]")
    expect(medusa.message).not.toContain(SECRET)
    expect(logs.join("\n")).not.toContain(SECRET)
    expect(seen[0].headers["user-agent"]).toMatch(/^medusa-refund-processors\/\d/)
  })
})

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3000)
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000)
    expect(parseRetryAfter("soon")).toBeUndefined()
  })
})
