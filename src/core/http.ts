import http from "node:http"
import https from "node:https"
import axios, { AxiosError, AxiosInstance } from "axios"
import { ProcessorError } from "./errors"
import { serializeJson } from "./json"
import { Redactor } from "./redact"
import { USER_AGENT } from "./package-info"
import { axiosTransport, isOversizedAnswer, MAX_RESPONSE_BYTES } from "./http-transport"
import { describeBaseUrl } from "./options"

/** The longest backoff between two attempts of one request, unless the client is configured otherwise. */
const RETRY_MAX_MS = 8000

export interface Logger {
  debug?(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

export interface HttpRequest {
  method: HttpMethod
  path: string
  query?: Record<string, string | number | undefined>
  /** Serialized with serializeJson, so JsonDecimal amounts keep their exact digits. */
  body?: unknown
  headers?: Record<string, string>
  /**
   * The processor's idempotency key for this operation. A write is retried only when it
   * carries one (the processor then answers a retry with the first result).
   */
  idempotencyKey?: string
  /** Marks a write as safe to repeat without a key (rare: processor-documented no-op writes). */
  safeToRetry?: boolean
}

export interface HttpResponse<T = unknown> {
  status: number
  data: T
  headers: Record<string, string>
  /** Attempts it took, 1 when the first one answered. */
  attempts: number
}

/** What a processor client plugs in: auth headers, signing, and how to read its error bodies. */
export interface HttpClientConfig {
  processor: string
  baseURL: string
  timeoutMs: number
  maxRetries: number
  logger: Logger
  /** Secret values to scrub from every log line and error. */
  secrets: Array<string | undefined>
  /** Header that carries the idempotency key ("idempotency-key", "Cko-Idempotency-Key"). */
  idempotencyHeader?: string
  /** Headers for every request (auth). Receives the exact body bytes, for HMAC schemes. */
  headers: (request: HttpRequest, bodyText: string | undefined) => Record<string, string>
  /** Reads a processor error body into code / type / message. */
  parseError: (status: number, body: unknown) => { code?: string; type?: string; message?: string; declineCode?: string }
  /**
   * Marks a 2xx answer as a failure (ProcessOut answers `{ success: false }` with 200);
   * it is then read with parseError like any error status.
   */
  isFailure?: (status: number, body: unknown) => boolean
  retryBaseMs?: number
  retryMaxMs?: number
  /** Test seam for backoff sleeps. */
  sleep?: (ms: number) => Promise<void>
}

/** ProcessorError code of an answer over the size cap (never retried). */
export const RESPONSE_TOO_LARGE = "response_too_large"

const sharedHttpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 })
const sharedHttpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 })

/** The path with its query string (undefined values left out). */
function withQuery(path: string, query: HttpRequest["query"]): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.append(name, String(value))
  const text = params.toString()
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path
}

/** Response headers as lower-case names and string values. */
function plainHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  const source = (headers as { toJSON?: () => Record<string, unknown> })?.toJSON?.() ?? (headers as Record<string, unknown>) ?? {}
  for (const name in source) {
    const value = source[name]
    if (value !== undefined && value !== null) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value)
  }
  return out
}

/** Parses Retry-After (delta seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * One HTTP client per provider instance: per-request timeout, retries with exponential
 * backoff and full jitter on network errors, 5xx and 429 (honouring Retry-After), only
 * for requests that are safe to repeat (reads, or writes carrying an idempotency key),
 * secrets redacted from every log line and error, a User-Agent naming this package.
 */
export class HttpClient {
  private readonly axios: AxiosInstance
  readonly redactor: Redactor
  private readonly sleep: (ms: number) => Promise<void>

  constructor(private readonly config: HttpClientConfig) {
    this.redactor = new Redactor(config.secrets)
    this.sleep = config.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    const adapter = axiosTransport()
    const base = describeBaseUrl(config.baseURL)
    // The boot message: where this provider's requests go, and how.
    config.logger[base.insecure ? "warn" : "info"](
      `[${config.processor}] API at ${base.origin}: ${base.transport}${adapter === "http" ? ", through the environment's proxy (HTTP(S)_PROXY, NO_PROXY)" : ""}`
    )
    this.axios = axios.create({
      baseURL: config.baseURL.replace(/\/+$/, ""),
      timeout: config.timeoutMs,
      httpAgent: sharedHttpAgent,
      httpsAgent: sharedHttpsAgent,
      // We serialize and parse ourselves: exact decimals out, malformed JSON detected in.
      transformRequest: [(data) => data],
      transformResponse: [(data) => data],
      responseType: "text",
      validateStatus: () => true,
      maxRedirects: 0,
      // Axios' http adapter (the proxy path) counts these after decompression, as ours does.
      maxContentLength: MAX_RESPONSE_BYTES,
      maxBodyLength: MAX_RESPONSE_BYTES,
      adapter,
    })
  }

  get processor(): string {
    return this.config.processor
  }

  async request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>> {
    const bodyText = request.body === undefined ? undefined : serializeJson(request.body)
    const retryable = request.method === "GET" || !!request.idempotencyKey || !!request.safeToRetry
    const maxAttempts = retryable ? this.config.maxRetries + 1 : 1
    let attempt = 0
    for (;;) {
      attempt++
      try {
        return await this.once<T>(request, bodyText, attempt)
      } catch (error) {
        if (!(error instanceof ProcessorError) || attempt >= maxAttempts || !this.isRetryable(error)) {
          throw error
        }
        const delay = this.backoff(attempt, error.retryAfterMs)
        this.config.logger.warn(
          `[${this.config.processor}] ${request.method} ${request.path} failed (${error.describe()}); retry ${attempt}/${maxAttempts - 1} in ${delay} ms`
        )
        await this.sleep(delay)
      }
    }
  }

