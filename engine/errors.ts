/**
 * The one error type the engine throws for bad input. `message` names the file / line / tensor; `hint` says what the
 * user can do about it (llm.c style). Callers (CLI, worker) print `message` and then `hint`.
 */
import { clipText } from './util/clip-text';

export type SafeTuneErrorCode =
  | 'bad-safetensors'
  | 'missing-file'
  | 'missing-tensor'
  | 'bad-shape'
  | 'bad-config'
  | 'unsupported-architecture'
  | 'bad-tokenizer'
  | 'bad-dataset'
  | 'bad-adapter'
  | 'bad-argument'
  | 'network'
  | 'gpu';

/**
 * Longest message / hint an error carries. Messages quote untrusted input (a field name, a config value, a rejected
 * row's reason); past this they are cut in the middle, keeping the start (what failed, where) and the end, and saying
 * how much was cut.
 */
export const MAX_ERROR_MESSAGE_CHARS = 2_000;
export const MAX_ERROR_HINT_CHARS = 1_000;

export class SafeTuneError extends Error {
  readonly code: SafeTuneErrorCode;
  readonly hint: string | undefined;

  constructor(code: SafeTuneErrorCode, message: string, hint?: string) {
    super(clipText(message, MAX_ERROR_MESSAGE_CHARS, { keepEnd: 300 }));
    this.name = 'SafeTuneError';
    this.code = code;
    this.hint = hint === undefined ? undefined : clipText(hint, MAX_ERROR_HINT_CHARS, { keepEnd: 200 });
  }

  /** One line for a terminal or a toast: the message, then the hint. */
  describe(): string {
    return this.hint === undefined ? this.message : `${this.message} (hint: ${this.hint})`;
  }
}

export function isSafeTuneError(e: unknown): e is SafeTuneError {
  return e instanceof SafeTuneError;
}
