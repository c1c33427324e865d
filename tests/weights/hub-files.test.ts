import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { MemoryByteCache } from '../../engine/weights/byte-cache';
import { openWeightShards } from '../../engine/weights/weight-shards';
import { HubFiles, normalizeRepoId, type HubFilesOptions } from '../../engine/weights/hub-files';
import { writeSafetensors, writeShardedCheckpoint } from '../../engine/weights/safetensors-writer';
import { TestHubServer } from './helpers/hub-server';
import { caught, readAll } from './helpers/hub-reads';

const REPO = 'test-org/tiny-model';
const enc = (s: string) => new TextEncoder().encode(s);
/** 64 KiB of varied bytes: big enough to be cut off mid-body. */
const BIG = Uint8Array.from({ length: 65536 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
const CONFIG = enc('{"model_type": "llama"}');

let server: TestHubServer;
beforeEach(async () => {
  server = await TestHubServer.start();
  server.addRepo(REPO, { 'config.json': CONFIG, 'big.bin': BIG, 'sub dir/a#b.json': enc('{"x":1}') });
});
afterEach(async () => {
  await server.close();
});

function hub(options: HubFilesOptions = {}): HubFiles {
  return new HubFiles(REPO, { endpoint: server.endpoint, retryDelayMs: 1, ...options });
}


describe('HubFiles: downloads and cache', () => {
  it('fetches files from {endpoint}/{repo}/resolve/{revision}/{path}, encoding each path segment', async () => {
    const files = hub();
    expect(files.description).toBe(`hub ${REPO}`);
    expect(await files.text('config.json')).toBe('{"model_type": "llama"}');
    expect(await files.text('sub dir/a#b.json')).toBe('{"x":1}');
    expect(server.requests.map((r) => r.path)).toEqual([`/${REPO}/resolve/main/config.json`, `/${REPO}/resolve/main/sub dir/a#b.json`]);
    expect(files.fileUrl('sub dir/a#b.json')).toBe(`${server.endpoint}/${REPO}/resolve/main/sub%20dir/a%23b.json`);
  });

  it('serves a second load of the same file from the cache, without touching the network', async () => {
    const cache = new MemoryByteCache();
    expect(await readAll(hub({ cache }), 'big.bin')).toEqual(BIG);
    expect(server.requests).toHaveLength(1);
    const second = hub({ cache });
    expect(await readAll(second, 'big.bin')).toEqual(BIG);
    expect(await second.has('big.bin')).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('shares one download between concurrent opens of the same file', async () => {
    const files = hub();
    const [a, b] = await Promise.all([files.open('big.bin'), files.open('big.bin')]);
    expect(a.size).toBe(BIG.length);
    expect(b.size).toBe(BIG.length);
    expect(server.requestsFor('big.bin')).toHaveLength(1);
  });

  it('reports progress per file, ending at the full size; a cache hit reports once, complete', async () => {
    const events: [string, number, number | undefined][] = [];
    const cache = new MemoryByteCache();
    await hub({ cache, onProgress: (f, loaded, total) => events.push([f, loaded, total]) }).open('big.bin');
    expect(events.length).toBeGreaterThan(1);
    expect(events.every(([f, , total]) => f === 'big.bin' && total === BIG.length)).toBe(true);
    expect(events.map(([, loaded]) => loaded)).toEqual([...events.map(([, loaded]) => loaded)].sort((a, b) => a - b));
    expect(events.at(-1)).toEqual(['big.bin', BIG.length, BIG.length]);
    events.length = 0;
    await hub({ cache, onProgress: (f, loaded, total) => events.push([f, loaded, total]) }).open('big.bin');
    expect(events).toEqual([['big.bin', BIG.length, BIG.length]]);
  });

  it('has() asks with HEAD once, answers false for a missing file, and true from the cache', async () => {
    const files = hub();
    expect(await files.has('config.json')).toBe(true);
    expect(await files.has('config.json')).toBe(true);
    expect(await files.has('model.safetensors')).toBe(false);
    expect(server.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
  });

  it('uses the revision in URLs and the description', async () => {
    server.addRepo(REPO, { 'config.json': enc('{"v": 2}') }, 'v2.0');
    const files = hub({ revision: 'v2.0' });
    expect(files.description).toBe(`hub ${REPO}@v2.0`);
    expect(await files.text('config.json')).toBe('{"v": 2}');
  });
});

describe('HubFiles: resume', () => {
  it('resumes a broken download with Range: bytes=N- and appends the rest', async () => {
    server.cutOnce(REPO, 'big.bin', 20_000);
    expect(await readAll(hub(), 'big.bin')).toEqual(BIG);
    const gets = server.requestsFor('big.bin');
    expect(gets).toHaveLength(2);
    expect(gets[0]!.range).toBeUndefined();
    expect(gets[1]!.range).toBe('bytes=20000-');
    expect(gets[1]!.ifRange).toMatch(/^"[0-9a-f]+"$/); // resumes only if the file is unchanged
  });

  it('keeps the bytes so far in the cache when all attempts fail, and the next open resumes from there', async () => {
    const cache = new MemoryByteCache();
    server.cutOnce(REPO, 'big.bin', 30_000);
    const e = await caught(hub({ cache, maxAttempts: 1 }).open('big.bin'));
    expect(e.code).toBe('network');
    expect(e.message).toContain('big.bin');
    expect(e.message).toContain(`${server.endpoint}/${REPO}/resolve/main/big.bin`);
    expect(e.hint).toContain('30000 bytes received so far are kept');
    expect((await cache.getPartial(`${server.endpoint}/${REPO}/resolve/main/big.bin`))?.bytes.length).toBe(30_000);

    expect(await readAll(hub({ cache }), 'big.bin')).toEqual(BIG);
    expect(server.requestsFor('big.bin').map((r) => r.range)).toEqual([undefined, 'bytes=30000-']);
    expect(await cache.getPartial(`${server.endpoint}/${REPO}/resolve/main/big.bin`)).toBeUndefined();
  });

  it('starts over when the server answers a Range request with 200 and the whole file', async () => {
    server.ignoreRanges = true;
    server.cutOnce(REPO, 'big.bin', 10_000);
    const progress: number[] = [];
    expect(await readAll(hub({ onProgress: (_, loaded) => progress.push(loaded) }), 'big.bin')).toEqual(BIG);
    expect(server.requestsFor('big.bin').map((r) => r.range)).toEqual([undefined, 'bytes=10000-']);
    expect(progress).toContain(0); // the second attempt restarted from zero
  });

  it('starts over when the kept bytes belong to a file that has changed since (If-Range fails)', async () => {
    const cache = new MemoryByteCache();
    server.cutOnce(REPO, 'big.bin', 10_000);
    await caught(hub({ cache, maxAttempts: 1 }).open('big.bin'));
    const changed = BIG.map((b) => b ^ 0xff);
    server.addRepo(REPO, { 'big.bin': changed });
    expect(await readAll(hub({ cache }), 'big.bin')).toEqual(changed);
  });

  it('abandons a stalled attempt after stallTimeoutMs and resumes', async () => {
    server.stallOnce(REPO, 'big.bin', 5_000);
    expect(await readAll(hub({ stallTimeoutMs: 300 }), 'big.bin')).toEqual(BIG);
    expect(server.requestsFor('big.bin').map((r) => r.range)).toEqual([undefined, 'bytes=5000-']);
  });
});

describe('HubFiles: retries and errors', () => {
  it('retries 5xx answers and succeeds', async () => {
    server.failNext(REPO, 'config.json', 503, 2);
    expect(await hub().text('config.json')).toBe('{"model_type": "llama"}');
    expect(server.requestsFor('config.json')).toHaveLength(3);
  });

  it('gives up after maxAttempts with a network error naming the file and URL', async () => {
    server.failNext(REPO, 'config.json', 502, 10);
    const e = await caught(hub({ maxAttempts: 3 }).open('config.json'));
    expect(e.code).toBe('network');
    expect(e.message).toContain('config.json');
    expect(e.message).toContain(`${server.endpoint}/${REPO}/resolve/main/config.json`);
    expect(e.message).toContain('after 3 attempts: HTTP 502');
    expect(server.requestsFor('config.json')).toHaveLength(3);
  });

  it('retries when nothing answers at all, then fails with a network error', async () => {
    const endpoint = server.endpoint;
    await server.close();
    const e = await caught(new HubFiles(REPO, { endpoint, retryDelayMs: 1, maxAttempts: 2 }).open('config.json'));
    expect(e.code).toBe('network');
    expect(e.message).toContain(`${endpoint}/${REPO}/resolve/main/config.json after 2 attempts`);
    server = await TestHubServer.start(); // for afterEach
  });

  it('a 404 names the repo, the revision and the file', async () => {
    const e = await caught(hub().open('tokenizer.model'));
    expect(e.code).toBe('missing-file');
    expect(e.message).toContain(`hub repo ${REPO} (revision main) has no file tokenizer.model`);
    expect(server.requestsFor('tokenizer.model')).toHaveLength(1); // not retried
  });

  it('an unknown repo says so, from has() as well as open()', async () => {
    const files = new HubFiles('nobody/nothing', { endpoint: server.endpoint });
    for (const e of [await caught(files.has('config.json')), await caught(files.open('config.json'))]) {
      expect(e.code).toBe('missing-file');
      expect(e.message).toContain('hub repo nobody/nothing does not exist, or is private');
    }
  });

  it('a gated repo: 401 without a token hints at tokens; with the token the request carries it', async () => {
    server.requiredToken = 'hf_secret';
    const e = await caught(hub().open('config.json'));
    expect(e.code).toBe('network');
    expect(e.message).toContain('config.json');
    expect(e.message).toContain('HTTP 401');
    expect(e.hint).toContain('gated');
    expect(e.hint).toContain('access token');
    expect(server.requestsFor('config.json')).toHaveLength(1); // not retried

    const wrong = await caught(hub({ token: 'hf_wrong' }).open('config.json'));
    expect(wrong.hint).toContain('the token given was refused');

    expect(await hub({ token: 'hf_secret' }).text('config.json')).toBe('{"model_type": "llama"}');
    expect(server.requestsFor('config.json').at(-1)!.authorization).toBe('Bearer hf_secret');
  });

  it('aborts when the caller aborts', async () => {
    const controller = new AbortController();
    server.stallOnce(REPO, 'big.bin', 1000);
    const opening = hub({ signal: controller.signal, stallTimeoutMs: 60_000 }).open('big.bin');
    setTimeout(() => controller.abort(), 100);
    await expect(opening).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects paths that escape the repo and ids that are not repo ids', async () => {
    expect((await caught(hub().open('../secrets'))).code).toBe('bad-argument');
    expect(() => new HubFiles('not a repo')).toThrow(SafeTuneError);
    expect(normalizeRepoId('https://huggingface.co/HuggingFaceTB/SmolLM2-135M/tree/main')).toBe('HuggingFaceTB/SmolLM2-135M');
    expect(normalizeRepoId(' gpt2 ')).toBe('gpt2');
    expect(server.requests).toHaveLength(0);
  });
});

describe('HubFiles with openWeightShards', () => {
  it('loads a sharded checkpoint from the hub, and lists the repo in the no-weights error', async () => {
    const tensors = [
      { name: 'a.weight', dtype: 'F32' as const, shape: [4], data: new Float32Array([1, 2, 3, 4]) },
      { name: 'b.weight', dtype: 'BF16' as const, shape: [2], data: new Float32Array([0.5, -1]) },
      { name: 'c.weight', dtype: 'F16' as const, shape: [2], data: new Float32Array([2, 3]) },
    ];
    server.addRepo('org/sharded', writeShardedCheckpoint(tensors, 4).files); // one shard per tensor
    const ckpt = await openWeightShards(new HubFiles('org/sharded', { endpoint: server.endpoint }));
    expect(ckpt.files.length).toBe(3);
    expect(Array.from((await ckpt.read('b.weight')).data)).toEqual([0.5, -1]);
    expect(Array.from((await ckpt.read('c.weight')).data)).toEqual([2, 3]);

    server.addRepo('org/bin-only', { 'config.json': CONFIG, 'pytorch_model.bin': new Uint8Array(4) });
    const e = await caught(openWeightShards(new HubFiles('org/bin-only', { endpoint: server.endpoint })));
    expect(e.message).toBe(
      'hub org/bin-only has no model weights: neither model.safetensors nor model.safetensors.index.json is there; it has config.json, pytorch_model.bin',
    );
    expect(e.hint).toContain('PyTorch .bin');
  });

  it('opens a single-file model straight from model.safetensors', async () => {
    server.addRepo('org/single', { 'model.safetensors': writeSafetensors([{ name: 'w', dtype: 'F32', shape: [1], data: new Float32Array([9]) }]) });
    const ckpt = await openWeightShards(new HubFiles('org/single', { endpoint: server.endpoint }));
    expect(Array.from((await ckpt.read('w')).data)).toEqual([9]);
  });
});
