import { Help } from './Help';

/** A labelled checkbox. */
export function CheckField(props: { label: string; help: string; checked: boolean; onChange: (checked: boolean) => void; disabled?: boolean; testId?: string }) {
  const { label, help, checked, onChange, disabled = false, testId } = props;
  return (
    <label className="field field-check" title={help}>
      <input type="checkbox" checked={checked} disabled={disabled} data-testid={testId} onChange={(e) => onChange(e.target.checked)} />
      <span className="field-label">
        {label} <Help text={help} />
      </span>
    </label>
  );
}
