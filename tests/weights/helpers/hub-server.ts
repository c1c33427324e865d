import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it, for tests to count and inspect. */
export interface RecordedRequest {
  method: string;
  path: string;
  range: string | undefined;
  ifRange: string | undefined;
  authorization: string | undefined;
}

/**
 * A real HTTP server on 127.0.0.1 (random port) that serves files in the Hugging Face hub's URL layout
 * (/{repo}/resolve/{revision}/{path}, /api/models/{repo}/revision/{revision}) with ETags and byte ranges, and can
 * misbehave on demand: cut a response off mid-body, stall, fail with a status, ignore Range, require a token.
 * Also serves plain static files under /static/ and an SPA-style fallback under /spa/ for FetchFiles.
 */
export class TestHubServer {
  readonly requests: RecordedRequest[] = [];
  /** Answer Range requests with the whole file and 200, like a server without range support. */
  ignoreRanges = false;
  /** When set, hub requests without "Authorization: Bearer <token>" get 401 with X-Error-Code GatedRepo. */
  requiredToken: string | undefined;
  /** Send the hub's own headers on file answers: `x-repo-commit` (this commit) and `x-linked-etag` (the SHA-256). */
  repoCommit: string | undefined;

  private readonly redirects = new Map<string, string>();
  private readonly corruptions = new Set<string>();

