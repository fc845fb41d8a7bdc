/**
 * Tests' use of the processor emulators (src/emulators): one emulator for a spec file, and
 * JSON requests to it over HTTP.
 */

interface Emulator {
  start(): Promise<unknown>
  stop(): Promise<void>
  reset(): void
}

/**
 * Starts `emulator` before the file's (or describe block's) tests, stops it after them and
 * resets it (journal, scripted faults, processor state) before each test. Returns it.
 */
export function useEmulator<E extends Emulator>(emulator: E): E {
  beforeAll(async () => {
    await emulator.start()
  })
  afterAll(() => emulator.stop())
  beforeEach(() => emulator.reset())
  return emulator
}

export interface JsonAnswer<T = any> {
  status: number
  body: T
}

export interface JsonRequest {
  /** Sent as JSON (content-type application/json unless `headers` names one). */
  body?: unknown
  /** Sent as it is, when `body` is not given. */
  rawBody?: string
  headers?: Record<string, string>
}

/** `method` `baseUrl + path` with fetch; the answer's body is parsed as JSON, undefined when empty. */
export async function callJson<T = any>(baseUrl: string, method: string, path: string, request: JsonRequest = {}): Promise<JsonAnswer<T>> {
  const headers: Record<string, string> = { ...request.headers }
  let body = request.rawBody
  if (request.body !== undefined) {
    body = JSON.stringify(request.body)
    headers["content-type"] ??= "application/json"
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}
