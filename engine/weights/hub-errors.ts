import { SafeTuneError } from '../errors';

/** What a hub request was for, to name it in errors. */
export interface HubRequestContext {
  repoId: string;
  revision: string;
  /** The file inside the repo, or undefined for a repo-level call (the file listing). */
  file: string | undefined;
  url: string;
  hasToken: boolean;
}

/** Statuses worth another try: the server or something on the way is overloaded or restarting. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * The error for a hub answer that no retry will fix. The hub says why in X-Error-Code (RepoNotFound, GatedRepo,
 * EntryNotFound, RevisionNotFound); without it, 401/403 mean "private or gated" and 404 "no such file".
 */
export function hubHttpError(status: number, headers: Headers, ctx: HubRequestContext): SafeTuneError {
  const code = headers.get('x-error-code') ?? '';
  const repo = `hub repo ${ctx.repoId}`;
  const what = ctx.file === undefined ? repo : `${ctx.file} of ${repo}`;
  if (code === 'RepoNotFound') {
    return new SafeTuneError(
      'missing-file',
      `${repo} does not exist, or is private (HTTP ${status} at ${ctx.url})`,
      ctx.hasToken
        ? 'Check the repo id (owner/name, as on its huggingface.co page) and that your token can read it.'
        : 'Check the repo id (owner/name, as on its huggingface.co page); for a private repo, give SafeTune an access token.',
    );
  }
  if (code === 'RevisionNotFound') {
    return new SafeTuneError('missing-file', `${repo} has no revision "${ctx.revision}" (${ctx.url})`, 'Use a branch name such as "main", a tag, or a commit hash of the repo.');
  }
  if (status === 401 || status === 403 || code === 'GatedRepo') {
    const tokenAdvice = ctx.hasToken
      ? 'the token given was refused: check that it is valid, has read access, and that its account has been granted access'
      : 'give SafeTune a Hugging Face access token (huggingface.co/settings/tokens, read access)';
    return new SafeTuneError(
      'network',
      `the hub refused ${what} (HTTP ${status} at ${ctx.url})`,
      `${ctx.repoId} is probably gated or private: accept its license on huggingface.co/${ctx.repoId} while logged in, then ${tokenAdvice}.`,
    );
  }
  if (status === 404 || code === 'EntryNotFound') {
    return new SafeTuneError(
      'missing-file',
      ctx.file === undefined ? `${repo} was not found (${ctx.url})` : `${repo} (revision ${ctx.revision}) has no file ${ctx.file} (${ctx.url})`,
      'Check the repo id and revision; the file list is on the repo page under "Files and versions".',
    );
  }
  return new SafeTuneError('network', `the hub answered HTTP ${status} for ${what} at ${ctx.url}`, 'Try again later; if it persists, check the repo page on huggingface.co.');
}

/**
 * Content-Range "bytes START-END/TOTAL" (TOTAL may be "*"); undefined when it is missing, malformed or inconsistent
 * (END before START, or END at or past TOTAL).
 */
export function parseContentRange(header: string | null): { start: number; end: number; total: number | undefined } | undefined {
  const match = header === null ? null : /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim());
  if (match === null) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  const total = match[3] === '*' ? undefined : Number(match[3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  if (total !== undefined && (!Number.isSafeInteger(total) || end >= total)) return undefined;
  return { start, end, total };
}

/** A strong ETag (weak ones may not be used in If-Range), or undefined. */
export function strongEtag(header: string | null): string | undefined {
  return header === null || header.startsWith('W/') ? undefined : header;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 && signal?.aborted !== true) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
