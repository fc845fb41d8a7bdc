import http from "node:http"
import https from "node:https"
import zlib from "node:zlib"
import { AxiosError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from "axios"

/**
 * The axios adapter our HttpClient uses: one node:http(s) request, the agent's kept-alive
 * sockets, a deadline for the whole exchange, gzip/deflate/br answers, a size cap.
 *
 * Why not axios' own http adapter: per request it resolves proxies from the environment,
 * wraps the request for redirects and builds streams we never use; measured side by side
 * (BENCHMARKS.md) that cost more than the rest of a refund. What we need of it is here;
 * when a proxy is configured, the client uses axios' adapter instead (see `axiosTransport`).
 * It supports only what HttpClient sends: text bodies, a path already carrying its query.
 */
export const directAdapter: AxiosAdapter = (config: InternalAxiosRequestConfig) =>
  new Promise<AxiosResponse<string>>((resolve, reject) => {
    const url = new URL(joinURL(config.baseURL, config.url))
    const secure = url.protocol === "https:"
    const body = typeof config.data === "string" ? Buffer.from(config.data, "utf8") : undefined
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(config.headers.toJSON() as Record<string, unknown>)) {
      if (value !== undefined && value !== null && value !== false) headers[name] = String(value)
    }
    headers["Accept-Encoding"] = ACCEPT_ENCODING
    if (body) headers["Content-Length"] = String(body.length)
    else delete headers["Content-Type"]

    let settled = false
    const fail = (error: unknown, code?: string) => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      reject(error instanceof AxiosError ? error : AxiosError.from(error as Error, code ?? (error as { code?: string })?.code, config, request))
    }
    const request = (secure ? https : http).request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || undefined,
        path: url.pathname + url.search,
        method: (config.method ?? "get").toUpperCase(),
        headers,
        agent: secure ? config.httpsAgent : config.httpAgent,
      },
      (response) => {
        response.on("close", () => {
          if (!response.complete) fail(new AxiosError("the connection closed before the answer was complete", "ECONNRESET", config, request))
        })
        const stream = decoded(response)
        const chunks: Buffer[] = []
        let size = 0
        stream.on("data", (chunk: Buffer) => {
          if (settled) return
          size += chunk.length
          if (size > MAX_RESPONSE_BYTES) {
            // Counted after decompression: a small gzip bomb stops here, not at its full size.
            chunks.length = 0
            request.destroy()
            ;(stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.()
            fail(oversized(config, request))
            return
          }
          chunks.push(chunk)
        })
        stream.on("error", (error) => fail(error, AxiosError.ERR_BAD_RESPONSE))
        stream.on("end", () => {
          if (settled) return
          settled = true
          clearTimeout(deadline)
          const answer: AxiosResponse<string> = {
            data: (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString("utf8"),
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? "",
            headers: response.headers as AxiosResponse["headers"],
            config,
            request,
          }
          // As axios's adapters do (HttpClient accepts every status and reads errors itself).
          if (!config.validateStatus || config.validateStatus(answer.status)) resolve(answer)
          else {
            const code = answer.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST
            reject(new AxiosError(`Request failed with status code ${answer.status}`, code, config, request, answer))
          }
        })
      }
    )
    // A deadline for the whole exchange (axios' own timeout only watches socket inactivity).
    const deadline = config.timeout
      ? setTimeout(() => {
          const error = new AxiosError(`timeout of ${config.timeout}ms exceeded`, AxiosError.ECONNABORTED, config, request)
          fail(error)
          request.destroy(error)
        }, config.timeout)
      : undefined
    request.on("error", (error) => fail(error))
    request.end(body)
  })

/** The adapter for a client: axios' own when a proxy is configured (it honours HTTP(S)_PROXY and NO_PROXY). */
export function axiosTransport(env: NodeJS.ProcessEnv = process.env): AxiosAdapter | "http" {
  return PROXY_VARIABLES.some((name) => !!env[name]) ? "http" : directAdapter
}

/** Not deflate: servers disagree on its framing (zlib or raw); one that sends it anyway is still read. */
const ACCEPT_ENCODING = "gzip, br"
/**
 * Processor answers are a few kilobytes; this only stops a runaway answer (or a gzip bomb) from
 * exhausting memory. Counted after decompression, on both adapters (HttpClient sets axios'
 * maxContentLength to it).
 */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024

/** The error both adapters raise for an answer over the cap: axios' own wording, so one test reads both. */
function oversized(config: InternalAxiosRequestConfig, request: unknown): AxiosError {
  return new AxiosError(`maxContentLength size of ${MAX_RESPONSE_BYTES} exceeded`, AxiosError.ERR_BAD_RESPONSE, config, request)
}

/** Whether an adapter stopped reading an answer over the size cap (axios' http adapter or ours). */
export function isOversizedAnswer(error: unknown): boolean {
  const e = error as AxiosError | undefined
  return e?.code === AxiosError.ERR_BAD_RESPONSE && /^maxContentLength size of -?\d+ exceeded$/.test(e.message ?? "")
}
const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "npm_config_https_proxy", "npm_config_http_proxy", "npm_config_proxy"]

function joinURL(base: string | undefined, path: string | undefined): string {
  if (!base || (path && /^[a-z][a-z\d+.-]*:\/\//i.test(path))) return path ?? ""
  if (!path) return base
  return base.replace(/\/+$/, "") + "/" + path.replace(/^\/+/, "")
}

function decoded(response: http.IncomingMessage): NodeJS.ReadableStream {
  const encoding = String(response.headers["content-encoding"] ?? "").trim().toLowerCase()
  if (response.statusCode === 204 || !encoding || encoding === "identity") return response
  const decoder =
    encoding === "gzip" || encoding === "x-gzip"
      ? zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH })
      : encoding === "deflate"
        ? zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH })
        : encoding === "br"
          ? zlib.createBrotliDecompress()
          : undefined
  if (!decoder) return response
  response.on("error", (error) => decoder.destroy(error))
  return response.pipe(decoder)
}
