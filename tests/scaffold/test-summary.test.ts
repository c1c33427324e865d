import { describe, expect, it } from 'vitest';
import {
  countPlaywright,
  countTypecheck,
  countVitest,
  summaryLine,
  total,
  type PlaywrightReport,
  type VitestReport,
} from '../../scripts/lib/test-summary.mjs';

// Report shapes below are trimmed from real Vitest 4 / Playwright 1.65 JSON reports of runs with passing, failing,
// skipped and todo tests, a test file that throws on import, and an unhandled error.

const vitestMixed: VitestReport = {
  success: false,
  numPassedTests: 3,
  numFailedTests: 1,
  testResults: [
    {
      status: 'failed',
      assertionResults: [{ status: 'passed' }, { status: 'failed' }, { status: 'skipped' }, { status: 'todo' }],
    },
    { status: 'failed', assertionResults: [] }, // threw on import: no test of its own failed
    { status: 'passed', assertionResults: [{ status: 'passed' }, { status: 'passed' }] },
  ],
};

describe('countVitest', () => {
  it('counts failed tests plus files that failed outside any test; skipped and todo count as neither', () => {
    expect(countVitest(vitestMixed, 1)).toEqual({ passed: 3, failed: 2 });
  });

  it('counts a clean run as all passed', () => {
    const clean: VitestReport = { success: true, numPassedTests: 5, numFailedTests: 0, testResults: [] };
    expect(countVitest(clean, 0)).toEqual({ passed: 5, failed: 0 });
  });

  it('counts an unhandled error (all tests green, success false) as one failure', () => {
    const unhandled: VitestReport = { success: false, numPassedTests: 2, numFailedTests: 0, testResults: [] };
    expect(countVitest(unhandled, 1)).toEqual({ passed: 2, failed: 1 });
  });

  it('counts a runner that crashed before reporting as one failure', () => {
    expect(countVitest(undefined, 1)).toEqual({ passed: 0, failed: 1 });
    expect(countVitest(undefined, 0)).toEqual({ passed: 0, failed: 1 });
  });
});

describe('countPlaywright', () => {
  it('counts expected and flaky as passed, unexpected as failed, skipped as neither', () => {
    const report: PlaywrightReport = { stats: { expected: 4, flaky: 1, unexpected: 2, skipped: 3 }, errors: [] };
    expect(countPlaywright(report, 1)).toEqual({ passed: 5, failed: 2 });
  });

  it('counts errors outside tests (a spec that throws on load, a web server that never starts)', () => {
    const report: PlaywrightReport = {
      stats: { expected: 0, flaky: 0, unexpected: 0, skipped: 0 },
      errors: [{ message: 'Error: boom at import' }],
    };
    expect(countPlaywright(report, 1)).toEqual({ passed: 0, failed: 1 });
  });

  it('counts a non-zero exit with an all-green report as one failure', () => {
    const report: PlaywrightReport = { stats: { expected: 2, flaky: 0, unexpected: 0, skipped: 0 }, errors: [] };
    expect(countPlaywright(report, 0)).toEqual({ passed: 2, failed: 0 });
    expect(countPlaywright(report, 1)).toEqual({ passed: 2, failed: 1 });
    expect(countPlaywright(report, null)).toEqual({ passed: 2, failed: 1 }); // killed by a signal
  });

  it('counts a missing report as one failure', () => {
    expect(countPlaywright(undefined, 1)).toEqual({ passed: 0, failed: 1 });
  });
});

describe('summary', () => {
  it('counts the typecheck as one test', () => {
    expect(countTypecheck(0)).toEqual({ passed: 1, failed: 0 });
    expect(countTypecheck(2)).toEqual({ passed: 0, failed: 1 });
  });

  it('sums the runners into the exact last line', () => {
    const sum = total([countTypecheck(0), countVitest(vitestMixed, 1), { passed: 2, failed: 0 }]);
    expect(summaryLine(sum)).toBe('Tests: 6 passed, 2 failed');
    expect(summaryLine(total([]))).toBe('Tests: 0 passed, 0 failed');
  });
});
