import type { LoraAdapter } from '../../engine/model/lora';
import type { WorkerState } from '../worker-state';
import { WorkerError } from '../worker-errors';

/** The adapter a chat reply or a refusal check uses: none for the base model, the run's main adapter for 'tuned'. */
export function adapterFor(state: WorkerState, which: 'base' | 'tuned'): LoraAdapter | undefined {
  if (which === 'base') return undefined;
  const run = state.run;
  if (run === undefined) {
    throw new WorkerError('not-ready', 'there is no fine-tuned adapter yet', 'Start a run (or resume a stored one); the tuned model is its adapter, as trained so far.');
  }
  return run.mainAdapter;
}
