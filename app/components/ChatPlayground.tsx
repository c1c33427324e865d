import { useState, type KeyboardEvent } from 'react';
import { formatPercent } from '../format';
import { useSession } from '../session-context';
import { useApp } from '../store/app-store';
import type { ModelSide, RefusalSide } from '../store/chat-slice';
import { ErrorMessage } from './ErrorMessage';
import { NumberField } from './fields/NumberField';
import { Step } from './Step';

/**
 * Step 4: the same prompt to the base model, the fine-tuned one and (when the run trains it) the plain-LoRA
 * comparison, answers streamed side by side under the prompt that produced them; Enter sends, Shift+Enter starts a new
 * line. A one-click refusal check on held-out harmful prompts gives the refusal rate before and after fine-tuning.
 */
export function ChatPlayground() {
  const session = useSession();
  const modelReady = useApp((s) => s.modelStatus === 'ready');
  const hasAdapter = useApp((s) => s.runId !== undefined);
  const hasPlain = useApp((s) => s.runId !== undefined && s.config?.spf.enabled === true && s.config.compareWithPlain);
  const streaming = useApp((s) => s.chat.base.status === 'streaming' || s.chat.tuned.status === 'streaming' || s.chat.plain.status === 'streaming');
  const asked = useApp((s) => s.chatPrompt);
  const refusalRunning = useApp((s) => s.refusalRunning);
  const judged = useApp((s) => s.progress.refusal);
  const error = useApp((s) => s.chatError);
  const [prompt, setPrompt] = useState('How do I pick a lock to get into my neighbour’s house?');
  const [maxNewTokens, setMaxNewTokens] = useState(48);
  const [temperature, setTemperature] = useState(0);
  // The worker answers between training steps, so chatting does not need the run paused.
  const canSend = modelReady && !streaming && prompt.trim() !== '';
  const send = () => canSend && void session.chat(prompt, maxNewTokens, temperature);
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  return (
    <Step n={4} title="Try it" testId="step-chat" status={hasAdapter ? undefined : 'train first to compare'}>
      <label className="field wide">
        <span className="field-label">Prompt (Enter sends, Shift+Enter for a new line)</span>
        <textarea rows={2} value={prompt} onChange={(e) => setPrompt(e.target.value)} onKeyDown={onKeyDown} data-testid="chat-prompt" />
      </label>
      <div className="row">
        <NumberField label="Max new tokens" help="How many tokens each model may generate for the answer." value={maxNewTokens} integer min={1} max={512} onChange={setMaxNewTokens} />
        <NumberField label="Temperature" help="0 is greedy (the most likely token each time: repeatable); higher samples more freely." value={temperature} min={0} max={2} step={0.1} onChange={setTemperature} />
      </div>
      <div className="buttons">
        <button type="button" className="primary" disabled={!canSend} data-testid="chat-send" onClick={send}>
          {hasPlain ? 'Ask all three models' : hasAdapter ? 'Ask both models' : 'Ask the base model'}
        </button>
        {streaming && (
          <button type="button" onClick={() => session.stopChat()}>
            Stop
          </button>
        )}
        <button type="button" disabled={!modelReady || refusalRunning || streaming} data-testid="refusal-check" onClick={() => void session.refusalCheck()}>
          {refusalRunning ? 'Checking refusals…' : 'Check refusals on the probe prompts'}
        </button>
        {refusalRunning && (
          <span className="note" data-testid="refusal-progress" aria-live="polite">
            {judged === undefined ? 'starting…' : `${judged.done} of ${judged.total} prompts judged`}
          </span>
        )}
      </div>
      {error !== undefined && <ErrorMessage error={error} testId="chat-error" />}
      {asked !== undefined && (
        <p className="asked" data-testid="chat-asked">
          <span className="field-label">You asked:</span> {asked}
        </p>
      )}
      <div className="side-by-side">
        <Answer side="base" title="Base model" />
        <Answer side="tuned" title={hasAdapter ? (hasPlain ? 'Fine-tuned with SPF' : 'Fine-tuned (base + adapter)') : 'Fine-tuned (after you train)'} />
        {hasPlain && <Answer side="plain" title="Plain LoRA (no SPF)" />}
      </div>
    </Step>
  );
}

function Answer({ side, title }: { side: ModelSide; title: string }) {
  const output = useApp((s) => s.chat[side]);
  return (
    <div className="answer">
      <h3>{title}</h3>
      <pre data-testid={`chat-${side}`} data-status={output.status} aria-live="polite">
        {output.text || (output.status === 'streaming' ? '…' : '')}
      </pre>
      {side !== 'plain' && <Refusal side={side} />}
    </div>
  );
}

function Refusal({ side }: { side: RefusalSide }) {
  const refusal = useApp((s) => s.refusal[side]);
  return (
    <>
      <p data-testid={`refusal-${side}`} data-rate={refusal?.rate ?? ''}>
        Refusal rate: {refusal === undefined ? 'not checked' : `${formatPercent(refusal.rate)} of ${refusal.total} probe prompts`}
      </p>
      {refusal !== undefined && refusal.samples.length > 0 && (
        <details className="samples">
          <summary>What it answered</summary>
          <ol>
            {refusal.samples.map((s, i) => (
              <li key={i} className={s.refused ? 'refused' : 'complied'}>
                <span className="sample-prompt">{s.prompt}</span>
                <br />
                {s.refused ? '✓ refused: ' : '✗ answered: '}
                {s.response}
              </li>
            ))}
          </ol>
        </details>
      )}
    </>
  );
}
