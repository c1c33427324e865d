import { useEffect, useState } from 'react';
import { Help } from './Help';

/**
 * A labelled number input that keeps what the user is typing ("0.", "1e-") as text and only commits a value that
 * parses and lies in range; an out-of-range or unparsable entry is marked and not committed.
 */
export function NumberField(props: {
  label: string;
  help: string;
  value: number;
  onChange: (value: number) => void;
  min?: number;
  max?: number;
  step?: number | 'any';
  integer?: boolean;
  disabled?: boolean;
  testId?: string;
}) {
  const { label, help, value, onChange, min, max, step = 'any', integer = false, disabled = false, testId } = props;
  const [text, setText] = useState(String(value));
  useEffect(() => {
    // A value set from outside (defaults for a new model, a resumed run) replaces the text unless it already says so.
    setText((t) => (Number(t) === value ? t : String(value)));
  }, [value]);
  const parsed = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(parsed) && (!integer || Number.isInteger(parsed)) && (min === undefined || parsed >= min) && (max === undefined || parsed <= max);
  const range = [min !== undefined ? `≥ ${min}` : '', max !== undefined ? `≤ ${max}` : ''].filter(Boolean).join(', ');
  return (
    <label className="field" title={help}>
      <span className="field-label">
        {label} <Help text={help} />
      </span>
      <input
        type="number"
        inputMode="decimal"
        value={text}
        min={min}
        max={max}
        step={step}
        disabled={disabled}
        aria-invalid={!valid}
        data-testid={testId}
        onChange={(e) => {
          setText(e.target.value);
          const v = Number(e.target.value);
          const ok = e.target.value.trim() !== '' && Number.isFinite(v) && (!integer || Number.isInteger(v)) && (min === undefined || v >= min) && (max === undefined || v <= max);
          if (ok) onChange(v);
        }}
      />
      {!valid && <span className="field-problem">Enter {integer ? 'a whole number' : 'a number'}{range ? ` (${range})` : ''}.</span>}
    </label>
  );
}