  private readonly files = new Map<string, Uint8Array>();
  private readonly statics = new Map<string, { body: Uint8Array; type: string }>();
  private readonly cuts = new Map<string, number>();
  private readonly stalls = new Map<string, number>();
  private readonly failures = new Map<string, { status: number; count: number }>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<TestHubServer> {
    const server = createServer();
    const hub = new TestHubServer(server);
    server.on('request', (req, res) => hub.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return hub;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  addRepo(repoId: string, files: Record<string, Uint8Array> | Map<string, Uint8Array>, revision = 'main'): void {
    const entries = files instanceof Map ? [...files] : Object.entries(files);
    for (const [path, bytes] of entries) this.files.set(this.key(repoId, revision, path), bytes);
  }

  addStatic(path: string, body: Uint8Array, type = 'application/octet-stream'): void {
    this.statics.set(path, { body, type });
  }

  /** The next GET of this file sends only `afterBytes` bytes of the body (announcing the full length), then drops. */
  cutOnce(repoId: string, path: string, afterBytes: number, revision = 'main'): void {
    this.cuts.set(this.key(repoId, revision, path), afterBytes);
  }

  /** The next GET of this file sends `afterBytes` bytes and then nothing, keeping the connection open. */
  stallOnce(repoId: string, path: string, afterBytes: number, revision = 'main'): void {
    this.stalls.set(this.key(repoId, revision, path), afterBytes);
  }

  /** The next `count` requests for this file get `status`. */
  failNext(repoId: string, path: string, status: number, count: number, revision = 'main'): void {
    this.failures.set(this.key(repoId, revision, path), { status, count });
  }

  /** Answers this file with a 302 to `location` (another host, as the hub's CDN redirects do). */
  redirect(repoId: string, path: string, location: string, revision = 'main'): void {
    this.redirects.set(this.key(repoId, revision, path), location);
  }

  /** The next GET of this file sends its bytes with one flipped, under the true SHA-256 header. */
  corruptOnce(repoId: string, path: string, revision = 'main'): void {
    this.corruptions.add(this.key(repoId, revision, path));
  }

  /** Requests whose path ends with `suffix` (all when omitted). */
  requestsFor(suffix = ''): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(suffix));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private key(repoId: string, revision: string, path: string): string {
    return `${repoId}@${revision}:${path}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    this.requests.push({ method: req.method ?? 'GET', path, range: header('range'), ifRange: header('if-range'), authorization: header('authorization') });

    if (path.startsWith('/static/')) return this.serveStatic(path.slice('/static/'.length), req, res);
    if (path.startsWith('/spa/')) return this.serveSpa(path.slice('/spa/'.length), req, res);

    if (this.requiredToken !== undefined && header('authorization') !== `Bearer ${this.requiredToken}`) {
      return this.error(res, 401, 'GatedRepo', 'Access to this model is restricted.');
    }
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(path);
    if (api !== null) return this.serveListing(api[1]!, api[2]!, res);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (resolve === null) return this.error(res, 404, 'NotFound', 'no route');
    const [, repoId, revision, file] = resolve as unknown as [string, string, string, string];
    const key = this.key(repoId, revision, file);

    const failure = this.failures.get(key);
    if (failure !== undefined && failure.count > 0) {
      failure.count--;
      return this.error(res, failure.status, 'Failure', 'injected failure');
    }
    const location = this.redirects.get(key);
    if (location !== undefined) {
      res.writeHead(302, { location });
      return void res.end();
    }
    const body = this.files.get(key);
    if (body === undefined) {
      const repoKnown = [...this.files.keys()].some((k) => k.startsWith(`${repoId}@`));
      return repoKnown ? this.error(res, 404, 'EntryNotFound', 'Entry not found') : this.error(res, 401, 'RepoNotFound', 'Repository not found');
    }
    this.serveBytes(key, body, req, res);
  }

  private serveBytes(key: string, body: Uint8Array, req: IncomingMessage, res: ServerResponse): void {
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    const headers: Record<string, string | number> = { etag, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
    if (this.repoCommit !== undefined) {
      headers['x-repo-commit'] = this.repoCommit;
      headers['x-linked-etag'] = `"${createHash('sha256').update(body).digest('hex')}"`;
    }
    if (req.method !== 'HEAD' && this.corruptions.delete(key)) {
      body = body.slice();
      body[0] = body[0]! ^ 0xff;
    }
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range !== null && !this.ignoreRanges && (ifRange === undefined || ifRange === etag)) {
      start = Number(range[1]);
      const end = range[2] === '' ? body.length - 1 : Math.min(Number(range[2]), body.length - 1);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` });
        return void res.end();
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${body.length}`;
      body = body.subarray(0, end + 1);
    }
    const payload = body.subarray(start);
    headers['content-length'] = payload.length;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') return void res.end();

    const cut = this.cuts.get(key);
    if (cut !== undefined) {
      this.cuts.delete(key);
      // Announce the full length, send part of it, then drop the connection: the client sees a broken body.
      res.write(payload.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 30));
      return;
    }
    const stall = this.stalls.get(key);
    if (stall !== undefined) {
      this.stalls.delete(key);
      res.write(payload.subarray(0, stall)); // ...and then nothing: the client has to give up on its own
      return;
    }
    res.end(payload);
  }

  private serveListing(repoId: string, revision: string, res: ServerResponse): void {
    const prefix = `${repoId}@${revision}:`;
    const siblings = [...this.files.keys()].filter((k) => k.startsWith(prefix)).map((k) => ({ rfilename: k.slice(prefix.length) }));
    if (siblings.length === 0) return this.error(res, 401, 'RepoNotFound', 'Repository not found');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: repoId, sha: 'abc', siblings }));
  }

  private serveStatic(path: string, req: IncomingMessage, res: ServerResponse): void {
    const file = this.statics.get(path);
    if (file === undefined) return this.error(res, 404, 'NotFound', 'not found');
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  /** Like a dev server with an SPA fallback: known files as they are, anything else as index.html with 200. */
  private serveSpa(path: string, req: IncomingMessage, res: ServerResponse): void {
    const file = this.statics.get(path);
    const body = file?.body ?? new TextEncoder().encode('<!doctype html><html><body>app</body></html>');
    res.writeHead(200, { 'content-type': file?.type ?? 'text/html; charset=utf-8', 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private error(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'x-error-code': code, 'x-error-message': message, 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: message }));
  }
}
