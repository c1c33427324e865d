import type { WorkerCommand, WorkerEvent } from '../workers/protocol';

/**
 * The page's tiny typed bridge to the training worker: each long command gets a request id and a promise that
 * settles on that id's `done` (resolve) or `error` (reject); the events in between go to the caller's `onEvent`.
 * Events that belong to no request (metrics, run status, logs, unattributed errors) go to `subscribe`rs. An
 * AbortSignal sends `abort` to the worker and rejects at once; whatever the worker still sends for that id is dropped.
 */

/** What the client needs of a Worker: a real `Worker` fits, and so does one end of a MessageChannel in tests. */
export interface WorkerPort {
  postMessage(message: WorkerCommand, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerEvent>) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
}

type LongCommand = Extract<WorkerCommand, { requestId: string }>;
/** A long command as callers write it: the client assigns the id. */
export type RequestOf<C = Exclude<LongCommand, { type: 'abort' }>> = C extends unknown ? Omit<C, 'requestId'> : never;
/** Commands with no reply (pause, stop). */
export type SignalCommand = Exclude<WorkerCommand, { requestId: string }>;
/** An event that carries a request id. */
export type RequestEvent = Extract<WorkerEvent, { requestId: string }>;

export interface RequestOptions {
  onEvent?: (event: RequestEvent) => void;
  signal?: AbortSignal;
  /** Buffers to move, not copy, to the worker (a dataset's bytes). */
  transfer?: Transferable[];
}

/** An error the worker reported (or the bridge itself: an abort, a crashed worker), with what the user can do. */
export class WorkerError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'WorkerError';
    this.code = code;
    this.hint = hint;
  }
}

interface Pending {
  events: RequestEvent[];
  onEvent: ((event: RequestEvent) => void) | undefined;
  resolve: (events: RequestEvent[]) => void;
  reject: (error: WorkerError) => void;
}

export class WorkerClient {
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(event: WorkerEvent) => void>();
  private nextId = 1;

  constructor(private readonly port: WorkerPort) {
    port.addEventListener('message', (e) => this.receive(e.data));
    port.addEventListener('error', (e) => this.crashed(e));
  }

  /** Sends a long command; resolves with every event the worker sent for it once it is `done`. */
  request(command: RequestOf, options: RequestOptions = {}): Promise<RequestEvent[]> {
    const requestId = `r${this.nextId++}`;
    const { signal, onEvent, transfer = [] } = options;
    if (signal?.aborted) return Promise.reject(aborted(command.type));
    return new Promise<RequestEvent[]>((resolve, reject) => {
      const settle = () => {
        this.pending.delete(requestId);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        settle();
        this.port.postMessage({ type: 'abort', requestId }, []);
        reject(aborted(command.type));
      };
      this.pending.set(requestId, {
        events: [],
        onEvent,
        resolve: (events) => {
          settle();
          resolve(events);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      signal?.addEventListener('abort', onAbort);
      // The id is added here, so a caller cannot reuse one by mistake.
      this.port.postMessage({ ...command, requestId } as LongCommand, transfer);
    });
  }

  /** Sends a command that has no reply (pause, stop): its effect arrives as `runStatus` events. */
  send(command: SignalCommand): void {
    this.port.postMessage(command, []);
  }

  /** Listens to events no request owns; returns the unsubscribe function. */
  subscribe(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private receive(event: WorkerEvent): void {
    const owner = 'requestId' in event && event.requestId !== undefined ? this.pending.get(event.requestId) : undefined;
    if (owner === undefined) {
      // Unattributed, or for a request already aborted: an error for a dead request is dropped, the rest broadcast.
      if ('requestId' in event && event.requestId !== undefined && (event.type === 'error' || event.type === 'done')) return;
      for (const listener of this.listeners) listener(event);
      return;
    }
    if (event.type === 'done') owner.resolve(owner.events);
    else if (event.type === 'error') owner.reject(new WorkerError(event.code, event.message, event.hint));
    else {
      const attributed = event as RequestEvent;
      owner.events.push(attributed);
      owner.onEvent?.(attributed);
    }
  }

  private crashed(e: ErrorEvent): void {
    const error = new WorkerError(
      'worker-crashed',
      `The training worker stopped: ${e.message || 'it failed to start or threw outside a command'}.`,
      'Reload the page. If it happens again, open the browser console and report the first error shown there.',
    );
    for (const p of [...this.pending.values()]) p.reject(error);
    for (const listener of this.listeners) listener({ type: 'error', code: error.code, message: error.message, hint: error.hint });
  }
}

function aborted(what: string): WorkerError {
  return new WorkerError('aborted', `${what} was cancelled.`);
}

/** The one event of a type among a request's events, or an error saying the worker broke the protocol. */
export function eventOfType<T extends RequestEvent['type']>(events: readonly RequestEvent[], type: T): Extract<RequestEvent, { type: T }> {
  const found = events.find((e): e is Extract<RequestEvent, { type: T }> => e.type === type);
  if (found === undefined) {
    throw new WorkerError('protocol', `The worker finished without sending '${type}'.`, 'Reload the page; this is a bug in SafeTune.');
  }
  return found;
}
