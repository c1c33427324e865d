import { formatBytes, formatCount } from '../format';
import { browserDeviceMemory, deviceLimits } from '../model/device-limits';
import { estimateTrainingMemory, runSizeOf } from '../model/memory-estimate';
import { useApp } from '../store/app-store';

/**
 * The memory the configured run needs on this device, before anything is downloaded: weights, adapter, optimizer,
 * activations, logits (and without WebGPU, what the WebAssembly heap holds beyond them), against the adapter's limits
 * and the WebAssembly heap's ceiling, with advice when it will not fit. Follows the configuration live.
 */
export function MemoryEstimateView() {
  const shape = useApp((s) => s.modelShape);
  const config = useApp((s) => s.config);
  const gpu = useApp((s) => s.gpu);
  const problem = useApp((s) => s.modelShapeProblem);
  const defaultAnchors = useApp((s) => s.defaultAnchors);
  if (problem !== undefined) {
    return (
      <p className="field-warning" data-testid="memory-estimate-problem" role="status">
        {problem}
      </p>
    );
  }
  if (shape === undefined || config === undefined) return null;

  const limits = deviceLimits(gpu, browserDeviceMemory());
  // An empty list in the config means the bundled anchors (the worker's rule).
  const estimate = estimateTrainingMemory(shape, runSizeOf(config, defaultAnchors), limits);
  const b = estimate.bytes;
  return (
    <details className={estimate.fits ? 'estimate more' : 'estimate estimate-bad'} open={!estimate.fits} data-testid="memory-estimate" data-fits={String(estimate.fits)}>
      <summary>
        Memory estimate for this run: <span data-testid="memory-total-summary">{formatBytes(estimate.bytes.total)}</span>, {estimate.fits ? 'fits' : 'does not fit'}
      </summary>
      <p>
        {shape.architecture}, {formatCount(estimate.parameters)} parameters, {formatCount(estimate.loraParameters)} trainable LoRA
        parameters; batch {config.train.batchSize} × {config.train.maxLength} tokens.
      </p>
      <table className="facts">
        <tbody>
          <Row label="Base weights (float32)" bytes={b.weights} />
          <Row label="LoRA adapter" bytes={b.adapter} />
          <Row label="Gradients + optimizer state" bytes={b.optimizer} />
          {b.spf > 0 && <Row label="SPF: safety gradients, subspaces, per-anchor LoRA copies" bytes={b.spf} />}
          <Row label="Activations" bytes={b.activations} />
          <Row label="Logits" bytes={b.logits} />
          {b.kernelCopies > 0 && <Row label="WebAssembly heap: the matrix kernels' weight copies and scratch" bytes={b.kernelCopies} />}
          <tr className="total">
            <th>Total (estimate)</th>
            <td data-testid="memory-total">{formatBytes(b.total)}</td>
          </tr>
          <tr>
            <th>Largest buffer</th>
            <td>
              {formatBytes(estimate.largestBuffer.bytes)}: {estimate.largestBuffer.name}
              {Number.isFinite(limits.maxStorageBufferBindingSize) && ` (limit ${formatBytes(limits.maxStorageBufferBindingSize)})`}
            </td>
          </tr>
        </tbody>
      </table>
      {estimate.advice.length === 0 ? (
        <p className="ok">Fits comfortably (assuming about {formatBytes(limits.budgetBytes)} is safe to use here).</p>
      ) : (
        <ul className={estimate.fits ? 'advice' : 'advice advice-bad'} data-testid="memory-advice">
          {estimate.advice.map((a) => (
            <li key={a}>{a}</li>
          ))}
        </ul>
      )}
    </details>
  );
}

function Row({ label, bytes }: { label: string; bytes: number }) {
  return (
    <tr>
      <th>{label}</th>
      <td>{formatBytes(bytes)}</td>
    </tr>
  );
}
