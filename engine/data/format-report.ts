import type { HistogramBin } from './length-stats';
import type { DatasetReport } from './report';
import { describeRow, shownFileName } from './row-ref';

const FILE_TYPE_NAMES = { jsonl: 'JSON Lines', json: 'JSON', csv: 'CSV', tsv: 'TSV', parquet: 'Parquet', text: 'plain text' } as const;
const BAR_WIDTH = 40;

/** The report as text for a terminal (the CLI's `data-report`). */
export function formatReport(report: DatasetReport): string {
  const lines: string[] = [];
  for (const file of report.files) {
    const role = file.role === 'train' ? 'Dataset' : 'Validation file';
    lines.push(`${role}: ${shownFileName(file.fileName)} (${FILE_TYPE_NAMES[file.fileType]}, ${plural(file.rows, 'row')})`);
  }
  const votes = Object.entries(report.rowsByFormat)
    .sort(([, a], [, b]) => b - a)
    .map(([format, n]) => `${format} ${n}`)
    .join(', ');
  lines.push(`Format: ${report.format} (${report.formatSource}; rows by fields: ${votes})`);
  lines.push(`Rows: ${report.rowsTotal} read, ${report.rowsUsed} used, ${report.rejectedTotal} rejected`);
  const { split } = report;
  const validationFrom =
    split.validationFrom === 'fraction'
      ? ` (${round(100 * (split.fraction ?? 0))}% of the rows, seed ${split.seed})`
      : split.validationFrom === 'file'
        ? ' (separate file)'
        : '';
  lines.push(`Split: ${split.train} train, ${split.validation} validation${validationFrom}`);
  const t = report.tokens;
  lines.push(
    `Tokens per row (before truncation): min ${t.min}, median ${t.median}, p95 ${t.p95}, max ${t.max}, ` +
      `mean ${round(t.mean)}`,
  );
  lines.push(`maxLength ${report.maxLength}: ${plural(report.truncated, 'row')} truncated, ${droppedRows(report.dropped)}`);
  lines.push(
    `Per epoch: ${report.tokensPerEpoch} tokens, ${report.trainedTokens} of them trained (${trainedShare(report)}%)`,
  );
  lines.push('Token lengths:');
  lines.push(...histogramLines(report.histogram, report.maxLength));
  for (const warning of report.warnings) lines.push(`Warning: ${warning}`);
  if (report.rejectedTotal > 0) {
    const shown = report.rejected.length;
    lines.push(`Rejected rows${shown < report.rejectedTotal ? ` (first ${shown} of ${report.rejectedTotal})` : ''}:`);
    for (const r of report.rejected) lines.push(`  ${describeRow(r.source)}: ${r.reason}`);
  }
  return lines.join('\n');
}

/** Rows truncation left without a trained token; "no row dropped" when none, which is the news a reader wants. */
function droppedRows(dropped: number): string {
  if (dropped === 0) return 'no row dropped';
  return `${plural(dropped, 'row')} dropped (truncation left ${dropped === 1 ? 'it' : 'them'} no trained token)`;
}

function histogramLines(bins: readonly HistogramBin[], maxLength: number): string[] {
  const most = bins.reduce((m, b) => Math.max(m, b.count), 0);
  const labelWidth = String(bins[bins.length - 1]?.to ?? 0).length;
  return bins.map((bin) => {
    const bar = '#'.repeat(most === 0 ? 0 : Math.round((BAR_WIDTH * bin.count) / most));
    const range = `${String(bin.from).padStart(labelWidth)}-${String(bin.to - 1).padStart(labelWidth)}`;
    // Rows in bins past maxLength are truncated: say so next to their bars.
    return `  ${range} | ${bar} ${bin.count}${bin.from >= maxLength ? ' (truncated)' : ''}`;
  });
}

function trainedShare(report: DatasetReport): number {
  return report.tokensPerEpoch === 0 ? 0 : round((100 * report.trainedTokens) / report.tokensPerEpoch);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
