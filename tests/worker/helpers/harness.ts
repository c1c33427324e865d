import { expect } from 'vitest';
import { MemoryFolderStore } from '../../../engine/train/folder-store';
import { WorkerHandler } from '../../../workers/handler';
import type { Timers } from '../../../engine/run/metrics-batcher';
import type { WorkerCommand, WorkerEvent } from '../../../workers/protocol';

/** Memory stores by folder: what OPFS is in the browser. Shared by two handlers, they are "the same browser profile". */
export class MemoryStores {
  readonly folders = new Map<string, MemoryFolderStore>();

  open = (folder: readonly string[]): MemoryFolderStore => {
    const key = folder.join('/');
    let store = this.folders.get(key);
    if (store === undefined) this.folders.set(key, (store = new MemoryFolderStore()));
    return store;
  };
}

/** Every point goes out at once: a clock that jumps a second per reading, so the batcher's interval always elapsed. */
export function jumpingClock(): Timers {
  let t = 0;
  return { now: () => (t += 1000), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };
}

type Terminal = Extract<WorkerEvent, { type: 'done' } | { type: 'error' }>;

/**
 * The worker's message handler with a collecting postMessage: tests send commands and read the events, as the page
 * does. `onEvent` runs synchronously inside postMessage (to pause a run at a given step, say).
 */
export class WorkerHarness {
  readonly events: WorkerEvent[] = [];
  readonly handler: WorkerHandler;
  onEvent: ((event: WorkerEvent) => void) | undefined;

  constructor(assetBase: string, readonly stores: MemoryStores, timers?: Timers) {
    this.handler = new WorkerHandler({
      post: (event) => {
        this.events.push(event);
        this.onEvent?.(event);
      },
      openStore: stores.open,
      defaultAssetBase: assetBase,
      ...(timers ? { timers } : {}),
    });
  }

  /** Sends a command and waits for its handling to end; returns the events of its requestId, the terminal one last. */
  async send(cmd: WorkerCommand): Promise<WorkerEvent[]> {
    const from = this.events.length;
    await this.handler.handle(cmd);
    if (!('requestId' in cmd)) return [];
    return this.events.slice(from).filter((e) => 'requestId' in e && e.requestId === cmd.requestId);
  }

  /** Sends and expects `done`; fails the test with the error event otherwise. */
  async ok(cmd: WorkerCommand): Promise<WorkerEvent[]> {
    const events = await this.send(cmd);
    const last = events[events.length - 1];
    expect(last, `${cmd.type} ended with ${JSON.stringify(last)}`).toEqual({ type: 'done', requestId: (cmd as { requestId: string }).requestId });
    return events;
  }

  /** Sends and expects `error`; returns it. */
  async fails(cmd: WorkerCommand): Promise<Extract<WorkerEvent, { type: 'error' }>> {
    const events = await this.send(cmd);
    const last = events[events.length - 1] as Terminal | undefined;
    expect(last?.type, `${cmd.type} should fail, got ${JSON.stringify(last)}`).toBe('error');
    return last as Extract<WorkerEvent, { type: 'error' }>;
  }

  /** Events of one type, since the start. */
  all<T extends WorkerEvent['type']>(type: T): Extract<WorkerEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
  }

  /** Every request id got exactly one done / error. */
  expectOneTerminalPerRequest(requestIds: readonly string[]): void {
    for (const id of requestIds) {
      const terminals = this.events.filter((e) => (e.type === 'done' || e.type === 'error') && e.requestId === id);
      expect(terminals, `request ${id}`).toHaveLength(1);
    }
  }
}
