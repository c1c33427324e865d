import { backendFailure, gpuFault } from '../../engine/device/gpu-faults';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { peftAdapterFiles, writePeftAdapter } from '../../engine/export/peft-adapter';
import { soleModel } from '../../engine/run/model-access';
import { SYSTEM_TIMERS } from '../../engine/run/metrics-batcher';
import { RunFolder } from '../../engine/run/run-folder';
import { TrainingRun } from '../../engine/run/training-run';
import { RunError } from '../../engine/run/run-errors';
import type { RunRecord } from '../../engine/run/run-record';
import { mainVariant } from '../../engine/run/run-config';
import { loadTrainState } from '../../engine/train/train-state';
import type { HostLoraWeights } from '../../engine/model/lora';
import type { RunEnd, RunHost } from '../../engine/run/run-host';
import { directoryOpener } from '../../node-host/directory-store';
import { CLI_BACKENDS, DEFAULT_CLI_BACKEND, selectCliBackend } from '../../node-host/backend';
import { oneOf, parseCommandArgs, requireString } from '../../node-host/args';
import { BROKEN_PIPE_EXIT_CODE, CliExit, INTERRUPTED_EXIT_CODE, onStdoutClosed } from '../cli-exit';
import { MetricsFile } from '../train/metrics-file';
import { prepareNewRun, prepareResume, type PreparedRun } from '../train/prepare-run';
import { cliRunLog } from '../train/run-log';
import { TRAIN_FLAGS } from './train-options';
import { describeSpfWidth } from '../../engine/safety/spf-options';

/**
 * Fine-tunes a LoRA adapter with the engine's TrainingRun — the same loop, record and checkpoints as the app's worker.
 * OUT is a run folder (engine/run/run-folder.ts: run.json, dataset.bin, the checkpoints) plus metrics.jsonl and the
 * PEFT adapter in OUT/adapter/. A checkpoint every --checkpoint-every steps; Ctrl-C saves one and exits 130; the safety
 * guard pauses the run (exit 3) when the probe's decision drift crosses --guard-drift; a diverged step stops it (exit 1) with its
 * last good checkpoint, whose adapter goes to OUT/adapter/. `--resume` continues a paused or interrupted run, and runs
 * exported from the app.
 */
export async function trainCommand(argv: string[]): Promise<void> {
  const v = parseCommandArgs('train', argv, TRAIN_FLAGS);
  const out = resolve(requireString('train', v, 'out'));
  const backend = oneOf('train', v, 'backend', CLI_BACKENDS, DEFAULT_CLI_BACKEND);
  await selectCliBackend(backend);
  const folder = new RunFolder(directoryOpener(out));
  const prepared = v['resume'] === true ? await prepareResume(folder, v, log) : await prepareNewRun(folder, v, backend, log);
  const { record, model } = prepared;
  const metrics = new MetricsFile(join(out, 'metrics.jsonl'));
  let run: TrainingRun | undefined;
  const host: RunHost = {
    access: soleModel(model, prepared.tokenizer.padTokenId),
    folder,
    emit: cliRunLog(metrics, () => record.totalSteps, log, record.config.spf.project),
    timers: SYSTEM_TIMERS,
    metricsIntervalMs: 0,
    gpuFailure: gpuFault,
    asGpuFailure: backendFailure,
  };
  let interrupted = false;
  // One Ctrl-C can arrive more than once: a terminal signals the whole process group, and `npm run` forwards the one it
  // gets to its child as well. The first stops the run; later ones are ignored, quietly, so they neither repeat the
  // message nor kill the process while it writes the checkpoint the first one asked for.
  const onSigint = (): void => {
    if (interrupted) return;
    interrupted = true;
    log('stopping after this step (a checkpoint will be saved; continue with --resume)');
    run?.pause('interrupted (Ctrl-C)');
  };
  process.on('SIGINT', onSigint);
  // `train … | head`: the reader went away; the run stops after this step with a checkpoint, as on Ctrl-C.
  let stdoutClosed = false;
  const offStdoutClosed = onStdoutClosed(() => {
    stdoutClosed = true;
    run?.pause('stdout closed');
  });
  try {
    if (prepared.datasetBytes !== undefined) {
      await mkdir(out, { recursive: true });
      await writeFile(metrics.path, '');
      run = await TrainingRun.start(host, record, prepared.data, prepared.datasetBytes);
    } else {
      run = await TrainingRun.resume(host, record, prepared.data);
      await metrics.keepUpTo(run.record.step, (message) => log(`warning: ${message}`));
    }
    if (interrupted) run.pause('interrupted (Ctrl-C)');
    if (stdoutClosed) run.pause('stdout closed');
    const c = record.config;
    log(`model: ${model.config.architecture}, LoRA r=${c.lora.r} on ${c.lora.targets.join(',')}; ${record.totalSteps} steps from step ${record.step} on ${backend}, batch ${c.train.batchSize}×${c.train.gradAccum}, max length ${c.train.maxLength}${c.spf.enabled ? `; SPF ${describeSpfWidth(c.spf, record.safety.anchors.length)} gate=${c.spf.gate}${c.spf.anchorTokens === 'all' ? '' : ` anchor-tokens=${c.spf.anchorTokens}`}` : ''}${c.guard.enabled ? `; guard at drift ${c.guard.driftThreshold}` : ''}`);
    const end = await run.train().catch(async (e: unknown) => {
      if (e instanceof RunError && e.code === 'diverged') await exportLastGoodAdapter(folder, record, prepared.modelDir, join(out, 'adapter'));
      throw e;
    });
    await exportAdapter(run, prepared, join(out, 'adapter'));
    finish(end, run, interrupted, stdoutClosed, out);
  } finally {
    process.off('SIGINT', onSigint);
    offStdoutClosed();
    await run?.dispose();
    model.dispose();
  }
}

