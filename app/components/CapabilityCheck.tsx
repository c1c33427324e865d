import type { AdapterSummary, UnavailableReason } from '../gpu/probeWebGpu';
import type { SelfTestResult } from '../gpu/runAddSelfTest';
import { formatBytes } from '../format';
import { useApp } from '../store/app-store';
import { Step } from './Step';

/**
 * Tells the user up front whether this browser can train: WebGPU present, which adapter, the limits that bound model
 * size, and a 4-element compute self-test. The probe runs once at start-up (main.tsx) and lands in the store; this
 * renders it. The data-testid / data-state attributes are what the e2e tests read.
 */
export function CapabilityCheck() {
  const report = useApp((s) => s.gpu);
  const backend = useApp((s) => s.backend);
  const backendAdapter = useApp((s) => s.backendAdapter);
  const workerStatus = useApp((s) => s.workerStatus);
  const fallback = useApp((s) => s.backendFallback);
  const status =
    workerStatus === 'failed' ? 'engine failed to start' : backend === undefined ? 'starting the engine…' : backend === 'webgpu' ? 'engine on WebGPU' : 'engine on CPU (slow)';
  return (
    <Step n={1} title="This browser" testId="step-capability" status={status}>
      <div data-testid="capability-check" data-state={report?.status ?? 'checking'}>
        {report === undefined && <p>Checking for WebGPU…</p>}
        {report?.status === 'available' && <Available adapter={report.adapter} selfTest={report.selfTest} />}
        {report?.status === 'unavailable' && <Unavailable reason={report.reason} detail={report.detail} />}
        {backend !== undefined && (
          <p data-testid="engine-backend" data-backend={backend}>
            Training engine: <strong>{backend === 'webgpu' ? 'WebGPU' : 'CPU'}</strong>
            {backendAdapter ? ` (${backendAdapter})` : ''}
            {backend === 'cpu' && ' — the CPU fallback is slow: it runs the small demo model only, for trying SafeTune out.'}
          </p>
        )}
        {fallback !== undefined && (
          <p className="note" data-testid="engine-fallback">
            WebGPU could not be used by the engine: {fallback}
          </p>
        )}
      </div>
    </Step>
  );
}

function Available({ adapter, selfTest }: { adapter: AdapterSummary; selfTest: SelfTestResult }) {
  return (
    <>
      <p>WebGPU is available.</p>
      <table className="facts">
        <tbody>
          <Row label="Adapter" testId="adapter-name" value={adapter.name ?? '(not disclosed by the browser)'} />
          <Row label="Vendor / architecture" value={`${adapter.vendor || '?'} / ${adapter.architecture || '?'}`} />
          <Row label="Feature level" value={adapter.featureLevel + (adapter.isFallbackAdapter ? ' (software fallback)' : '')} />
          <Row label="maxBufferSize" value={formatBytes(adapter.maxBufferSize)} />
          <Row label="maxStorageBufferBindingSize" value={formatBytes(adapter.maxStorageBufferBindingSize)} />
          <Row label="shader-f16" value={adapter.shaderF16 ? 'yes' : 'no'} />
          <Row label="subgroups" value={adapter.subgroups ? 'yes' : 'no'} />
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
