/**
 * The package as a store gets it. Every other test runs from source, so none of them sees what `npm pack`
 * leaves out (a route under a path Medusa's build skips answers 404 in a store) or puts in (compiled tests,
 * a dev config with its secret, maps without sources). This one:
 *  1. runs `npm pack` (its prepack builds) and checks the tarball's files against an allowed list, that every
 *     server source file (each route included) is built into it, and that `exports` points at shipped files;
 *  2. runs the README's Install quick start, command by command, in a throwaway store in a temp dir that holds
 *     nothing of this repository but the tarball: a Medusa 2.21.2 starter package.json, the README's `.env` and
 *     `medusa-config.ts` (with the other four processors added to its providers), `npm install` of the tarball
 *     from the registry (the npm cache), the packaged emulator bin, `db:migrate` on a fresh database, the
 *     README's admin user, `medusa develop`;
 *  3. type-checks the README's code examples against the installed declarations, under `strict`;
 *  4. calls every admin route of the plugin, and makes one order, capture and refund per processor against the
 *     packaged emulators, checking what reached each emulator.
 * It takes minutes (install, migrate, boot): SKIP_PACKAGE_TEST=1 skips it, PACKAGE_TEST_TARBALL=<file> tests
 * that tarball instead of packing, PACKAGE_TEST_KEEP=1 keeps the temp dir (its path is printed).
 */
import { execFileSync } from "node:child_process"
import fs from "node:fs"
import net from "node:net"
import os from "node:os"
import path from "node:path"
import { Client } from "pg"
import {
  Api,
  type Catalogue,
  checkout,
  commands,
  exampleModule,
  type Fence,
  orderPayment,
  parseEnvBlock,
  type Proc,
  run,
  sectionFences,
  seedCatalogue,
  start,
  stop,
  tail,
  until,
} from "./store-kit"

jest.setTimeout(20 * 60_000)

const REPO = path.resolve(__dirname, "../..")
const README = fs.readFileSync(path.join(REPO, "README.md"), "utf8")
const MEDUSA_VERSION = "2.21.2"

/** What may ship: the built server code and its declarations, the admin bundle, the READMEs and the docs they link to. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^docs\/[\w-]+\.md$/,
  /^src\/(providers\/[a-z]+|emulators)\/README\.md$/,
  /^\.medusa\/server\/src\/admin\/index\.(js|mjs|d\.ts)$/,
  /^\.medusa\/server\/src\/(?!admin\/)[\w./[\]-]+(?<!\.spec)\.(js|d\.ts)$/,
]
const NEVER = /(^|\/)(__tests__|test|tests|integration-tests)\/|\.spec\.|\.map$|medusa-config/

/** The processors, how a storefront pays with each on its emulator, and their providers' options. */
const PROCESSORS = {
  clover: { data: () => ({ source: `clv_pkg_${rand()}` }) },
  checkout: { data: () => ({ token: `tok_pkg_${rand()}` }) },
  // Fiserv refunds only settled charges: the merchant's batch closes (daily in production) before the refund.
  fiserv: { data: () => ({ payment_token: `fiserv_tok_usd_${rand()}` }), settle: (emulator: string) => new Api(emulator).ok("POST", "/__emulator/settle") },
  processout: { data: () => ({ source: `card_pkg_${rand()}` }) },
  // Hosted checkout: the customer pays on Dodo's page between the session and the cart's completion.
  dodo: { data: () => undefined, pay: async (session: any) => void (await new Api("").ok("POST", `${session.data.checkout_url}/pay`)) },
} as const
type Processor = keyof typeof PROCESSORS
const NAMES = Object.keys(PROCESSORS) as Processor[]

