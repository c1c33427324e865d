import type { WorkerCommand, WorkerEvent } from './protocol';
import { exportCommand } from './commands/export';
import { generateCommand } from './commands/generate';
import { init } from './commands/init';
import { listRunsCommand } from './commands/list-runs';
import { runSeriesCommand } from './commands/run-series';
import { loadDatasetCommand } from './commands/load-dataset';
import { loadModelInto } from './commands/load-model';
import { refusalCheckCommand } from './commands/refusal-check';
import { resumeRun, startRun } from './commands/run';
import type { WorkerEnv } from './worker-env';
import { WorkerState } from './worker-state';
import { checkCommandShape } from './command-shape';
import { errorEvent, isAbortError, WorkerError } from './worker-errors';

/**
 * The worker's message loop, free of any worker global: `handle` takes one command and answers through the env's
 * `post`. Every command with a requestId ends with exactly one `done` or `error` for it (PROTOCOL-NOTES.md), and
 * can be aborted with `{ type: 'abort', requestId }`. The worker entry wires it to `self`; tests call it directly.
 */
export class WorkerHandler {
  readonly state: WorkerState;
  private readonly inFlight = new Map<string, AbortController>();

  constructor(env: WorkerEnv) {
    this.state = new WorkerState(env);
  }

  /** Handles one command; resolves when its work (for startRun / resumeRun: the training stretch) has ended. */
  async handle(cmd: WorkerCommand): Promise<void> {
    const s = this.state;
    // Messages are the page's, but a message that is not a command object must still be answered, not thrown away
    // inside the worker as an unhandled rejection.
    if (typeof cmd !== 'object' || cmd === null || typeof (cmd as { type?: unknown }).type !== 'string') {
      s.post(errorEvent(new WorkerError('internal', `the worker received a message that is not a command: ${describeMessage(cmd)}`, 'The page and the worker are from different versions: reload the page.')));
      return;
    }
    switch (cmd.type) {
      case 'pause':
      case 'stop':
        if (s.run?.isActive) {
          if (cmd.type === 'pause') s.run.pause();
          else s.run.stop();
        } else s.post({ type: 'log', level: 'info', message: `${cmd.type}: no run is training` });
        return;
      case 'checkpoint':
        // The page is being hidden or closed: keep what was trained so far resumable (a no-op without a live run).
        if (s.run?.isActive) s.run.requestCheckpoint();
        return;
      case 'abort':
        this.inFlight.get(cmd.requestId)?.abort();
        return;
      case 'init':
        return this.request(cmd, () => s.setupLock.run(() => init(s, cmd)));
      case 'loadModel':
        return this.request(cmd, (signal) => s.setupLock.run(async () => void (await loadModelInto(s, cmd.source, cmd.requestId, signal, true))));
      case 'loadDataset':
        return this.request(cmd, (signal) => s.setupLock.run(() => loadDatasetCommand(s, cmd, signal)));
      case 'startRun':
        return this.request(cmd, (signal) => startRun(s, cmd, signal), 'run');
      case 'resumeRun':
        return this.request(cmd, (signal) => resumeRun(s, cmd, signal), 'run');
      case 'generate':
        return this.request(cmd, (signal) => generateCommand(s, cmd, signal), 'partial');
      case 'refusalCheck':
        return this.request(cmd, (signal) => refusalCheckCommand(s, cmd, signal));
      case 'export':
        return this.request(cmd, () => exportCommand(s, cmd));
      case 'listRuns':
        return this.request(cmd, () => listRunsCommand(s, cmd));
      case 'runSeries':
        return this.request(cmd, () => runSeriesCommand(s, cmd));
      default:
        s.post(errorEvent(new WorkerError('internal', `unknown command ${JSON.stringify((cmd as { type?: unknown }).type)}`, 'The page and the worker are from different versions: reload the page.')));
    }
  }

  /**
   * Runs one request: `done` when it completes, `error` (with code, message, hint) when it throws. A request cut short
   * by an abort ends with error code 'aborted' — except a reply being generated ('partial': what was streamed stands,
   * `done`) and a run ('run': abort pauses it, and the request ends when it has paused).
   */
  private async request(cmd: WorkerCommand & { requestId: string }, work: (signal: AbortSignal) => Promise<void>, onAbort: 'error' | 'partial' | 'run' = 'error'): Promise<void> {
    const { requestId } = cmd;
    if (typeof requestId !== 'string' || requestId === '' || this.inFlight.has(requestId)) {
      // Answered without the id: an id in use belongs to the request already running, whose one `done` / `error` is
      // still to come (PROTOCOL-NOTES.md), and a missing one has nothing to answer.
      this.post(errorEvent(new WorkerError('internal', `request id ${JSON.stringify(requestId)?.slice(0, 80)} is missing or already in use`, 'Give every request a fresh requestId.')));
      return;
    }
    const controller = new AbortController();
    this.inFlight.set(requestId, controller);
    try {
      checkCommandShape(cmd);
      await work(controller.signal); // work that finished before the abort took effect stands: done
      this.post({ type: 'done', requestId });
    } catch (e) {
      if (isAbortError(e) && onAbort === 'partial') this.post({ type: 'done', requestId });
      else this.post(errorEvent(e, requestId));
    } finally {
      this.inFlight.delete(requestId);
    }
  }

  private post(event: WorkerEvent): void {
    this.state.post(event);
  }
}

/** A received value for a message: its type and a short JSON rendering. */
function describeMessage(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return `${value === null ? 'null' : typeof value} ${text.slice(0, 80)}`;
}
