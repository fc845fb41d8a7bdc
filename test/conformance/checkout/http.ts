import { CheckoutEmulator, DEFAULT_CHECKOUT_ABC_SECRET_KEY, DEFAULT_CHECKOUT_SECRET_KEY } from "../../../src/emulators/checkout"

/** Keys the emulator accepts: a current-account key (sent as Bearer) and a previous-structure / classic key (sent raw). */
export const NAS_KEY = DEFAULT_CHECKOUT_SECRET_KEY
export const ABC_KEY = DEFAULT_CHECKOUT_ABC_SECRET_KEY

export interface Answer {
  status: number
  headers: Headers
  body: any
}

/** One emulator per suite, refunds settled only when the suite says so; plain fetch, nothing of the providers. */
export function conformanceEmulator() {
  const emulator = new CheckoutEmulator({ refundDelayMs: null })
  beforeAll(() => emulator.start())
  afterAll(() => emulator.stop())
  beforeEach(() => emulator.reset())
  let seq = 0
  return {
    emulator,
    token: (kind = "conf") => `tok_${kind}_${Date.now()}_${++seq}`,
    /** A request as a merchant sends it: JSON body, Authorization as given (default: the classic raw key on /v2, else Bearer). */
    async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
      const h: Record<string, string> = { authorization: path.startsWith("/v2/") ? ABC_KEY : `Bearer ${NAS_KEY}`, ...headers }
      if (body !== undefined) h["content-type"] ??= "application/json"
      for (const [k, v] of Object.entries(h)) if (v === "") delete h[k]
      const res = await fetch(`${emulator.url}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) })
      const text = await res.text()
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
    },
  }
}
