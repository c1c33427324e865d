import type { StateCreator } from 'zustand';
import type { AppState } from './app-store';
import type { UiError } from './ui-error';

/** Which model answers: the base, the run's adapter, or its plain-LoRA comparison adapter. */
export type ModelSide = 'base' | 'tuned' | 'plain';
/** The sides a refusal check measures. */
export type RefusalSide = 'base' | 'tuned';

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
  /** The prompt the answers shown are replies to (the text box may have been edited since). */
  chatPrompt: string | undefined;
  refusal: Record<RefusalSide, RefusalResult | undefined>;
  refusalRunning: boolean;
  chatError: UiError | undefined;

  chatAsked(prompt: string): void;
  chatStarted(side: ModelSide): void;
  chatToken(side: ModelSide, text: string): void;
  chatFinished(side: ModelSide, status: 'done' | 'error'): void;
  setRefusal(side: RefusalSide, result: RefusalResult): void;
  setRefusalRunning(running: boolean): void;
  setChatError(error: UiError | undefined): void;
}

const idle: ChatOutput = { text: '', status: 'idle' };

export const createChatSlice: StateCreator<AppState, [], [], ChatSlice> = (set) => ({
  chat: { base: idle, tuned: idle, plain: idle },
  chatPrompt: undefined,
  refusal: { base: undefined, tuned: undefined },
  refusalRunning: false,
  chatError: undefined,

  chatAsked: (prompt) => set({ chatPrompt: prompt, chat: { base: idle, tuned: idle, plain: idle } }),
  chatStarted: (side) => set((s) => ({ chat: { ...s.chat, [side]: { text: '', status: 'streaming' } }, chatError: undefined })),
  chatToken: (side, text) => set((s) => ({ chat: { ...s.chat, [side]: { text: s.chat[side].text + text, status: 'streaming' } } })),
  chatFinished: (side, status) => set((s) => ({ chat: { ...s.chat, [side]: { ...s.chat[side], status } } })),
  setRefusal: (side, result) => set((s) => ({ refusal: { ...s.refusal, [side]: result } })),
  setRefusalRunning: (running) => set({ refusalRunning: running }),
  setChatError: (error) => set({ chatError: error }),
});
