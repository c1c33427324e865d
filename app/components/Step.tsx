import type { ReactNode } from 'react';

/**
 * One numbered step of the page, with a one-line status on the right ("ready", "loading…"); `state` goes into
 * data-state for tests.
 */
export function Step(props: { n: number; title: string; status?: ReactNode; state?: string; testId: string; children: ReactNode }) {
  const { n, title, status, state, testId, children } = props;
  return (
    <section className="step" data-testid={testId} data-state={state} aria-labelledby={`${testId}-title`}>
      <header className="step-header">
        <span className="step-number" aria-hidden="true">
          {n}
        </span>
        <h2 id={`${testId}-title`}>{title}</h2>
        {status !== undefined && <span className="step-status">{status}</span>}
      </header>
      {children}
    </section>
  );
}
