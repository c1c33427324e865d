import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { SafeTuneError } from '../../engine/errors';
import { loadDataset } from '../../engine/data';
import { isRowFormat } from '../../engine/data/parsing/row-formats';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { loadCausalLM } from '../../engine/model/load';
import type { LoraConfig } from '../../engine/model/lora-config';
import { Trainer, type StepStats } from '../../engine/train/trainer';
import { loadCheckpoint, type TrainingCheckpoint } from '../../engine/train/checkpoint';
import { runTraining } from '../../engine/train/run';
import type { TrainOptions } from '../../engine/train/options';
import type { SpfOptions } from '../../engine/safety/spf-options';
import { writePeftAdapter, peftAdapterFiles } from '../../engine/export/peft-adapter';
import { DirectoryFiles } from '../fs-files';
import { DirectoryCheckpointStore } from '../fs-checkpoint-store';
import { selectCliBackend } from '../backend';
import { oneOf, parseCommandArgs, requireString } from '../args';
import { readDataFile } from './data-report';
import { loraFromFlags, spfFromFlags, trainOptionsFromFlags, TRAIN_FLAGS } from './train-options';
import { setUpSafety, type SafetySetup } from './train-safety';

/** What a run was started with: stored in the checkpoint so `--resume` needs only --out. */
interface RunRecord {
  model: string;
  data: string;
  format?: string;
  val?: string;
  backend: 'cpu' | 'webgpu';
  lora: LoraConfig;
  train: TrainOptions;
  spf: SpfOptions;
  anchors?: string;
  probe?: string;
}

function recordFromFlags(v: Record<string, string | boolean | undefined>): RunRecord {
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  return {
    model: resolve(requireString('train', v, 'model')),
    data: resolve(requireString('train', v, 'data')),
    ...(str('format') !== undefined ? { format: str('format') } : {}),
    ...(str('val') !== undefined ? { val: str('val') } : {}),
    backend: oneOf('train', v, 'backend', ['cpu', 'webgpu'] as const, 'cpu'),
    lora: loraFromFlags(v),
    train: trainOptionsFromFlags(v),
    spf: spfFromFlags(v),
    ...(str('spf-anchors') !== undefined ? { anchors: resolve(str('spf-anchors')!) } : {}),
    ...(str('probe') !== undefined ? { probe: resolve(str('probe')!) } : {}),
  };
}

/**
 * Fine-tunes a LoRA adapter: one progress line per step, `metrics.jsonl`, a resumable checkpoint, and the PEFT
 * adapter in OUT/adapter/. Ctrl-C stops after the current step and leaves a checkpoint `--resume` continues from.
 */
