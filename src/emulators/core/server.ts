/**
 * Generic, processor-agnostic emulator core.
 *
 * An `EmulatorServer` is a tiny stateful HTTP server bound to 127.0.0.1. Subclasses register routes and
 * implement the processor's rules; the core takes care of body parsing, routing, the request journal and the
 * `/__emulator/` control API. It deliberately uses only `node:http` so it can ship inside the plugin.
 *
 * Request pipeline (each step can short-circuit with a response):
 *   1. `/__emulator/*`  control API (never authenticated, never journaled)
 *   2. `guard()`        processor-wide checks (auth, content type); runs even for unknown routes
 *   3. route match      else `notFound()`
 *   4. JSON body        malformed JSON, else `malformedJson()`
 *   5. `beforeHandle()` seam for scripted faults (latency, 5xx, 429, connection reset); no-op today
 *   6. route handler
 *   7. `afterHandle()`  seam for post-apply faults (e.g. timeout-after-apply); identity today
 * The final response is written unless a hook already took over the raw socket, then journaled with the bytes
 * that actually went out (`sent`).
 *
 * Bodies of GET and HEAD are ignored, as servers do (RFC 9110 §9.3.1: no defined semantics). Bytes after a
 * request's declared end while it is being answered (clover-ecomm-sdk writes `{}` after `Content-Length: 0`
 * on every GET) are ignored too: the request is answered, then the connection closed, where Node's default
 * would answer a bare 400 first and drop the request.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { FaultPlan, type Fault, type FaultRule } from "./faults"

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** One request as it arrived, with what the emulator answered. */
export interface RecordedRequest {
  id: number
  method: string
  path: string
  query: Record<string, string>
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>
  rawBody: string
  /** Parsed JSON body, or undefined when empty, not JSON, or malformed. */
  body: unknown
  /**
   * The answer: what was sent (`sent`) unless a scripted `fault` withheld or replaced it, in which case the
   * answer the emulator gave before the fault (what it applied). 0 when nothing was answered.
   */
  status: number
  /** The answer's JSON body (same rule as `status`). */
  response: unknown
  /** What actually went out on the wire: status and body text; null when nothing was written. */
  sent: { status: number; body: string } | null
  /** ISO-8601 time the request was received. */
  at: string
  /** The scripted fault applied to this request, if any. */
  fault?: Fault["kind"]
  /** False when a fault answered without applying the operation. */
  applied?: boolean
}

export interface RequestFilter {
  method?: string
  /** Exact path (string) or pattern (RegExp), matched against the path without the query string. */
  path?: string | RegExp
}

export interface EmulatorRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  rawBody: string
  body: unknown
  /** Values of `:name` segments of the matched route pattern. */
  params: Record<string, string>
}

export interface EmulatorResponse {
  status: number
  /** Serialised as JSON; omitted for an empty body. */
  body?: unknown
  headers?: Record<string, string>
}

/** Handlers are synchronous on purpose: a check-then-apply (idempotency, refund limits) can't interleave. */
export type RouteHandler = (req: EmulatorRequest) => EmulatorResponse

export interface RouteInfo {
  method: string
  pattern: string
}

/** Passed to the fault seams. */
export interface HookContext {
  route: RouteInfo
  /**
   * The raw node response. A fault hook may destroy the socket (connection reset) or end the response itself;
   * the server then writes nothing more. The request is still journaled.
   */
  raw: ServerResponse
}

interface Route extends RouteInfo {
  regex: RegExp
  keys: string[]
  handler: RouteHandler
}

const CONTROL_PREFIX = "/__emulator/"

export abstract class EmulatorServer {
  private server: http.Server | undefined
  private baseUrl: string | undefined
  private readonly routes: Route[] = []
  private journal: RecordedRequest[] = []
  private nextRequestId = 1
  private readonly faults = new FaultPlan()
  private readonly held = new Set<ServerResponse>()
  /** The response each connection is writing now, to answer it before stray bytes close the connection. */
  private readonly answering = new WeakMap<Socket, ServerResponse>()

