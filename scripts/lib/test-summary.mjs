// Turns each runner's report into pass / fail counts for the one `Tests: N passed, N failed` line that ends `npm test`.
// Pure functions over parsed reports and exit codes; scripts/run-tests.mjs runs the runners and reads the files.
// Types for TypeScript callers (the tests) live beside this file in test-summary.d.mts.
//
// Counting rules: skipped and todo tests count as neither passed nor failed. A failure the report cannot attribute to a
// test (a test file that fails to import, an unhandled error, a web server that never starts, a runner that crashed
// before writing its report) counts as at least one failure, so a broken run can never end "0 failed".

/** The typecheck is one test: it passed or it failed. */
export function countTypecheck(exitCode) {
  return exitCode === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

/** Counts from Vitest's JSON reporter output (undefined when it wrote none). */
export function countVitest(report, exitCode) {
  if (report === undefined) return { passed: 0, failed: 1 };
  const passed = report.numPassedTests ?? 0;
  // A file that failed to load (syntax error, throwing import, failing beforeAll) has no failed test of its own.
  const brokenFiles = (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'),
  ).length;
  const failed = (report.numFailedTests ?? 0) + brokenFiles;
  return { passed, failed: atLeastOneIfUnsuccessful(failed, exitCode === 0 && report.success !== false) };
}

/** Counts from Playwright's JSON reporter output (undefined when it wrote none). */
export function countPlaywright(report, exitCode) {
  if (report === undefined) return { passed: 0, failed: 1 };
  const stats = report.stats ?? {};
  // flaky: failed first, passed on retry: it passed. errors: outside any test (load errors, webServer, globalSetup).
  const passed = (stats.expected ?? 0) + (stats.flaky ?? 0);
  const failed = (stats.unexpected ?? 0) + (report.errors ?? []).length;
  return { passed, failed: atLeastOneIfUnsuccessful(failed, exitCode === 0) };
}

function atLeastOneIfUnsuccessful(failed, successful) {
  return !successful && failed === 0 ? 1 : failed;
}

/** Sums the runners' counts. */
export function total(counts) {
  return counts.reduce((sum, c) => ({ passed: sum.passed + c.passed, failed: sum.failed + c.failed }), {
    passed: 0,
    failed: 0,
  });
}

/** The last line of `npm test`, exactly. */
export function summaryLine({ passed, failed }) {
  return `Tests: ${passed} passed, ${failed} failed`;
}
