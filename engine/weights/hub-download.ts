import { SafeTuneError } from '../errors';
import { ByteAccumulator } from './byte-accumulator';
import type { ByteCache, PartialDownload } from './byte-cache';
import { announcedLength, describeCause, streamInto } from './byte-sources';
import { hubHttpError, isRetryableStatus, parseContentRange, sleep, strongEtag, type HubRequestContext } from './hub-errors';

/** Everything one resumable download needs. */
export interface DownloadJob {
  ctx: HubRequestContext & { file: string };
  /** Cache key of the file (its URL without credentials). */
  key: string;
  cache: ByteCache;
  /** Request headers (Authorization). */
  headers: Headers;
  fetch: typeof fetch;
  maxAttempts: number;
  /** Delay before the 2nd attempt; doubled for each one after. */
  retryDelayMs: number;
  /** An attempt that receives nothing for this long is abandoned (and resumed by the next one). */
  stallTimeoutMs: number;
  signal: AbortSignal | undefined;
  onProgress: (loadedBytes: number, totalBytes: number | undefined) => void;
}

/**
 * Downloads one file whole, resuming where an earlier attempt stopped. A break-off keeps the bytes received so far
 * (in the cache, as a partial entry, so even a reload resumes); the next attempt asks for the rest with
 * `Range: bytes=N-` (plus If-Range, so a file that changed meanwhile comes back whole) and appends it. A server that
 * answers 200 instead of 206 sends the whole file, and the download starts over; so does one whose 206 does not
 * exactly continue the kept bytes (see resumptionProblem), or that sends more bytes than the file has. Network
 * errors, stalls and 408/429/5xx answers are retried up to maxAttempts with growing delays; then a
 * SafeTuneError('network') names the file and URL. Other HTTP errors fail at once with the hub's reason (see hubHttpError).
 */
export async function downloadWithResume(job: DownloadJob): Promise<Uint8Array> {
  const { ctx } = job;
  let partial = await quietly(() => job.cache.getPartial(job.key));
  let lastProblem = 'no attempt was made';
  let freeRestart = true; // one restart after a stale partial (416) does not count as a failed attempt

  for (let attempt = 1; attempt <= job.maxAttempts; attempt++) {
    if (attempt > 1) await sleep(job.retryDelayMs * 2 ** (attempt - 2), job.signal);
    const resumeFrom = partial?.bytes.length ?? 0;
    const headers = new Headers(job.headers);
    if (partial !== undefined && resumeFrom > 0) {
      headers.set('Range', `bytes=${resumeFrom}-`);
      if (partial.etag !== undefined) headers.set('If-Range', partial.etag);
    }

    const attemptAbort = new AttemptAbort(job.signal, job.stallTimeoutMs);
    try {
      let response: Response;
      try {
        response = await job.fetch(ctx.url, { headers, signal: attemptAbort.signal });
      } catch (e) {
        if (job.signal?.aborted || e instanceof SafeTuneError) throw e; // aborted, or refused by the network policy
        lastProblem = attemptAbort.stalled ? `no answer for ${job.stallTimeoutMs} ms` : describeCause(e);
        continue;
      }

      if (response.status === 416 && partial !== undefined) {
        // Our bytes are no prefix of the file any more (it shrank or changed): start over.
        await response.body?.cancel();
        partial = undefined;
        await quietly(() => job.cache.deletePartial(job.key));
        lastProblem = 'the server refused to resume (HTTP 416)';
        if (freeRestart) {
          freeRestart = false;
          attempt--;
        }
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        if (isRetryableStatus(response.status)) {
          lastProblem = `HTTP ${response.status}`;
          continue;
        }
        throw hubHttpError(response.status, response.headers, ctx);
      }

      const length = announcedLength(response);
      let total: number | undefined;
      let etag: string | undefined;
      let head: Uint8Array | undefined;
      if (response.status === 206) {
        const problem =
          partial === undefined ? 'it sent part of the file although no range was asked for' : resumptionProblem(response, partial, resumeFrom, length);
        if (problem !== undefined || partial === undefined) {
          // Refuse the 206: its bytes may not continue ours. Drop the kept bytes and ask for the whole file.
          await quietly(async () => response.body?.cancel());
          lastProblem = `the server's answer to a resumed download was refused (${problem})`;
          if (partial !== undefined) {
            partial = undefined;
            await quietly(() => job.cache.deletePartial(job.key));
            if (freeRestart) {
              freeRestart = false;
              attempt--;
            }
          }
          continue;
        }
        total = parseContentRange(response.headers.get('content-range'))!.end + 1; // checked by resumptionProblem
        etag = partial.etag ?? strongEtag(response.headers.get('etag'));
        head = partial.bytes;
      } else {
        // 200: the whole file. Either nothing was kept, or the server ignored Range / If-Range said the file changed.
        total = length;
        etag = strongEtag(response.headers.get('etag'));
      }
      partial = undefined;

      const received = new ByteAccumulator(ctx.file, total);
      if (head !== undefined) received.append(head);
      head = undefined;
      job.onProgress(received.length, total);
      let overran = false;
      try {
        await streamInto(response, received, (loaded) => {
          if (total !== undefined && loaded > total) {
            overran = true;
            throw new Error(`more than the ${total} bytes announced arrived`);
          }
          attemptAbort.alive();
          job.onProgress(loaded, total);
        });
      } catch (e) {
        if (overran) {
          // The server sent more than the file's size: none of it can be trusted. Start over.
          await quietly(async () => response.body?.cancel());
          await quietly(() => job.cache.deletePartial(job.key));
          lastProblem = `the server sent more than the ${total} bytes of the file`;
          continue;
        }
        // Keep what arrived, unless it was decoded from a compressed body (ranges count the compressed bytes).
        if (received.length > 0 && length !== undefined) {
          partial = { bytes: received.bytes(), totalBytes: total, etag };
          await quietly(() => job.cache.putPartial(job.key, partial!));
        }
        if (job.signal?.aborted) throw e;
        const why = attemptAbort.stalled ? `nothing arrived for ${job.stallTimeoutMs} ms` : describeCause(e);
        lastProblem = `the download broke off after ${received.length} of ${total ?? 'unknown'} bytes (${why})`;
        continue;
      }
      if (total !== undefined && received.length < total) {
        // The stream ended cleanly but short: keep the bytes and ask for the rest.
        partial = { bytes: received.bytes(), totalBytes: total, etag };
        await quietly(() => job.cache.putPartial(job.key, partial!));
        lastProblem = `the download ended after ${received.length} of ${total} bytes`;
        continue;
      }
      return received.bytes();
    } finally {
      attemptAbort.dispose();
    }
  }
  throw new SafeTuneError(
    'network',
    `could not download ${ctx.file} of hub repo ${ctx.repoId} from ${ctx.url} after ${job.maxAttempts} attempt${job.maxAttempts === 1 ? '' : 's'}: ${lastProblem}`,
    partial === undefined
      ? 'Check the internet connection and try again.'
      : `Check the internet connection and try again: the ${partial.bytes.length} bytes received so far are kept, and the next try resumes from there.`,
  );
}

