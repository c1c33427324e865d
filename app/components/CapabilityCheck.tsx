import { useEffect, useState } from 'react';
import { probeWebGpu, type AdapterSummary, type UnavailableReason, type WebGpuReport } from '../gpu/probeWebGpu';
import type { SelfTestResult } from '../gpu/runAddSelfTest';

/**
 * Tells the user up front whether this browser can train: WebGPU present, which adapter, the limits that bound model
 * size, and a 4-element compute self-test. The data-testid / data-state attributes are what the e2e tests read.
 */
export function CapabilityCheck() {
  const [report, setReport] = useState<WebGpuReport | undefined>(undefined);

  useEffect(() => {
    let current = true; // StrictMode runs effects twice in development: only the live one may set state
    probeWebGpu().then(
      (r) => current && setReport(r),
      (e: unknown) =>
        current && setReport({ status: 'unavailable', reason: 'adapter-error', detail: `probe failed: ${String(e)}` }),
    );
    return () => {
      current = false;
    };
  }, []);

  return (
    <section data-testid="capability-check" data-state={report?.status ?? 'checking'}>
      <h2>WebGPU</h2>
      {report === undefined && <p>Checking for WebGPU…</p>}
      {report?.status === 'available' && <Available adapter={report.adapter} selfTest={report.selfTest} />}
      {report?.status === 'unavailable' && <Unavailable reason={report.reason} detail={report.detail} />}
    </section>
  );
}

function Available({ adapter, selfTest }: { adapter: AdapterSummary; selfTest: SelfTestResult }) {
  return (
    <>
      <p>WebGPU is available.</p>
      <table>
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
      <th style={{ textAlign: 'left', paddingRight: '1rem' }}>{label}</th>
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
        <strong>WebGPU is not available, so SafeTune cannot train in this browser.</strong>
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

function formatBytes(bytes: number): string {
  const gib = 1024 ** 3;
  const mib = 1024 ** 2;
  return bytes >= gib ? `${(bytes / gib).toFixed(1)} GiB` : `${(bytes / mib).toFixed(0)} MiB`;
}
