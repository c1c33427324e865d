import { useApp } from '../../store/app-store';
import { NumberField } from '../fields/NumberField';
import { SelectField } from '../fields/SelectField';

export function BatchFields({ disabled }: { disabled: boolean }) {
  const train = useApp((s) => s.config?.train);
  const patch = useApp((s) => s.patchConfig);
  if (train === undefined) return null;
  const bySteps = train.maxSteps !== undefined;
  return (
    <fieldset>
      <legend>Batches and length</legend>
      <NumberField
        label="Batch size"
        help="Sequences per micro-batch. Memory grows with batch size × max length; lower it first when memory is short."
        value={train.batchSize}
        integer
        min={1}
        disabled={disabled}
        testId="config-batch-size"
        onChange={(batchSize) => patch('train', { batchSize })}
      />
      <NumberField
        label="Gradient accumulation"
        help="Micro-batches summed into one optimizer step: the effective batch is batch size × this, at the memory cost of one micro-batch."
        value={train.gradAccum}
        integer
        min={1}
        disabled={disabled}
        onChange={(gradAccum) => patch('train', { gradAccum })}
      />
      <NumberField
        label="Max length"
        help="Tokens per sequence. Longer rows are truncated (the dataset report counts them); shorter ones are padded."
        value={train.maxLength}
        integer
        min={2}
        disabled={disabled}
        testId="config-max-length"
        onChange={(maxLength) => patch('train', { maxLength })}
      />
      <SelectField
        label="Train for"
        help="A number of passes over the training set, or an exact number of optimizer steps."
        value={bySteps ? 'steps' : 'epochs'}
        options={[
          { value: 'epochs', label: 'epochs' },
          { value: 'steps', label: 'optimizer steps' },
        ]}
        disabled={disabled}
        testId="config-duration-kind"
        onChange={(kind) => patch('train', { maxSteps: kind === 'steps' ? 100 : undefined })}
      />
      {bySteps ? (
        <NumberField
          label="Steps"
          help="Optimizer steps to train for (each is batch size × accumulation sequences)."
          value={train.maxSteps ?? 100}
          integer
          min={1}
          disabled={disabled}
          testId="config-max-steps"
          onChange={(maxSteps) => patch('train', { maxSteps })}
        />
      ) : (
        <NumberField
          label="Epochs"
          help="Passes over the training set; fractions train on part of the last pass."
          value={train.epochs}
          min={0.01}
          disabled={disabled}
          testId="config-epochs"
          onChange={(epochs) => patch('train', { epochs })}
        />
      )}
      <NumberField
        label="Seed"
        help="Seeds the adapter's initialisation, the data order and dropout: the same seed and settings give the same run."
        value={train.seed}
        integer
        min={0}
        disabled={disabled}
        onChange={(seed) => patch('train', { seed })}
      />
      <NumberField
        label="Checkpoint every"
        help="Save a resumable checkpoint in this browser every N steps, and at least every quarter of the run's steps (0: only when paused, stopped or finished). A checkpoint is also saved when this tab is hidden or closed."
        value={train.checkpointEvery}
        integer
        min={0}
        disabled={disabled}
        testId="config-checkpoint-every"
        onChange={(checkpointEvery) => patch('train', { checkpointEvery })}
      />
      {train.maxSteps !== undefined && train.checkpointEvery > train.maxSteps && (
        <p className="field-warning" data-testid="checkpoint-warning" role="status">
          Every {train.checkpointEvery} steps is more than the run's {train.maxSteps}: a checkpoint is saved every quarter of
          the run instead, so a reload can resume it.
        </p>
      )}
    </fieldset>
  );
}
