/**
 * What package.spec.ts needs to treat the plugin as a store gets it: the README's Install section read as
 * runnable parts, child processes in their own process groups, a store's HTTP API, and the five processors'
 * storefront flows against the packaged emulators.
 */
import { spawn, type ChildProcess } from "node:child_process"
import fs from "node:fs"

// ---------------------------------------------------------------- README

export type Fence = { lang: string; body: string }

/** The fenced blocks of the markdown section that starts with `heading` (up to the next heading of its level). */
export function sectionFences(markdown: string, heading: string): Fence[] {
  const level = heading.match(/^#+/)![0]
  const start = markdown.indexOf(`\n${heading}\n`)
  if (start < 0) throw new Error(`README has no "${heading}" section`)
  const rest = markdown.slice(start + heading.length + 2)
  const end = rest.search(new RegExp(`\\n${level} `))
  const section = end < 0 ? rest : rest.slice(0, end)
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], body: m[2] }))
}

/** KEY=VALUE lines; `# KEY=` lines count as listed (documented, left unset). */
export function parseEnvBlock(body: string): { values: Record<string, string>; listed: Set<string> } {
  const values: Record<string, string> = {}
  const listed = new Set<string>()
  for (const line of body.split("\n")) {
    const m = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim())
    if (!m) continue
    listed.add(m[2])
    if (!m[1]) values[m[2]] = m[3]
  }
  return { values, listed }
}

/** The command lines of a bash block, comments dropped. */
export function commands(body: string): string[] {
  return body
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l && !l.startsWith("#"))
}

/**
 * A TypeScript example as a compilable module: its imports on top, the rest inside an async function
 * (examples use top-level await and leave values unused on purpose); `placeholders` are the names an
 * example uses without defining them (e.g. "id"), declared as strings.
 */
export function exampleModule(body: string, name: string, placeholders: string[] = []): string {
  const lines = body.split("\n")
  const imports = lines.filter((l) => /^import\s/.test(l))
  const rest = lines.filter((l) => !/^import\s/.test(l))
  const declared = placeholders.map((p) => `  const ${p} = "" as string\n`).join("")
  return `${imports.join("\n")}\n\nexport async function ${name}() {\n${declared}${rest.join("\n")}\n}\n`
}

// ---------------------------------------------------------------- processes

export type Proc = { child: ChildProcess; output: () => string; exited: Promise<number | null> }

/** A child in its own process group (so stop() ends what it starts, e.g. `medusa develop`'s server), output to a file. */
export function start(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; log: string }): Proc {
  const fd = fs.openSync(opts.log, "a")
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", fd, fd] })
  fs.closeSync(fd)
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => resolve(code))
    child.on("error", () => resolve(-1))
  })
  return { child, exited, output: () => (fs.existsSync(opts.log) ? fs.readFileSync(opts.log, "utf8") : "") }
}

export async function stop(proc: Proc | undefined): Promise<void> {
  if (!proc || proc.child.exitCode !== null || !proc.child.pid) return
  const group = -proc.child.pid
  try {
    process.kill(group, "SIGTERM")
  } catch {
    return
  }
  const done = await Promise.race([proc.exited.then(() => true), sleep(10_000).then(() => false)])
  if (!done) {
    try {
      process.kill(group, "SIGKILL")
    } catch {}
  }
}

/** Runs to completion; rejects with the command's output tail when it fails. */
export async function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; log: string; timeoutMs: number }) {
  const proc = start(cmd, args, opts)
  const timer = setTimeout(() => void stop(proc), opts.timeoutMs)
  const code = await proc.exited
  clearTimeout(timer)
  if (code !== 0) {
    throw new Error(`${[cmd, ...args].join(" ")} exited ${code} (log ${opts.log}):\n${tail(proc.output())}`)
  }
  return proc.output()
}

