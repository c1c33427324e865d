import { useState, type DragEvent } from 'react';
import type { RowFormat } from '../../workers/protocol';
import { BUNDLED_DATASETS, DATASET_ACCEPT, ROW_FORMAT_LABELS, ROW_FORMATS } from '../dataset/row-formats';
import { useSession } from '../session-context';
import { useApp } from '../store/app-store';
import { datasetName } from '../store/dataset-slice';
import { ConversationPreview } from './ConversationPreview';
import { DatasetReportView } from './DatasetReportView';
import { LengthHistogram } from './LengthHistogram';
import { ErrorMessage } from './ErrorMessage';
import { NumberField } from './fields/NumberField';
import { Step } from './Step';

/** Step 2: the training data: drop or pick a file (or a bundled demo set), check the format, the report and a preview. */
export function DatasetDrop() {
  const session = useSession();
  const status = useApp((s) => s.datasetStatus);
  const choice = useApp((s) => s.datasetChoice);
  const format = useApp((s) => s.datasetFormat);
  const report = useApp((s) => s.report);
  const error = useApp((s) => s.datasetError);
  const validation = useApp((s) => s.validationFraction);
  const setValidation = useApp((s) => s.setValidationFraction);
  const modelReady = useApp((s) => s.modelStatus === 'ready');
  const running = useApp((s) => s.runStatus === 'running' || s.runStatus === 'paused' || s.runRequestPending);
  const pending = useApp((s) => s.pendingChoice);
  const tokenized = useApp((s) => s.progress.tokenize);
  const [over, setOver] = useState(false);
  const disabled = !modelReady || running;

  const loadFile = (file: File | undefined) => file !== undefined && void session.loadDataset({ kind: 'file', file }, undefined);
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    if (!disabled) loadFile(e.dataTransfer.files[0]);
  };

  // A resumed run brings its stored dataset without a choice on this page: the report names its file.
  const name = choice !== undefined ? datasetName(choice) : report?.files[0]?.fileName;
  const stepStatus =
    status === 'ready' ? `${name ?? 'dataset'}: ${report?.rowsUsed ?? 0} rows` : status === 'loading' ? 'reading…' : status === 'error' ? 'not usable' : 'no data yet';
  const reading = pending !== undefined ? datasetName(pending) : name;
  return (
    <Step n={2} title="Dataset" testId="step-dataset" status={stepStatus} state={status}>
      <div
        className={over ? 'drop-zone drop-zone-over' : 'drop-zone'}
        data-testid="dataset-drop"
        aria-disabled={disabled}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(!disabled);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>
          Drop a dataset here (JSONL, JSON, CSV, Parquet, or .txt with one example a line) or{' '}
          <label className="file-button">
            choose a file
            <input
              type="file"
              accept={DATASET_ACCEPT}
              disabled={disabled}
              data-testid="dataset-input"
              onChange={(e) => {
                loadFile(e.target.files?.[0]);
                e.target.value = '';
              }}
            />
          </label>
          ; it is read in this browser, never uploaded. Demo sets:{' '}
          {BUNDLED_DATASETS.map((d) => (
            <button
              key={d.fileName}
              type="button"
              className="small"
              title={d.about}
              disabled={disabled}
              data-testid={`dataset-bundled-${d.fileName}`}
              onClick={() => void session.loadDataset({ kind: 'bundled', fileName: d.fileName }, undefined)}
            >
              {d.label}
            </button>
          ))}
        </p>
        {!modelReady && <p className="note">Load a model first: the dataset is tokenized with its tokenizer and chat template.</p>}
      </div>

      <div className="row">
        <label className="field" title="Detected from the rows' fields; choose another if the detection is wrong.">
          <span className="field-label">Format</span>
          <select
            value={format ?? ''}
            disabled={choice === undefined || disabled}
            data-testid="dataset-format"
            onChange={(e) => {
              if (choice === undefined) return;
              const chosen = ROW_FORMATS.find((f) => f === e.target.value);
              void session.loadDataset(choice, chosen satisfies RowFormat | undefined);
            }}
          >
            <option value="">{report !== undefined && format === undefined ? `detected: ${ROW_FORMAT_LABELS[report.format]}` : 'detect automatically'}</option>
            {ROW_FORMATS.map((f) => (
              <option key={f} value={f}>
                {ROW_FORMAT_LABELS[f]}
              </option>
            ))}
          </select>
        </label>
        <NumberField
          label="Validation share"
          help="Fraction of the rows held out to measure validation loss during training (0 = none). Applied the next time the dataset is read."
          value={validation}
          min={0}
          max={0.5}
          step={0.05}
          onChange={setValidation}
        />
      </div>

      {status === 'loading' && (
        <p aria-live="polite" data-testid="dataset-progress">
          Reading and tokenizing {reading ?? 'the dataset'}…
          {tokenized !== undefined && ` ${tokenized.done.toLocaleString('en')} of ${tokenized.total.toLocaleString('en')} rows`}
        </p>
      )}
      {error !== undefined && <ErrorMessage error={error} testId="dataset-error" />}
      {error !== undefined && report !== undefined && (
        <p className="note" data-testid="dataset-kept">
          The dataset loaded before, {name ?? 'below'}, is still the one a run trains on.
        </p>
      )}
      {report !== undefined && status !== 'error' && (
        <>
          <DatasetReportView report={report} />
          <details className="more" data-testid="dataset-details">
            <summary>Token lengths and the first rows as trained</summary>
            <LengthHistogram bins={report.histogram} maxLength={report.maxLength} />
            <ConversationPreview />
          </details>
        </>
      )}
    </Step>
  );
}
