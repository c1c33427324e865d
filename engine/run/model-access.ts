import type { CausalLM } from '../model/causal-lm';
import type { LoraAdapter } from '../model/lora';

/**
 * The base model a run trains on, shared by every adapter of the run: `use` installs the adapter a task needs and runs
 * the task alone. The worker's loaded model queues tasks behind one lock (a chat reply may come in mid-run); a CLI
 * process runs one task at a time anyway (`soleModel`).
 */
export interface ModelAccess {
  readonly model: CausalLM;
  readonly padId: number;
  use<T>(adapter: LoraAdapter | undefined, task: (model: CausalLM) => Promise<T>): Promise<T>;
}

/** A model used by one caller at a time (the CLI, the experiment): installs the adapter and runs the task. */
export function soleModel(model: CausalLM, padId: number): ModelAccess {
  return {
    model,
    padId,
    use: (adapter, task) => {
      model.adapter = adapter;
      return task(model);
    },
  };
}
