/**
 * How a run ends when it cannot go on:
 * - diverged: the loss, the gradient norm or an evaluation became NaN / infinite (the last checkpoint is kept);
 * - lora-too-wide: the LoRA rank exceeds a target layer's width (caught before anything is allocated).
 * The worker sends `code` to the page as the error event's code; the CLI prints message and hint.
 */
export type RunErrorCode = 'diverged' | 'lora-too-wide';

export class RunError extends Error {
  constructor(
    readonly code: RunErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'RunError';
  }

  describe(): string {
    return this.hint === undefined ? this.message : `${this.message} (hint: ${this.hint})`;
  }
}
