import { useApp } from '../store/app-store';
import { BatchFields } from './config/BatchFields';
import { EvalGuardFields } from './config/EvalGuardFields';
import { LoraFields } from './config/LoraFields';
import { OptimizerFields } from './config/OptimizerFields';
import { SpfFields } from './config/SpfFields';
import { PresetPicker } from './PresetPicker';
import { Step } from './Step';

/**
 * Step 3: every knob of the run, starting from the engine's defaults adjusted to the model's size, or from a preset.
 * The knobs most runs change are open; the LoRA adapter's shape and SPF's internals are folded. Each field explains
 * itself with its "?" button. Locked while a run is live: the run record must describe what actually trained.
 */
export function TrainConfig() {
  const hasConfig = useApp((s) => s.config !== undefined);
  const locked = useApp((s) => s.runStatus === 'running' || s.runStatus === 'paused' || s.runRequestPending);
  const resetToDefaults = useApp((s) => s.setDefaultConfig);
  const defaults = useApp((s) => s.defaultConfig);
  const lora = useApp((s) => s.config?.lora);
  return (
    <Step n={3} title="Settings" testId="step-config" status={locked ? 'locked while the run is live' : undefined}>
      {!hasConfig ? (
        <p>Waiting for the engine's defaults…</p>
      ) : (
        <>
          <PresetPicker disabled={locked} />
          <div className="config-grid">
            <OptimizerFields disabled={locked} />
            <BatchFields disabled={locked} />
            <SpfFields disabled={locked} />
            <EvalGuardFields disabled={locked} />
          </div>
          <details className="more" data-testid="lora-details">
            <summary>
              LoRA adapter{lora !== undefined && `: rank ${lora.r}, alpha ${lora.alpha}, ${lora.targets.length} projections`}
            </summary>
            <LoraFields disabled={locked} />
          </details>
          {defaults !== undefined && (
            <button type="button" className="link-button" disabled={locked} onClick={() => resetToDefaults(defaults)}>
              Reset every field to the engine's defaults
            </button>
          )}
        </>
      )}
    </Step>
  );
}
