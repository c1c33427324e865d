import type { StateCreator } from 'zustand';
import type { ModelSummary } from '../../workers/protocol';
import type { ModelShape } from '../model/model-shape';
import type { AppState } from './app-store';
import type { UiError } from './ui-error';

/** Bytes received per file while a model downloads. */
export type DownloadProgress = Record<string, { loadedBytes: number; totalBytes: number }>;

export interface ModelSlice {
  modelStatus: 'empty' | 'loading' | 'ready' | 'error';
  /** What is loading or loaded, in words ("bundled safetune-demo"). */
  modelLabel: string | undefined;
  modelSummary: ModelSummary | undefined;
  download: DownloadProgress;
  /** Sizes read from config.json before loading, for the memory estimate; undefined when unknown. */
  modelShape: ModelShape | undefined;
  /** Why the memory estimate the user asked for could not be made (config.json unreadable: offline, wrong id). */
  modelShapeProblem: string | undefined;
  modelError: UiError | undefined;

  modelLoading(label: string): void;
  modelDownload(file: string, loadedBytes: number, totalBytes: number): void;
  modelLoaded(summary: ModelSummary): void;
  modelFailed(error: UiError): void;
  setModelShape(shape: ModelShape | undefined, problem?: string): void;
}

export const createModelSlice: StateCreator<AppState, [], [], ModelSlice> = (set) => ({
  modelStatus: 'empty',
  modelLabel: undefined,
  modelSummary: undefined,
  download: {},
  modelShape: undefined,
  modelShapeProblem: undefined,
  modelError: undefined,

  // The summary of the model loaded now stays while another loads: the worker checks the new model's config and
  // tokenizer before it lets go of the current one, so a bad folder leaves the current model in place.
  modelLoading: (label) => set({ modelStatus: 'loading', modelLabel: label, download: {}, modelError: undefined }),
  modelDownload: (file, loadedBytes, totalBytes) => set((s) => ({ download: { ...s.download, [file]: { loadedBytes, totalBytes } } })),
  modelLoaded: (summary) => set({ modelStatus: 'ready', modelLabel: summary.description, modelSummary: summary, modelError: undefined }),
  modelFailed: (error) => set((s) => ({ modelStatus: s.modelSummary === undefined ? 'error' : 'ready', modelError: error })),
  setModelShape: (shape, problem) => set({ modelShape: shape, modelShapeProblem: problem }),
});
