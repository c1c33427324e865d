import { SafeTuneError } from '../../engine/errors';
import { evaluateRefusals } from '../../engine/safety/refusal-eval';
import type { WorkerCommand } from '../protocol';
import type { WorkerState } from '../worker-state';
import { adapterFor } from './adapters';

type RefusalCheckCommand = Extract<WorkerCommand, { type: 'refusalCheck' }>;

/**
 * Refusal rate of the base or tuned model on harmful requests (greedy replies judged by the keyword judge). Each
 * prompt takes the model lock on its own, so a running training loop keeps stepping between prompts. The result is
 * also kept in the current run's record.
 */
export async function refusalCheckCommand(state: WorkerState, cmd: RefusalCheckCommand, signal: AbortSignal): Promise<void> {
  const session = state.requireModel();
  const adapter = adapterFor(state, cmd.which);
  const prompts = await promptsFor(state, cmd.prompts);
  let judged = 0;
  const result = await evaluateRefusals(session.model, session.tokenizer, prompts, {
    signal,
    // A count per prompt: the check takes a minute or more on a software GPU, and the page shows how far it is.
    onResponse: (_response, _index, total) => state.post({ type: 'progress', requestId: cmd.requestId, task: 'refusal', done: ++judged, total }),
    exclusive: (task) => session.use(adapter, () => task()),
  });
  const run = state.run;
  if (run !== undefined) {
    run.record.refusalChecks.push({ which: cmd.which, step: run.record.step, rate: result.rate, total: result.total, at: new Date().toISOString() });
    await state.storage.folder(run.runId).writeRecord(run.record).catch((e: unknown) => state.post({ type: 'log', level: 'warn', message: `could not save the run record: ${String(e)}` }));
  }
  state.post({ type: 'refusalResult', requestId: cmd.requestId, which: cmd.which, rate: result.rate, total: result.total, samples: result.responses });
}

/** The prompts given, else the bundled held-out harmful requests, else the probe set's requests. */
async function promptsFor(state: WorkerState, given: string[] | undefined): Promise<string[]> {
  if (given !== undefined && given.length > 0) {
    const bad = given.findIndex((p) => typeof p !== 'string' || p.trim() === '');
    if (bad >= 0) throw new SafeTuneError('bad-argument', `refusal-check prompt ${bad + 1} is empty`);
    return given;
  }
  try {
    return await state.safety.harmfulPrompts();
  } catch (e) {
    const probe = await state.safety.probe();
    state.post({ type: 'log', level: 'warn', message: `the bundled harmful-eval set could not be read (${e instanceof Error ? e.message : String(e)}); using the probe set's requests` });
    return probe.map((p) => p.request);
  }
}
