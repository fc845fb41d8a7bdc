#!/usr/bin/env node
"use strict"
/**
 * Runs after `medusa plugin:build` (`npm run build`, and so `npm pack`/`npm publish` via prepack):
 * 1. fails if a server source file has no built counterpart: Medusa's compiler silently leaves out
 *    any path with a segment it ignores ("test", ...), which ships a store a route that answers 404;
 * 2. strips the inline source maps the compiler always writes (it forces `inlineSourceMap` unless
 *    `sourceMap` is on, and neither way carries the sources), so the package holds no maps without sources;
 * 3. emits `.d.ts` for the public entry points (tsconfig.types.json), which the compiler cannot
 *    do without declaring every file, tests included;
 * 4. writes the declaration of the admin bundle (`<package>/admin`), which the admin bundler does not.
 */
const fs = require("node:fs")
const path = require("node:path")
const { execFileSync } = require("node:child_process")

const ROOT = path.resolve(__dirname, "../..")
const OUT = path.join(ROOT, ".medusa/server")

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name)
    return e.isDirectory() ? walk(full) : [full]
  })
}

// 1. Every server source file (src/admin is the admin bundle; tests are not shipped) is built.
const missing = walk(path.join(ROOT, "src"))
  .map((f) => path.relative(ROOT, f))
  .filter((f) => /\.ts$/.test(f) && !/\.d\.ts$|\.spec\.ts$/.test(f))
  .filter((f) => !f.startsWith(`src${path.sep}admin${path.sep}`) && !f.split(path.sep).includes("__tests__"))
  .filter((f) => !fs.existsSync(path.join(OUT, f.replace(/\.ts$/, ".js"))))
if (missing.length) {
  console.error(`postbuild: medusa plugin:build left out ${missing.length} file(s):\n  ${missing.join("\n  ")}`)
  console.error("Medusa skips any path with a segment named test, unit-tests or integration-tests: rename it.")
  process.exit(1)
}

// 2. Inline source maps: the base64 JSON comment TypeScript appends to every emitted file.
let stripped = 0
for (const file of walk(OUT)) {
  if (!/\.(js|mjs|cjs)$/.test(file)) continue
  const text = fs.readFileSync(file, "utf8")
  const out = text.replace(/\n?\/\/# sourceMappingURL=data:application\/json[^\n]*\n?$/, "\n")
  if (out !== text) {
    fs.writeFileSync(file, out)
    stripped++
  }
}

// 3. Declarations of the public entry points and what they reference.
const tsc = require.resolve("typescript/bin/tsc", { paths: [ROOT] })
execFileSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.types.json")], { cwd: ROOT, stdio: "inherit" })

// 4. The admin bundle: a plugin object of extension modules, read by Medusa's admin bundler.
fs.writeFileSync(
  path.join(OUT, "src/admin/index.d.ts"),
  `/** The admin extensions (order widget, settings page) that Medusa's admin loads from "<package>/admin". */
declare const plugin: {
  widgetModule: { widgets: unknown[] }
  routeModule: { routes: unknown[] }
  menuItemModule: { menuItems: unknown[] }
  [module: string]: unknown
}
export default plugin
`
)
console.log(`postbuild: ${stripped} inline source maps stripped, declarations emitted`)
