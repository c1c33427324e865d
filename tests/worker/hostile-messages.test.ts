import { expect, test } from 'vitest';
import type { WorkerCommand } from '../../workers/protocol';
import { MemoryStores, WorkerHarness } from './helpers/harness';

// A red team's messages: a value that is not a command got no answer (the handler threw inside the worker), and a
// requestId already in use got an error carrying that id — a second terminal event for the request still running.

test('a message that is not a command is answered with an error, and the worker stays usable', async () => {
  const h = new WorkerHarness('http://127.0.0.1:1/', new MemoryStores());
  for (const message of [null, 'hello', 42, {}, { type: 7 }]) {
    const before = h.events.length;
    await h.handler.handle(message as unknown as WorkerCommand);
    const answered = h.events.slice(before);
    expect(answered).toHaveLength(1);
    expect(answered[0]).toMatchObject({ type: 'error', code: 'internal' });
    expect((answered[0] as { message: string }).message).toMatch(/^the worker received a message that is not a command: /);
  }
  await h.ok({ type: 'listRuns', requestId: 'after' });
});

test('a requestId already in use is refused without that id: the running request still ends exactly once', async () => {
  const h = new WorkerHarness('http://127.0.0.1:1/', new MemoryStores());
  const first = h.handler.handle({ type: 'listRuns', requestId: 'dup' });
  await h.handler.handle({ type: 'listRuns', requestId: 'dup' }); // arrives while the first is in flight
  await first;
  const forDup = h.events.filter((e) => 'requestId' in e && e.requestId === 'dup');
  expect(forDup.map((e) => e.type)).toEqual(['runs', 'done']);
  expect(h.events.find((e) => e.type === 'error')).toMatchObject({ code: 'internal', message: 'request id "dup" is missing or already in use' });
  expect(h.events.find((e) => e.type === 'error')).not.toHaveProperty('requestId');
});

test('init refuses a backend it does not know (it answered done), and the chat refuses a prompt no model could read', async () => {
  const h = new WorkerHarness('http://127.0.0.1:1/', new MemoryStores());
  const init = await h.fails({ type: 'init', requestId: 'i', backend: 'nope' as unknown as 'cpu' });
  expect(init).toMatchObject({ code: 'bad-argument', message: 'unknown backend "nope"' });
  const generate = await h.fails({ type: 'generate', requestId: 'g', prompt: 'x'.repeat(2_000_000), maxNewTokens: 4, temperature: 0, which: 'base' });
  expect(generate).toMatchObject({ code: 'bad-argument', message: 'the prompt has 2000000 characters, more than the 100000 a chat message may have' });
});

test('init refuses an assetBase on another origin (any URL was taken: the bundled model and safety sets from another host)', async () => {
  const h = new WorkerHarness('http://127.0.0.1:1/', new MemoryStores());
  for (const assetBase of ['https://evil.example/', '//evil.example/public/', 'http://127.0.0.1:2/', 'data:text/plain,x']) {
    const error = await h.fails({ type: 'init', requestId: `i-${assetBase}`, backend: 'cpu', assetBase });
    expect(error).toMatchObject({ code: 'bad-argument', message: expect.stringMatching(/^init: "assetBase" must be on the app's own origin \(http:\/\/127\.0\.0\.1:1\), got "/) });
  }
  expect(h.handler.state.assetBase).toBe('http://127.0.0.1:1/');
});

test('a command with a missing or mistyped field is the page\'s mistake, named (they failed as "a bug in SafeTune")', async () => {
  const h = new WorkerHarness('http://127.0.0.1:1/', new MemoryStores());
  const cases: [unknown, string][] = [
    [{ type: 'loadModel', requestId: 'a' }, 'loadModel: "source" must be an object, got nothing'],
    [{ type: 'loadModel', requestId: 'b', source: { kind: 7 } }, 'loadModel: "source.kind" must be a string, got a number'],
    [{ type: 'loadDataset', requestId: 'c', source: { kind: 'bytes', fileName: 42, bytes: new ArrayBuffer(1) }, maxLength: 64 }, 'loadDataset: "source.fileName" must be a string, got a number'],
    [{ type: 'refusalCheck', requestId: 'd', which: 'base', prompts: 'abc' }, 'refusalCheck: "prompts" must be a list of strings, got a string'],
    [{ type: 'export', requestId: 'e' }, 'export: "what" must be a string, got nothing'],
    // answered "there is no run to export": the run was looked for before the choice was checked
    [{ type: 'export', requestId: 'f', what: 'zzz' }, 'export: "what" must be one of adapter, merged, record, got "zzz"'],
  ];
  for (const [cmd, message] of cases) {
    expect(await h.fails(cmd as WorkerCommand)).toMatchObject({ code: 'bad-argument', message });
  }
  await h.ok({ type: 'listRuns', requestId: 'after' });
});
