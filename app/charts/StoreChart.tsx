import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { appStore } from '../store/app-store';
import type { ChartSpec } from './chart-spec';

const HEIGHT = 150;

/** Steps are whole numbers: tick spacings uPlot may pick on the x axis (never 0.5 on a short run). */
const STEP_INCREMENTS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

/**
 * A uPlot chart fed straight from the store: it subscribes outside React, so a metric batch redraws the canvas without
 * re-rendering any component, and redraws are coalesced to one per animation frame. The container carries
 * data-points (x values drawn) and data-last-x for tests and for anyone inspecting the page. Under the chart, one line
 * says what good and bad look like.
 */
export function StoreChart({ title, testId, spec, caption }: { title: string; testId: string; spec: ChartSpec; caption: string }) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = container.current;
    if (el === null) return;
    const width = Math.max(260, el.clientWidth);
    const right = spec.rightAxis;
    const options: uPlot.Options = {
      width,
      height: HEIGHT,
      series: [{ label: 'step' }, ...spec.series],
      scales: {
        x: { time: false },
        y: spec.yRange === undefined ? {} : { range: spec.yRange },
        ...(right === undefined ? {} : { [right.scale]: right.range === undefined ? {} : { range: right.range } }),
      },
      axes: [
        { label: 'step', incrs: STEP_INCREMENTS },
        { label: spec.yLabel, size: 60, ...(spec.yExponent === true ? { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => (t === 0 ? '0' : t.toExponential(1))) } : {}) },
        ...(right === undefined ? [] : [{ scale: right.scale, label: right.label, side: 1 as const, size: 62, grid: { show: false } }]),
      ],
      legend: { live: false }, // labels only: the legend stays one or two lines; hovering still shows the cursor's step
      cursor: { drag: { x: true, y: false } },
    };
    const mark = (data: uPlot.AlignedData) => {
      const xs = data[0];
      el.dataset['points'] = String(xs.length);
      el.dataset['lastX'] = xs.length === 0 ? '' : String(xs[xs.length - 1]);
    };
    const initial = spec.data(appStore.getState());
    const plot = new uPlot(options, initial, el);
    mark(initial);

    let frame: number | undefined;
    const redraw = () => {
      frame = undefined;
      const data = spec.data(appStore.getState());
      plot.setData(data);
      mark(data);
    };
    const unsubscribe = appStore.subscribe((state, previous) => {
      const now = spec.inputs(state);
      const before = spec.inputs(previous);
      if (now.some((v, i) => v !== before[i]) && frame === undefined) frame = requestAnimationFrame(redraw);
    });
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(260, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      unsubscribe();
      resize.disconnect();
      if (frame !== undefined) cancelAnimationFrame(frame);
      plot.destroy();
    };
  }, [spec]);

  return (
    <figure className="chart">
      <figcaption className="chart-title">{title}</figcaption>
      <div ref={container} data-testid={testId} data-points="0" />
      <p className="chart-caption" data-testid={`${testId}-caption`}>
        {caption}
      </p>
    </figure>
  );
}
