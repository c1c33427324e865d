import type { CheckpointStore } from './checkpoint-store';
import { saveCheckpoint } from './checkpoint';
import type { StepStats, Trainer } from './trainer';

export interface RunHooks {
  onStep?(stats: StepStats): void | Promise<void>;
  /** Every evalEvery steps: the validation loss (undefined without a validation set); safety drift hooks in here. */
  onEval?(step: number, validationLoss: number | undefined): void | Promise<void>;
  onCheckpoint?(step: number): void | Promise<void>;
}

export interface RunControl {
  /** Checked between steps: 'pause' and 'stop' both end the loop after saving a checkpoint. */
  request(): 'continue' | 'pause' | 'stop';
}

export type RunEnd = 'done' | 'paused' | 'stopped';

/**
 * The training loop shared by the CLI and the worker: step until done or told to pause / stop, evaluating and
 * checkpointing on schedule. Pausing or stopping always leaves a valid checkpoint (when a store is given), so a closed
 * tab or a Ctrl-C loses at most the step in flight.
 */
export async function runTraining(
  trainer: Trainer,
  opts: { store?: CheckpointStore; run: Record<string, unknown>; control?: RunControl; hooks?: RunHooks },
): Promise<RunEnd> {
  const { store, hooks, control } = opts;
  const every = trainer.options.checkpointEvery;
  const evalEvery = trainer.options.evalEvery;
  let lastSaved = -1;
  const save = async (): Promise<void> => {
    if (store === undefined || lastSaved === trainer.step) return;
    const adapter = await trainer.model.adapter!.toHost();
    await saveCheckpoint(store, {
      position: trainer.position,
      totalSteps: trainer.totalSteps,
      options: trainer.options,
      lora: adapter.config,
      adapter,
      optimizer: await trainer.saveOptimizer(),
      run: opts.run,
    });
    lastSaved = trainer.step;
    await hooks?.onCheckpoint?.(trainer.step);
  };
  while (!trainer.done) {
    const request = control?.request() ?? 'continue';
    if (request !== 'continue') {
      await save();
      return request === 'pause' ? 'paused' : 'stopped';
    }
    const stats = await trainer.trainStep();
    await hooks?.onStep?.(stats);
    if (evalEvery > 0 && (stats.step % evalEvery === 0 || trainer.done)) {
      await hooks?.onEval?.(stats.step, await trainer.evaluate());
    }
    if (every > 0 && stats.step % every === 0) await save();
  }
  await save();
  return 'done';
}
