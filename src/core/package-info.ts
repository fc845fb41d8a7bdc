import fs from "node:fs"
import path from "node:path"

/** Finds this package's package.json from source (src/core) or build (.medusa/server/src/core). */
function readPackage(): { name: string; version: string } {
  let dir = __dirname
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, "package.json")
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, "utf8"))
      if (pkg.name && pkg.version && pkg.name !== "server") return { name: pkg.name, version: pkg.version }
    }
    dir = path.dirname(dir)
  }
  return { name: "medusa-refund-processors", version: "0.0.0" }
}

export const PACKAGE = readPackage()
export const USER_AGENT = `${PACKAGE.name}/${PACKAGE.version} (node ${process.version})`
