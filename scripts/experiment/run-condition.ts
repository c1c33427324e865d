import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../engine/backend';
import { loadDataset } from '../../engine/data';
import type { CausalLM } from '../../engine/model/causal-lm';
import type { LoraConfig } from '../../engine/model/lora-config';
import { memoryRunHost } from '../../engine/run/memory-host';
import { spfMetricsByName } from '../../engine/run/metric-point';
import { soleModel } from '../../engine/run/model-access';
import { summarizeModel } from '../../engine/run/model-summary';
import { DEFAULT_RUN_CONFIG, resolveRunConfig } from '../../engine/run/run-config';
import { newRunRecord, runData } from '../../engine/run/run-setup';
import { TrainingRun } from '../../engine/run/training-run';
import type { MetricPoint } from '../../engine/run/run-types';
import { DEFAULT_SPF_OPTIONS, type SafetyPair, type SpfOptions } from '../../engine/safety/spf-options';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import type { TrainOptions } from '../../engine/train/options';
import type { DataFile } from './sources';

/** What one fine-tune reports besides the evaluation: its losses and, with SPF, every per-step SPF metric. */
export interface TrainingTrace {
  finalLoss: number; // mean task loss over the last 5 steps
  /** Every SPF scalar of each step, by its metrics.jsonl name (`spf_cos`, `spf_update_cos`, …), one value per step. */
  spf: Record<string, number[]>;
  seconds: number;
}

export interface FineTune {
  file: DataFile;
  lora: LoraConfig;
  train: TrainOptions; // steps, lr, batch, seed
  spf: { options: SpfOptions; anchors: SafetyPair[] } | undefined; // undefined: plain LoRA
  probe: SafetyPair[]; // the run's own drift baseline (the experiment measures drift itself as well)
}

/** A fine-tuned adapter installed on the model, and how to take it off again. */
export interface FineTuned {
  trace: TrainingTrace;
  /** Releases the run (adapter, optimizer, SPF state): the model is the base model again. */
  release(): Promise<void>;
}

/**
 * THE one place the experiment trains: the engine's TrainingRun (the app's worker and the CLI run the same one) on
 * `job.file`, in memory, without the safety guard (the experiment measures what fine-tuning does, it must not stop it)
 * and without periodic checkpoints. The adapter stays on the model for the caller to evaluate, until `release`.
 */
export async function fineTune(model: CausalLM, tokenizer: TextTokenizer, job: FineTune, log: (s: string) => void): Promise<FineTuned> {
  const t0 = performance.now();
  const loaded = await loadDataset(job.file.bytes, job.file.fileName, tokenizer, { maxLength: job.train.maxLength, seed: job.train.seed });
  const config = resolveRunConfig({
    lora: job.lora,
    train: { ...job.train, checkpointEvery: 0 },
    spf: job.spf === undefined ? { ...DEFAULT_SPF_OPTIONS, enabled: false, anchors: [] } : { ...job.spf.options, enabled: true, anchors: job.spf.anchors },
    probe: job.probe,
    evalEvery: 0,
    guard: { ...DEFAULT_RUN_CONFIG.guard, enabled: false },
    compareWithPlain: false,
  });
  const safety = { anchors: config.spf.anchors, probe: config.probe };
  const record = newRunRecord({
    runId: `experiment-${job.train.seed}`,
    now: new Date(),
    model: { source: { kind: 'bundled', name: 'safetune-demo' }, summary: summarizeModel(model.config, 'bundled safetune-demo', tokenizer.hasChatTemplate, tf.getBackend() as BackendName) },
    dataset: { fileName: job.file.fileName },
    loaded,
    config,
    safety,
  });
  const every = Math.max(1, Math.round((job.train.maxSteps ?? 1) / 4));
  const points: MetricPoint[] = [];
  const host = memoryRunHost(soleModel(model, tokenizer.padTokenId), (event) => {
    if (event.type !== 'metrics') return;
    for (const p of event.points) {
      points.push(p);
      if (p.step % every === 0 || p.step === job.train.maxSteps) {
        const s = p.spf;
        log(`    step ${p.step}/${job.train.maxSteps} loss ${p.loss.toFixed(3)}${s === undefined ? '' : ` gate ${s.gate.toFixed(2)} cos ${s.cos.toFixed(3)} update cos ${s.updateCos.toFixed(3)} update removed ${s.updateRemoved.toFixed(3)}`}`);
      }
    }
  });
  const run = await TrainingRun.start(host, record, runData(tokenizer, loaded, safety, job.train.maxLength), job.file.bytes);
  try {
    await run.train();
    model.adapter = run.mainAdapter;
  } catch (e) {
    await run.dispose();
    throw e;
  }
  const spf: Record<string, number[]> = {};
  for (const p of points) {
    if (p.spf === undefined) continue;
    for (const [k, v] of Object.entries(spfMetricsByName(p))) (spf[k] ??= []).push(v);
  }
  const tail = points.slice(-5).map((p) => p.loss);
  const trace = { finalLoss: tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length), spf, seconds: (performance.now() - t0) / 1000 };
  return {
    trace,
    release: async () => {
      model.adapter = undefined;
      await run.dispose();
    },
  };
}