  private isRetryable(error: ProcessorError): boolean {
    // An oversized answer would come back as large: asking again only costs memory and time.
    if (error.kind === "invalid_response" && error.code === RESPONSE_TOO_LARGE) return false
    // An unreadable answer is safe to ask again: only reads and keyed writes are retried,
    // and the processor replays a keyed write's first answer.
    if (error.kind === "network" || error.kind === "timeout" || error.kind === "invalid_response") return true
    if (error.kind === "http") return error.status === 429 || (error.status ?? 0) >= 500
    return false
  }

  private backoff(attempt: number, retryAfterMs?: number): number {
    const max = this.config.retryMaxMs ?? RETRY_MAX_MS
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, max)
    const base = this.config.retryBaseMs ?? 200
    const ceiling = Math.min(max, base * 2 ** (attempt - 1))
    // Full jitter: spreads retries of many stores hitting the same outage.
    return Math.floor(ceiling / 2 + Math.random() * (ceiling / 2))
  }

  private async once<T>(request: HttpRequest, bodyText: string | undefined, attempt: number): Promise<HttpResponse<T>> {
    const started = Date.now()
    const headers: Record<string, string> = { Accept: "application/json", "User-Agent": USER_AGENT }
    if (bodyText !== undefined) headers["Content-Type"] = "application/json"
    if (request.idempotencyKey && this.config.idempotencyHeader) headers[this.config.idempotencyHeader] = request.idempotencyKey
    Object.assign(headers, request.headers, this.config.headers(request, bodyText))
    const label = `${request.method} ${request.path}`
    let response
    try {
      response = await this.axios.request<string>({
        method: request.method,
        url: withQuery(request.path, request.query),
        data: bodyText,
        headers,
      })
    } catch (error) {
      throw this.transportError(error, label)
    }
    const elapsed = Date.now() - started
    this.config.logger.debug?.(`[${this.config.processor}] ${label} -> ${response.status} (${elapsed} ms, attempt ${attempt})`)
    const responseHeaders = plainHeaders(response.headers)
    const text = typeof response.data === "string" ? response.data : ""
    let data: unknown = undefined
    let unreadable = false
    if (text.length > 0) {
      try {
        data = JSON.parse(text)
      } catch {
        unreadable = true
      }
    }
    const failedAnswer = !unreadable && this.config.isFailure?.(response.status, data) === true
    if (response.status >= 200 && response.status < 300 && !failedAnswer) {
      const type = responseHeaders["content-type"] ?? ""
      if (unreadable || (text.length > 0 && !/json/i.test(type))) {
        throw new ProcessorError({
          processor: this.config.processor,
          kind: "invalid_response",
          status: response.status,
          message: `${label} answered ${response.status} with a body that is not JSON (${type || "no content type"})`,
        })
      }
      return { status: response.status, data: data as T, headers: responseHeaders, attempts: attempt }
    }
    const parsed = unreadable ? {} : this.config.parseError(response.status, data)
    const processorMessage = this.redactor.text(parsed.message ?? (unreadable ? text.slice(0, 200) : `HTTP ${response.status}`))
    throw new ProcessorError({
      processor: this.config.processor,
      kind: "http",
      status: response.status,
      code: parsed.code,
      type: parsed.type,
      declineCode: parsed.declineCode,
      processorMessage,
      message: `${label} failed with HTTP ${response.status}${parsed.code ? ` ${parsed.code}` : ""}: ${processorMessage}`,
      retryAfterMs: parseRetryAfter(responseHeaders["retry-after"]),
    })
  }

  private transportError(error: unknown, label: string): ProcessorError {
    if (isOversizedAnswer(error)) {
      const why = `the answer is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB once decompressed; it was not read`
      return new ProcessorError({
        processor: this.config.processor,
        kind: "invalid_response",
        code: RESPONSE_TOO_LARGE,
        processorMessage: why,
        message: `${label}: ${why}`,
      })
    }
    const axiosError = error as AxiosError
    const code = axiosError?.code ?? ""
    const timedOut = code === "ECONNABORTED" || code === "ETIMEDOUT" || /timeout/i.test(axiosError?.message ?? "")
    const message = this.redactor.text(axiosError?.message ?? String(error))
    return new ProcessorError({
      processor: this.config.processor,
      kind: timedOut ? "timeout" : "network",
      code: code || undefined,
      processorMessage: timedOut ? `no answer within ${this.config.timeoutMs} ms` : message,
      message: `${label}: ${message}`,
    })
  }
}

/**
 * How long one refund attempt can run at most: a few requests, each with every retry timing out, plus the backoffs.
 * An attempt recorded longer ago than this before a read of the processor had ended by then.
 */
export function refundAttemptBoundMs(options: { timeoutMs?: unknown; maxRetries?: unknown }): number {
  const timeoutMs = Math.min(Number(options.timeoutMs) || 15_000, 120_000)
  const retries = Math.min(Number.isFinite(Number(options.maxRetries)) && options.maxRetries !== undefined ? Number(options.maxRetries) : 2, 10)
  const oneRequestMs = timeoutMs * (retries + 1) + RETRY_MAX_MS * retries
  return 4 * oneRequestMs + 60_000
}
