/**
 * One worker process of `npm run experiment` (pool.ts forks it): selects the run's tfjs backend, opens a UnitRunner
 * and runs the units the parent sends, one at a time, sending back each result and every log line.
 */
import { SafeTuneError } from '../../engine/errors';
import type { BackendName } from '../../engine/backend';
import { selectCliBackend } from '../../node-host/backend';
import type { FromWorker, ToWorker } from './pool';
import { UnitRunner } from './units';

const reply = (m: FromWorker): void => void process.send!(m);
const log = (line: string): void => reply({ type: 'log', line });
const describe = (e: unknown): string => (e instanceof SafeTuneError ? e.describe() : e instanceof Error ? (e.stack ?? e.message) : String(e));

let runner: UnitRunner | undefined;
let work = Promise.resolve();

process.on('message', (raw) => {
  const m = raw as ToWorker;
  // one message at a time, in order: a unit never starts before the runner is open
  work = work.then(async () => {
    try {
      if (m.type === 'init') {
        await selectCliBackend(m.settings.backend as BackendName);
        runner = await UnitRunner.open(m.root, m.settings);
        reply({ type: 'ready' });
      } else if (m.type === 'run') {
        reply({ type: 'result', result: await runner!.run(m.unit, log) });
      } else {
        runner?.dispose();
        process.disconnect();
      }
    } catch (e) {
      reply({ type: 'error', message: describe(e) });
      process.exitCode = 1;
      process.disconnect();
    }
  });
});
