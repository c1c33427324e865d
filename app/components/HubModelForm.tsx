import { useState } from 'react';
import { checkRepoId, SUGGESTED_HUB_MODELS } from '../model/suggested-models';
import { useSession } from '../session-context';
import { useApp } from '../store/app-store';
import { Help } from './fields/Help';

/** A Hugging Face model id (suggestions offered), an optional access token, a size check, then the download. */
export function HubModelForm({ disabled }: { disabled: boolean }) {
  const session = useSession();
  const loading = useApp((s) => s.modelStatus === 'loading');
  const [repoId, setRepoId] = useState(SUGGESTED_HUB_MODELS[0]!.repoId);
  const [token, setToken] = useState('');
  const problem = checkRepoId(repoId);
  const source = () => ({ kind: 'hub' as const, repoId: repoId.trim(), ...(token.trim() ? { token: token.trim() } : {}) });

  return (
    <div className="tab-panel hub-form">
      <label className="field">
        <span className="field-label">
          Model id <Help text="owner/name on huggingface.co. SafeTune trains Llama, Qwen2 and Qwen3 models; the files are downloaded once and cached in this browser." />
        </span>
        <input list="suggested-models" value={repoId} onChange={(e) => setRepoId(e.target.value)} data-testid="hub-model-id" spellCheck={false} />
        <datalist id="suggested-models">
          {SUGGESTED_HUB_MODELS.map((m) => (
            <option key={m.repoId} value={m.repoId}>
              {m.note}
            </option>
          ))}
        </datalist>
      </label>
      <label className="field">
        <span className="field-label">
          Access token (gated models only) <Help text="A Hugging Face read token, for gated models such as Llama 3.2. It is sent to huggingface.co only and never stored." />
        </span>
        <input type="password" value={token} autoComplete="off" onChange={(e) => setToken(e.target.value)} placeholder="hf_…" />
      </label>
      {problem !== undefined && repoId.trim() !== '' && <p className="field-problem">{problem}</p>}
      <div className="buttons">
        <button type="button" disabled={problem !== undefined} data-testid="hub-estimate" onClick={() => void session.previewModel(source(), true)}>
          Estimate memory
        </button>
        <button type="button" disabled={disabled || loading || problem !== undefined} data-testid="hub-load" onClick={() => void session.loadModel(source(), `hub ${repoId.trim()}`)}>
          Download and load
        </button>
      </div>
    </div>
  );
}
