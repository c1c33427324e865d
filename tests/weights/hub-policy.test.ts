import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryByteCache } from '../../engine/weights/byte-cache';
import { HubFiles, type HubFilesOptions } from '../../engine/weights/hub-files';
import { HubHostPolicy } from '../../engine/weights/hub-policy';
import { TestHubServer } from './helpers/hub-server';
import { caught, readAll } from './helpers/hub-reads';

// The network policy where the fetches run (issue 14): hosts checked before and after redirects, the token only to
// the hub's own host, downloads verified against the hub's SHA-256, a branch pinned to one commit. Against a real
// HTTP server on 127.0.0.1; "localhost" on the same port plays the outside host.

const REPO = 'test-org/tiny-model';
const COMMIT = 'a'.repeat(40);
const enc = (s: string) => new TextEncoder().encode(s);
const CONFIG = enc('{"model_type": "llama"}');
const WEIGHTS = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff);

let server: TestHubServer;
beforeEach(async () => {
  server = await TestHubServer.start();
  for (const revision of ['main', COMMIT]) server.addRepo(REPO, { 'config.json': CONFIG, 'model.safetensors': WEIGHTS }, revision);
  server.repoCommit = COMMIT;
});
afterEach(async () => {
  await server.close();
});

function hub(options: HubFilesOptions = {}): HubFiles {
  return new HubFiles(REPO, { endpoint: server.endpoint, retryDelayMs: 1, maxAttempts: 2, ...options });
}


describe('hub network policy', () => {
  it('refuses a download redirected to another host, and the token never reaches it', async () => {
    const outside = server.endpoint.replace('127.0.0.1', 'localhost');
    server.redirect(REPO, 'model.safetensors', `${outside}/elsewhere/model.safetensors`);
    const e = await caught(readAll(hub({ token: 'hf_secret' }), 'model.safetensors'));
    expect(e.code).toBe('network');
    expect(e.message).toMatch(/^model\.safetensors .* was redirected to localhost:\d+, which is not the hub \(127\.0\.0\.1:\d+\)$/);
    const reachedOutside = server.requestsFor('/elsewhere/model.safetensors');
    expect(reachedOutside.every((r) => r.authorization === undefined)).toBe(true);
    expect(server.requestsFor('/model.safetensors').filter((r) => r.path.includes('/resolve/'))).toHaveLength(1); // no retries
  });

  it('sends the token to the hub host only; allows the hub CDN hosts over https', () => {
    const policy = new HubHostPolicy('https://huggingface.co');
    expect(policy.allows('https://huggingface.co/x/y/resolve/main/config.json')).toBe(true);
    expect(policy.allows('https://cdn-lfs.huggingface.co/repos/ab/cd')).toBe(true);
    expect(policy.allows('https://cas-bridge.xethub.hf.co/xet-bridge-us/1')).toBe(true);
    expect(policy.allows('http://cdn-lfs.huggingface.co/repos/ab/cd')).toBe(false);
    expect(policy.allows('https://huggingface.co.evil.example/x')).toBe(false);
    expect(policy.allows('https://evilhuggingface.co/x')).toBe(false);
    expect(policy.mayCarryToken('https://huggingface.co/x')).toBe(true);
    expect(policy.mayCarryToken('https://cdn-lfs.huggingface.co/x')).toBe(false);
  });

  it('verifies a download against the SHA-256 the hub states, and keeps nothing of a corrupt one', async () => {
    server.corruptOnce(REPO, 'model.safetensors');
    const cache = new MemoryByteCache();
    const e = await caught(readAll(hub({ cache }), 'model.safetensors'));
    expect(e.message).toMatch(/^model\.safetensors of hub repo test-org\/tiny-model arrived with SHA-256 [0-9a-f]{16}…, but the hub states [0-9a-f]{16}…/);
    expect(await cache.get(`${server.endpoint}/${REPO}/resolve/main/model.safetensors`)).toBeUndefined();
    expect(await readAll(hub({ cache }), 'model.safetensors')).toEqual(WEIGHTS); // the next try is clean
  });

  it('pins a branch to the commit its first file resolved to, remembered across sessions', async () => {
    const cache = new MemoryByteCache();
    const first = hub({ cache });
    await readAll(first, 'config.json');
    expect(first.pinnedCommit).toBe(COMMIT);
    await readAll(first, 'model.safetensors');
    const paths = server.requests.map((r) => r.path);
    expect(paths).toEqual([`/${REPO}/resolve/main/config.json`, `/${REPO}/resolve/${COMMIT}/model.safetensors`]);
    // Later session: the branch moved on the hub, the cached model stays one revision and loads without the network.
    server.repoCommit = 'b'.repeat(40);
    const later = hub({ cache });
    expect(await readAll(later, 'config.json')).toEqual(CONFIG);
    expect(await readAll(later, 'model.safetensors')).toEqual(WEIGHTS);
    expect(later.pinnedCommit).toBe(COMMIT);
    expect(server.requests).toHaveLength(2);
  });
});