export async function trainCommand(argv: string[]): Promise<void> {
  const v = parseCommandArgs('train', argv, TRAIN_FLAGS);
  const out = resolve(requireString('train', v, 'out'));
  const store = new DirectoryCheckpointStore(join(out, 'checkpoint'));
  let saved: TrainingCheckpoint | undefined;
  let record: RunRecord;
  if (v['resume'] === true) {
    saved = await loadCheckpoint(store);
    if (saved === undefined) throw new SafeTuneError('missing-file', `train --resume: no checkpoint in ${store.description}`, 'start the run without --resume first');
    record = saved.run as unknown as RunRecord;
  } else {
    record = recordFromFlags(v);
  }
  if (record.format !== undefined && !isRowFormat(record.format)) throw new SafeTuneError('bad-argument', `train: unknown --format "${record.format}"`);

  await selectCliBackend(record.backend);
  const modelFiles = new DirectoryFiles(record.model);
  const tokenizer = await loadTokenizer(modelFiles);
  const val = record.val === undefined ? undefined : Number.isFinite(Number(record.val)) ? Number(record.val) : { bytes: await readDataFile(record.val), fileName: basename(record.val) };
  const data = await loadDataset(await readDataFile(record.data), basename(record.data), tokenizer, {
    maxLength: record.train.maxLength,
    seed: record.train.seed,
    ...(record.format !== undefined && isRowFormat(record.format) ? { format: record.format } : {}),
    ...(val !== undefined ? { validation: val } : {}),
  });
  const r = data.report;
  log(`data: ${r.split.train} train / ${r.split.validation} validation rows (${r.format}), ${r.rejectedTotal} rejected, ${r.truncated} truncated, ${r.trainedTokens} trained tokens per epoch`);

  const model = await loadCausalLM(modelFiles, {
    adapter: saved ? { kind: 'weights', weights: saved.adapter } : { kind: 'init', config: record.lora, seed: record.train.seed },
  });
  const trainer = new Trainer(model, data.train, data.validation, record.train, tokenizer.padTokenId, saved?.position);
  if (saved) trainer.loadOptimizer(saved.optimizer);
  let safety: SafetySetup | undefined;
  if (record.spf.enabled) {
    safety = await setUpSafety(model, tokenizer, record.spf, { anchors: record.anchors, probe: record.probe, maxLength: record.train.maxLength, batchSize: record.train.batchSize });
    trainer.addGradientHook(safety.projector.hook);
  }
  log(`model: ${model.config.architecture}, ${model.adapter!.parameterCount()} LoRA parameters (r=${record.lora.r}, ${record.lora.targets.join(',')}); ${trainer.totalSteps} steps on ${record.backend}${record.spf.enabled ? `; SPF k=${record.spf.k} gate=${record.spf.gate}` : ''}`);

  await mkdir(out, { recursive: true });
  const metricsPath = join(out, 'metrics.jsonl');
  await keepMetricsUpTo(metricsPath, trainer.step);
  await writeFile(join(out, 'run.json'), JSON.stringify(record, null, 2) + '\n');

  let stopRequested = false;
  const onSigint = (): void => {
    stopRequested = true;
    log('stopping after this step (a checkpoint will be saved; continue with --resume)');
  };
  process.on('SIGINT', onSigint);
  const startedAt = performance.now();
  const firstStep = trainer.step;
  try {
    if (safety && firstStep === 0) {
      const d = await safety.measureDrift();
      await appendFile(metricsPath, JSON.stringify({ step: 0, probe_loss: d.probeLoss, drift: d.drift }) + '\n');
    }
    const end = await runTraining(trainer, {
      store,
      run: record as unknown as Record<string, unknown>,
      control: { request: () => (stopRequested ? 'stop' : 'continue') },
      hooks: {
        onStep: async (s) => {
          const line: Record<string, number | boolean> = { step: s.step, loss: s.loss, lr: s.lr, grad_norm: s.gradNorm, tokens: s.tokens, input_tokens: s.inputTokens, epoch: s.epoch, ms: s.ms, ...s.extra };
          const elapsed = (performance.now() - startedAt) / 1000;
          const perStep = elapsed / (s.step - firstStep);
          log(progressLine(s, trainer.totalSteps, perStep * (trainer.totalSteps - s.step)));
          await appendFile(metricsPath, JSON.stringify(line) + '\n');
        },
        onEval: async (step, loss) => {
          const row: Record<string, number> = { step };
          if (loss !== undefined) row['eval_loss'] = loss;
          if (safety) Object.assign(row, await safety.measureDrift().then((d) => ({ probe_loss: d.probeLoss, drift: d.drift })));
          log(`eval @${step}:${loss !== undefined ? ` validation loss ${loss.toFixed(4)}` : ''}${row['drift'] !== undefined ? ` safety drift ${row['drift'].toFixed(4)}` : ''}`);
          await appendFile(metricsPath, JSON.stringify(row) + '\n');
        },
      },
    });
    const host = await model.adapter!.toHost();
    const adapterDir = join(out, 'adapter');
    await mkdir(adapterDir, { recursive: true });
    for (const [name, bytes] of peftAdapterFiles(writePeftAdapter(host, record.model))) await writeFile(join(adapterDir, name), bytes);
    log(end === 'done' ? `done: adapter in ${adapterDir}, metrics in ${metricsPath}` : `stopped at step ${trainer.step}: checkpoint in ${store.description}; adapter so far in ${adapterDir}`);
  } finally {
    process.off('SIGINT', onSigint);
    safety?.dispose();
    trainer.dispose();
    model.dispose();
  }
}

function log(line: string): void {
  process.stdout.write(line + '\n');
}

function progressLine(s: StepStats, total: number, etaSeconds: number): string {
  const tps = s.inputTokens / (s.ms / 1000);
  const spf = s.extra['spf_gate'] !== undefined ? ` | spf gate ${s.extra['spf_gate'].toFixed(2)} cos ${s.extra['spf_cos']!.toFixed(3)} removed ${s.extra['spf_removed']!.toFixed(3)}` : '';
  return `step ${s.step}/${total} | loss ${s.loss.toFixed(4)} | lr ${s.lr.toExponential(2)} | ${tps.toFixed(0)} tok/s | ETA ${formatDuration(etaSeconds)}${spf}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** On resume, drop metric lines past the checkpoint's step: those steps run again. */
async function keepMetricsUpTo(path: string, step: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    if (step === 0) await writeFile(path, '');
    return;
  }
  const kept = step === 0 ? [] : text.split('\n').filter((l) => l.trim() !== '' && (JSON.parse(l) as { step: number }).step <= step);
  await writeFile(path, kept.map((l) => l + '\n').join(''));
}
