import type { TokenizedExample } from '../data/types';
import type { LoraAdapter } from '../model/lora';
import type { Timers } from './metrics-batcher';
import type { ModelAccess } from './model-access';
import type { RunEvent } from './run-events';
import type { RunFolder } from './run-folder';
import type { SampleGeneration } from './run-types';

/** What the host measured of the main adapter after an evaluation; the run stores it with its series. */
export interface EvaluationExtras {
  /** Greedy token accuracy on the validation rows (none without validation rows). */
  accuracy?: number;
  /** The adapter's answers to the run's sample prompts (none for a dataset without prompts). */
  samples?: SampleGeneration['samples'];
}

/** What a run needs from the host around it (the worker, the CLI, a test). */
export interface RunHost {
  access: ModelAccess;
  folder: RunFolder;
  /** Metrics (batched), status changes and warnings. */
  emit: (event: RunEvent) => void;
  timers: Timers;
  /** At most one metrics event per this many ms (default 250: a page is never flooded; the CLI prints every step: 0). */
  metricsIntervalMs?: number;
  /** A GPU failure the device reported on its own (lost, out of memory), if any: checked before each step and save. */
  gpuFailure: () => Error | undefined;
  /** The exception as a GPU failure when it is one (the run then pauses at its last checkpoint), else undefined. */
  asGpuFailure: (e: unknown) => Error | undefined;
  /**
   * Called after each evaluation of the main adapter (step 0: before training), between steps: the worker measures its
   * token accuracy and answers a few fixed prompts with it (the page's accuracy curve and sample table). The run
   * stores what it returns in the record's series and emits it. Optional; the run waits for it.
   */
  onEvaluated?: (step: number, adapter: LoraAdapter) => Promise<EvaluationExtras | undefined>;
}

/** The run's examples, tokenized for the model's tokenizer. */
export interface RunData {
  train: readonly TokenizedExample[];
  validation: readonly TokenizedExample[];
  anchors: TokenizedExample[];
  probe: TokenizedExample[];
}

/** How one stretch of training ended. */
export type RunEnd = 'done' | 'paused' | 'stopped';
