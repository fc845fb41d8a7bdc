/**
 * The README's "Money API for your own code" example, run line by line against the package's
 * entry point: every `expression // value` line must give that value. (The package test
 * type-checks the same block against the installed declarations.)
 */
import fs from "node:fs"
import path from "node:path"
import * as pkg from "../src"

const README = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8")

function moneyExample(): string[] {
  const section = README.split(/^## Money API for your own code$/m)[1]
  if (!section) throw new Error('README has no "## Money API for your own code" section')
  const fence = /```ts\n([\s\S]*?)```/.exec(section)
  if (!fence) throw new Error("the Money API section has no ts example")
  return fence[1].split("\n").filter((line) => line.trim() !== "")
}

/** The value a line's comment promises: its first token, a JSON or single-quoted literal. */
function promised(comment: string): unknown {
  const token = /^('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)/.exec(comment.trim())
  if (!token) throw new Error(`cannot read the promised value in "${comment}"`)
  return token[1].startsWith("'") ? token[1].slice(1, -1) : JSON.parse(token[1])
}

describe("README Money API example", () => {
  const lines = moneyExample()
  const imported = /^import \{([^}]+)\} from "medusa-refund-processors"$/.exec(lines[0])

  it("imports only what the package's entry point exports", () => {
    expect(imported).not.toBeNull()
    for (const name of imported![1].split(",").map((n) => n.trim())) expect(pkg).toHaveProperty(name)
  })

  it("gives on every line the value its comment says", () => {
    const names = imported![1].split(",").map((n) => n.trim())
    const scope: Record<string, unknown> = Object.fromEntries(names.map((n) => [n, (pkg as Record<string, unknown>)[n]]))
    const checked: string[] = []
    for (const line of lines.slice(1)) {
      const declaration = /^const (\w+) = (.+)$/.exec(line)
      if (declaration) {
        scope[declaration[1]] = new Function(...Object.keys(scope), `return (${declaration[2]})`)(...Object.values(scope))
        continue
      }
      const [expression, comment] = line.split(/\s*\/\/\s*/, 2)
      if (comment === undefined) throw new Error(`README line without a promised value: ${line}`)
      const value = new Function(...Object.keys(scope), `return (${expression})`)(...Object.values(scope))
      expect({ line, value }).toEqual({ line, value: promised(comment) })
      checked.push(expression)
    }
    expect(checked.length).toBeGreaterThanOrEqual(7)
  })
})
