"use strict"
/**
 * Keeps one plain closing line ("tests: N passed, N failed") for scripts/test.js to print
 * last, so a CI log ends with a count it can read.
 */
const fs = require("fs")
const path = require("path")

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`
    const file = process.env.JEST_SUMMARY_FILE
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, line + "\n")
    } else {
      process.stderr.write(`\n${line}\n`)
    }
  }
}
module.exports = SummaryReporter