/**
 * Why a 206 answer to `Range: bytes=${resumeFrom}-` cannot be appended to the kept bytes, or undefined when it can:
 * it must carry a Content-Range that starts where the kept bytes end and runs to the end of the file, the same total
 * the kept bytes were counted against, a Content-Length (when stated) equal to the range, and no ETag other than the
 * one sent in If-Range (a server that ignores If-Range would splice bytes of another version onto ours).
 */
function resumptionProblem(
  response: Response,
  partial: PartialDownload,
  resumeFrom: number,
  length: number | undefined,
): string | undefined {
  const header = response.headers.get('content-range');
  const range = parseContentRange(header);
  if (range === undefined) return header === null ? 'HTTP 206 without a Content-Range' : `HTTP 206 with an unusable Content-Range "${header}"`;
  if (range.start !== resumeFrom) return `the range starts at byte ${range.start}, not at ${resumeFrom}`;
  const total = range.total ?? partial.totalBytes;
  if (total === undefined) return 'the size of the file is not stated';
  if (partial.totalBytes !== undefined && total !== partial.totalBytes) return `the file is ${total} bytes, not the ${partial.totalBytes} the kept bytes belong to`;
  if (range.end + 1 !== total) return `the range ends at byte ${range.end}, not at the end of the ${total}-byte file`;
  if (length !== undefined && length !== range.end - range.start + 1) return `Content-Length ${length} does not match the range ${range.start}-${range.end}`;
  const etag = response.headers.get('etag');
  if (etag !== null && partial.etag !== undefined && etag.replace(/^W\//, '') !== partial.etag) return `the ETag is ${etag}, not ${partial.etag}`;
  return undefined;
}

/**
 * Aborts one attempt when the caller aborts or when nothing arrives for `stallMs` (a connection that hangs without
 * failing would otherwise block the download forever).
 */
class AttemptAbort {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onCallerAbort = () => this.controller.abort(this.caller!.reason);
  stalled = false;

  constructor(
    private readonly caller: AbortSignal | undefined,
    private readonly stallMs: number,
  ) {
    if (caller?.aborted) this.controller.abort(caller.reason);
    caller?.addEventListener('abort', this.onCallerAbort, { once: true });
    this.alive();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  alive(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.stallMs <= 0 || !Number.isFinite(this.stallMs)) return;
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.controller.abort(new Error(`stalled for ${this.stallMs} ms`));
    }, this.stallMs);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }
}

/** Runs a cache operation, treating its failure (quota, private mode) as a miss: caching is an optimisation. */
export async function quietly<T>(op: () => Promise<T>): Promise<T | undefined> {
  try {
    return await op();
  } catch {
    return undefined;
  }
}
