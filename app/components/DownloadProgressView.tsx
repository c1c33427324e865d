import { formatBytes } from '../format';
import { useSession } from '../session-context';
import { useApp } from '../store/app-store';

/** Bytes received per file and overall while a model downloads, with a way to cancel. */
export function DownloadProgressView() {
  const session = useSession();
  const download = useApp((s) => s.download);
  const files = Object.entries(download);
  const loaded = files.reduce((sum, [, f]) => sum + f.loadedBytes, 0);
  const total = files.reduce((sum, [, f]) => sum + f.totalBytes, 0);
  return (
    <div className="download" data-testid="model-progress">
      <progress max={total > 0 ? total : undefined} value={total > 0 ? loaded : undefined} />
      <span>{total > 0 ? `${formatBytes(loaded)} of ${formatBytes(total)}` : 'Loading…'}</span>
      <button type="button" className="link-button" onClick={() => session.cancelModelLoad()}>
        Cancel
      </button>
      {files.length > 0 && (
        <ul className="download-files">
          {files.map(([name, f]) => (
            <li key={name}>
              {name}: {formatBytes(f.loadedBytes)} / {formatBytes(f.totalBytes)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
