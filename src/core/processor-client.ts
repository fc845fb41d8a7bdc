import { HttpClient, type HttpClientConfig, type Logger } from "./http"
import { baseUrlFor, type Environment } from "./options"

/** What every processor's options carry for its HTTP client (core/options.ts `commonOptions`). */
export interface ClientOptions {
  environment: Environment
  timeoutMs: number
  maxRetries: number
}

/**
 * One processor's HTTP facts, declared once in its `api.ts`: hosts, authentication, idempotency header, error
 * body. Everything else (timeouts, retries, redaction, size limits) is the shared client's (core/http.ts).
 */
export interface ProcessorClientDefinition<O extends ClientOptions> {
  processor: string
  /** Its documented hosts; a custom `environment` URL (an emulator, a proxy) replaces them. */
  hosts: { sandbox: string; production: string } | ((options: O) => { sandbox: string; production: string })
  /** Option values scrubbed from every log line and error. */
  secrets: (options: O) => Array<string | undefined>
  /** Headers for one attempt; `bodyText` is the exact body sent (for processors that sign it). */
  headers: (options: O) => HttpClientConfig["headers"]
  /**
   * The documented header a request's `idempotencyKey` travels in. Without one the key still marks a write as safe
   * to retry (core/http.ts), so a processor with no replay must not pass keys (Fiserv signs its own into `headers`).
   */
  idempotencyHeader?: string
  /** The processor's error body as code, type, message. */
  parseError: HttpClientConfig["parseError"]
  /** A failure in a 2xx answer, for processors that report errors in the body. */
  isFailure?: HttpClientConfig["isFailure"]
}

export type ProcessorClientFactory<O extends ClientOptions> = (options: O, logger: Logger, overrides?: Partial<HttpClientConfig>) => HttpClient

/** Declares a processor's client once; the returned factory builds it from the provider's parsed options. */
export function defineProcessorClient<O extends ClientOptions>(definition: ProcessorClientDefinition<O>): ProcessorClientFactory<O> {
  return (options, logger, overrides) =>
    new HttpClient({
      processor: definition.processor,
      baseURL: baseUrlFor(options.environment, typeof definition.hosts === "function" ? definition.hosts(options) : definition.hosts),
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      logger,
      secrets: definition.secrets(options),
      idempotencyHeader: definition.idempotencyHeader,
      headers: definition.headers(options),
      parseError: definition.parseError,
      isFailure: definition.isFailure,
      ...overrides,
    })
}
