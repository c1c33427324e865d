import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../engine/data/load-dataset';
import { loadCausalLM } from '../../engine/model/load';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { memoryRunHost } from '../../engine/run/memory-host';
import { soleModel } from '../../engine/run/model-access';
import { checkDatasetDigest, checkDatasetRows, checkRecordForResume, checkSameModel } from '../../engine/run/resume-checks';
import { RunFolder } from '../../engine/run/run-folder';
import type { RunRecord } from '../../engine/run/run-record';
import { TrainingRun } from '../../engine/run/training-run';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { prepareNewRun } from '../../cli/train/prepare-run';
import { directoryOpener } from '../../node-host/directory-store';
import { chatRows } from '../worker/helpers/site';
import { bytes, tinyRun } from './helpers/tiny-run';

// A resume trusts nothing it reads back from the run folder (a red-team pass resumed runs silently on another dataset,
// another model of the same shape, and records whose config disagreed with the checkpoint). The CLI and the worker
// share these checks (engine/run/resume-checks.ts, TrainingRun.resume).

const rowsOf = (n: number): Uint8Array => new TextEncoder().encode(chatRows(n).map((r) => JSON.stringify(r)).join('\n') + '\n');

/** A tiny run paused at step 2 of 4 with a checkpoint, in memory; `resume` resumes it on a model of `seed`. */
async function pausedRun() {
  const t = await tinyRun({ maxSteps: 4, checkpointEvery: 1 });
  await t.trainUntilPaused(2);
  t.model.dispose();
  const resume = async (edited: RunRecord, seed = 3): Promise<TrainingRun> => {
    const other = await loadCausalLM(new MemoryFiles(tinyCheckpointFiles('llama', { seed }), 'tiny'));
    // The same folder's checkpoints, another model.
    const otherHost = { ...memoryRunHost(soleModel(other, t.tokenizer.padTokenId), () => undefined), folder: t.folder };
    try {
      return await TrainingRun.resume(otherHost, edited, t.data);
    } finally {
      other.dispose();
    }
  };
  return { record: t.record, loaded: t.loaded, tokenizer: t.tokenizer, resume };
}

