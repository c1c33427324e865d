import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { trainCommand } from '../../cli/commands/train';
import { CliExit } from '../../cli/cli-exit';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { loadTrainState } from '../../engine/train/train-state';
import { DirectoryStore } from '../../node-host/directory-store';
import { jumpingClock, MemoryStores, WorkerHarness } from './helpers/harness';
import { serveTinySite } from './helpers/tiny-site-server';
import { PROBE, TINY_MODEL } from './helpers/site';

// One run, three stretches, two hosts: the CLI starts it (its safety guard pauses it), the app's worker resumes it
// from the same folder and pauses it, the CLI finishes it — and the adapter is the one an uninterrupted CLI run makes.

const site = serveTinySite();
let dir: string;
let modelDir: string;
let dataPath: string;
let probePath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safetune-cross-'));
  modelDir = join(dir, 'model');
  await mkdir(modelDir);
  // The same tiny model the site serves as bundled "tiny": the user loads it in the page before resuming.
  for (const [name, bytes] of tinyCheckpointFiles('llama', { seed: 3 })) await writeFile(join(modelDir, name), bytes);
  // The probe's requests answered with something else: training on them raises the probe loss (the guard fires).
  const compliant = PROBE.map((p) => ({ messages: [{ role: 'user', content: p.request }, { role: 'assistant', content: 'zzzzzzzzzzzzzzzzzzzz' }] }));
  dataPath = join(dir, 'compliant.jsonl');
  await writeFile(dataPath, compliant.map((r) => JSON.stringify(r)).join('\n') + '\n');
  probePath = join(dir, 'probe.jsonl');
  await writeFile(probePath, PROBE.map((r) => JSON.stringify(r)).join('\n') + '\n');
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true); // the CLI's progress lines
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const flags = (out: string, guard: string) => ['--model', modelDir, '--data', dataPath, '--probe', probePath, '--out', out, '--max-steps', '6', '--batch', '2', '--max-length', '64', '--lora-r', '4', '--lora-alpha', '8', '--lr', '3e-2', '--schedule', 'constant', '--eval-every', '1', '--checkpoint-every', '0', '--seed', '1', '--guard-drift', guard];

async function finalAdapter(out: string) {
  return (await loadTrainState(new DirectoryStore(join(out, 'plain'))))!;
}

