import type { Timers } from '../engine/run/metrics-batcher';
import type { WorkerEvent } from './protocol';
import type { StoreFactory } from './run-storage';

/**
 * What the message handler needs from where it runs. The worker entry passes the worker's postMessage, OPFS and its
 * own origin; tests pass a collecting sink, memory stores and a local HTTP server's address.
 */
export interface WorkerEnv {
  /** Sends one event to the page; `transfer` lists buffers to move rather than copy (a file's bytes). */
  post(event: WorkerEvent, transfer?: Transferable[]): void;
  /** Opens the checkpoint / run store of a folder. */
  openStore: StoreFactory;
  /** URL of the site's public/ folder when `init` names none. */
  defaultAssetBase: string;
  timers?: Timers;
}