/** Provider entries added to the README's config, next to its Clover entry (emulator defaults as credentials). */
const OTHER_PROVIDERS = `
          {
            resolve: "medusa-refund-processors/providers/checkout",
            id: "checkout",
            options: { secretKey: "sk_sbox_emulatorkeyforcheckoutdotco", environment: process.env.CHECKOUT_ENVIRONMENT, captureMode: "manual" },
          },
          {
            resolve: "medusa-refund-processors/providers/fiserv",
            id: "fiserv",
            options: {
              apiKey: "emulator_fiserv_api_key",
              apiSecret: "emulator_fiserv_api_secret",
              merchantId: "100008000003683",
              terminalId: "10000001",
              environment: process.env.FISERV_ENVIRONMENT,
              captureMode: "manual",
            },
          },
          {
            resolve: "medusa-refund-processors/providers/processout",
            id: "processout",
            options: {
              projectId: "test-proj_emulator",
              projectSecret: "key_sandbox_emulator",
              environment: process.env.PROCESSOUT_ENVIRONMENT,
              captureMode: "manual",
              webhookSecret: "whsec_processout_package_test",
            },
          },
          {
            resolve: "medusa-refund-processors/providers/dodo",
            id: "dodo",
            options: { apiKey: "emulator_dodo_key", environment: process.env.DODO_ENVIRONMENT, productId: "pdt_emulator_pay_what_you_want" },
          },`

const run_ = process.env.SKIP_PACKAGE_TEST === "1" ? describe.skip : describe

