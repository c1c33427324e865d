import type uPlot from 'uplot';
import type { AppState } from '../store/app-store';

/** One chart: its curves and where their data comes from in the store. */
export interface ChartSpec {
  /** uPlot series after the x series, in the order `data` returns their columns. */
  series: uPlot.Series[];
  /** The y scale's range; undefined lets uPlot fit the data. */
  yRange?: uPlot.Scale['range'];
  yLabel: string;
  /** Tick labels of the left axis in exponent form (a learning rate of 2e-4 would read "0" otherwise). */
  yExponent?: boolean;
  /** A second y axis on the right, for series with `scale` set to its name (e.g. gradient norm beside the lr). */
  rightAxis?: { scale: string; label: string; range?: [number, number] };
  /** The chart's data from the store; called only when one of `inputs` changed. */
  data: (state: AppState) => uPlot.AlignedData;
  /** The store fields the data depends on, compared by reference to decide whether to redraw. */
  inputs: (state: AppState) => readonly unknown[];
}
