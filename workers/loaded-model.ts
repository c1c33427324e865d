import type { CausalLM } from '../engine/model/causal-lm';
import { summarizeModel } from '../engine/run/model-summary';
import { checkCheckpointMatchesConfig, loadCausalLM, readModelConfig } from '../engine/model/load';
import type { LoraAdapter } from '../engine/model/lora';
import { loadTokenizerFor } from '../engine/tokenizer/model-vocabulary';
import type { TextTokenizer } from '../engine/tokenizer/types';
import type { ModelFiles } from '../engine/weights/model-files';
import { openWeightShards } from '../engine/weights/weight-shards';
import { AsyncLock } from './async-lock';
import { WorkerError } from './worker-errors';
import type { StoredModelSource } from '../engine/run/run-types';
import type { OpenedModel } from './model-source';
import type { BackendChoice, ModelSummary } from './protocol';

/**
 * The loaded base model, its tokenizer, and the one lock every GPU use of it goes through. The base weights are
 * shared by every adapter (the run's, a plain-LoRA comparison's, none for the base model's replies): `use` installs
 * the adapter a task needs and runs the task alone, so a chat reply during training sees exactly one adapter.
 */
export class LoadedModel {
  private readonly lock = new AsyncLock();
  private disposed = false;

  private constructor(
    readonly model: CausalLM,
    readonly tokenizer: TextTokenizer,
    readonly files: ModelFiles,
    readonly stored: StoredModelSource,
    readonly baseModelName: string,
    readonly summary: ModelSummary,
  ) {}

  /**
   * Checks what can be checked cheaply — config.json (architecture, sizes), the weight files' headers against it, the
   * tokenizer files, and that every token id has an embedding row — without touching the GPU, so a bad folder fails
   * before the current model is released.
   */
  static async prepare(opened: OpenedModel): Promise<TextTokenizer> {
    const config = await readModelConfig(opened.files);
    // The small files first: from the hub, the weights' headers come with (or after) the weights themselves.
    const tokenizer = await loadTokenizerFor(opened.files, config);
    checkCheckpointMatchesConfig(config, await openWeightShards(opened.files));
    return tokenizer;
  }

  /** The weights onto the current backend (after `prepare`). */
  static async load(opened: OpenedModel, tokenizer: TextTokenizer, backend: BackendChoice): Promise<LoadedModel> {
    const model = await loadCausalLM(opened.files);
    const summary = summarizeModel(model.config, opened.files.description, tokenizer.hasChatTemplate, backend);
    return new LoadedModel(model, tokenizer, opened.files, opened.stored, opened.baseModelName, summary);
  }

  get padId(): number {
    return this.tokenizer.padTokenId;
  }

  /** Runs `task` with `adapter` installed (undefined: the base model alone), after every task queued before it. */
  use<T>(adapter: LoraAdapter | undefined, task: (model: CausalLM) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      if (this.disposed) throw new WorkerError('not-ready', `the model ${this.summary.description} was unloaded (another model was loaded)`, 'Send the request again.');
      this.model.adapter = adapter;
      return task(this.model);
    });
  }

  /** Releases the base weights once the tasks queued before have finished. Adapters belong to their runs. */
  dispose(): Promise<void> {
    return this.lock.run(async () => {
      if (this.disposed) return;
      this.disposed = true;
      this.model.adapter = undefined;
      this.model.dispose();
    });
  }
}
