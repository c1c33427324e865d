/**
 * The training worker: the engine behind workers/protocol.ts. The page creates it as a module worker
 * (`new Worker(new URL('../workers/trainer.worker.ts', import.meta.url), { type: 'module' })`), posts WorkerCommands
 * and listens for WorkerEvents. All logic lives in WorkerHandler; this file only wires it to the worker's globals:
 * postMessage (file downloads are transferred, not copied) and OPFS for checkpoints and run records.
 */
/// <reference types="vite/client" />
import * as tf from '@tensorflow/tfjs';
import { MemoryFolderStore, type FolderStore } from '../engine/train/folder-store';
import { OpfsFolderStore, opfsAvailable } from './opfs-store';
import { WorkerHandler } from './handler';
import type { WorkerCommand, WorkerEvent } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

// tfjs's console warnings (e.g. "install tfjs-node") are noise in a worker.
tf.env().set('PROD', true);

/** OPFS where the browser has it; otherwise memory (runs then do not survive a reload, and the page is told). */
function storeFactory(): (folder: readonly string[]) => FolderStore {
  if (opfsAvailable()) return (folder) => new OpfsFolderStore(['safetune', ...folder]);
  const stores = new Map<string, MemoryFolderStore>();
  self.postMessage({ type: 'log', level: 'warn', message: 'this browser has no origin private file system: runs are kept in memory only and cannot be resumed after a reload' } satisfies WorkerEvent);
  return (folder) => {
    const key = folder.join('/');
    let store = stores.get(key);
    if (store === undefined) stores.set(key, (store = new MemoryFolderStore()));
    return store;
  };
}

const handler = new WorkerHandler({
  post: (event, transfer) => self.postMessage(event, transfer ?? []),
  openStore: storeFactory(),
  defaultAssetBase: new URL('/', self.location.href).href,
});

// Test builds only (e2e/device-loss.spec.ts): Vite replaces the flag with a constant, so a production build has no hook.
if (import.meta.env.VITE_SAFETUNE_TEST_HOOKS === '1') void import('./test-hooks').then((m) => m.installWorkerTestHooks(self, handler.state));

self.addEventListener('message', (e: MessageEvent<WorkerCommand>) => {
  void handler.handle(e.data);
});