/** The main adapter as PEFT files (loadable by PEFT and by `--adapter`), also after a pause: the adapter so far. */
async function exportAdapter(run: TrainingRun, prepared: PreparedRun, dir: string): Promise<void> {
  const host = await prepared.model.adapter?.toHost();
  await writeAdapterFolder(host ?? (await run.mainAdapter.toHost()), prepared.modelDir, dir);
}

/** Host LoRA weights as a PEFT adapter folder (adapter_model.safetensors + adapter_config.json). */
async function writeAdapterFolder(weights: HostLoraWeights, modelDir: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of peftAdapterFiles(writePeftAdapter(weights, modelDir))) await writeFile(join(dir, name), bytes);
}

/**
 * After a diverged step the adapter in memory holds NaNs; the last good checkpoint's adapter is what the run leaves
 * (the error's hint says it is kept), so it goes where a finished run's adapter goes. Nothing when no checkpoint was
 * saved before the divergence.
 */
async function exportLastGoodAdapter(folder: RunFolder, record: RunRecord, modelDir: string, dir: string): Promise<void> {
  if (record.checkpointStep === undefined) return;
  const state = await loadTrainState(folder.trainStates(mainVariant(record.config)), { maxStep: record.checkpointStep });
  if (state === undefined) return;
  await writeAdapterFolder(state.adapter, modelDir, dir);
  log(`the adapter of step ${state.position.step}, the last good checkpoint: ${dir}`);
}

function finish(end: RunEnd, run: TrainingRun, interrupted: boolean, stdoutClosed: boolean, out: string): void {
  const at = `step ${run.record.step}/${run.record.totalSteps}`;
  if (end === 'done') {
    log(`done: adapter in ${join(out, 'adapter')}, metrics in ${join(out, 'metrics.jsonl')}`);
    return;
  }
  const resume = `checkpoint of ${at} in ${out}; continue with: train --out ${out} --resume`;
  if (interrupted) throw new CliExit(`interrupted at ${at}: ${resume}`, INTERRUPTED_EXIT_CODE);
  if (stdoutClosed && end === 'paused') throw new CliExit(`stdout was closed at ${at}: ${resume}`, BROKEN_PIPE_EXIT_CODE);
  throw new CliExit(`${run.record.reason ?? `run ${end}`}: ${resume}`, 3);
}

function log(line: string): void {
  process.stdout.write(line + '\n');
}