  // ---------------------------------------------------------------- lifecycle

  /** Starts listening on 127.0.0.1 (port 0 = any free port) and returns the base URL. */
  async start(port = 0): Promise<string> {
    if (this.server) throw new Error("Emulator already started")
    const server = http.createServer((req, res) => {
      const socket = req.socket
      this.answering.set(socket, res)
      res.once("close", () => {
        if (this.answering.get(socket) === res) this.answering.delete(socket)
      })
      this.onRequest(req, res).catch((err: unknown) => {
        // Last resort: the pipeline itself failed (e.g. aborted upload). Never crash the process.
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { "content-type": "application/json" })
          res.end(JSON.stringify({ error: String(err) }))
        }
      })
    })
    // Idle keep-alive connections stay open for a minute, as behind the processors' load balancers:
    // Node's default (5 s) closes them while a busy client is reusing one, a reset the client
    // cannot retry safely for a write without an idempotency key.
    server.keepAliveTimeout = 65_000
    server.headersTimeout = 66_000
    server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
      const answering = this.answering.get(socket)
      if (answering && !answering.writableFinished && socket.writable) {
        // Stray bytes after a request that is being answered: answer it, then close the connection
        // (the parser cannot read past them).
        if (!answering.headersSent) answering.setHeader("connection", "close")
        answering.once("finish", () => socket.end())
        return
      }
      // Otherwise what Node does by default: a bare error status, then close.
      if (err.code !== "ECONNRESET" && socket.writable) {
        const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400
        socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`)
      }
      socket.destroy()
    })
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject)
        resolve()
      })
    })
    const address = server.address() as AddressInfo
    this.server = server
    this.baseUrl = `http://127.0.0.1:${address.port}`
    return this.baseUrl
  }

  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    for (const raw of this.held) raw.destroy()
    this.held.clear()
    this.server = undefined
    this.baseUrl = undefined
    await new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()))
      // Keep-alive sockets (fetch/undici, axios agents) would otherwise hold close() open.
      server.closeAllConnections()
    })
  }

  /** Base URL, e.g. `http://127.0.0.1:4510`. Throws if the server is not running. */
  get url(): string {
    if (!this.baseUrl) throw new Error("Emulator is not started")
    return this.baseUrl
  }

  // ---------------------------------------------------------------- journal & state

  /** Journaled requests in arrival order (deep copies), optionally filtered. */
  requests(filter: RequestFilter = {}): RecordedRequest[] {
    return this.journal
      .filter((r) => {
        if (filter.method && r.method !== filter.method.toUpperCase()) return false
        if (filter.path instanceof RegExp) return filter.path.test(r.path)
        if (typeof filter.path === "string") return r.path === filter.path
        return true
      })
      .map((r) => structuredClone(r))
  }

  /** Clears the journal, scripted faults and all processor state. */
  reset(): void {
    this.journal = []
    this.nextRequestId = 1
    this.faults.clear()
    this.resetState()
  }

  // ---------------------------------------------------------------- scripted faults

  /** Scripts a fault for matching requests (see FaultRule); returns its id. */
  injectFault(rule: FaultRule): number {
    return this.faults.add(rule)
  }

  clearFaults(): void {
    this.faults.clear()
  }

  /** The processor's error body for a scripted error status. Override for the processor's shape. */
  protected faultBody(status: number): unknown {
    return { error: `Scripted fault: HTTP ${status}` }
  }

  /** Processor-specific faults (kind "custom"). Return the answer to give without applying anything. */
  protected customFault(fault: Extract<Fault, { kind: "custom" }>, _req: EmulatorRequest): EmulatorResponse | undefined {
    throw new Error(`This emulator has no custom fault "${fault.name}"`)
  }

  // ---------------------------------------------------------------- subclass API

  /** Registers a route. `pattern` is a path with `:name` segments, e.g. `/v1/charges/:id/capture`. */
  protected route(method: HttpMethod, pattern: string, handler: RouteHandler): void {
    const keys: string[] = []
    const source = pattern
      .split("/")
      .map((segment) => {
        if (segment.startsWith(":")) {
          keys.push(segment.slice(1))
          return "([^/]+)"
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      })
      .join("/")
    this.routes.push({ method, pattern, regex: new RegExp(`^${source}/?$`), keys, handler })
  }

  /** Drops all processor state (called by `reset()`). */
  protected abstract resetState(): void

  /** JSON-serialisable dump of processor state for `GET /__emulator/state`. */
  protected abstract stateSnapshot(): unknown

  /** Processor-wide checks before routing (auth, content type). Return a response to stop the request. */
  protected guard(_req: EmulatorRequest): EmulatorResponse | undefined {
    return undefined
  }

  /** Response for a path/method no route matches. Override for the processor's error shape. */
  protected notFound(req: EmulatorRequest): EmulatorResponse {
    return { status: 404, body: { error: `No route for ${req.method} ${req.path}` } }
  }

  /** Response for a JSON content type whose body does not parse. Override for the processor's error shape. */
  protected malformedJson(_req: EmulatorRequest): EmulatorResponse {
    return { status: 400, body: { error: "Malformed JSON body" } }
  }

  /** Response when a handler throws. Override for the processor's error shape. */
  protected internalError(_req: EmulatorRequest, err: unknown): EmulatorResponse {
    return { status: 500, body: { error: err instanceof Error ? err.message : String(err) } }
  }

  /**
   * Fault seam, runs before the route handler. Return a response to answer without applying anything
   * (e.g. scripted 5xx / 429 + Retry-After), await to add latency, or destroy `ctx.raw` for a connection reset.
   */
  protected async beforeHandle(_req: EmulatorRequest, _ctx: HookContext): Promise<EmulatorResponse | undefined> {
    return undefined
  }

  /**
   * Fault seam, runs after the handler has applied its effect. Return a different response, or destroy /
   * hang `ctx.raw` to emulate "timeout after apply" (state changed, client never sees the answer).
   */
  protected async afterHandle(
    _req: EmulatorRequest,
    res: EmulatorResponse,
    _ctx: HookContext
  ): Promise<EmulatorResponse> {
    return res
  }

  // ---------------------------------------------------------------- internals

  private async onRequest(rawReq: IncomingMessage, rawRes: ServerResponse): Promise<void> {
    const receivedAt = new Date().toISOString()
    const url = new URL(rawReq.url ?? "/", "http://127.0.0.1")
    const rawBody = await readBody(rawReq)
    const headers = normaliseHeaders(rawReq)
    const query: Record<string, string> = {}
    url.searchParams.forEach((value, key) => {
      query[key] = value
    })
    const method = (rawReq.method ?? "GET").toUpperCase()
    const path = url.pathname

    if (path.startsWith(CONTROL_PREFIX)) {
      writeResponse(rawRes, this.control(method, path, query, rawBody))
      return
    }

    const parsed = method === "GET" || method === "HEAD" ? { body: undefined, malformed: false } : parseJsonBody(rawBody, headers["content-type"])
    const req: EmulatorRequest = { method, path, query, headers, rawBody, body: parsed.body, params: {} }
    const wire = tapWire(rawRes)

    let res: EmulatorResponse
    const outcome: { fault?: Fault; applied: boolean } = { applied: true }
    try {
      res = await this.dispatch(req, parsed.malformed, rawRes, outcome)
    } catch (err) {
      res = this.internalError(req, err)
    }

    const payload = res.body === undefined ? "" : JSON.stringify(res.body)
    this.answer(rawRes, res, payload, outcome.fault)
    const sent = wire.sent()
    const journaled = outcome.fault ? { status: res.status, text: payload } : { status: sent?.status ?? 0, text: sent?.body ?? "" }
    this.journal.push({
      id: this.nextRequestId++,
      method,
      path,
      query,
      headers,
      rawBody,
      body: parsed.body,
      status: journaled.status,
      response: parseJsonText(journaled.text),
      sent,
      at: receivedAt,
      ...(outcome.fault ? { fault: outcome.fault.kind, applied: outcome.applied } : {}),
    })
  }

  /** Writes the answer, or what a scripted post-apply fault makes of it. */
  private answer(rawRes: ServerResponse, res: EmulatorResponse, payload: string, fault: Fault | undefined): void {
    if (rawRes.destroyed || rawRes.writableEnded) return // a fault hook took over the socket
    if (fault?.kind === "reset_after_apply") {
      rawRes.destroy()
      return
    }
    if (fault?.kind === "timeout_after_apply") {
      // Hold the socket open without answering; the client's timeout fires first.
      this.held.add(rawRes)
      setTimeout(() => {
        this.held.delete(rawRes)
        rawRes.destroy()
      }, fault.holdMs ?? 60_000).unref()
      return
    }
    if (fault?.kind === "malformed_json") {
      rawRes.writeHead(200, { "content-type": "application/json" })
      rawRes.end('{"id": "truncat')
      return
    }
    if (fault?.kind === "wrong_content_type") {
      rawRes.writeHead(200, { "content-type": "text/html; charset=utf-8" })
      rawRes.end("<html><body>Service temporarily unavailable</body></html>")
      return
    }
    writeResponse(rawRes, res, payload)
  }

  private async dispatch(
    req: EmulatorRequest,
    malformed: boolean,
    raw: ServerResponse,
    outcome: { fault?: Fault; applied: boolean }
  ): Promise<EmulatorResponse> {
    const match = this.match(req.method, req.path)
    const fault = match ? this.faults.take(req.method, req.path, match.route.pattern) : undefined
    if (fault) {
      outcome.fault = fault
      if (fault.kind === "latency") await new Promise((resolve) => setTimeout(resolve, fault.ms))
      if (fault.kind === "reset") {
        outcome.applied = false
        raw.destroy()
        return { status: 0 }
      }
      if (fault.kind === "status") {
        outcome.applied = false
        return {
          status: fault.status,
          body: fault.body ?? this.faultBody(fault.status),
          headers: fault.retryAfter ? { "retry-after": fault.retryAfter } : undefined,
        }
      }
      if (fault.kind === "custom") {
        const answer = this.customFault(fault, { ...req, params: match!.params })
        if (answer) {
          outcome.applied = false
          return answer
        }
      }
    }

    const guarded = this.guard(req)
    if (guarded) return guarded

    if (!match) return this.notFound(req)
    req.params = match.params
    if (malformed) return this.malformedJson(req)

    const ctx: HookContext = { route: { method: match.route.method, pattern: match.route.pattern }, raw }
    const early = await this.beforeHandle(req, ctx)
    if (early) return early
    const res = match.route.handler(req)
    return this.afterHandle(req, res, ctx)
  }

  private match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue
      const m = route.regex.exec(path)
      if (!m) continue
      const params: Record<string, string> = {}
      route.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(m[i + 1] ?? "")
      })
      return { route, params }
    }
    return undefined
  }

  /** `/__emulator/*`: lets tests and other processes inspect or reset a running emulator over HTTP. */
  private control(method: string, path: string, query: Record<string, string>, rawBody: string): EmulatorResponse {
    const action = `${method} ${path.replace(/\/$/, "")}`
    switch (action) {
      case "GET /__emulator/requests":
        return { status: 200, body: { requests: this.requests({ method: query.method, path: query.path }) } }
      case "POST /__emulator/reset":
        this.reset()
        return { status: 200, body: { reset: true } }
      case "GET /__emulator/state":
        return { status: 200, body: this.stateSnapshot() }
      case "POST /__emulator/faults": {
        // Body: a FaultRule with `path` a string (concrete path or route pattern), `times` a number or "always".
        let rule: Omit<FaultRule, "times"> & { times?: number | "always" }
        try {
          rule = JSON.parse(rawBody || "{}")
        } catch {
          return { status: 400, body: { error: "Fault rule must be JSON" } }
        }
        if (!rule?.fault?.kind) return { status: 400, body: { error: "Fault rule needs fault.kind" } }
        const id = this.faults.add({ ...rule, times: rule.times === "always" ? Infinity : rule.times })
        return { status: 201, body: { id } }
      }
      case "GET /__emulator/faults":
        return { status: 200, body: { faults: this.faults.list() } }
      case "DELETE /__emulator/faults":
        this.faults.clear()
        return { status: 200, body: { cleared: true } }
      default:
        return this.customControl(method, path, query, rawBody) ?? { status: 404, body: { error: `Unknown emulator control route: ${method} ${path}` } }
    }
  }

  /** A processor's own control routes under `/__emulator/` (Fiserv's batch settlement); undefined for none. */
  protected customControl(_method: string, _path: string, _query: Record<string, string>, _rawBody: string): EmulatorResponse | undefined {
    return undefined
  }
}

