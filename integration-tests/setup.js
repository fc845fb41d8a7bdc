// Each integration suite boots its own Medusa app; MikroORM keeps entity metadata in a
// process-wide store that must not leak from one suite (or one app) into the next.
const { MetadataStorage } = require("@medusajs/framework/mikro-orm/core")

MetadataStorage.clear()

// Medusa logs every migration and link sync at "info"; scripts/test.js sets "warn" for
// `npm test`, and so does this for a bare `npx jest`. LOG_LEVEL=info brings them back. (A
// passing suite's output is dropped anyway: see scripts/jest-quiet-environment.js.)
if (!process.env.LOG_LEVEL) process.env.LOG_LEVEL = "warn"

// Known-harmless noise, dropped so real failures stand out (TEST_VERBOSE=1 keeps it):
// - test-utils restores the database before every test by terminating its connections;
//   knex then logs each dropped pooled connection (the pool reconnects by itself).
// - a note printed by a core user-module migration on every boot.
// - @medusajs/telemetry's notice about anonymous usage analytics, printed on every boot of a
//   machine where `medusa telemetry` was never run.
if (!process.env.TEST_VERBOSE) {
  const NOISE = [
    /^Connection Error: Connection ended unexpectedly/,
    /^Note: If the index "IDX_user_email" fails to create/,
    /Medusa collects anonymous usage analytics/,
  ]
  for (const level of ["log", "info"]) {
    const original = console[level].bind(console)
    console[level] = (...args) => {
      if (typeof args[0] === "string" && NOISE.some((re) => re.test(args[0]))) return
      original(...args)
    }
  }
}
