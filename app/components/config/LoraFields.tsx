import { LORA_TARGET_NAMES } from '../../model/model-shape';
import { useApp } from '../../store/app-store';
import { CheckField } from '../fields/CheckField';
import { Help } from '../fields/Help';
import { NumberField } from '../fields/NumberField';

export function LoraFields({ disabled }: { disabled: boolean }) {
  const lora = useApp((s) => s.config?.lora);
  const patch = useApp((s) => s.patchConfig);
  if (lora === undefined) return null;
  return (
    <fieldset>
      <legend>LoRA adapter</legend>
      <NumberField
        label="Rank r"
        help="Rank of the low-rank update B·A added to each targeted weight. Higher learns more and costs more memory; 8 is the usual start."
        value={lora.r}
        integer
        min={1}
        max={256}
        disabled={disabled}
        testId="config-lora-r"
        onChange={(r) => patch('lora', { r })}
      />
      <NumberField
        label="Alpha"
        help="Scale of the update: it is multiplied by alpha / r (alpha / √r with rsLoRA). Twice the rank is the usual choice."
        value={lora.alpha}
        min={0.0001}
        disabled={disabled}
        onChange={(alpha) => patch('lora', { alpha })}
      />
      <NumberField
        label="Dropout"
        help="Dropout on the adapter's input during training, as in PEFT. 0 turns it off; above 0 costs CPU time per step."
        value={lora.dropout}
        min={0}
        max={0.99}
        step={0.05}
        disabled={disabled}
        onChange={(dropout) => patch('lora', { dropout })}
      />
      <CheckField
        label="rsLoRA scaling"
        help="Rank-stabilised LoRA: scale by alpha / √r instead of alpha / r, which keeps higher ranks from learning too slowly."
        checked={lora.useRslora}
        disabled={disabled}
        onChange={(useRslora) => patch('lora', { useRslora })}
      />
      <div className="field" title="Which projections of every layer get an adapter. All seven is PEFT's 'all-linear'; attention only (q, k, v, o) is cheaper.">
        <span className="field-label">
          Target modules <Help text="Which projections of every layer get an adapter. All seven is PEFT's 'all-linear'; attention only (q, k, v, o) is cheaper." />
        </span>
        <div className="checks">
          {LORA_TARGET_NAMES.map((t) => (
            <label key={t} className="check-inline">
              <input
                type="checkbox"
                checked={lora.targets.includes(t)}
                disabled={disabled || (lora.targets.length === 1 && lora.targets.includes(t))}
                onChange={(e) => patch('lora', { targets: LORA_TARGET_NAMES.filter((x) => (x === t ? e.target.checked : lora.targets.includes(x))) })}
              />
              {t}
            </label>
          ))}
        </div>
      </div>
    </fieldset>
  );
}
