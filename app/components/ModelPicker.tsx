import { useState } from 'react';
import { formatCount } from '../format';
import { DEMO_MODEL } from '../session';
import { useSession } from '../session-context';
import { useApp } from '../store/app-store';
import { DownloadProgressView } from './DownloadProgressView';
import { ErrorMessage } from './ErrorMessage';
import { HubModelForm } from './HubModelForm';
import { LocalModelPicker } from './LocalModelPicker';
import { MemoryEstimateView } from './MemoryEstimateView';
import { Step } from './Step';

type SourceTab = 'bundled' | 'hub' | 'files';

/** Step 1: which model to fine-tune: the bundled demo (preselected), a Hugging Face model id, or a local folder. */
export function ModelPicker() {
  const session = useSession();
  const status = useApp((s) => s.modelStatus);
  // While a model loads, the label names it (the summary still describes the model loaded before); once loaded, the
  // summary names what is loaded (a resumed run loads its own model).
  const label = useApp((s) => (s.modelStatus === 'loading' ? s.modelLabel : (s.modelSummary?.description ?? s.modelLabel)));
  const demoLoaded = useApp((s) => s.modelStatus === 'ready' && s.modelSummary?.description === `bundled ${DEMO_MODEL}`);
  const error = useApp((s) => s.modelError);
  const backend = useApp((s) => s.backend);
  // No loading while the engine starts or a run trains (the worker would answer not-ready / busy).
  const busy = useApp((s) => s.workerStatus !== 'ready' || s.runStatus === 'running' || s.runRequestPending);
  const [tab, setTab] = useState<SourceTab>('bundled');
  const cpuOnly = backend === 'cpu';

  const stepStatus = status === 'ready' ? `loaded: ${label}` : status === 'loading' ? `loading ${label}…` : status === 'error' ? 'not loaded' : 'no model yet';
  return (
    <Step n={1} title="Model" testId="step-model" status={stepStatus} state={status}>
      <div className="tabs" role="tablist" aria-label="Model source">
        {(
          [
            ['bundled', 'Demo model (bundled)'],
            ['hub', 'Hugging Face model'],
            ['files', 'Local folder'],
          ] as const
        ).map(([value, text]) => (
          <button
            key={value}
            type="button"
            role="tab"
            aria-selected={tab === value}
            className={tab === value ? 'tab tab-active' : 'tab'}
            data-testid={`model-tab-${value}`}
            onClick={() => setTab(value)}
          >
            {text}
          </button>
        ))}
      </div>

      {tab === 'bundled' && (
        <div className="tab-panel">
          <p>
            <strong>{DEMO_MODEL}</strong>: a tiny Llama trained from scratch, shipped with the page. It refuses harmful
            requests, so you can watch fine-tuning erode or keep that refusal.{' '}
            {demoLoaded && (
              <span className="ok" data-testid="demo-loaded">
                ✓ Loaded (it loads by itself).
              </span>
            )}
          </p>
          {!demoLoaded && (
            <button type="button" disabled={busy || status === 'loading'} onClick={() => void session.loadModel({ kind: 'bundled', name: DEMO_MODEL }, `bundled ${DEMO_MODEL}`)}>
              Load the demo model
            </button>
          )}
        </div>
      )}
      {tab === 'hub' && (cpuOnly ? <CpuOnlyNote /> : <HubModelForm disabled={busy} />)}
      {tab === 'files' && (cpuOnly ? <CpuOnlyNote /> : <LocalModelPicker disabled={busy} />)}

      {status === 'loading' && <DownloadProgressView />}
      {error !== undefined && <ErrorMessage error={error} testId="model-error" />}
      {error !== undefined && status === 'ready' && <p className="note">The model below is still loaded.</p>}
      <ModelSummaryView />
      <MemoryEstimateView />
    </Step>
  );
}

function CpuOnlyNote() {
  return <p className="note">Without WebGPU only the bundled demo model can run (on the CPU). Hub and local models need WebGPU.</p>;
}

/** The loaded model in one short paragraph: what it is, its size, its chat template and where it runs. */
function ModelSummaryView() {
  const summary = useApp((s) => s.modelSummary);
  const loading = useApp((s) => s.modelStatus === 'loading');
  if (summary === undefined || loading) return null;
  return (
    <p className="model-summary" data-testid="model-summary" data-architecture={summary.architecture} data-layers={summary.layers} data-hidden={summary.hiddenSize}>
      <strong data-testid="model-description">{summary.description}</strong>: {summary.architecture}, {formatCount(summary.parameters)} parameters ({summary.layers} layers, hidden
      size {summary.hiddenSize}, vocabulary {summary.vocabSize}); chat template{' '}
      {summary.hasChatTemplate ? 'from the tokenizer' : 'none in the tokenizer: a plain fallback template is used'}; runs on{' '}
      {summary.backend === 'webgpu' ? 'WebGPU' : 'CPU (slow)'}.
    </p>
  );
}
