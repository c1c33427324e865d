import type { StateCreator } from 'zustand';
import type { DatasetReport, PreviewRow, RowFormat } from '../../workers/protocol';
import type { AppState } from './app-store';
import type { UiError } from './ui-error';

/**
 * Where the dataset came from, kept so it can be read again: changing the format reloads it, and a dataset's bytes are
 * transferred to the worker (the page's copy is gone after each load).
 */
export type DatasetChoice = { kind: 'file'; file: File } | { kind: 'bundled'; fileName: string };

export interface DatasetSlice {
  datasetStatus: 'empty' | 'loading' | 'ready' | 'error';
  datasetChoice: DatasetChoice | undefined;
  /** The format the user picked; undefined lets the worker detect it. */
  datasetFormat: RowFormat | undefined;
  report: DatasetReport | undefined;
  preview: PreviewRow[];
  datasetError: UiError | undefined;
  /** Share of the rows held out for validation loss (0: none). */
  validationFraction: number;

  setValidationFraction(fraction: number): void;
  datasetLoading(choice: DatasetChoice, format: RowFormat | undefined): void;
  datasetLoaded(report: DatasetReport, preview: PreviewRow[]): void;
  datasetFailed(error: UiError): void;
}

export const createDatasetSlice: StateCreator<AppState, [], [], DatasetSlice> = (set) => ({
  datasetStatus: 'empty',
  datasetChoice: undefined,
  datasetFormat: undefined,
  report: undefined,
  preview: [],
  datasetError: undefined,
  validationFraction: 0.1,

  setValidationFraction: (fraction) => set({ validationFraction: fraction }),
  datasetLoading: (choice, format) =>
    set({ datasetStatus: 'loading', datasetChoice: choice, datasetFormat: format, datasetError: undefined }),
  datasetLoaded: (report, preview) => set({ datasetStatus: 'ready', report, preview, datasetError: undefined }),
  // A failed load keeps nothing of the previous dataset: training on it while the page shows an error would mislead.
  datasetFailed: (error) => set({ datasetStatus: 'error', datasetError: error, report: undefined, preview: [] }),
});

/** The file name the user sees for a choice. */
export function datasetName(choice: DatasetChoice): string {
  return choice.kind === 'file' ? choice.file.name : choice.fileName;
}
