import type { PresetPatch } from '../../workers/protocol';
import { useSession } from '../session-context';
import { useApp } from '../store/app-store';

/**
 * Presets by task kind (and, through the engine, by model size): one click sets a few fields, listed under the
 * buttons; every field stays editable below. "Quick demo" also loads the demo model's task.
 */
export function PresetPicker({ disabled }: { disabled: boolean }) {
  const session = useSession();
  const presets = useApp((s) => s.presets);
  const chosen = useApp((s) => s.presets.find((p) => p.id === s.presetId));
  if (presets.length === 0) return null;
  return (
    <div className="presets" data-testid="presets">
      <div className="buttons" role="group" aria-label="Presets">
        <span className="field-label">Start from:</span>
        {presets.map((p) => (
          <button
            key={p.id}
            type="button"
            className={p.id === 'quick-demo' ? 'primary' : undefined}
            aria-pressed={chosen?.id === p.id}
            disabled={disabled}
            data-testid={`preset-${p.id}`}
            title={p.about}
            onClick={() => void session.applyPreset(p.id)}
          >
            {p.label}
          </button>
        ))}
      </div>
      {chosen !== undefined && (
        <p className="note" data-testid="preset-changes" data-preset={chosen.id}>
          <strong>{chosen.label}</strong>: {chosen.about} It set {describePatch(chosen.patch)}
          {chosen.dataset !== undefined && <> and loaded {chosen.dataset}</>}. Change any of them below.
        </p>
      )}
    </div>
  );
}

/** Field names as the form labels them. */
const LABELS: Record<string, string> = {
  'train.lr': 'learning rate',
  'train.schedule': 'schedule',
  'train.warmupSteps': 'warmup steps',
  'train.maxSteps': 'steps',
  'train.epochs': 'epochs',
  'train.batchSize': 'batch size',
  'train.gradAccum': 'gradient accumulation',
  'train.maxLength': 'max length',
  'train.pack': 'packing',
  'lora.r': 'LoRA rank',
  'lora.alpha': 'LoRA alpha',
  'spf.enabled': 'SPF',
  evalEvery: 'drift every',
};

function describePatch(patch: PresetPatch): string {
  const entries: [string, unknown][] = [
    ...Object.entries(patch.train ?? {}).map(([k, v]): [string, unknown] => [`train.${k}`, v]),
    ...Object.entries(patch.lora ?? {}).map(([k, v]): [string, unknown] => [`lora.${k}`, v]),
    ...Object.entries(patch.spf ?? {}).map(([k, v]): [string, unknown] => [`spf.${k}`, v]),
    ...(patch.evalEvery === undefined ? [] : [['evalEvery', patch.evalEvery] as [string, unknown]]),
  ];
  return entries
    .filter(([, v]) => v !== undefined) // "maxSteps: undefined" means "train by epochs", which the epochs entry says
    .map(([k, v]) => `${LABELS[k] ?? k} ${typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v)}`)
    .join(', ');
}