// ------------------------------------------------------------------ helpers

/**
 * Records what a response writes (status and body bytes), through whatever wraps it later (a subclass's hook
 * may swap the body). `sent()` is null when nothing reached a live connection.
 */
function tapWire(raw: ServerResponse): { sent(): { status: number; body: string } | null } {
  let status: number | undefined
  let reachable = false
  const chunks: Buffer[] = []
  const keep = (chunk: unknown, encoding?: unknown) => {
    if (typeof chunk === "string") chunks.push(Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8"))
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk))
  }
  const writeHead = raw.writeHead.bind(raw) as (...args: unknown[]) => ServerResponse
  const write = raw.write.bind(raw) as (...args: unknown[]) => boolean
  const end = raw.end.bind(raw) as (...args: unknown[]) => ServerResponse
  const live = () => !raw.destroyed && !!raw.socket && !raw.socket.destroyed && raw.socket.writable
  Object.assign(raw, {
    writeHead: (code: number, ...rest: unknown[]) => {
      status = code
      reachable = live()
      return writeHead(code, ...rest)
    },
    write: (chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0])
      return write(chunk, ...rest)
    },
    end: (chunk?: unknown, ...rest: unknown[]) => {
      if (status === undefined) {
        // Headers written implicitly by end().
        status = raw.statusCode
        reachable = live()
      }
      keep(chunk, rest[0])
      return end(chunk, ...rest)
    },
  })
  return { sent: () => (status !== undefined && reachable ? { status, body: Buffer.concat(chunks).toString("utf8") } : null) }
}

/** A JSON body as a value; undefined when empty; the text itself when it is not JSON. */
function parseJsonText(text: string): unknown {
  if (text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })
}

function normaliseHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value
  }
  return out
}

/** True for `application/json` and `application/*+json`, ignoring parameters such as charset. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase()
  return mediaType === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType)
}

/** Only JSON content types are parsed; anything else is left to the subclass's `guard()` to accept or reject. */
function parseJsonBody(rawBody: string, contentType: string | undefined): { body: unknown; malformed: boolean } {
  if (rawBody.trim() === "" || !isJsonContentType(contentType)) return { body: undefined, malformed: false }
  try {
    return { body: JSON.parse(rawBody) as unknown, malformed: false }
  } catch {
    return { body: undefined, malformed: true }
  }
}

function writeResponse(raw: ServerResponse, res: EmulatorResponse, payload?: string): void {
  const body = payload ?? (res.body === undefined ? "" : JSON.stringify(res.body))
  const headers: Record<string, string | number> = { ...res.headers }
  if (body !== "") headers["content-type"] ??= "application/json; charset=utf-8"
  headers["content-length"] = Buffer.byteLength(body)
  raw.writeHead(res.status, headers)
  raw.end(body)
}
