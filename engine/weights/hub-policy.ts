import { SafeTuneError } from '../errors';

/**
 * Where hub downloads may come from: the endpoint's own host and, for the Hugging Face hub, its CDN hosts (LFS and
 * Xet files redirect to cdn-lfs.huggingface.co, cas-bridge.xethub.hf.co, ...). A redirect anywhere else is refused,
 * after the fact as well (`response.url`): the worker holds the dataset, the model and the token.
 */
export class HubHostPolicy {
  readonly endpointHost: string;
  private readonly suffixes: readonly string[];

  constructor(endpoint: string) {
    this.endpointHost = new URL(endpoint).host;
    const hub = /(^|\.)(huggingface\.co|hf\.co)$/.test(new URL(endpoint).hostname);
    this.suffixes = hub ? ['.huggingface.co', '.hf.co'] : [];
  }

  allows(url: string): boolean {
    const { host, hostname, protocol } = new URL(url);
    if (host === this.endpointHost) return true;
    return protocol === 'https:' && this.suffixes.some((suffix) => hostname.endsWith(suffix) || `.${hostname}` === suffix);
  }

  /** The token goes to the hub's own host only, never to a CDN or anything a redirect names. */
  mayCarryToken(url: string): boolean {
    return new URL(url).host === this.endpointHost;
  }

  /** Throws unless `response` (after any redirects) came from an allowed host. */
  checkResponse(response: Response, requested: string, file: string | undefined): void {
    // A synthetic Response (tests, a service worker) has an empty url: it came from nowhere else.
    if (response.url === '' || this.allows(response.url)) return;
    void response.body?.cancel();
    throw new SafeTuneError(
      'network',
      `${file ?? 'a hub request'} (${requested}) was redirected to ${new URL(response.url).host}, which is not the hub (${this.endpointHost})`,
      'SafeTune only downloads from the hub and its CDN. If you use a mirror, set it as the hub endpoint.',
    );
  }
}

/** A commit hash: what a branch or tag resolves to (the hub's `x-repo-commit`). */
export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/**
 * The SHA-256 the hub states for a file: an LFS file's oid, sent as `x-linked-etag` (on the resolve answer) or as the
 * `etag` itself; undefined when the header holds something else (a git blob hash for small files).
 */
export function statedSha256(headers: Headers): string | undefined {
  for (const name of ['x-linked-etag', 'etag']) {
    const value = headers.get(name)?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();
    if (value !== undefined && /^[0-9a-f]{64}$/.test(value)) return value;
  }
  return undefined;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
