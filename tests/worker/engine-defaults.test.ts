import { describe, expect, test } from 'vitest';
import type { WorkerEvent } from '../../workers/protocol';
import { jumpingClock, MemoryStores, WorkerHarness } from './helpers/harness';
import { serveTinySite } from './helpers/tiny-site-server';
import { ANCHOR, PROBE, WIDE_ANCHORS } from './helpers/site';

// What `ready` hands the configuration form: the bundled safety sets the site serves, each empty (and said so in a
// warning) where the deployment lacks it, never a failed start.

const full = serveTinySite();
const without32 = serveTinySite(['/datasets/safety-anchor-32.jsonl']);

async function ready(base: string): Promise<{ ready: Extract<WorkerEvent, { type: 'ready' }>; events: WorkerEvent[] }> {
  const h = new WorkerHarness(base, new MemoryStores(), jumpingClock());
  const r = (await h.ok({ type: 'init', requestId: 'i', backend: 'cpu' })).find((e) => e.type === 'ready');
  if (r?.type !== 'ready') throw new Error('no ready');
  return { ready: r, events: h.events }; // every event, the logs (which carry no requestId) included
}

describe('training worker: the engine defaults sent with ready', () => {
  test('the bundled anchors, the 32-anchor set and the probe set, as the site serves them', async () => {
    const { ready: r, events } = await ready(full.base());
    expect(r.defaults).toMatchObject({ anchors: ANCHOR, wideAnchors: WIDE_ANCHORS, probe: PROBE });
    expect(events.filter((e) => e.type === 'log' && e.level === 'warn')).toEqual([]);
  });

  test('init\'s assetBase may be a path on the app\'s origin, resolved there (a path was kept unresolved: reading it failed)', async () => {
    const h = new WorkerHarness(`${full.base()}not-here/`, new MemoryStores(), jumpingClock());
    const r = (await h.ok({ type: 'init', requestId: 'i', backend: 'cpu', assetBase: '/' })).find((e) => e.type === 'ready');
    expect(r).toMatchObject({ defaults: { anchors: ANCHOR, wideAnchors: WIDE_ANCHORS, probe: PROBE } });
    expect(h.events.filter((e) => e.type === 'log' && e.level === 'warn')).toEqual([]);
    const same = new WorkerHarness(`${full.base()}not-here/`, new MemoryStores(), jumpingClock());
    expect((await same.ok({ type: 'init', requestId: 'i', backend: 'cpu', assetBase: full.base() })).find((e) => e.type === 'ready')).toMatchObject({ defaults: { probe: PROBE } });
  });

  test('a site without the 32-anchor set starts with it empty and a warning naming it', async () => {
    const { ready: r, events } = await ready(without32.base());
    expect(r.defaults).toMatchObject({ anchors: ANCHOR, wideAnchors: [], probe: PROBE });
    const warnings = events.filter((e): e is Extract<WorkerEvent, { type: 'log' }> => e.type === 'log' && e.level === 'warn');
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining('safety-anchor-32.jsonl')]);
  });
});
