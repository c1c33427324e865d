import { formatBytes } from '../format';
import { useSession } from '../session-context';
import { useApp } from '../store/app-store';
import { ErrorMessage } from './ErrorMessage';
import { Step } from './Step';

/**
 * Step 5: the results, each as one zip: the PEFT adapter with its model card, the merged model with its card, and the
 * run record (config + every metric series).
 */
export function ExportPanel() {
  const session = useSession();
  const hasRun = useApp((s) => s.runId !== undefined);
  const exporting = useApp((s) => s.exporting);
  const error = useApp((s) => s.exportError);
  const downloads = useApp((s) => s.downloads);
  // The worker exports the adapter as trained so far, between steps, so a running run need not pause.
  const disabled = !hasRun || exporting !== undefined;
  return (
    <Step n={5} title="Export" testId="step-export" status={hasRun ? undefined : 'train first'}>
      <div className="buttons">
        <button type="button" disabled={disabled} data-testid="export-adapter" title="One zip: adapter_model.safetensors + adapter_config.json (loadable with PEFT's PeftModel.from_pretrained) and README.md, the model card" onClick={() => void session.export('adapter')}>
          {exporting === 'adapter' ? 'Exporting…' : 'PEFT adapter (zip)'}
        </button>
        <button type="button" disabled={disabled} data-testid="export-merged" title="One zip: the base model with the adapter merged in, in the base model's dtype, loadable by transformers like the original, with its model card" onClick={() => void session.export('merged')}>
          {exporting === 'merged' ? 'Exporting…' : 'Merged model (zip)'}
        </button>
        <button type="button" disabled={disabled} data-testid="export-record" title="One zip holding the run record: configuration, dataset report and every metric series as JSON" onClick={() => void session.export('record')}>
          {exporting === 'record' ? 'Exporting…' : 'Run record (zip)'}
        </button>
      </div>
      {error !== undefined && <ErrorMessage error={error} testId="export-error" />}
      {downloads.length > 0 && (
        <ul className="downloads" data-testid="downloads">
          {downloads.map((d) => (
            <li key={d.fileName}>
              <a href={d.url} download={d.fileName}>
                {d.fileName}
              </a>{' '}
              ({formatBytes(d.bytes)})
            </li>
          ))}
        </ul>
      )}
    </Step>
  );
}
