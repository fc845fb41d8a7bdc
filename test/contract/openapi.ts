/**
 * Contract checks against the processors' published OpenAPI files (vendored in test/contract/specs, see SOURCES.txt):
 * every request body our providers send and every answer an emulator gives can be
 * validated against the operation's schema. Test-only code (not built into the package).
 *
 *   const spec = loadSpec("clover-ecommerce-apievangelist-assembled.openapi.yml")
 *   expect(spec.check(emulator.requests())).toEqual([])
 */
import fs from "node:fs"
import path from "node:path"
import Ajv, { type ValidateFunction } from "ajv"
import Ajv2020 from "ajv/dist/2020"
import addFormats from "ajv-formats"
import { parse as parseYaml } from "yaml"

export const SPECS_DIR = path.resolve(__dirname, "specs")

type Json = Record<string, any>

export interface RecordedExchange {
  method: string
  path: string
  body?: unknown
  rawBody?: string
  status: number
  response?: unknown
  /** Set by an emulator's scripted fault; `applied: false` means the answer was the fault's, not the API's. */
  fault?: string
  applied?: boolean
}

export interface CheckOptions {
  /** Paths that are not part of the processor's API (an emulator's control routes). */
  ignorePaths?: RegExp
  /**
   * Known errors in a spec, each with the reason it is wrong (a third-party assembly that
   * contradicts the processor's reference). Matching problems are not reported.
   */
  deviations?: ReadonlyArray<{ problem: RegExp; reason: string }>
}

export interface SpecOperation {
  template: string
  method: string
  operation: Json
}

export interface ContractSpec {
  readonly title: string
  /** The spec operation a concrete request path maps to, or undefined. */
  find(method: string, concretePath: string): SpecOperation | undefined
  /** Schema errors of a request body ([] when valid or when the spec has no body schema). */
  validateRequest(method: string, concretePath: string, body: unknown): string[]
  /** Schema errors of an answer ([] when valid or when the spec has no schema for the status). */
  validateResponse(method: string, concretePath: string, status: number, body: unknown): string[]
  /**
   * Checks a journal of exchanges: each must map to a spec operation, its request body and
   * its answer must match. Returns one line per problem.
   */
  check(exchanges: readonly RecordedExchange[], options?: CheckOptions): string[]
}

function readDoc(file: string): Json {
  const text = fs.readFileSync(file, "utf8")
  return file.endsWith(".json") ? JSON.parse(text) : parseYaml(text, { maxAliasCount: -1 })
}

/**
 * Assembles a split spec the way checkout/checkout-api-reference does: root swagger.yaml,
 * paths/<a@b@{id}>.yaml → /a/b/{id}, components/<kind>/**\/<Name>.yaml → #/components/<kind>/<Name>.
 */
function assembleSplitSpec(dir: string): Json {
  const doc = readDoc(path.join(dir, "swagger.yaml"))
  doc.paths = doc.paths ?? {}
  for (const file of fs.readdirSync(path.join(dir, "paths"))) {
    const route = "/" + file.replace(/\.ya?ml$/, "").split("@").join("/")
    doc.paths[route] = readDoc(path.join(dir, "paths", file))
  }
  doc.components = doc.components ?? {}
  const walk = (kindDir: string, kind: string) => {
    for (const entry of fs.readdirSync(kindDir, { withFileTypes: true })) {
      const full = path.join(kindDir, entry.name)
      if (entry.isDirectory()) walk(full, kind)
      else if (/\.ya?ml$/.test(entry.name)) {
        doc.components[kind] = doc.components[kind] ?? {}
        doc.components[kind][entry.name.replace(/\.ya?ml$/, "")] = readDoc(full)
      }
    }
  }
  for (const kind of fs.readdirSync(path.join(dir, "components"))) walk(path.join(dir, "components", kind), kind)
  return doc
}

function pointer(doc: Json, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined
  return ref
    .slice(2)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<any>((node, key) => (node === undefined || node === null ? undefined : node[key]), doc)
}

/** Refs to parts a partial spec lacks become "anything", and are reported once. */
function patchDanglingRefs(doc: Json, missing: Set<string>): void {
  const visit = (node: any) => {
    if (!node || typeof node !== "object") return
    if (Array.isArray(node)) return node.forEach(visit)
    if (typeof node.$ref === "string" && node.$ref.startsWith("#/") && pointer(doc, node.$ref) === undefined) {
      missing.add(node.$ref)
      delete node.$ref
    }
    Object.values(node).forEach(visit)
  }
  visit(doc)
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1")
}

const cache = new Map<string, ContractSpec>()

