import type { LoraAdapter } from '../../engine/model/lora';
import type { ChatSide } from '../protocol';
import type { WorkerState } from '../worker-state';
import { WorkerError } from '../worker-errors';

/**
 * The adapter a chat reply or a refusal check uses: none for the base model, the run's main adapter for 'tuned', its
 * plain-LoRA comparison adapter for 'plain'.
 */
export function adapterFor(state: WorkerState, which: ChatSide): LoraAdapter | undefined {
  if (which === 'base') return undefined;
  const run = state.run;
  if (run === undefined) {
    throw new WorkerError('not-ready', 'there is no fine-tuned adapter yet', 'Start a run (or resume a stored one); the tuned model is its adapter, as trained so far.');
  }
  if (which === 'tuned') return run.mainAdapter;
  const plain = run.record.config.spf.enabled ? run.adapterOf('plain') : undefined;
  if (plain === undefined) {
    throw new WorkerError('not-ready', `run ${run.runId} trains no plain-LoRA comparison`, 'Turn on "Compare with plain LoRA" in the SPF settings and start a new run.');
  }
  return plain;
}
