import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { appStore } from '../store/app-store';
import type { ChartSpec } from './chart-spec';


const HEIGHT = 220;

/**
 * A uPlot chart fed straight from the store: it subscribes outside React, so a metric batch redraws the canvas without
 * re-rendering any component, and redraws are coalesced to one per animation frame. The container carries
 * data-points (x values drawn) and data-last-x for tests and for anyone inspecting the page.
 */
export function StoreChart({ title, testId, spec }: { title: string; testId: string; spec: ChartSpec }) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = container.current;
    if (el === null) return;
    const width = Math.max(280, el.clientWidth);
    const options: uPlot.Options = {
      width,
      height: HEIGHT,
      series: [{ label: 'step' }, ...spec.series],
      scales: { x: { time: false }, y: spec.yRange === undefined ? {} : { range: spec.yRange } },
      axes: [{ label: 'step' }, { label: spec.yLabel, size: 60 }],
      legend: { live: true },
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
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: HEIGHT }));
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
      <figcaption>{title}</figcaption>
      <div ref={container} data-testid={testId} data-points="0" />
    </figure>
  );
}