/** Loads a spec file (or a split-spec directory) under test/contract/specs, once per process. */
export function loadSpec(relative: string): ContractSpec {
  const cached = cache.get(relative)
  if (cached) return cached
  const full = path.join(SPECS_DIR, relative)
  const doc = fs.statSync(full).isDirectory() ? assembleSplitSpec(full) : readDoc(full)
  const missingRefs = new Set<string>()
  patchDanglingRefs(doc, missingRefs)
  const is31 = String(doc.openapi ?? "").startsWith("3.1")
  const options = { strict: false, allErrors: true, validateSchema: false, discriminator: false } as const
  const ajv = is31 ? new Ajv2020(options) : new Ajv(options)
  addFormats(ajv as any)
  for (const format of ["int32", "int64", "float", "double", "decimal", "byte", "binary", "password", "uuid4", "json"]) {
    ajv.addFormat(format, true)
  }
  // OpenAPI 3.0's `nullable` is not JSON Schema; rewrite it as a type union.
  const toJsonSchema = (node: any): void => {
    if (!node || typeof node !== "object") return
    if (Array.isArray(node)) return node.forEach(toJsonSchema)
    if (node.nullable === true && typeof node.type === "string") node.type = [node.type, "null"]
    Object.values(node).forEach(toJsonSchema)
  }
  if (!is31) toJsonSchema(doc)
  const id = `spec:${relative}`
  ajv.addSchema({ ...doc, $id: id }, id)

  const templates = Object.keys(doc.paths ?? {}).map((template) => {
    const parts = template.split("/").filter(Boolean)
    return { template, parts, literal: parts.filter((p) => !p.startsWith("{")).length }
  })
  const validators = new Map<string, ValidateFunction>()
  const validatorFor = (jsonPointer: string): ValidateFunction => {
    let fn = validators.get(jsonPointer)
    if (!fn) {
      fn = ajv.compile({ $ref: `${id}#${jsonPointer}` })
      validators.set(jsonPointer, fn)
    }
    return fn
  }
  const resolve = (node: any): any => (node && typeof node.$ref === "string" ? resolve(pointer(doc, node.$ref)) : node)

  const spec: ContractSpec = {
    title: `${doc.info?.title ?? relative}${missingRefs.size ? ` (partial: ${missingRefs.size} refs missing)` : ""}`,
    find(method, concretePath) {
      const parts = concretePath.split("?")[0].split("/").filter(Boolean)
      const m = method.toLowerCase()
      const matches = templates
        .filter((t) => t.parts.length === parts.length && t.parts.every((p, i) => p.startsWith("{") || p === parts[i]))
        .filter((t) => doc.paths[t.template]?.[m])
        .sort((a, b) => b.literal - a.literal)
      const best = matches[0]
      return best ? { template: best.template, method: m, operation: doc.paths[best.template][m] } : undefined
    },
    validateRequest(method, concretePath, body) {
      const op = spec.find(method, concretePath)
      if (!op) return [`${method} ${concretePath}: no such operation in ${spec.title}`]
      const requestBody = resolve(op.operation.requestBody)
      const media = requestBody?.content?.["application/json"]
      if (!media?.schema) return []
      if (body === undefined) return requestBody.required ? [`${method} ${op.template}: request body is required`] : []
      const ptr = `/paths/${escapePointer(op.template)}/${op.method}/requestBody/content/application~1json/schema`
      const fn = op.operation.requestBody.$ref
        ? ajv.compile({ $ref: `${id}${op.operation.requestBody.$ref}/content/application~1json/schema` })
        : validatorFor(ptr)
      return fn(body) ? [] : (fn.errors ?? []).map((e) => `${method} ${op.template} request${e.instancePath || ""} ${e.message}`)
    },
    validateResponse(method, concretePath, status, body) {
      const op = spec.find(method, concretePath)
      if (!op) return [`${method} ${concretePath}: no such operation in ${spec.title}`]
      const responses = op.operation.responses ?? {}
      const key = [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, "default"].find((k) => responses[k])
      if (!key) return status >= 400 ? [] : [`${method} ${op.template}: status ${status} is not documented`]
      const response = resolve(responses[key])
      if (!response?.content?.["application/json"]?.schema) return []
      const base = responses[key].$ref ? `${id}${responses[key].$ref}` : `${id}#/paths/${escapePointer(op.template)}/${op.method}/responses/${key}`
      const fn = ajv.compile({ $ref: `${base}/content/application~1json/schema` })
      return fn(body) ? [] : (fn.errors ?? []).map((e) => `${method} ${op.template} ${status} response${e.instancePath || ""} ${e.message}`)
    },
    check(exchanges, options = {}) {
      const problems: string[] = []
      for (const x of exchanges) {
        if (options.ignorePaths?.test(x.path)) continue
        if (!spec.find(x.method, x.path)) {
          problems.push(`${x.method} ${x.path}: no such operation in ${spec.title}`)
          continue
        }
        problems.push(...spec.validateRequest(x.method, x.path, x.body))
        if (x.fault && x.applied === false) continue // a scripted fault answered, not the API
        problems.push(...spec.validateResponse(x.method, x.path, x.status, x.response))
      }
      return problems.filter((p) => !options.deviations?.some((d) => d.problem.test(p)))
    },
  }
  cache.set(relative, spec)
  return spec
}