run_("the packed plugin in a fresh Medusa store", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refund-processors-package-"))
  const logs = path.join(tmp, "logs")
  const store = path.join(tmp, "store")
  const dbName = `rp_package_${process.pid}_${Date.now()}`
  const timings: Record<string, number> = {}
  const emulators: Partial<Record<Processor, { url: string; proc: Proc }>> = {}
  let tarball = ""
  let packed: string[] = []
  let pkg: any // the packed package.json
  let server: Proc | undefined
  let api: Api
  let admin: Api
  let adminLogin: { email: string; password: string } | undefined
  let dbCreated = false
  /** The environment the store's server runs with (set once the quick start has chosen its port). */
  let serverEnv: (() => NodeJS.ProcessEnv) | undefined
  const called = new Set<string>()
  const started = Date.now()

  const pg = () =>
    new Client({
      host: "localhost",
      port: Number(process.env.DB_PORT || 5432),
      user: process.env.DB_USERNAME || "postgres",
      password: process.env.DB_PASSWORD || undefined,
      database: "postgres",
    })
  const databaseUrl = () => {
    const user = encodeURIComponent(process.env.DB_USERNAME || "postgres")
    const auth = process.env.DB_PASSWORD ? `${user}:${encodeURIComponent(process.env.DB_PASSWORD)}` : user
    return `postgres://${auth}@localhost:${process.env.DB_PORT || 5432}/${dbName}`
  }

  /** The store's processes get a bare environment: nothing of this repository's test run (NODE_ENV, NODE_OPTIONS, DB_*, its bins). */
  const storeEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const PATH = (process.env.PATH ?? "").split(path.delimiter).filter((p) => !p.startsWith(REPO)).join(path.delimiter)
    const keep = Object.fromEntries(["HOME", "TMPDIR", "LANG", "npm_config_cache"].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])))
    return { ...keep, PATH, MEDUSA_DISABLE_TELEMETRY: "true", ...extra }
  }
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = Date.now()
    try {
      return await work()
    } finally {
      timings[name] = Date.now() - t0
    }
  }
  const bin = (name: string) => path.join(store, "node_modules", ".bin", name)
  /** Later steps need the earlier ones: fail with that, not with a TypeError. */
  const needsStore = () => {
    if (!admin) throw new Error("the store did not boot: see the first failure")
  }
  const adminCall = async (method: string, template: string, id?: string, body?: unknown) => {
    called.add(`${method} ${template}`)
    return admin.ok(method, template.replace(":id", encodeURIComponent(id ?? "")), body)
  }

  beforeAll(() => fs.mkdirSync(logs, { recursive: true }))

  afterAll(async () => {
    await stop(server)
    await Promise.all(Object.values(emulators).map((e) => stop(e.proc)))
    if (dbCreated) {
      const client = pg()
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`)
      await client.end()
    }
    const seconds = Object.entries(timings).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
    console.log(`[package test] ${((Date.now() - started) / 1000).toFixed(1)} s in all: ${seconds.join(", ")}`)
    if (process.env.PACKAGE_TEST_KEEP === "1") console.log(`[package test] kept ${tmp}`)
    else fs.rmSync(tmp, { recursive: true, force: true })
  })

  it("npm pack builds the plugin and packs only allowed files, every server source file built", async () => {
    if (process.env.PACKAGE_TEST_TARBALL) {
      tarball = path.resolve(process.env.PACKAGE_TEST_TARBALL)
    } else {
      const dest = path.join(tmp, "pack")
      fs.mkdirSync(dest)
      const out = await timed("pack", () =>
        run("npm", ["pack", "--pack-destination", dest], { cwd: REPO, env: storeEnv(), log: path.join(logs, "pack.log"), timeoutMs: 15 * 60_000 })
      )
      expect(out).toContain("postbuild:") // prepack built it (scripts/package/postbuild.js ran)
      tarball = path.join(dest, fs.readdirSync(dest).find((f) => f.endsWith(".tgz"))!)
    }
    packed = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ""))
    pkg = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }))
    console.log(`[package test] ${path.basename(tarball)}: ${fs.statSync(tarball).size} bytes, ${packed.length} files`)

    expect(packed.filter((f) => NEVER.test(f) || !ALLOWED.some((re) => re.test(f)))).toEqual([])

    // Every server file of src (routes, middlewares, subscribers, job, providers, emulators) is built and shipped.
    const sources = (dir: string): string[] =>
      fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = `${dir}/${e.name}`
        if (e.isDirectory()) return e.name === "__tests__" || rel === "src/admin" ? [] : sources(rel)
        return /\.ts$/.test(e.name) && !/\.(spec|d)\.ts$/.test(e.name) ? [rel] : []
      })
    const serverSources = sources("src")
    expect(serverSources.filter((f) => f.startsWith("src/api/") && f.endsWith("/route.ts")).length).toBeGreaterThan(0)
    expect(serverSources.filter((f) => !packed.includes(`.medusa/server/${f.replace(/\.ts$/, ".js")}`))).toEqual([])

    // `exports` names the public entry points only, each with declarations, every target shipped. Medusa's plugin
    // loader requires `<plugin>/.medusa/server/src/modules/<name>` (@medusajs/utils get-resolved-plugins.js).
    expect(Object.keys(pkg.exports).sort()).toEqual(
      [".", "./.medusa/server/src/modules/*", "./admin", "./emulators", "./emulators/*", "./money", "./package.json", "./providers/*"].sort()
    )
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>)].concat(
      Object.entries(pkg.exports).flatMap(([key, value]) => {
        if (typeof value === "string") return [value]
        expect([key, Object.keys(value as object)[0]]).toEqual([key, "types"]) // `types` first, as TypeScript requires
        return Object.values(value as Record<string, string>)
      })
    )
    const expand = (target: string) =>
      target.includes("*")
        ? fs.readdirSync(path.join(REPO, target.split("*")[0].replace(".medusa/server/", "")))
            .filter((d) => fs.existsSync(path.join(REPO, target.replace(".medusa/server/", "").replace("*", d).replace(/\.d\.ts$|\.js$/, ".ts"))))
            .map((d) => target.replace("*", d))
        : [target]
    const missing = targets.flatMap(expand).map((t) => t.replace(/^\.\//, "")).filter((t) => !packed.includes(t))
    expect(missing).toEqual([])
  })

  it("the README's quick start installs, migrates and boots a fresh store", async () => {
    expect(tarball).toBeTruthy()
    const fences = sectionFences(README, "## Install")
    const isEnv = (f: Fence) => f.lang === "bash" && f.body.split("\n").filter(Boolean).every((l) => /^#?\s*[A-Z][A-Z0-9_]*=/.test(l))
    const envFence = fences.find(isEnv)
    const configFence = fences.find((f) => f.lang === "ts" && f.body.includes("defineConfig("))
    const commandFences = fences.filter((f) => f.lang === "bash" && !isEnv(f))
    // Every example of the Install section is one of these, so each is run or used below.
    expect(fences.filter((f) => f !== envFence && f !== configFence && !commandFences.includes(f))).toEqual([])
    expect(envFence && configFence && commandFences.length).toBeTruthy()

    const readmeEnv = parseEnvBlock(envFence!.body)
    const config = configFence!.body
    // The .env block lists everything the config reads.
    const read = [...config.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]).filter((k) => k !== "NODE_ENV")
    expect(read.filter((k) => !readmeEnv.listed.has(k))).toEqual([])

    fs.mkdirSync(store)
    fs.writeFileSync(
      path.join(store, "package.json"),
      JSON.stringify(
        {
          name: "throwaway-store",
          version: "0.0.1",
          private: true,
          scripts: { build: "medusa build", start: "medusa start", dev: "medusa develop" },
          dependencies: Object.fromEntries(["admin-sdk", "cli", "framework", "medusa"].map((p) => [`@medusajs/${p}`, MEDUSA_VERSION])),
          devDependencies: { "@swc/core": "^1.7.28", "@types/node": "^20.12.11", react: "^18.3.1", "react-dom": "^18.3.1", "ts-node": "^10.9.2", typescript: "^5.6.2", vite: "^5.4.14" },
        },
        null,
        2
      )
    )
    fs.writeFileSync(path.join(store, "tsconfig.json"), JSON.stringify(STARTER_TSCONFIG, null, 2))
    // The README's config, with the other processors next to its Clover entry.
    expect(config).toMatch(/providers: \[\n/)
    fs.writeFileSync(path.join(store, "medusa-config.ts"), config.replace(/providers: \[\n/, (m) => `${m}${OTHER_PROVIDERS.slice(1)}\n`))

    const env: Record<string, string> = { ...readmeEnv.values, DATABASE_URL: databaseUrl() }
    const port = await freePort()
    const stepEnv = () => {
      const urls = Object.fromEntries(Object.entries(emulators).map(([n, e]) => [`${n.toUpperCase()}_ENVIRONMENT`, e.url]))
      return storeEnv({ ...urls, PORT: String(port) })
    }
    serverEnv = stepEnv
    const startEmulator = async (name: Processor) => {
      const log = path.join(logs, `emulator-${name}.log`)
      const proc = start(bin("medusa-processor-emulator"), [name, "--port", "0"], { cwd: store, env: storeEnv(), log })
      const url = await until(`the ${name} emulator`, async () => /listening on (http:\/\/\S+)/.exec(proc.output())?.[1], 60_000)
      emulators[name] = { url, proc }
      return url
    }

    for (const line of commandFences.flatMap((f) => commands(f.body))) {
      const words = line.split(/\s+/)
      if (line === "npm install medusa-refund-processors") {
        await timed("install", () =>
          run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: store, env: storeEnv(), log: path.join(logs, "install.log"), timeoutMs: 15 * 60_000 })
        )
        await checkTypes()
      } else if (words[0] === "npx" && words[1] === "medusa-processor-emulator") {
        const name = words[2] as Processor
        const url = await startEmulator(name)
        // The README's env points at the port its command starts the emulator on; here it is any free port.
        const readmePort = words[words.indexOf("--port") + 1]
        expect(env[`${name.toUpperCase()}_ENVIRONMENT`]).toBe(`http://127.0.0.1:${readmePort}`)
        env[`${name.toUpperCase()}_ENVIRONMENT`] = url
        for (const other of NAMES.filter((n) => n !== name)) await startEmulator(other)
      } else if (line === "npx medusa db:migrate") {
        fs.writeFileSync(path.join(store, ".env"), Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n")
        const client = pg()
        await client.connect()
        await client.query(`CREATE DATABASE "${dbName}"`)
        await client.end()
        dbCreated = true
        await timed("migrate", () => run(bin("medusa"), ["db:migrate"], { cwd: store, env: stepEnv(), log: path.join(logs, "migrate.log"), timeoutMs: 10 * 60_000 }))
      } else if (words[0] === "npx" && words[1] === "medusa" && words[2] === "user") {
        adminLogin = { email: words[words.indexOf("-e") + 1], password: words[words.indexOf("-p") + 1] }
        await timed("user", () => run(bin("medusa"), words.slice(2), { cwd: store, env: stepEnv(), log: path.join(logs, "user.log"), timeoutMs: 5 * 60_000 }))
      } else if (line === "npx medusa develop") {
        // Logs go outside the store: `medusa develop` restarts on any change in it.
        server = start(bin("medusa"), ["develop"], { cwd: store, env: stepEnv(), log: path.join(logs, "develop.log") })
        api = new Api(`http://localhost:${port}`)
        await timed("boot", () =>
          until(
            "the store to answer /health",
            async () => {
              if (server!.child.exitCode !== null) throw new Error(`medusa develop exited:\n${tail(server!.output())}`)
              return (await api.call("GET", "/health")).status === 200 ? true : undefined
            },
            10 * 60_000,
            1000
          ).catch((e) => {
            throw new Error(`${e.message}\n${tail(server!.output())}`)
          })
        )
      } else {
        throw new Error(`README Install runs "${line}", which this test does not: teach the test, or change the README`)
      }
    }
    expect(server && adminLogin && NAMES.every((n) => emulators[n])).toBeTruthy()
    const { token } = await api.ok("POST", "/auth/user/emailpass", adminLogin)
    admin = new Api(api.base)
    admin.headers = { authorization: `Bearer ${token}` }

    /** The README's code examples, against the installed package's declarations, under `strict`. */
    async function checkTypes() {
      const installed = path.join(store, "node_modules", "medusa-refund-processors")
      const money = sectionFences(README, "## Money API for your own code").find((f) => f.lang === "ts")!
      const emulatorsReadme = fs.readFileSync(path.join(installed, "src/emulators/README.md"), "utf8")
      const emulators = sectionFences(emulatorsReadme, "### In tests").find((f) => f.lang === "ts")!
      fs.writeFileSync(
        path.join(store, "examples.ts"),
        // The emulators' example reads a charge by ids it leaves to the reader.
        [exampleModule(money.body, "moneyApi"), exampleModule(emulators.body, "emulatorsInTests", ["id", "chargeId"])].join("\n")
      )
      fs.writeFileSync(
        path.join(store, "tsconfig.examples.json"),
        JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { strict: true, noEmit: true }, files: ["examples.ts", "medusa-config.ts"], include: [] })
      )
      await timed("types", () => run(bin("tsc"), ["-p", "tsconfig.examples.json"], { cwd: store, env: storeEnv(), log: path.join(logs, "tsc.log"), timeoutMs: 5 * 60_000 }))
    }
  })

  it("lists the five providers, and Test connection reaches each emulator", async () => {
    needsStore()
    const { providers } = await adminCall("GET", "/admin/refund-processors/providers")
    expect(providers.map((p: any) => [p.id, p.mode]).sort()).toEqual(NAMES.map((n) => [`pp_${n}_${n}`, "emulator"]).sort())
    for (const name of NAMES) {
      const check = await adminCall("POST", "/admin/refund-processors/providers/:id/connection-check", `pp_${name}_${name}`)
      expect([name, check.ok, check.message]).toEqual([name, true, expect.anything()])
    }
  })

  it("refunds 12.34 of a 30.00 order once per processor, through the store's HTTP API", async () => {
    needsStore()
    const catalogue: Catalogue = await seedCatalogue(admin, NAMES.map((n) => `pp_${n}_${n}`), 30)
    for (const name of NAMES) {
      const { data, pay, settle } = PROCESSORS[name] as {
        data: () => Record<string, unknown> | undefined
        pay?: (session: any) => Promise<void>
        settle?: (emulator: string) => Promise<unknown>
      }
      const orderId = await checkout(api, catalogue, `pp_${name}_${name}`, data(), pay)
      const payment = await orderPayment(admin, orderId)
      if (!payment.captures?.length) await admin.ok("POST", `/admin/payments/${payment.id}/capture`, {})
      await settle?.(emulators[name]!.url)
      const { payment: refunded } = await admin.ok("POST", `/admin/payments/${payment.id}/refund`, { amount: 12.34 })
      expect([name, refunded.refunds.map((r: any) => Number(r.amount))]).toEqual([name, [12.34]])

      // The processor got one refund request for 12.34 (in its own unit), and answered it.
      const { requests } = await new Api(emulators[name]!.url).ok("GET", "/__emulator/requests?method=POST")
      const refunds = requests.filter((r: any) => /refund/i.test(r.path) && r.status >= 200 && r.status < 300)
      expect([name, refunds.length]).toEqual([name, 1])
      expect([name, amountsIn(refunds[0].body)]).toEqual([name, expect.arrayContaining([expect.stringMatching(/^(1234|12\.34)$/)])])

      // The plugin's admin routes see it.
      const { payments } = await adminCall("GET", "/admin/refund-processors/orders/:id/payments", orderId)
      expect([name, payments.map((p: any) => p.payment_id)]).toEqual([name, [payment.id]])
      const { payment: view } = await adminCall("GET", "/admin/refund-processors/payments/:id", payment.id)
      expect([name, view.refunds.map((r: any) => r.amount_minor)]).toEqual([name, ["1234"]])
      const synced = await adminCall("POST", "/admin/refund-processors/payments/:id/sync", payment.id)
      expect([name, synced.payment.refunds.length, typeof synced.synced_at]).toEqual([name, 1, "string"])
      const { return_refunds } = await adminCall("GET", "/admin/refund-processors/orders/:id/return-refunds", orderId)
      expect([name, return_refunds]).toEqual([name, []])
    }
  })

  it("keeps the store's refund policy in the plugin's own module (migrated with the store), audited", async () => {
    needsStore()
    const { policy } = await adminCall("GET", "/admin/refund-processors/policy")
    expect(policy.auto_refund_on_receipt).toBe(false)
    await adminCall("POST", "/admin/refund-processors/policy", undefined, { auto_refund_on_receipt: true })
    expect((await adminCall("GET", "/admin/refund-processors/policy")).policy.auto_refund_on_receipt).toBe(true)
    const { changes } = await adminCall("GET", "/admin/refund-processors/policy/changes")
    expect(changes.length).toBeGreaterThan(0)
    // "Refund this return" on a return that does not exist: the plugin's own not-found answer, nothing refunded.
    called.add("POST /admin/refund-processors/returns/:id/refund")
    const missing = await admin.call("POST", "/admin/refund-processors/returns/return_01NOSUCHRETURN0000000000/refund")
    expect([missing.status, (missing.body as any)?.type]).toEqual([404, "not_found"])
  })

  it("has called every admin route the package ships", () => {
    needsStore()
    const shipped = packed.flatMap((f) => {
      const m = /^\.medusa\/server\/src\/api\/(.+)\/route\.js$/.exec(f)
      if (!m) return []
      const code = fs.readFileSync(path.join(store, "node_modules", "medusa-refund-processors", f), "utf8")
      const route = `/${m[1].replace(/\[(\w+)\]/g, ":$1")}`
      return [...code.matchAll(/exports\.(GET|POST|PUT|PATCH|DELETE)\b/g)].map((x) => `${x[1]} ${route}`)
    })
    expect(shipped.length).toBeGreaterThan(0)
    expect(shipped.filter((r) => !called.has(r))).toEqual([])
  })

  it("ships no inline source maps, and the admin resolves the store's single copy of each admin package", async () => {
    needsStore()
    const installed = path.join(store, "node_modules", "medusa-refund-processors")
    expect(packed.filter((f) => /\.m?js$/.test(f) && fs.readFileSync(path.join(installed, f), "utf8").includes("sourceMappingURL=data:"))).toEqual([])

    // Two copies of @tanstack/react-query (or @medusajs/ui) break the plugin's admin pages at run time.
    const dashboard = packageDir("@medusajs/dashboard", packageDir("@medusajs/admin-bundler", packageDir("@medusajs/medusa", store)))
    for (const dep of Object.keys(pkg.peerDependencies).filter((d) => !/framework|medusa$|admin-sdk/.test(d))) {
      expect([dep, packageDir(dep, installed)]).toEqual([dep, packageDir(dep, dashboard)])
    }

    // The dev admin loads the plugin's extensions (Vite bundles them with the store's packages). Vite may answer
    // 504 while it re-optimizes its dependencies: asked again, with the entry's new URLs.
    const plugin = await until(
      "the plugin's admin extensions from the dev admin",
      async () => {
        const entry = await api.ok("GET", "/app/entry.jsx")
        const url = /from "([^"]*medusa-refund-processors[^"]*admin[^"]*)"/.exec(entry)?.[1]
        if (!url) throw new Error(`the admin's entry does not import the plugin:\n${String(entry).slice(0, 1500)}`)
        const reply = await api.call("GET", url)
        return reply.status === 200 ? String(reply.body) : undefined
      },
      5 * 60_000,
      2000
    )
    expect(plugin).toContain("order.details.side.after")
  })

  it("medusa build, then medusa start from the build, serves the plugin's routes and admin extensions", async () => {
    needsStore()
    await stop(server)
    server = undefined
    await timed("build", () => run(bin("medusa"), ["build"], { cwd: store, env: serverEnv!(), log: path.join(logs, "build.log"), timeoutMs: 15 * 60_000 }))
    const built = path.join(store, ".medusa", "server")
    // Medusa's deployment guide runs `npm install` in the build; the store's node_modules hold the same packages.
    fs.symlinkSync(path.join(store, "node_modules"), path.join(built, "node_modules"), "dir")
    fs.copyFileSync(path.join(store, ".env"), path.join(built, ".env"))

    // The plugin's admin extensions are compiled into the store's admin build.
    const assets = path.join(built, "public", "admin", "assets")
    const bundle = fs.readdirSync(assets).filter((f) => f.endsWith(".js")).map((f) => fs.readFileSync(path.join(assets, f), "utf8")).join("\n")
    // The order widget's heading and the settings page's request path.
    expect(["Refund ledger", "/connection-check"].filter((marker) => !bundle.includes(marker))).toEqual([])

    server = start(bin("medusa"), ["start"], { cwd: built, env: serverEnv!(), log: path.join(logs, "start.log") })
    await timed("start", () =>
      until(
        "the built store to answer /health",
        async () => {
          if (server!.child.exitCode !== null) throw new Error(`medusa start exited:\n${tail(server!.output())}`)
          return (await api.call("GET", "/health")).status === 200 ? true : undefined
        },
        5 * 60_000,
        1000
      )
    )
    expect((await api.call("GET", "/app")).status).toBe(200)
    const { token } = await api.ok("POST", "/auth/user/emailpass", adminLogin)
    const built_ = new Api(api.base)
    built_.headers = { authorization: `Bearer ${token}` }
    const { providers } = await built_.ok("GET", "/admin/refund-processors/providers")
    expect(providers.map((p: any) => p.id).sort()).toEqual(NAMES.map((n) => `pp_${n}_${n}`).sort())
    for (const name of NAMES) {
      const check = await built_.ok("POST", `/admin/refund-processors/providers/pp_${name}_${name}/connection-check`)
      expect([name, check.ok]).toEqual([name, true])
    }
  })
})

