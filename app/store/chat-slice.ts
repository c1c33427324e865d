import type { StateCreator } from 'zustand';
import type { AppState } from './app-store';
import type { UiError } from './ui-error';

export type ModelSide = 'base' | 'tuned';

export interface ChatOutput {
  text: string;
  status: 'idle' | 'streaming' | 'done' | 'error';
}

export interface RefusalResult {
  rate: number; // fraction of the probe prompts refused
  total: number;
  /** Each prompt's answer and the judge's verdict, for a look at what the model said. */
  samples: { prompt: string; response: string; refused: boolean }[];
}

export interface ChatSlice {
  chat: Record<ModelSide, ChatOutput>;
  refusal: Record<ModelSide, RefusalResult | undefined>;
  refusalRunning: boolean;
  chatError: UiError | undefined;

  chatStarted(side: ModelSide): void;
  chatToken(side: ModelSide, text: string): void;
  chatFinished(side: ModelSide, status: 'done' | 'error'): void;
  setRefusal(side: ModelSide, result: RefusalResult): void;
  setRefusalRunning(running: boolean): void;
  setChatError(error: UiError | undefined): void;
}

const idle: ChatOutput = { text: '', status: 'idle' };

export const createChatSlice: StateCreator<AppState, [], [], ChatSlice> = (set) => ({
  chat: { base: idle, tuned: idle },
  refusal: { base: undefined, tuned: undefined },
  refusalRunning: false,
  chatError: undefined,

  chatStarted: (side) => set((s) => ({ chat: { ...s.chat, [side]: { text: '', status: 'streaming' } }, chatError: undefined })),
  chatToken: (side, text) => set((s) => ({ chat: { ...s.chat, [side]: { text: s.chat[side].text + text, status: 'streaming' } } })),
  chatFinished: (side, status) => set((s) => ({ chat: { ...s.chat, [side]: { ...s.chat[side], status } } })),
  setRefusal: (side, result) => set((s) => ({ refusal: { ...s.refusal, [side]: result } })),
  setRefusalRunning: (running) => set({ refusalRunning: running }),
  setChatError: (error) => set({ chatError: error }),
});
