const transform = {
  "^.+\\.[jt]s$": ["@swc/jest", { jsc: { parser: { syntax: "typescript", decorators: true }, target: "es2021" } }],
}
const common = {
  transform,
  // Node, but a suite's output (Medusa's logs included) is held and printed only if it failed.
  testEnvironment: "<rootDir>/scripts/jest-quiet-environment.js",
  moduleFileExtensions: ["js", "ts", "json"],
  modulePathIgnorePatterns: ["dist/", "<rootDir>/.medusa/"],
}
module.exports = {
  reporters: ["default", "<rootDir>/scripts/jest-summary-reporter.js"],
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/src/**/__tests__/**/*.spec.ts", "<rootDir>/test/**/*.spec.ts"] },
    {
      ...common,
      displayName: "integration",
      testMatch: ["<rootDir>/integration-tests/**/*.spec.ts"],
      setupFiles: ["<rootDir>/integration-tests/setup.js"],
    },
  ],
}
