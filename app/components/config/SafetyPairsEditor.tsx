import { useState } from 'react';
import type { SafetyPair } from '../../../workers/protocol';
import { formatSafetyPairs, parseSafetyPairs } from '../../config/parse-safety-pairs';
import { Help } from '../fields/Help';

/**
 * A set of (request, refusal) pairs: the bundled default (empty `pairs`, as the engine reads it) or the user's own,
 * typed as JSONL or uploaded. The default is shown so the user sees what SafeTune protects by default.
 */
export function SafetyPairsEditor(props: {
  title: string;
  help: string;
  defaults: SafetyPair[];
  pairs: SafetyPair[];
  disabled: boolean;
  testId: string;
  onChange: (pairs: SafetyPair[]) => void;
  /** What to call a non-empty `pairs` ("Your own" unless it is another bundled set). */
  pairsLabel?: string;
}) {
  const { title, help, defaults, pairs, disabled, testId, onChange, pairsLabel = 'Your own' } = props;
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const [problems, setProblems] = useState<string[]>([]);
  const usingDefault = pairs.length === 0;
  const shown = usingDefault ? defaults : pairs;

  const apply = (text: string, fileName: string) => {
    const parsed = parseSafetyPairs(text, fileName);
    if (!parsed.ok) {
      setProblems(parsed.problems);
      return;
    }
    setProblems([]);
    setDraft(undefined);
    onChange(parsed.pairs);
  };

  return (
    <div className="pairs" data-testid={testId} data-source={usingDefault ? 'default' : 'custom'}>
      <span className="field-label">
        {title} <Help text={help} />
      </span>
      <p>
        {usingDefault ? 'Bundled default' : pairsLabel}: {shown.length} pair{shown.length === 1 ? '' : 's'}
      </p>
      {shown.length > 0 && draft === undefined && (
        <blockquote className="pair">
          <p>
            <strong>Request:</strong> {shown[0]!.request}
          </p>
          <p>
            <strong>Refusal:</strong> {shown[0]!.refusal}
          </p>
          {shown.length > 1 && <p className="note">and {shown.length - 1} more</p>}
        </blockquote>
      )}
      {draft !== undefined && (
        <>
          <textarea rows={5} value={draft} spellCheck={false} onChange={(e) => setDraft(e.target.value)} aria-label={`${title} as JSONL`} />
          <div className="buttons">
            <button type="button" onClick={() => apply(draft, 'the edited text')}>
              Use these
            </button>
            <button type="button" className="link-button" onClick={() => setDraft(undefined)}>
              Cancel
            </button>
          </div>
        </>
      )}
      {problems.length > 0 && (
        <ul className="field-problem" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {draft === undefined && (
        <div className="buttons">
          <button type="button" disabled={disabled} onClick={() => setDraft(formatSafetyPairs(shown))}>
            Edit
          </button>
          <label className="file-button" aria-disabled={disabled}>
            Upload JSONL…
            <input
              type="file"
              accept=".jsonl,.ndjson,.txt"
              disabled={disabled}
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file !== undefined) void file.text().then((text) => apply(text, file.name));
              }}
            />
          </label>
          {!usingDefault && (
            <button type="button" className="link-button" disabled={disabled} onClick={() => onChange([])}>
              Use the default
            </button>
          )}
        </div>
      )}
    </div>
  );
}
