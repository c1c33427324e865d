import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createChatSlice, type ChatSlice } from './chat-slice';
import { createDatasetSlice, type DatasetSlice } from './dataset-slice';
import { createMetricsSlice, type MetricsSlice } from './metrics-slice';
import { createModelSlice, type ModelSlice } from './model-slice';
import { createRunSlice, type RunSlice } from './run-slice';
import { createUiSlice, type UiSlice } from './ui-slice';

/** The page's whole state: one store made of typed slices (each slice file owns its fields and their setters). */
export type AppState = ModelSlice & DatasetSlice & RunSlice & MetricsSlice & ChatSlice & UiSlice;
export type AppStore = StoreApi<AppState>;

/** A fresh store; the page makes one, tests make their own. */
export function createAppStore(): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createModelSlice(...a),
    ...createDatasetSlice(...a),
    ...createRunSlice(...a),
    ...createMetricsSlice(...a),
    ...createChatSlice(...a),
    ...createUiSlice(...a),
  }));
}

/** The page's store. Components read one field each: `useApp((s) => s.step)`. */
export const appStore = createAppStore();

export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(appStore, selector);
}
