import { useMemo, useState } from 'react';
import { driftChart, lossChart, optimizerChart, SPF_CHART } from '../charts/chart-specs';
import { StoreChart } from '../charts/StoreChart';
import { useApp } from '../store/app-store';

/**
 * The live charts beside the settings: task loss (train and validation, smoothed on request, past runs overlaid),
 * safety drift, SPF's own numbers and the optimizer's (learning rate, gradient norm). Each says under it what good and
 * bad look like.
 */
export function RunCharts() {
  const spfOn = useApp((s) => s.config?.spf.enabled ?? true);
  const compare = useApp((s) => s.config?.compareWithPlain ?? false);
  const maxGradNorm = useApp((s) => s.config?.train.maxGradNorm);
  const overlays = useApp((s) => s.overlays);
  const [smoothing, setSmoothing] = useState(0.6);
  // Which adapters the run trains decides which curves the charts name (a new set re-creates the charts).
  const variants = useMemo(() => (!spfOn ? (['plain'] as const) : compare ? (['spf', 'plain'] as const) : (['spf'] as const)), [spfOn, compare]);
  const loss = useMemo(() => lossChart(variants, { smoothing, overlays }), [variants, smoothing, overlays]);
  const drift = useMemo(() => driftChart(variants, overlays), [variants, overlays]);
  const optimizer = useMemo(() => optimizerChart(variants[0]), [variants]);

  return (
    <section className="run-charts" aria-label="Training charts">
      <div className="chart-tools">
        <label className="field-check">
          <span className="field-label">Smoothing</span>
          <input type="range" min={0} max={0.95} step={0.05} value={smoothing} data-testid="chart-smoothing" aria-valuetext={smoothing.toFixed(2)} onChange={(e) => setSmoothing(Number(e.target.value))} />
          <span className="note">{smoothing.toFixed(2)}</span>
        </label>
      </div>
      <div className="charts">
        <StoreChart
          title="Task loss"
          testId="chart-loss"
          spec={loss}
          caption="Falling = learning. Validation (purple) rising while train falls = overfitting: train fewer steps. Flat from the start: raise the learning rate."
        />
        <StoreChart
          title="Safety drift"
          testId="chart-drift"
          spec={drift}
          caption="How much less likely the model got to start a refusal on held-out harmful requests (the first refusal token's loss rise, nats). Near 0 is good; crossing the red line pauses the run."
        />
        {spfOn && (
          <StoreChart
            title="SPF: conflict with safety"
            testId="chart-spf"
            spec={SPF_CHART}
            caption="cos < 0: this step would have hurt safety; SPF removed that part. Update cos ≥ 0: the applied step does not raise the safety loss (good)."
          />
        )}
        <StoreChart
          title="Learning rate and gradient norm"
          testId="chart-optimizer"
          spec={optimizer}
          caption={`The rate follows its schedule. Gradient-norm spikes far above the usual level${maxGradNorm !== undefined && maxGradNorm > 0 ? ` (clipped at ${maxGradNorm})` : ''} mean instability: lower the learning rate.`}
        />
      </div>
    </section>
  );
}