export function tail(text: string, lines = 40): string {
  return text.replace(/\x1b\[[0-9;]*m/g, "").split("\n").slice(-lines).join("\n")
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (e) {
      last = e
    }
    await sleep(everyMs)
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`)
}

// ---------------------------------------------------------------- HTTP

export type Reply = { status: number; body: any }

export class Api {
  headers: Record<string, string> = {}
  constructor(readonly base: string) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(path.startsWith("http") ? path : `${this.base}${path}`, {
      method,
      headers: { ...this.headers, ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {}
    return { status: res.status, body: parsed }
  }

  /** The body of a 2xx answer; otherwise throws with the status and body. */
  async ok(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any> {
    const reply = await this.call(method, path, body, headers)
    if (reply.status < 200 || reply.status > 299) {
      throw new Error(`${method} ${path} -> HTTP ${reply.status}: ${JSON.stringify(reply.body).slice(0, 2000)}`)
    }
    return reply.body
  }
}

// ---------------------------------------------------------------- the store's catalogue and checkout

export type Catalogue = { storeHeaders: Record<string, string>; regionId: string; salesChannelId: string; variantId: string }

/**
 * The least a store needs to sell through the HTTP API: a publishable key on the default sales channel, a USD
 * region with the given payment providers, and one published product that needs no shipping or stock.
 */
export async function seedCatalogue(admin: Api, providerIds: string[], price: number): Promise<Catalogue> {
  const { api_key: key } = await admin.ok("POST", "/admin/api-keys", { title: "package test", type: "publishable" })
  const { sales_channels } = await admin.ok("GET", "/admin/sales-channels?limit=1")
  const salesChannel = sales_channels[0] ?? (await admin.ok("POST", "/admin/sales-channels", { name: "Webshop" })).sales_channel
  await admin.ok("POST", `/admin/api-keys/${key.id}/sales-channels`, { add: [salesChannel.id] })
  const { region } = await admin.ok("POST", "/admin/regions", {
    name: "United States",
    currency_code: "usd",
    countries: ["us"],
    payment_providers: providerIds,
  })
  const { product } = await admin.ok("POST", "/admin/products", {
    title: "Gift card",
    status: "published",
    sales_channels: [{ id: salesChannel.id }],
    options: [{ title: "Kind", values: ["Digital"] }],
    variants: [{ title: "Digital", options: { Kind: "Digital" }, manage_inventory: false, prices: [{ currency_code: "usd", amount: price }] }],
  })
  return {
    storeHeaders: { "x-publishable-api-key": key.token },
    regionId: region.id,
    salesChannelId: salesChannel.id,
    variantId: product.variants[0].id,
  }
}

const ADDRESS = { first_name: "Ada", last_name: "Lovelace", address_1: "1 Test Street", city: "New York", postal_code: "10001", country_code: "us" }

/**
 * A storefront checkout: cart, payment collection, payment session with `data`, then `beforeComplete` (a hosted
 * payment page), then completion. Returns the order id.
 */
export async function checkout(
  api: Api,
  cat: Catalogue,
  providerId: string,
  data: Record<string, unknown> | undefined,
  beforeComplete?: (session: any) => Promise<void>
): Promise<string> {
  const h = cat.storeHeaders
  const { cart } = await api.ok(
    "POST",
    "/store/carts",
    {
      region_id: cat.regionId,
      sales_channel_id: cat.salesChannelId,
      email: "buyer@example.com",
      shipping_address: ADDRESS,
      billing_address: ADDRESS,
      items: [{ variant_id: cat.variantId, quantity: 1 }],
    },
    h
  )
  const { payment_collection: pc } = await api.ok("POST", "/store/payment-collections", { cart_id: cart.id }, h)
  const { payment_collection: withSession } = await api.ok(
    "POST",
    `/store/payment-collections/${pc.id}/payment-sessions`,
    { provider_id: providerId, ...(data ? { data } : {}) },
    h
  )
  await beforeComplete?.(withSession.payment_sessions.find((s: any) => s.provider_id === providerId))
  const completed = await api.ok("POST", `/store/carts/${cart.id}/complete`, {}, h)
  if (completed.type !== "order") throw new Error(`${providerId}: the cart did not become an order: ${JSON.stringify(completed).slice(0, 2000)}`)
  return completed.order.id
}

export async function orderPayment(admin: Api, orderId: string): Promise<any> {
  const fields = "id,*payment_collections,*payment_collections.payments,*payment_collections.payments.captures"
  const { order } = await admin.ok("GET", `/admin/orders/${orderId}?fields=${encodeURIComponent(fields)}`)
  const payments = order.payment_collections.flatMap((pc: any) => pc.payments ?? [])
  if (payments.length !== 1) throw new Error(`order ${orderId} has ${payments.length} payments`)
  return payments[0]
}
