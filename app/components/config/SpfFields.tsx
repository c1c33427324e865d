import { useApp } from '../../store/app-store';
import { CheckField } from '../fields/CheckField';
import { NumberField } from '../fields/NumberField';
import { SelectField } from '../fields/SelectField';
import { SafetyPairsEditor } from './SafetyPairsEditor';

const GATES = [
  { value: 'global', label: 'global: project every block when the total conflicts' },
  { value: 'block', label: 'block: project each conflicting block' },
  { value: 'direction', label: 'direction: remove each conflicting direction' },
  { value: 'always', label: 'always project' },
] as const;

export function SpfFields({ disabled }: { disabled: boolean }) {
  const spf = useApp((s) => s.config?.spf);
  const rank = useApp((s) => s.config?.lora.r);
  const probe = useApp((s) => s.config?.probe);
  const defaultAnchors = useApp((s) => s.defaultAnchors);
  const defaultProbe = useApp((s) => s.defaultProbe);
  const patch = useApp((s) => s.patchConfig);
  const setConfig = useApp((s) => s.setConfig);
  if (spf === undefined || rank === undefined || probe === undefined) return null;
  const off = disabled || !spf.enabled;
  return (
    <fieldset className="wide">
      <legend>Safety-preserving fine-tuning (SPF)</legend>
      <CheckField
        label="SPF on"
        help="Remove, at every step, the parts of the task gradient that would raise the loss on the safety anchor (a low-rank 'safety subspace'). Keeps the model's refusals while it learns the task."
        checked={spf.enabled}
        disabled={disabled}
        testId="config-spf"
        onChange={(enabled) => patch('spf', { enabled })}
      />
      <div className="row">
        <NumberField
          label="Subspace rank k"
          help={`Safety directions kept per LoRA block (top-k singular vectors of the safety gradient); at most the LoRA rank (${rank}). 4 captures most of the safety gradient's energy.`}
          value={spf.k}
          integer
          min={1}
          max={Math.min(16, rank)}
          disabled={off}
          testId="config-spf-k"
          onChange={(k) => patch('spf', { k })}
        />
        <SelectField
          label="Gate"
          help="When conflicting components are removed. global (default): all blocks, whenever the task and safety gradients point against each other overall; block / direction decide per block / per direction; always projects every step."
          value={spf.gate}
          options={GATES}
          disabled={off}
          onChange={(gate) => patch('spf', { gate })}
        />
        <NumberField
          label="Refresh every"
          help="Recompute the safety gradient and subspace every N steps (1: every step); the subspace is reused in between, which saves time."
          value={spf.refreshEvery}
          integer
          min={1}
          disabled={off}
          onChange={(refreshEvery) => patch('spf', { refreshEvery })}
        />
        <NumberField
          label="Power iterations (warm)"
          help="Subspace-iteration steps when starting from the previous step's subspace."
          value={spf.iters.warm}
          integer
          min={1}
          max={64}
          disabled={off}
          onChange={(warm) => patch('spf', { iters: { ...spf.iters, warm } })}
        />
        <NumberField
          label="Power iterations (cold)"
          help="Subspace-iteration steps when starting from scratch (the first step, or after a refresh gap)."
          value={spf.iters.cold}
          integer
          min={1}
          max={64}
          disabled={off}
          onChange={(cold) => patch('spf', { iters: { ...spf.iters, cold } })}
        />
      </div>
      <SafetyPairsEditor
        title="Safety anchor"
        help="The (harmful request, refusal) pair(s) whose gradient defines the safety subspace. One is enough; the bundled one is used unless you give your own."
        defaults={defaultAnchors}
        pairs={spf.anchors}
        disabled={off}
        testId="spf-anchors"
        onChange={(anchors) => patch('spf', { anchors })}
      />
      <SafetyPairsEditor
        title="Probe set"
        help="Held-out (harmful request, refusal) pairs never trained on: their loss, minus its value before training, is the safety drift charted below."
        defaults={defaultProbe}
        pairs={probe}
        disabled={disabled}
        testId="probe-set"
        onChange={(pairs) => setConfig({ probe: pairs })}
      />
    </fieldset>
  );
}
