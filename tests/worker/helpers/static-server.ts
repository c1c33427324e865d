import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 (random port) serving files from memory, as Vite serves public/: the worker's
 * FetchFiles reads the bundled model and datasets from it exactly as it does in the browser. GET and HEAD; 404 for
 * anything else.
 */
export class StaticServer {
  private constructor(
    private readonly server: Server,
    private readonly files: Map<string, Uint8Array>,
  ) {}

  static async start(files: Map<string, Uint8Array>): Promise<StaticServer> {
    const server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const body = files.get(path);
      if (body === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const type = path.endsWith('.json') ? 'application/json' : path.endsWith('.jsonl') ? 'application/jsonl' : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'content-length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : Buffer.from(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new StaticServer(server, files);
  }

  /** The site root, ending in "/". */
  get base(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  set(path: string, body: Uint8Array): void {
    this.files.set(path, body);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
