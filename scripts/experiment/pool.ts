import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ExperimentSettings } from './settings';
import { UnitRunner, type Unit, type UnitResult } from './units';

/** Messages between the experiment and a worker process (unit-worker.ts). */
export type ToWorker = { type: 'init'; root: string; settings: ExperimentSettings } | { type: 'run'; unit: Unit } | { type: 'exit' };
export type FromWorker = { type: 'ready' } | { type: 'log'; line: string } | { type: 'result'; result: UnitResult } | { type: 'error'; message: string };

const WORKER = fileURLToPath(new URL('./unit-worker.ts', import.meta.url));

/**
 * Runs every unit and returns their results by unit id. With `jobs` = 1 in this process; otherwise in `jobs` worker
 * processes, each with its own model and tfjs backend (the wasm backend computes on one thread, so one process per
 * core is how the run uses the machine). Units are handed out longest first, one at a time, to whichever worker is
 * free. A unit's result does not depend on which process runs it: each starts from the base model with its own seed.
 */
export async function runUnits(root: string, settings: ExperimentSettings, units: readonly Unit[], jobs: number, log: (s: string) => void, onResult: (r: UnitResult) => void): Promise<void> {
  if (jobs <= 1) {
    const runner = await UnitRunner.open(root, settings);
    try {
      for (const unit of units) onResult(await runner.run(unit, log));
    } finally {
      runner.dispose();
    }
    return;
  }
  const queue = [...units];
  const workers: ChildProcess[] = [];
  try {
    await Promise.all(
      Array.from({ length: Math.min(jobs, units.length) }, (_, w) => {
        const child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
        workers.push(child);
        child.stdout?.pipe(process.stderr); // never onto the parent's stdout: --json owns it
        return serve(child, w + 1, root, settings, queue, log, onResult);
      }),
    );
  } finally {
    for (const child of workers) if (child.exitCode === null) child.kill();
  }
}

/** Feeds one worker from the shared queue until it is empty; rejects on the worker's first error or early exit. */
function serve(child: ChildProcess, n: number, root: string, settings: ExperimentSettings, queue: Unit[], log: (s: string) => void, onResult: (r: UnitResult) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const send = (m: ToWorker): void => void child.send(m);
    const next = (): void => {
      const unit = queue.shift();
      if (unit === undefined) {
        send({ type: 'exit' });
        resolve();
      } else send({ type: 'run', unit });
    };
    child.on('message', (raw) => {
      const m = raw as FromWorker;
      if (m.type === 'log') log(`[${n}] ${m.line}`);
      else if (m.type === 'ready') next();
      else if (m.type === 'result') {
        onResult(m.result);
        next();
      } else reject(new Error(`experiment worker ${n}: ${m.message}`));
    });
    child.on('exit', (code, signal) => {
      if (queue.length > 0 || code !== 0) reject(new Error(`experiment worker ${n} exited (${signal ?? `code ${code}`}) with ${queue.length} units left`));
    });
    send({ type: 'init', root, settings });
  });
}
