import { REFUSAL_EVAL_DEFAULTS } from '../../engine/safety/refusal-eval';
import { selectBackend } from '../backend-select';
import { sameOriginAssetBase } from '../assets';
import { SafeTuneError } from '../../engine/errors';
import type { BackendChoice } from '../../engine/run/run-types';
import type { EngineDefaults, WorkerCommand } from '../protocol';
import { DEFAULT_RUN_CONFIG } from '../../engine/run/run-config';
import type { WorkerState } from '../worker-state';

type InitCommand = Extract<WorkerCommand, { type: 'init' }>;

/**
 * Selects the backend (WebGPU, falling back to the CPU with the reason) and answers `ready` with the engine's
 * defaults and the bundled safety sets. A backend change releases the model and run: their tensors live on the old one.
 */
export async function init(state: WorkerState, cmd: InitCommand): Promise<void> {
  state.requireNoActiveRun('change the backend');
  if (!BACKEND_CHOICES.includes(cmd.backend)) {
    throw new SafeTuneError('bad-argument', `unknown backend ${JSON.stringify(cmd.backend)?.slice(0, 40)}`, `Choose one of ${BACKEND_CHOICES.join(', ')}.`);
  }
  if (cmd.assetBase !== undefined) state.setAssetBase(sameOriginAssetBase(cmd.assetBase, state.env.defaultAssetBase));
  const selected = await selectBackend(cmd.backend, (failure) => {
    state.failure ??= failure;
    state.post({ type: 'log', level: 'warn', message: `${failure.message}. ${failure.hint ?? ''}`.trim() });
  });
  if (state.backend !== undefined && state.backend !== selected.backend) await state.disposeModel();
  state.backend = selected.backend;
  if (selected.fallback !== undefined) state.post({ type: 'log', level: 'warn', message: selected.fallback });
  state.post({
    type: 'ready',
    requestId: cmd.requestId,
    backend: selected.backend,
    adapter: selected.adapter,
    ...(selected.fallback === undefined ? {} : { fallback: selected.fallback }),
    defaults: await engineDefaults(state),
  });
}

/** The defaults the configuration form starts from; a bundled set that cannot be read is empty (and logged). */
async function engineDefaults(state: WorkerState): Promise<EngineDefaults> {
  const orEmpty = async <T>(what: string, read: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await read();
    } catch (e) {
      state.post({ type: 'log', level: 'warn', message: `the bundled ${what} could not be read: ${e instanceof Error ? e.message : String(e)}` });
      return [];
    }
  };
  const [anchors, wideAnchors, probe] = await Promise.all([
    orEmpty('safety anchor', () => state.safety.anchors()),
    orEmpty('32-anchor set', () => state.safety.wideAnchors()),
    orEmpty('safety probe set', () => state.safety.probe()),
  ]);
  return { run: structuredClone(DEFAULT_RUN_CONFIG) as EngineDefaults['run'], anchors, wideAnchors, probe, refusalMaxNewTokens: REFUSAL_EVAL_DEFAULTS.maxNewTokens };
}

/** What `init` may ask for (an unknown name was answered `done`, as if it had been chosen). */
const BACKEND_CHOICES: readonly unknown[] = ['webgpu', 'wasm', 'cpu'] satisfies readonly BackendChoice[];
