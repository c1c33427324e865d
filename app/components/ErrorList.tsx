import { useApp } from '../store/app-store';
import { ErrorMessage } from './ErrorMessage';

/** Problems that belong to no single step: the engine failing to start, an error the worker could not attribute. */
export function ErrorList() {
  const errors = useApp((s) => s.errors);
  const dismiss = useApp((s) => s.dismissError);
  if (errors.length === 0) return null;
  return (
    <div className="errors" data-testid="errors">
      {errors.map((e, i) => (
        <ErrorMessage key={`${e.code}-${i}`} error={e} onDismiss={() => dismiss(i)} />
      ))}
    </div>
  );
}
