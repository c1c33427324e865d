// Types for test-summary.mjs (plain JS so that `node` runs it without a TypeScript loader).

export interface Counts {
  passed: number;
  failed: number;
}

/** The fields of Vitest's JSON report that the counts use. */
export interface VitestReport {
  success?: boolean;
  numPassedTests?: number;
  numFailedTests?: number;
  testResults?: Array<{ status?: string; assertionResults?: Array<{ status?: string }> }>;
}

/** The fields of Playwright's JSON report that the counts use. */
export interface PlaywrightReport {
  stats?: { expected?: number; unexpected?: number; flaky?: number; skipped?: number };
  errors?: unknown[];
}

export declare function countTypecheck(exitCode: number | null): Counts;
export declare function countVitest(report: VitestReport | undefined, exitCode: number | null): Counts;
export declare function countPlaywright(report: PlaywrightReport | undefined, exitCode: number | null): Counts;
export declare function total(counts: readonly Counts[]): Counts;
export declare function summaryLine(counts: Counts): string;
