import type { DatasetReport } from '../../workers/protocol';
import { ROW_FORMAT_LABELS } from '../dataset/row-formats';
import { formatCount } from '../format';

/** What the worker made of the dataset: rows used and rejected (with line numbers), lengths, truncation, warnings (the histogram and preview: DatasetDrop, folded). */
export function DatasetReportView({ report }: { report: DatasetReport }) {
  const { tokens, split } = report;
  return (
    <div className="report" data-testid="dataset-report" data-rows={report.rowsUsed} data-rejected={report.rejectedTotal}>
      <table className="facts">
        <tbody>
          <tr>
            <th>Format</th>
            <td data-testid="dataset-detected-format" data-format={report.format}>
              {ROW_FORMAT_LABELS[report.format]} ({report.formatSource})
            </td>
          </tr>
          <tr>
            <th>Rows</th>
            <td>
              {report.rowsUsed} used of {report.rowsTotal}: {split.train} for training, {split.validation} for validation
              {split.validationFrom === 'fraction' && split.fraction !== undefined ? ` (${Math.round(split.fraction * 100)} % held out)` : ''}
            </td>
          </tr>
          <tr>
            <th>Tokens</th>
            <td data-testid="dataset-truncated">
              length median {tokens.median} (min {tokens.min}, 95th percentile {tokens.p95}, max {tokens.max});{' '}
              {report.truncated === 0 ? `none truncated (max length ${report.maxLength})` : `${report.truncated} rows cut to ${report.maxLength} tokens`}
              {report.dropped > 0 && `, ${report.dropped} dropped (nothing left to train on)`}; {formatCount(report.trainedTokens)} trained per epoch, of{' '}
              {formatCount(report.tokensPerEpoch)} processed
            </td>
          </tr>
        </tbody>
      </table>
      {report.rejectedTotal > 0 && (
        <div className="rejected" data-testid="dataset-rejected">
          <h4>
            {report.rejectedTotal} row{report.rejectedTotal === 1 ? '' : 's'} rejected
            {report.rejected.length < report.rejectedTotal ? ` (the first ${report.rejected.length} shown)` : ''}
          </h4>
          <ul>
            {report.rejected.map((r) => (
              <li key={`${r.source.file}:${r.source.line}`}>
                <strong>
                  {r.source.file} {r.source.unit === 'row' ? 'row' : 'line'} {r.source.line}
                </strong>
                : {r.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      {report.warnings.length > 0 && (
        <ul className="warnings">
          {report.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
