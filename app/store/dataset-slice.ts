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
  /** The dataset loaded now (the worker trains on it); a file being read is `pendingChoice` until it loads. */
  datasetChoice: DatasetChoice | undefined;
  pendingChoice: DatasetChoice | undefined;
  /** The format the user picked; undefined lets the worker detect it. */
  datasetFormat: RowFormat | undefined;
  pendingFormat: RowFormat | undefined;
  report: DatasetReport | undefined;
  preview: PreviewRow[];
  datasetError: UiError | undefined;
  /** Share of the rows held out for validation loss (0: none). */
  validationFraction: number;

  setValidationFraction(fraction: number): void;
  datasetLoading(choice: DatasetChoice, format: RowFormat | undefined): void;
  datasetLoaded(report: DatasetReport, preview: PreviewRow[]): void;
  datasetRestored(report: DatasetReport, preview: PreviewRow[], format: RowFormat | undefined): void;
  datasetFailed(error: UiError): void;
}

export const createDatasetSlice: StateCreator<AppState, [], [], DatasetSlice> = (set) => ({
  datasetStatus: 'empty',
  datasetChoice: undefined,
  pendingChoice: undefined,
  datasetFormat: undefined,
  pendingFormat: undefined,
  report: undefined,
  preview: [],
  datasetError: undefined,
  validationFraction: 0.1,

  setValidationFraction: (fraction) => set({ validationFraction: fraction }),
  datasetLoading: (choice, format) => set({ datasetStatus: 'loading', pendingChoice: choice, pendingFormat: format, datasetError: undefined }),
  // Also sent when a new model re-reads the current dataset (no pending choice: the choice stays).
  datasetLoaded: (report, preview) =>
    set((s) => ({
      datasetStatus: 'ready',
      report,
      preview,
      datasetError: undefined,
      datasetChoice: s.pendingChoice ?? s.datasetChoice,
      datasetFormat: s.pendingChoice !== undefined ? s.pendingFormat : s.datasetFormat,
      pendingChoice: undefined,
      pendingFormat: undefined,
    })),
  // A resumed run's dataset is the file stored with it, not one picked on this page: the report names it.
  datasetRestored: (report, preview, format) =>
    set({ datasetStatus: 'ready', report, preview, datasetError: undefined, datasetChoice: undefined, datasetFormat: format, pendingChoice: undefined, pendingFormat: undefined }),
  // A failed load keeps the dataset loaded before it, as the worker does (it trains on that one): the error says what
  // was wrong with the new file, and the report below still describes what a run would use.
  datasetFailed: (error) =>
    set((s) => ({ datasetStatus: s.report === undefined ? 'error' : 'ready', datasetError: error, pendingChoice: undefined, pendingFormat: undefined })),
});

/** The file name the user sees for a choice. */
export function datasetName(choice: DatasetChoice): string {
  return choice.kind === 'file' ? choice.file.name : choice.fileName;
}
