/**
 * Jest config for the end-to-end part of `npm run bench` only (bench/e2e/*.bench.js): a real
 * Medusa app booted by medusaIntegrationTestRunner, as in integration-tests/. Not part of
 * `npm test`; run by bench/run.js with PostgreSQL from scripts/lib/postgres.js.
 */
const path = require("path")

module.exports = {
  rootDir: path.resolve(__dirname, ".."),
  testEnvironment: "node",
  moduleFileExtensions: ["js", "ts", "json"],
  modulePathIgnorePatterns: ["dist/", "<rootDir>/.medusa/"],
  transform: {
    "^.+\\.[jt]s$": ["@swc/jest", { jsc: { parser: { syntax: "typescript", decorators: true }, target: "es2021" } }],
  },
  testMatch: ["<rootDir>/bench/e2e/**/*.bench.js"],
  setupFiles: ["<rootDir>/integration-tests/setup.js"],
  testTimeout: 1_800_000,
}
