import type { AdapterSummary, UnavailableReason } from '../gpu/probeWebGpu';
import type { SelfTestResult } from '../gpu/runAddSelfTest';
import { formatBytes } from '../format';
import { useApp } from '../store/app-store';

/**
 * Whether this browser can train, as a badge in the page header: one line (WebGPU or the CPU, and the adapter's name)
 * with the adapter's limits and the compute self-test folded under it for whoever wants them. When WebGPU is missing
 * the help to enable it is shown at once. The probe runs once at start-up (main.tsx) and lands in the store; this
 * renders it. The data-testid / data-state attributes are what the e2e tests read.
 */
export function CapabilityCheck() {
  const report = useApp((s) => s.gpu);
  const backend = useApp((s) => s.backend);
  const backendAdapter = useApp((s) => s.backendAdapter);
  const workerStatus = useApp((s) => s.workerStatus);
  const fallback = useApp((s) => s.backendFallback);
  const state = workerStatus === 'failed' ? 'failed' : backend === undefined ? 'starting' : backend;
  return (
    <div className={`capability-badge capability-${state}`} data-testid="step-capability" data-state={state}>
      <div data-testid="capability-check" data-state={report?.status ?? 'checking'}>
        {backend === undefined ? (
          <span className="badge-line">{workerStatus === 'failed' ? 'Engine failed to start' : report === undefined ? 'Checking for WebGPU…' : 'Starting the engine…'}</span>
        ) : (
          <span className="badge-line" data-testid="engine-backend" data-backend={backend}>
            {backend === 'webgpu' ? '✓ WebGPU' : '⚠ CPU (slow)'}
            {backendAdapter ? ` · ${backendAdapter}` : ''}
            {backend === 'cpu' && ' — the CPU fallback is slow: it runs the small demo model only, for trying SafeTune out.'}
          </span>
        )}
        {report?.status === 'unavailable' && <Unavailable reason={report.reason} detail={report.detail} />}
        {fallback !== undefined && (
          <p className="note" data-testid="engine-fallback">
            WebGPU could not be used by the engine: {fallback}
          </p>
        )}
        {report?.status === 'available' && (
          <details className="capability-details">
            <summary>Browser details</summary>
            <Available adapter={report.adapter} selfTest={report.selfTest} />
          </details>
        )}
      </div>
    </div>
  );
}

function Available({ adapter, selfTest }: { adapter: AdapterSummary; selfTest: SelfTestResult }) {
  return (
    <>
      <table className="facts">
        <tbody>
          <Row label="GPU adapter" testId="adapter-name" value={adapter.name ?? '(not disclosed by the browser)'} />
          {(adapter.vendor || adapter.architecture) && <Row label="Vendor / architecture" value={[adapter.vendor, adapter.architecture].filter(Boolean).join(' / ')} />}
          <Row label="Feature level" value={adapter.featureLevel + (adapter.isFallbackAdapter ? ' (software fallback)' : '')} />
          <Row label="Largest GPU buffer" value={formatBytes(adapter.maxBufferSize)} />
          <Row label="Largest tensor one kernel can bind" value={formatBytes(adapter.maxStorageBufferBindingSize)} />
          <Row label="Half-precision shaders (shader-f16)" value={adapter.shaderF16 ? 'yes' : 'no'} />
          <Row label="Subgroup operations" value={adapter.subgroups ? 'yes' : 'no'} />
        </tbody>
      </table>
      <p data-testid="self-test" data-ok={String(selfTest.ok)}>
        Compute self-test: [{selfTest.a.join(', ')}] + [{selfTest.b.join(', ')}] ={' '}
        [<span data-testid="self-test-output">{selfTest.got.join(', ')}</span>]{' '}
        {selfTest.ok ? '✓' : `✗ expected [${selfTest.expected.join(', ')}]${selfTest.error ? `: ${selfTest.error}` : ''}`}
      </p>
    </>
  );
}

function Row({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <tr>
      <th>{label}</th>
      <td data-testid={testId}>{value}</td>
    </tr>
  );
}

const HOW_TO_ENABLE: Record<UnavailableReason, string> = {
  'insecure-context':
    'WebGPU only exists on secure pages. Open SafeTune over https://, or from http://localhost on your own machine.',
  'no-webgpu':
    'This browser does not expose WebGPU. Use a recent Chrome or Edge (WebGPU is on by default on Windows, macOS and ' +
    'ChromeOS). On Linux, enable chrome://flags/#enable-unsafe-webgpu (or start Chrome with --enable-unsafe-webgpu) ' +
    'and restart. In Firefox or Safari, use a version with WebGPU turned on (Firefox: dom.webgpu.enabled in ' +
    'about:config; Safari: Develop → Feature Flags → WebGPU).',
  'no-adapter':
    'WebGPU is there, but no GPU adapter was offered: the GPU or its driver is blocklisted or unsupported. Check ' +
    'chrome://gpu, update the GPU driver, and try chrome://flags/#enable-unsafe-webgpu and ' +
    'chrome://flags/#ignore-gpu-blocklist. On Linux a Vulkan driver must be installed (e.g. mesa-vulkan-drivers).',
  'adapter-error': 'Asking for a GPU adapter failed. Reload the page; if it persists, check chrome://gpu.',
};

function Unavailable({ reason, detail }: { reason: UnavailableReason; detail: string }) {
  return (
    <>
      <p>
        <strong>WebGPU is not available, so SafeTune cannot train real models in this browser.</strong> You can still
        try the bundled demo model on the CPU (slow, labelled as such below).
      </p>
      <p data-testid="webgpu-help" data-reason={reason}>
        {HOW_TO_ENABLE[reason]}
      </p>
      <p>
        <small>Details: {detail}</small>
      </p>
    </>
  );
}
