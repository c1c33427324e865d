import { WorkerClient, type WorkerPort } from '../../app/worker-client';
import type { WorkerCommand, WorkerEvent } from '../../workers/protocol';

/**
 * A WorkerClient talking over a real MessageChannel (structured clone, asynchronous delivery, as with a Worker) to a
 * peer that plays the worker's side of the protocol from a script given by the test.
 */
export function scriptedWorker(onCommand: (command: WorkerCommand, reply: (event: WorkerEvent) => void) => void) {
  const channel = new MessageChannel();
  const received: WorkerCommand[] = [];
  const reply = (event: WorkerEvent) => channel.port2.postMessage(event);
  channel.port2.addEventListener('message', (e: MessageEvent<WorkerCommand>) => {
    received.push(e.data);
    onCommand(e.data, reply);
  });
  channel.port2.start();
  const port = channel.port1;
  const errorListeners: ((e: ErrorEvent) => void)[] = [];
  const worker: WorkerPort = {
    postMessage: (m, t) => port.postMessage(m, t),
    addEventListener: ((type: 'message' | 'error', listener: (e: never) => void) => {
      if (type === 'error') errorListeners.push(listener as (e: ErrorEvent) => void);
      else port.addEventListener('message', listener as (e: MessageEvent) => void);
    }) as WorkerPort['addEventListener'],
  };
  const client = new WorkerClient(worker);
  port.start();
  return {
    client,
    received,
    reply,
    crash: (message: string) => errorListeners.forEach((l) => l({ message } as ErrorEvent)),
    close: () => {
      port.close();
      channel.port2.close();
    },
  };
}

export const settle = () => new Promise((r) => setTimeout(r, 20));
