import type { Timers } from '../engine/run/metrics-batcher';
import type { WorkerEvent } from './protocol';

/** At most one progress event per file per this many ms; the last one (the file complete) always goes out. */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * FetchFiles / HubFiles progress callbacks as `downloadProgress` events, thinned out: a 1 GB download reports every
 * network chunk, which would flood the page. `totalBytes` is 0 when the server did not say how large the file is.
 */
export function downloadProgressReporter(
  requestId: string,
  post: (event: WorkerEvent) => void,
  timers: Timers,
): (file: string, loadedBytes: number, totalBytes: number | undefined) => void {
  const last = new Map<string, number>();
  return (file, loadedBytes, totalBytes) => {
    const now = timers.now();
    const complete = totalBytes !== undefined && loadedBytes >= totalBytes;
    if (!complete && now - (last.get(file) ?? -Infinity) < PROGRESS_INTERVAL_MS) return;
    last.set(file, now);
    post({ type: 'downloadProgress', requestId, file, loadedBytes, totalBytes: totalBytes ?? 0 });
  };
}
