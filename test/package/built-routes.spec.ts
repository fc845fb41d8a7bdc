/**
 * Medusa's `plugin:build` leaves out every source file with a path segment it ignores ("test",
 * "integration-tests", ...), silently: a route such as `providers/[id]/test/route.ts` then answers
 * 404 in an installed store while the tests, which run from source, pass. This reads the list from
 * the installed Medusa build tool and fails for any server file of ours it would leave out.
 */
import fs from "node:fs"
import path from "node:path"

const REPO = path.resolve(__dirname, "../..")
// The build tools are not in the package's exports: reached by file, from the installed package.
const FRAMEWORK_DIST = path.dirname(require.resolve("@medusajs/framework", { paths: [REPO] }))
const { isFileIgnored } = require(path.join(FRAMEWORK_DIST, "build-tools/compiler-utils.js")) as {
  isFileIgnored(relativeFileName: string, chunksToIgnore: string[]): boolean
}

/** The compiler's ignore list, read from the installed @medusajs/framework. */
function ignoredChunks(): string[] {
  const compiler = fs.readFileSync(path.join(FRAMEWORK_DIST, "build-tools/compiler.js"), "utf8")
  const list = /_Compiler_backendIgnoreFiles,\s*\[([^\]]*)\]/.exec(compiler)?.[1]
  if (!list) throw new Error("Medusa's compiler no longer lists its ignored files where this test reads them: update the test")
  return [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1])
}

function serverFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "__tests__" || full === path.join(REPO, "src/admin") ? [] : serverFiles(full)
    return /\.(ts|js)$/.test(entry.name) && !/\.spec\.ts$/.test(entry.name) ? [path.relative(REPO, full)] : []
  })
}

describe("the plugin as Medusa builds it", () => {
  it("reads Medusa's ignore list", () => {
    expect(ignoredChunks()).toContain("test")
  })

  it("builds every server file of src (no route or module under an ignored path segment)", () => {
    const chunks = ignoredChunks()
    const left = serverFiles(path.join(REPO, "src")).filter((file) => isFileIgnored(file, chunks))
    expect(left).toEqual([])
  })
})
