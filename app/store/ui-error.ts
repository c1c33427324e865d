/** A problem shown to the user: what happened, and what to do about it. `area` says which step of the page owns it. */
export interface UiError {
  area: 'setup' | 'model' | 'dataset' | 'run' | 'chat' | 'export';
  code: string;
  message: string;
  hint: string | undefined;
}

/** Any thrown value as a UiError: WorkerErrors keep their code and hint; anything else says it is unexpected. */
export function toUiError(area: UiError['area'], e: unknown): UiError {
  if (typeof e === 'object' && e !== null && 'code' in e && 'message' in e && typeof e.code === 'string' && typeof e.message === 'string') {
    const hint = 'hint' in e && typeof e.hint === 'string' ? e.hint : undefined;
    return { area, code: e.code, message: e.message, hint };
  }
  return {
    area,
    code: 'unexpected',
    message: e instanceof Error ? e.message : String(e),
    hint: 'This looks like a bug in SafeTune: reload the page, and report it with the browser console output if it happens again.',
  };
}
