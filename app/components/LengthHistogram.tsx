import type { DatasetReport } from '../../workers/protocol';

/** The token-length histogram as plain bars; bins past the max length (to be truncated) are marked. */
export function LengthHistogram({ bins, maxLength }: { bins: DatasetReport['histogram']; maxLength: number }) {
  if (bins.length === 0) return null;
  const highest = Math.max(...bins.map((b) => b.count), 1);
  return (
    <figure className="histogram" data-testid="length-histogram">
      <figcaption>Tokens per row (bars past the max length of {maxLength} are truncated)</figcaption>
      <div className="histogram-bars">
        {bins.map((b) => (
          <div
            key={b.from}
            className={b.from >= maxLength ? 'bar bar-cut' : 'bar'}
            style={{ height: `${(100 * b.count) / highest}%` }}
            title={`${b.from}–${b.to - 1} tokens: ${b.count} rows`}
          />
        ))}
      </div>
      <div className="histogram-axis">
        <span>{bins[0]!.from}</span>
        <span>{bins[bins.length - 1]!.to} tokens</span>
      </div>
    </figure>
  );
}