describe('resuming a run checks it is the same run', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('a start stores the dataset digest and the model fingerprint; another model of the same shape is refused', async () => {
    const t = await pausedRun();
    expect(t.record.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(t.record.model.fingerprint).toHaveLength(16);
    await expect(t.resume(structuredClone(t.record), 7)).rejects.toThrow(/^the model loaded to resume run run-test is not the one it trained \(tiny\), though it has its shape: its logits on a fixed input differ/);
    const same = await t.resume(structuredClone(t.record));
    expect(same.record.step).toBe(2);
    await same.dispose();
  });

  test('a record edited after its checkpoint (rank, step count, learning rate) is refused, naming each difference', async () => {
    const t = await pausedRun();
    const edited = structuredClone(t.record);
    edited.config.lora.r = 8;
    edited.config.train.lr = 0.5;
    edited.totalSteps = 73;
    await expect(t.resume(edited)).rejects.toThrow(/the plain checkpoint in memory does not match the run's record \(checkpoint vs record: LoRA rank 4 vs 8; lr 0\.0002 vs 0\.5; 4 steps in the checkpoint, 73 in the record, 4 from its config and dataset\)/);
  });

  test('a damaged record is named before anything loads', () => {
    const t = { runId: 'r', format: 'safetune-run-1', step: 2, totalSteps: 4 } as unknown as RunRecord;
    expect(() => checkRecordForResume(t, 'run.json in X')).toThrow(/^the run record run\.json in X has no config, model, dataset, safety$/);
  });

  test('a record whose config no run can have is named', async () => {
    const t = await pausedRun();
    for (const [edit, message] of [
      [(r: RunRecord) => (r.config.train.batchSize = 0), /holds a configuration no run can have: batchSize must be a positive integer, got 0/],
      [(r: RunRecord) => ((r.config.train as { lr: unknown }).lr = 'abc'), /holds a configuration no run can have: lr must be ≥ 0, got abc/],
      [(r: RunRecord) => (r.totalSteps = 0), /says the run has 0 steps/],
      [(r: RunRecord) => ((r.model as { fingerprint: unknown }).fingerprint = 'x'), /holds a model fingerprint that is not 16 finite numbers/],
      [(r: RunRecord) => (r.model.fingerprint = []), /holds a model fingerprint that is not 16 finite numbers/],
      [(r: RunRecord) => (r.dataset.sha256 = 'abc'), /holds a dataset SHA-256 that is not 64 hex digits/],
      [(r: RunRecord) => ((r.dataset.report as { split?: unknown }).split = undefined), /holds a dataset report without its row and token counts/],
    ] as const) {
      const r = structuredClone(t.record);
      edit(r);
      expect(() => checkRecordForResume(r, 'run.json in X')).toThrow(message);
    }
  });

  test('another dataset in dataset.bin is refused: by its digest, and by its rows for a record without one', async () => {
    const t = await pausedRun();
    const other = rowsOf(3);
    const otherLoaded = await loadDataset(other, 'chat.jsonl', t.tokenizer, { maxLength: 64 });
    await expect(checkDatasetDigest(t.record, other, 'X')).rejects.toThrow(/^dataset\.bin in X, the copy of chat\.jsonl run run-test trained on, has changed \(its SHA-256 is not the one its record stored\)$/);
    const older = structuredClone(t.record);
    delete older.dataset.sha256;
    await expect(checkDatasetDigest(older, other, 'X')).resolves.toBeUndefined();
    expect(() => checkDatasetRows(older, otherLoaded.report, 'X')).toThrow(/the dataset of run run-test in X now gives 3 rows, 3 train \/ 0 validation, \d+ trained tokens; the run trained on 12 rows, 12 train \/ 0 validation/);
    await expect(checkDatasetDigest(t.record, bytes, 'X')).resolves.toBeUndefined();
    expect(() => checkDatasetRows(t.record, t.loaded.report, 'X')).not.toThrow();
  });

  test('a separate validation file is stored with its digest and checked like the dataset', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'safetune-val-'));
    dirs.push(dir);
    const model = join(dir, 'model');
    await mkdir(model);
    for (const [name, b] of tinyCheckpointFiles('llama', { seed: 3 })) await writeFile(join(model, name), b);
    await writeFile(join(dir, 'chat.jsonl'), bytes);
    const val = rowsOf(3);
    await writeFile(join(dir, 'val.jsonl'), val);
    const folder = new RunFolder(directoryOpener(join(dir, 'run')));
    const prepared = await prepareNewRun(folder, { model, data: join(dir, 'chat.jsonl'), val: join(dir, 'val.jsonl'), out: join(dir, 'run') }, 'cpu', () => undefined);
    prepared.model.dispose();
    const { record } = prepared;
    expect(record.dataset.validationSha256).toMatch(/^[0-9a-f]{64}$/);
    await expect(checkDatasetDigest(record, val, 'X', 'validation')).resolves.toBeUndefined();
    await expect(checkDatasetDigest(record, rowsOf(4), 'X', 'validation')).rejects.toThrow(/^validation\.bin in X, the copy of val\.jsonl run .* trained on, has changed/);
  });

  test('a model of another shape is named beside the one the run trained', async () => {
    const t = await pausedRun();
    const loaded = { ...t.record.model.summary, description: 'local folder /m', layers: 3 };
    expect(() => checkSameModel(loaded, t.record)).toThrow(/^local folder \/m is not the model run run-test trained \(LlamaForCausalLM, 3 layers × \d+, vocabulary \d+, \d+ parameters; the run trained tiny: LlamaForCausalLM, 2 layers/);
    expect(() => checkSameModel(t.record.model.summary, t.record)).not.toThrow();
  });

  test('train refuses a tokenizer with ids past config.json\'s vocab_size before it loads the weights', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'safetune-vocab-'));
    dirs.push(dir);
    const model = join(dir, 'model');
    await mkdir(model);
    const files = tinyCheckpointFiles('llama', { seed: 3 });
    const config = JSON.parse(new TextDecoder().decode(files.get('config.json'))) as Record<string, unknown>;
    files.set('config.json', new TextEncoder().encode(JSON.stringify({ ...config, vocab_size: 200 })));
    for (const [name, b] of files) await writeFile(join(model, name), b);
    await writeFile(join(dir, 'chat.jsonl'), bytes);
    const folder = new RunFolder(directoryOpener(join(dir, 'run')));
    await expect(prepareNewRun(folder, { model, data: join(dir, 'chat.jsonl'), out: join(dir, 'run') }, 'cpu', () => undefined)).rejects.toThrow(
      /^tokenizer\.json in .*model has token ids up to \d+, but config\.json's vocab_size is 200/,
    );
  });

});
