import { Help } from './Help';

/** A labelled select over a fixed set of string values, each with a human label. */
export function SelectField<T extends string>(props: {
  label: string;
  help: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  disabled?: boolean;
  testId?: string;
}) {
  const { label, help, value, options, onChange, disabled = false, testId } = props;
  return (
    <label className="field" title={help}>
      <span className="field-label">
        {label} <Help text={help} />
      </span>
      <select
        value={value}
        disabled={disabled}
        data-testid={testId}
        onChange={(e) => {
          const chosen = options.find((o) => o.value === e.target.value);
          if (chosen !== undefined) onChange(chosen.value);
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
