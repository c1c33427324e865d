import { describe, expect, test } from 'vitest';
import type { EngineDefaults, WorkerEvent } from '../../workers/protocol';
import { jumpingClock, MemoryStores, WorkerHarness } from './helpers/harness';
import { serveTinySite } from './helpers/tiny-site-server';
import { chatRows, jsonlBytes, TINY_MODEL } from './helpers/site';

// The worker alone decides when the dataset must be read again (issue 12): after a model load (another tokenizer) and
// when a run asks for another max length or held-out share; the page never sends the file twice.

const site = serveTinySite();

const shown = (events: WorkerEvent[]) => events.filter((e): e is Extract<WorkerEvent, { type: 'datasetLoaded' }> => e.type === 'datasetLoaded');

describe('training worker: dataset re-reading', () => {
  test('a model load and a run with another max length or validation share re-read the dataset; an unchanged run does not', async () => {
    const h = new WorkerHarness(site.base(), new MemoryStores(), jumpingClock());
    const ready = (await h.ok({ type: 'init', requestId: 'i', backend: 'cpu' })).find((e) => e.type === 'ready');
    const defaults = (ready as { defaults: EngineDefaults }).defaults;
    await h.ok({ type: 'loadModel', requestId: 'm1', source: { kind: 'bundled', name: TINY_MODEL } });
    await h.ok({ type: 'loadDataset', requestId: 'd', source: { kind: 'bytes', fileName: 'chat.jsonl', bytes: jsonlBytes(chatRows(8)) }, maxLength: 64 });

    const reloaded = await h.ok({ type: 'loadModel', requestId: 'm2', source: { kind: 'bundled', name: TINY_MODEL } });
    expect(shown(reloaded).map((e) => e.report.files[0]!.fileName)).toEqual(['chat.jsonl']);

    const config = { ...defaults.run, lora: { ...defaults.run.lora, r: 4, alpha: 8 }, spf: { ...defaults.run.spf, enabled: false }, evalEvery: 0, train: { ...defaults.run.train, batchSize: 2, maxLength: 48, maxSteps: 1 } };
    const first = await h.ok({ type: 'startRun', requestId: 'r1', config, validation: 0.25 });
    expect(shown(first).map((e) => [e.report.maxLength, e.report.split.validation])).toEqual([[48, 2]]);
    const again = await h.ok({ type: 'startRun', requestId: 'r2', config, validation: 0.25 });
    expect(shown(again)).toEqual([]);
  });
});
