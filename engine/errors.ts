/**
 * The one error type the engine throws for bad input. `message` names the file / line / tensor; `hint` says what the
 * user can do about it (llm.c style). Callers (CLI, worker) print `message` and then `hint`.
 */
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

export class SafeTuneError extends Error {
  readonly code: SafeTuneErrorCode;
  readonly hint: string | undefined;

  constructor(code: SafeTuneErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'SafeTuneError';
    this.code = code;
    this.hint = hint;
  }

  /** One line for a terminal or a toast: the message, then the hint. */
  describe(): string {
    return this.hint === undefined ? this.message : `${this.message} (hint: ${this.hint})`;
  }
}

export function isSafeTuneError(e: unknown): e is SafeTuneError {
  return e instanceof SafeTuneError;
}