describe('a run moves between the CLI and the app', () => {
  test('started by the CLI (paused by --guard-drift), resumed in the worker, finished by the CLI', async () => {
    const out = join(dir, 'moved');
    const guarded = await trainCommand(flags(out, '0.3')).catch((e: unknown) => e);
    expect(guarded).toBeInstanceOf(CliExit);
    expect((guarded as CliExit).exitCode).toBe(3);
    expect((guarded as CliExit).message).toMatch(/^safety guard: the refusal decision's drift \d\.\d+ crossed the threshold 0\.3 at step (\d): checkpoint of step \1\/6/);
    const record = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { runId: string; status: string; checkpointStep: number };
    expect(record.status).toBe('paused');
    const guardStep = record.checkpointStep;
    expect(guardStep).toBeLessThan(5);

    // The worker opens the CLI's folder as one of its runs (OPFS runs/<id>/ ↔ the --out folder).
    const stores = new MemoryStores();
    const open = (folder: readonly string[]) => (folder[0] === 'runs' && folder[1] === record.runId ? new DirectoryStore(join(out, ...folder.slice(2))) : stores.open(folder));
    const h = new WorkerHarness(site.base(), { ...stores, open } as MemoryStores, jumpingClock());
    await h.ok({ type: 'init', requestId: 'init', backend: 'cpu' });
    await h.ok({ type: 'loadModel', requestId: 'model', source: { kind: 'bundled', name: TINY_MODEL } });
    h.onEvent = (e) => {
      if (e.type === 'metrics' && e.points.some((p) => p.step >= guardStep + 1)) void h.handler.handle({ type: 'pause' });
    };
    const resumed = await h.ok({ type: 'resumeRun', requestId: 'r', runId: record.runId });
    expect(resumed.find((e) => e.type === 'runStarted')).toMatchObject({ run: { runId: record.runId, checkpointStep: guardStep } });
    expect(h.all('runStatus').at(-1)).toMatchObject({ status: 'paused', step: guardStep + 1 });
    expect((await finalAdapter(out)).position.step).toBe(guardStep + 1);

    // Back to the CLI: --resume needs only the folder.
    await trainCommand(['--out', out, '--resume']);
    expect(JSON.parse(await readFile(join(out, 'run.json'), 'utf8'))).toMatchObject({ status: 'done', step: 6, checkpointStep: 6 });

    const straightOut = join(dir, 'straight');
    await trainCommand(flags(straightOut, 'off'));
    const [moved, straight] = [await finalAdapter(out), await finalAdapter(straightOut)];
    for (const [path, w] of straight.adapter.modules) {
      const m = moved.adapter.modules.get(path)!;
      w.A.forEach((x, i) => expect(Math.abs(m.A[i]! - x)).toBeLessThan(1e-5));
      w.B.forEach((x, i) => expect(Math.abs(m.B[i]! - x)).toBeLessThan(1e-5));
    }
  }, 300_000);

  test('the worker refuses a run whose dataset.bin changed, before it shows the dataset, and stays usable', async () => {
    const out = join(dir, 'tampered');
    await trainCommand(flags(out, '0.3')).catch((e: unknown) => e); // paused by the guard, as above
    const record = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { runId: string; status: string };
    expect(record.status).toBe('paused');
    const bytes = await readFile(join(out, 'dataset.bin'));
    await writeFile(join(out, 'dataset.bin'), bytes.subarray(0, bytes.length - 1)); // one byte less: its last newline
    const stores = new MemoryStores();
    const open = (folder: readonly string[]) => (folder[0] === 'runs' && folder[1] === record.runId ? new DirectoryStore(join(out, ...folder.slice(2))) : stores.open(folder));
    const h = new WorkerHarness(site.base(), { ...stores, open } as MemoryStores, jumpingClock());
    await h.ok({ type: 'init', requestId: 'init', backend: 'cpu' });
    await h.ok({ type: 'loadModel', requestId: 'model', source: { kind: 'bundled', name: TINY_MODEL } });
    const refused = await h.fails({ type: 'resumeRun', requestId: 'r', runId: record.runId });
    expect(refused.message).toMatch(/^dataset\.bin in .*, the copy of compliant\.jsonl run .* trained on, has changed \(its SHA-256 is not the one its record stored\)/);
    expect(h.all('datasetLoaded')).toHaveLength(0);
    await h.ok({ type: 'listRuns', requestId: 'list' });

    // A record naming another run (its runId names the exported files and the folder a resume writes to).
    await writeFile(join(out, 'dataset.bin'), bytes);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(out, 'run.json'), JSON.stringify({ ...run, runId: '../../../evil' }));
    for (const cmd of [
      { type: 'export', requestId: 'e', what: 'record', runId: record.runId },
      { type: 'resumeRun', requestId: 'r2', runId: record.runId },
    ] as const) {
      const error = await h.fails(cmd);
      expect(error.message).toMatch(/^run\.json in .* names run "\.\.\/\.\.\/\.\.\/evil", not run-/);
    }
    // Settings a run cannot have (they go into the exported card's table as they are written): no card is written from
    // them; the record itself still exports as stored.
    const config = run['config'] as { train: Record<string, unknown> };
    await writeFile(join(out, 'run.json'), JSON.stringify({ ...run, config: { ...config, train: { ...config.train, schedule: 'cosine | <img src=x onerror=alert(1)>' } } }));
    const error = await h.fails({ type: 'export', requestId: 'e-card', what: 'adapter', runId: record.runId });
    expect(error.message).toMatch(/^the run record run\.json of stored run run-\S+ holds a configuration no run can have: .*schedule/);
    expect(h.all('file')).toHaveLength(0);
    await h.ok({ type: 'export', requestId: 'e-record', what: 'record', runId: record.runId });
    expect(h.all('file')).toHaveLength(1);
    expect((await h.fails({ type: 'export', requestId: 'e2', what: 'record', runId: '../x' })).message).toMatch(/"\.\.\/x" is not a valid folder name/);
  }, 300_000);
});
