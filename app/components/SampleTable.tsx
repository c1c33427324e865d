import { useApp } from '../store/app-store';

/**
 * The run's answers to a few fixed prompts of the dataset, at each evaluation: before training (step 0) and now, next
 * to the dataset's own answer, so the change the charts measure can be read.
 */
export function SampleTable() {
  const samples = useApp((s) => s.samples);
  if (samples.length === 0) return null;
  const first = samples[0]!;
  const latest = samples[samples.length - 1]!;
  return (
    <section className="samples-table" data-testid="sample-generations" data-step={latest.step} aria-label="Sample generations">
      <h3>Sample answers (greedy, at each drift measurement)</h3>
      <div className="table-scroll">
        <table className="runs">
          <thead>
            <tr>
              <th>Prompt</th>
              <th>Dataset's answer</th>
              <th>Step {first.step}</th>
              {latest !== first && <th>Step {latest.step}</th>}
            </tr>
          </thead>
          <tbody>
            {latest.samples.map((s, i) => (
              <tr key={s.prompt}>
                <td>{s.prompt}</td>
                <td>{s.expected}</td>
                <td>{first.samples[i]?.reply}</td>
                {latest !== first && <td data-testid="sample-latest">{s.reply}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
