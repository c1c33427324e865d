import { useApp } from '../store/app-store';
import { BatchFields } from './config/BatchFields';
import { EvalGuardFields } from './config/EvalGuardFields';
import { LoraFields } from './config/LoraFields';
import { OptimizerFields } from './config/OptimizerFields';
import { SpfFields } from './config/SpfFields';
import { Step } from './Step';

/**
 * Step 4: every knob of the run, starting from the engine's defaults adjusted to the model's size. Each field explains
 * itself on hover. Locked while a run is live: the run record must describe what actually trained.
 */
export function TrainConfig() {
  const hasConfig = useApp((s) => s.config !== undefined);
  const locked = useApp((s) => s.runStatus === 'running' || s.runStatus === 'paused');
  const resetToDefaults = useApp((s) => s.setDefaultConfig);
  const defaults = useApp((s) => s.defaultConfig);
  return (
    <Step n={4} title="Configure" testId="step-config" status={locked ? 'locked while the run is live' : undefined}>
      {!hasConfig ? (
        <p>Waiting for the engine's defaults…</p>
      ) : (
        <>
          <div className="config-grid">
            <LoraFields disabled={locked} />
            <OptimizerFields disabled={locked} />
            <BatchFields disabled={locked} />
            <SpfFields disabled={locked} />
            <EvalGuardFields disabled={locked} />
          </div>
          {defaults !== undefined && (
            <p>
              <button type="button" className="link-button" disabled={locked} onClick={() => resetToDefaults(defaults)}>
                Reset every field to the engine's defaults
              </button>
            </p>
          )}
        </>
      )}
    </Step>
  );
}
