import { useApp } from '../../store/app-store';
import { CheckField } from '../fields/CheckField';
import { NumberField } from '../fields/NumberField';
import { SelectField } from '../fields/SelectField';
import { SafetyPairsEditor } from './SafetyPairsEditor';
import { anchorSetOf, anchorSetPatch, type AnchorSet } from '../../config/spf-anchor-sets';

const GATES = [
  { value: 'global', label: 'global: project every block when the total conflicts' },
  { value: 'block', label: 'block: project each conflicting block' },
  { value: 'direction', label: 'direction: remove each conflicting direction' },
  { value: 'always', label: 'always project' },
] as const;

const PROJECTS = [
  { value: 'update', label: "update: AdamW's step, after its moments" },
  { value: 'gradient', label: 'gradient: the task gradient, before AdamW' },
  { value: 'both', label: 'both' },
] as const;

const ANCHOR_SETS: readonly { value: AnchorSet; label: string }[] = [
  { value: 'bundled', label: 'the four bundled anchors (default): keeps most of the task' },
  { value: 'wide', label: '32 anchors from every harm category: keeps more refusals, learns less of the task' },
  { value: 'custom', label: 'your own anchors (SPF details below)' },
];

const ANCHOR_TOKENS = [
  { value: '1', label: 'the decision: the first refusal token' },
  { value: '2', label: 'the first 2 refusal tokens' },
  { value: 'all', label: 'the whole refusal' },
] as const;

export function SpfFields({ disabled }: { disabled: boolean }) {
  const spf = useApp((s) => s.config?.spf);
  const rank = useApp((s) => s.config?.lora.r);
  const probe = useApp((s) => s.config?.probe);
  const defaultAnchors = useApp((s) => s.defaultAnchors);
  const wideAnchors = useApp((s) => s.defaultWideAnchors);
  const defaultSpf = useApp((s) => s.defaultConfig?.spf);
  const defaultProbe = useApp((s) => s.defaultProbe);
  const patch = useApp((s) => s.patchConfig);
  const setConfig = useApp((s) => s.setConfig);
  if (spf === undefined || rank === undefined || probe === undefined || defaultSpf === undefined) return null;
  const off = disabled || !spf.enabled;
  const anchorSet = anchorSetOf(spf, wideAnchors);
  // Each set is offered where it exists: the 32 when the site ships them, "your own" once the editor holds some.
  const anchorSets = ANCHOR_SETS.filter((o) => (o.value === 'wide' ? wideAnchors.length > 0 : o.value === 'custom' ? anchorSet === 'custom' : true));
  return (
    <fieldset>
      <legend>Safety-preserving fine-tuning (SPF)</legend>
      <CheckField
        label="SPF on"
        help="Remove, at every step, the parts of the update that would raise the loss on the safety anchors (a low-rank 'safety subspace'). Keeps the model's refusals while it learns the task."
        checked={spf.enabled}
        disabled={disabled}
        testId="config-spf"
        onChange={(enabled) => patch('spf', { enabled })}
      />
      <SelectField
        label="Anchor set"
        help="The safety anchors whose gradients SPF protects. The four bundled ones (k 4, the whole refusal) keep most of the task; the 32 bundled ones from every harm category (k 1, the decision token) keep more refusals and learn less of the task, and each step costs more. On the demo model (README, Wider safety subspaces): after adversarial fine-tuning 70.4 % of held-out harmful requests refused against 57.8 % (base 72.2 %); after benign fine-tuning 48.4 % task accuracy against 53.6 %."
        value={anchorSet}
        options={anchorSets}
        disabled={off}
        testId="config-spf-anchor-set"
        onChange={(set) => patch('spf', anchorSetPatch(set, defaultSpf, wideAnchors))}
      />
      <details className="more" data-testid="spf-details">
        <summary>SPF details: subspace, gate, anchors and probe set</summary>
        <div className="row">
          <NumberField
            label="Subspace rank k"
            help={`Safety directions per LoRA block and per anchor (top-k singular vectors of the anchors' stacked safety gradients; at most 16 in all). At most the LoRA rank (${rank}); 4 captures most of an anchor's safety gradient.`}
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
            help="Which conflicting components are removed. always (default): every step, along every safety direction; direction: each safety direction along which the step would raise the safety loss, keeping those that help; block: whole blocks that conflict; global: all blocks whenever the total conflicts."
            value={spf.gate}
            options={GATES}
            disabled={off}
            onChange={(gate) => patch('spf', { gate })}
          />
          <SelectField
            label="Project"
            help="What is projected. update (default): AdamW's step itself, so momentum and its per-coordinate scaling cannot bring the conflict back; gradient: the task gradient before AdamW (the paper's literal reading, weaker); both."
            value={spf.project}
            options={PROJECTS}
            disabled={off}
            onChange={(project) => patch('spf', { project })}
          />
          <SelectField
            label="Anchor loss"
            help="Which tokens of each anchor's refusal define the safety loss whose gradient spans the safety subspace. The decision (the first token, where a reply starts to refuse or to comply) protects refusing itself rather than one refusal's wording."
            value={String(spf.anchorTokens)}
            options={ANCHOR_TOKENS}
            disabled={off}
            testId="config-spf-anchor-tokens"
            onChange={(v) => patch('spf', { anchorTokens: v === 'all' ? 'all' : Number(v) })}
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
          title="Safety anchors"
          help="The (harmful request, refusal) pairs whose gradients define the safety subspace. Each anchor adds its own directions (k per anchor), so a few from different harm categories protect more than one; the bundled set is used unless you give your own."
          defaults={defaultAnchors}
          pairs={spf.anchors}
          disabled={off}
          testId="spf-anchors"
          pairsLabel={anchorSet === 'wide' ? 'Bundled 32-anchor set' : undefined}
          onChange={(anchors) => patch('spf', { anchors })}
        />
        <SafetyPairsEditor
          title="Probe set"
          help="Held-out (harmful request, refusal) pairs never trained on: the loss of each refusal's first token, minus its value before training, is the safety drift charted below."
          defaults={defaultProbe}
          pairs={probe}
          disabled={disabled}
          testId="probe-set"
          onChange={(pairs) => setConfig({ probe: pairs })}
        />
      </details>
    </fieldset>
  );
}