/** The Medusa 2.21 starter's tsconfig.json. */
const STARTER_TSCONFIG = {
  compilerOptions: {
    target: "ES2021",
    esModuleInterop: true,
    module: "Node16",
    moduleResolution: "Node16",
    emitDecoratorMetadata: true,
    experimentalDecorators: true,
    skipLibCheck: true,
    skipDefaultLibCheck: true,
    declaration: false,
    sourceMap: false,
    inlineSourceMap: true,
    outDir: "./.medusa/server",
    rootDir: "./",
    jsx: "react-jsx",
    forceConsistentCasingInFileNames: true,
    resolveJsonModule: true,
    checkJs: false,
    strictNullChecks: true,
  },
  "ts-node": { swc: true },
  include: ["**/*", ".medusa/types/*"],
  exclude: ["node_modules", ".medusa/server", ".medusa/admin", ".cache"],
}

/** Every number or numeric string under an "amount", "total" or "value" key of a processor's request, at any depth. */
function amountsIn(v: unknown, key = ""): string[] {
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => amountsIn(x, k))
  return /^(amount|total|value)$/i.test(key) && (typeof v === "number" || typeof v === "string") ? [String(v)] : []
}

function rand(): string {
  return `${Date.now()}_${Math.random().toString(36).slice(2, 10)}`
}

/** Where node finds package `name` from `dir` (by directory, since some packages export no package.json). */
function packageDir(name: string, dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, "node_modules", name)
    if (fs.existsSync(path.join(candidate, "package.json"))) return fs.realpathSync(candidate)
    if (path.dirname(d) === d) throw new Error(`${name} is not resolvable from ${dir}`)
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on("error", reject)
    // On every interface, as Medusa's server listens ("::"): a port taken there only is not free for the store.
    srv.listen(0, () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}
