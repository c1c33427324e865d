import type { StateCreator } from 'zustand';
import type { BackendChoice, ProgressTask } from '../../workers/protocol';
import type { WebGpuReport } from '../gpu/probeWebGpu';
import type { AppState } from './app-store';
import type { UiError } from './ui-error';

/** A file the worker produced, ready to download from a Blob URL. */
export interface Download {
  fileName: string;
  url: string;
  bytes: number;
}

export interface UiSlice {
  gpu: WebGpuReport | undefined;
  /** The backend the worker runs on, once it is ready; its adapter in words. */
  backend: BackendChoice | undefined;
  backendAdapter: string | undefined;
  /** Why the worker fell back to the CPU when WebGPU was asked for. */
  backendFallback: string | undefined;
  workerStatus: 'starting' | 'ready' | 'failed';
  /** Problems that belong to no step (the worker failed to start, an unattributed worker error). */
  errors: UiError[];
  /** The worker's log lines (warnings worth showing). */
  logs: { level: 'info' | 'warn'; message: string }[];
  downloads: Download[];
  exporting: 'adapter' | 'merged' | 'record' | undefined;
  exportError: UiError | undefined;
  /** Counts of the long jobs in flight (rows tokenized, prompts judged); absent when none runs. */
  progress: Partial<Record<ProgressTask, { done: number; total: number }>>;

  setGpu(report: WebGpuReport): void;
  workerReady(backend: BackendChoice, adapter: string, fallback: string | undefined): void;
  workerFailed(error: UiError): void;
  pushError(error: UiError): void;
  dismissError(index: number): void;
  pushLog(level: 'info' | 'warn', message: string): void;
  addDownload(download: Download): void;
  setExporting(what: UiSlice['exporting'], error?: UiError): void;
  setProgress(task: ProgressTask, count: { done: number; total: number } | undefined): void;
}

/** Enough log lines to see what happened recently without growing forever. */
const MAX_LOGS = 50;

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  gpu: undefined,
  backend: undefined,
  backendAdapter: undefined,
  backendFallback: undefined,
  workerStatus: 'starting',
  errors: [],
  logs: [],
  downloads: [],
  exporting: undefined,
  exportError: undefined,
  progress: {},

  setGpu: (report) => set({ gpu: report }),
  workerReady: (backend, adapter, fallback) => set({ backend, backendAdapter: adapter, backendFallback: fallback, workerStatus: 'ready' }),
  workerFailed: (error) => set((s) => ({ workerStatus: 'failed', errors: [...s.errors, error] })),
  pushError: (error) => set((s) => ({ errors: [...s.errors, error] })),
  dismissError: (index) => set((s) => ({ errors: s.errors.filter((_, i) => i !== index) })),
  pushLog: (level, message) => set((s) => ({ logs: [...s.logs, { level, message }].slice(-MAX_LOGS) })),
  // A file exported again replaces its older download (and frees that Blob URL).
  addDownload: (download) =>
    set((s) => {
      for (const old of s.downloads) if (old.fileName === download.fileName) URL.revokeObjectURL(old.url);
      return { downloads: [...s.downloads.filter((d) => d.fileName !== download.fileName), download] };
    }),
  setExporting: (what, error) => set({ exporting: what, exportError: error }),
  setProgress: (task, count) =>
    set((s) => {
      const { [task]: _old, ...rest } = s.progress;
      return { progress: count === undefined ? rest : { ...rest, [task]: count } };
    }),
});
