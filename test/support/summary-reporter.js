// Ends the run with how long each tier took (unit, integration, browser: the jest projects), then one
// plain line, "jest: N passed, N failed", that any CI can read.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const tiers = new Map();
    for (const file of results.testResults) {
      const name = file.displayName?.name ?? 'tests';
      const tier = tiers.get(name) ?? { files: 0, tests: 0, ms: 0 };
      tier.files += 1;
      tier.tests += file.numPassingTests + file.numFailingTests;
      tier.ms += file.perfStats.end - file.perfStats.start;
      tiers.set(name, tier);
    }
    for (const [name, tier] of tiers) {
      process.stdout.write(`\ntier ${name}: ${tier.tests} tests in ${tier.files} files, ${(tier.ms / 1000).toFixed(1)} s of test-file time`);
    }
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;
