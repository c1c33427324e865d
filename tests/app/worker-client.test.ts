import { afterEach, describe, expect, it } from 'vitest';
import { eventOfType, WorkerError, type RequestEvent } from '../../app/worker-client';
import type { WorkerEvent } from '../../workers/protocol';
import { scriptedWorker, settle } from './scripted-worker';

// The client against a peer on the other end of a real MessageChannel, playing the worker's side from a script.
const opened: { close(): void }[] = [];
afterEach(() => opened.splice(0).forEach((w) => w.close()));

function connect(onCommand: Parameters<typeof scriptedWorker>[0]) {
  const worker = scriptedWorker(onCommand);
  opened.push(worker);
  return worker;
}

const nextTick = settle;

describe('WorkerClient', () => {
  it('numbers requests, streams their events and resolves with them on done', async () => {
    const { client, received } = connect((cmd, reply) => {
      if (cmd.type !== 'generate') return;
      for (const text of ['I', "'m", ' sorry']) reply({ type: 'token', requestId: cmd.requestId, which: cmd.which, text });
      reply({ type: 'done', requestId: cmd.requestId });
    });
    const streamed: string[] = [];
    const events = await client.request(
      { type: 'generate', prompt: 'hi', which: 'base', maxNewTokens: 4, temperature: 0 },
      { onEvent: (e) => e.type === 'token' && streamed.push(e.text) },
    );
    expect(streamed).toEqual(['I', "'m", ' sorry']);
    expect(events.map((e) => e.type)).toEqual(['token', 'token', 'token']);
    const second = client.request({ type: 'listRuns' });
    await nextTick();
    expect(received.map((c) => ('requestId' in c ? c.requestId : c.type))).toEqual(['r1', 'r2']);
    void second.catch(() => undefined);
  });

  it("rejects with the worker's code, message and hint", async () => {
    const { client } = connect((cmd, reply) => {
      if ('requestId' in cmd) {
        reply({ type: 'error', requestId: cmd.requestId, code: 'bad-dataset', message: 'train.jsonl line 3: not valid JSON', hint: 'Fix line 3.' });
      }
    });
    const failure = await client.request({ type: 'listRuns' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkerError);
    expect(failure).toMatchObject({ code: 'bad-dataset', message: 'train.jsonl line 3: not valid JSON', hint: 'Fix line 3.' });
  });

  it('aborts: tells the worker, rejects at once, and drops what the worker still sends for that id', async () => {
    const { client, received, reply } = connect(() => undefined);
    const broadcast: WorkerEvent[] = [];
    client.subscribe((e) => broadcast.push(e));
    const abort = new AbortController();
    const pending = client.request({ type: 'loadModel', source: { kind: 'bundled', name: 'safetune-demo' } }, { signal: abort.signal });
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
    await nextTick();
    expect(received.at(-1)).toEqual({ type: 'abort', requestId: 'r1' });
    reply({ type: 'error', requestId: 'r1', code: 'aborted', message: 'cancelled' });
    reply({ type: 'done', requestId: 'r1' });
    await nextTick();
    expect(broadcast).toEqual([]);
    await expect(client.request({ type: 'listRuns' }, { signal: abort.signal })).rejects.toMatchObject({ code: 'aborted' });
  });

  it('hands events that belong to no request to subscribers, and stops when unsubscribed', async () => {
    const { client, reply } = connect(() => undefined);
    const seen: string[] = [];
    const unsubscribe = client.subscribe((e) => seen.push(e.type));
    reply({ type: 'metrics', runId: 'run-1', points: [], evals: [] });
    reply({ type: 'runStatus', runId: 'run-1', status: 'paused', step: 3, totalSteps: 10 });
    reply({ type: 'error', code: 'gpu', message: 'device lost' });
    await nextTick();
    expect(seen).toEqual(['metrics', 'runStatus', 'error']);
    unsubscribe();
    reply({ type: 'log', level: 'info', message: 'x' });
    await nextTick();
    expect(seen).toHaveLength(3);
  });

  it('rejects every pending request when the worker crashes, and tells subscribers', async () => {
    const { client, crash } = connect(() => undefined);
    const seen: WorkerEvent[] = [];
    client.subscribe((e) => seen.push(e));
    const a = client.request({ type: 'listRuns' });
    const b = client.request({ type: 'init', backend: 'webgpu' });
    crash('SyntaxError: unexpected token');
    await expect(a).rejects.toMatchObject({ code: 'worker-crashed' });
    await expect(b).rejects.toMatchObject({ code: 'worker-crashed', message: expect.stringContaining('SyntaxError') });
    expect(seen[0]).toMatchObject({ type: 'error', code: 'worker-crashed', hint: expect.stringContaining('Reload') });
  });

  it('transfers buffers instead of copying them', async () => {
    const { client } = connect((cmd, reply) => 'requestId' in cmd && reply({ type: 'done', requestId: cmd.requestId }));
    const bytes = new TextEncoder().encode('{"text": "hi"}\n').buffer;
    await client.request({ type: 'loadDataset', source: { kind: 'bytes', fileName: 'a.jsonl', bytes }, maxLength: 32 }, { transfer: [bytes] });
    expect(bytes.byteLength).toBe(0); // detached: moved to the worker
  });

  it('finds the one event of a type, or says the worker broke the protocol', () => {
    const events: RequestEvent[] = [{ type: 'runs', requestId: 'r1', runs: [] }];
    expect(eventOfType(events, 'runs').runs).toEqual([]);
    expect(() => eventOfType(events, 'modelLoaded')).toThrow(/without sending 'modelLoaded'/);
  });
});
