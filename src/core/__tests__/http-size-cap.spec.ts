import http from "node:http"
import type { AddressInfo } from "node:net"
import v8 from "node:v8"
import vm from "node:vm"
import zlib from "node:zlib"
import { toMedusaError } from "../errors"
import { HttpClient, RESPONSE_TOO_LARGE } from "../http"
import { directAdapter, MAX_RESPONSE_BYTES } from "../http-transport"

// One origin serving a gzip bomb (100 MB of zeros, ~100 KB on the wire), and a forward proxy in front
// of it: with HTTP_PROXY set, HttpClient uses axios' own http adapter, which must cap the answer too.
let bomb: Buffer
let origin: http.Server
let proxy: http.Server
let originUrl: string
let proxyUrl: string
let served: string[] = []
let proxied: string[] = []

async function gzipOfZeros(bytes: number): Promise<Buffer> {
  const gzip = zlib.createGzip({ level: 9 })
  const out: Buffer[] = []
  gzip.on("data", (c: Buffer) => out.push(c))
  const done = new Promise((resolve) => gzip.on("end", resolve))
  const chunk = Buffer.alloc(1024 * 1024)
  for (let left = bytes; left > 0; left -= chunk.length) {
    if (!gzip.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((r) => gzip.once("drain", r))
  }
  gzip.end()
  await done
  return Buffer.concat(out)
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

beforeAll(async () => {
  bomb = await gzipOfZeros(100 * 1024 * 1024)
  origin = http.createServer((req, res) => {
    served.push(req.url ?? "")
    req.resume()
    if (req.url?.startsWith("/bomb")) {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(bomb.length) })
      res.end(bomb)
    } else {
      // Just under the cap once decompressed: still read.
      const body = zlib.gzipSync(JSON.stringify({ id: "ch_1", pad: " ".repeat(MAX_RESPONSE_BYTES - 100) }))
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
      res.end(body)
    }
  })
  proxy = http.createServer((req, res) => {
    proxied.push(req.url ?? "")
    const target = new URL(req.url ?? "")
    const upstream = http.request(
      { hostname: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on("error", () => res.destroy())
    res.on("close", () => upstream.destroy())
    req.pipe(upstream)
  })
  originUrl = await listen(origin)
  proxyUrl = await listen(proxy)
}, 60_000)

afterAll(async () => {
  await new Promise((resolve) => origin.close(resolve))
  await new Promise((resolve) => proxy.close(resolve))
})

beforeEach(() => {
  served = []
  proxied = []
})

// A clean baseline for the memory measure: earlier answers' buffers must not be freed during it.
v8.setFlagsFromString("--expose-gc")
const gc = vm.runInNewContext("gc") as () => void

/** A client built (and used) with the proxy variable set or not: the adapter is chosen at construction. */
async function fetchThrough(via: "direct" | "proxy", path: string) {
  const saved = process.env.HTTP_PROXY
  if (via === "proxy") process.env.HTTP_PROXY = proxyUrl
  else delete process.env.HTTP_PROXY
  const sleeps: number[] = []
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined }
  let peak = 0
  gc()
  const before = process.memoryUsage().arrayBuffers
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)), 1)
  try {
    const client = new HttpClient({
      processor: "Acme",
      baseURL: originUrl,
      timeoutMs: 20_000,
      maxRetries: 2,
      logger: quiet,
      secrets: [],
      headers: () => ({}),
      parseError: () => ({}),
      sleep: async (ms) => void sleeps.push(ms),
    })
    const result = await client.request({ method: "GET", path }).then(
      (answer) => ({ answer, error: undefined }),
      (error) => ({ answer: undefined, error })
    )
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)
    return { ...result, sleeps, peakBytes: peak }
  } finally {
    clearInterval(sampler)
    if (saved === undefined) delete process.env.HTTP_PROXY
    else process.env.HTTP_PROXY = saved
  }
}

describe.each(["direct", "proxy"] as const)("the answer size cap (%s adapter)", (via) => {
  it("refuses a gzip bomb after 16 MiB decompressed, with bounded memory, and asks once", async () => {
    const { error, sleeps, peakBytes } = await fetchThrough(via, "/bomb")
    // One object, so a failure shows every difference at once.
    expect({
      // Asked exactly once: a retry would only read the same bomb again.
      requests: served.length,
      backoffs: sleeps.length,
      throughProxy: proxied.length,
      // Read whole, the bomb would hold 100 MB (and more to join and decode it).
      memoryBounded: peakBytes < MAX_RESPONSE_BYTES + 32 * 1024 * 1024,
      kind: error?.kind,
      code: error?.code,
    }).toEqual({ requests: 1, backoffs: 0, throughProxy: via === "proxy" ? 1 : 0, memoryBounded: true, kind: "invalid_response", code: RESPONSE_TOO_LARGE })
    expect(error.message).toMatch(/GET \/bomb: the answer is larger than 16 MiB once decompressed; it was not read/)
    expect(toMedusaError(error, { processor: "Acme", operation: "retrieve the payment" }).message).toMatch(
      /Acme could not retrieve the payment \(response_too_large: the answer is larger than 16 MiB .*\)\. Acme sent an answer that could not be read/
    )
  }, 60_000)

  it("still reads an answer just under the cap", async () => {
    const { answer, error } = await fetchThrough(via, "/big")
    expect(error).toBeUndefined()
    expect((answer?.data as { id: string }).id).toBe("ch_1")
    expect(proxied).toHaveLength(via === "proxy" ? 1 : 0)
  }, 60_000)
})

it("the direct adapter reports the cap as axios' own adapter does", async () => {
  const error = await directAdapter({ baseURL: originUrl, url: "/bomb", method: "get", headers: { toJSON: () => ({}) } } as never).catch((e) => e)
  expect(error).toMatchObject({ code: "ERR_BAD_RESPONSE", message: `maxContentLength size of ${MAX_RESPONSE_BYTES} exceeded` })
}, 60_000)
