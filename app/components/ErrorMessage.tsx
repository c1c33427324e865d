import type { UiError } from '../store/ui-error';

/** A problem in words: what happened, then what to do. The code goes into an attribute for tests and bug reports. */
export function ErrorMessage({ error, testId, onDismiss }: { error: UiError; testId?: string; onDismiss?: () => void }) {
  return (
    <div className="error" role="alert" data-testid={testId} data-code={error.code}>
      <p className="error-message">{error.message}</p>
      {error.hint !== undefined && <p className="error-hint">What to do: {error.hint}</p>}
      {onDismiss !== undefined && (
        <button type="button" className="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
