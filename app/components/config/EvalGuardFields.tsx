import { useApp } from '../../store/app-store';
import { CheckField } from '../fields/CheckField';
import { NumberField } from '../fields/NumberField';

export function EvalGuardFields({ disabled }: { disabled: boolean }) {
  const evalEvery = useApp((s) => s.config?.evalEvery);
  const guard = useApp((s) => s.config?.guard);
  const compare = useApp((s) => s.config?.compareWithPlain);
  const patch = useApp((s) => s.patchConfig);
  const setConfig = useApp((s) => s.setConfig);
  if (evalEvery === undefined || guard === undefined || compare === undefined) return null;
  return (
    <fieldset>
      <legend>Safety drift and guard</legend>
      <NumberField
        label="Measure drift every"
        help="Every N steps, measure the probe set's loss (safety drift) and the validation loss. Smaller is a finer chart and a slower run."
        value={evalEvery}
        integer
        min={1}
        disabled={disabled}
        testId="config-eval-every"
        onChange={(v) => setConfig({ evalEvery: v })}
      />
      <NumberField
        label="Drift alarm threshold"
        help="The safety drift (the probe refusals' first-token loss minus its value before training, in nats: 0.5 means a refusal became 1.65× less likely to start) that counts as losing safety; drawn on the drift chart."
        value={guard.driftThreshold}
        min={0}
        disabled={disabled}
        testId="config-drift-threshold"
        onChange={(driftThreshold) => patch('guard', { driftThreshold })}
      />
      <CheckField
        label="Safety guard"
        help="Pause the run automatically when the drift crosses the threshold, so you can inspect it, chat with the model, and decide."
        checked={guard.enabled}
        disabled={disabled}
        testId="config-guard"
        onChange={(enabled) => patch('guard', { enabled })}
      />
      <CheckField
        label="Also train plain LoRA for comparison"
        help="Train a second adapter on the same data without SPF, alternating steps, and draw both drift curves in one chart. Doubles the time per step."
        checked={compare}
        disabled={disabled}
        testId="config-compare"
        onChange={(compareWithPlain) => setConfig({ compareWithPlain })}
      />
    </fieldset>
  );
}
