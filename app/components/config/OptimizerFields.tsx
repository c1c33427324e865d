import { useApp } from '../../store/app-store';
import { NumberField } from '../fields/NumberField';
import { SelectField } from '../fields/SelectField';

export function OptimizerFields({ disabled }: { disabled: boolean }) {
  const train = useApp((s) => s.config?.train);
  const patch = useApp((s) => s.patchConfig);
  if (train === undefined) return null;
  return (
    <fieldset>
      <legend>Optimizer (AdamW)</legend>
      <NumberField
        label="Learning rate"
        help="Peak learning rate. LoRA usually wants about ten times a full fine-tune's: 1e-4 to 3e-4."
        value={train.lr}
        min={0}
        disabled={disabled}
        testId="config-lr"
        onChange={(lr) => patch('train', { lr })}
      />
      <SelectField
        label="Schedule"
        help="How the learning rate changes after warmup: cosine decays to 0 along a cosine, linear decays to 0 in a straight line, constant stays."
        value={train.schedule}
        options={[
          { value: 'cosine', label: 'cosine' },
          { value: 'linear', label: 'linear' },
          { value: 'constant', label: 'constant' },
        ]}
        disabled={disabled}
        onChange={(schedule) => patch('train', { schedule })}
      />
      <NumberField
        label="Warmup steps"
        help="Optimizer steps over which the learning rate rises linearly from 0 to its peak; steadies the first steps."
        value={train.warmupSteps}
        integer
        min={0}
        disabled={disabled}
        onChange={(warmupSteps) => patch('train', { warmupSteps })}
      />
      <NumberField
        label="Gradient clipping"
        help="Clip the global gradient norm to this value before each step (0 turns clipping off)."
        value={train.maxGradNorm}
        min={0}
        disabled={disabled}
        onChange={(maxGradNorm) => patch('train', { maxGradNorm })}
      />
      <NumberField
        label="Weight decay"
        help="AdamW's decoupled weight decay on the adapter weights. 0 is the Hugging Face Trainer default."
        value={train.weightDecay}
        min={0}
        disabled={disabled}
        onChange={(weightDecay) => patch('train', { weightDecay })}
      />
    </fieldset>
  );
}
