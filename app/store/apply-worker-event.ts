import type { WorkerEvent } from '../../workers/protocol';
import type { AppStore } from './app-store';

/**
 * Applies an event that belongs to no request to the store: metric batches, run status changes, log lines and
 * errors the worker could not attribute. (Events of a request are handled where the request was made.)
 */
export function applyWorkerEvent(store: AppStore, event: WorkerEvent): void {
  const s = store.getState();
  switch (event.type) {
    case 'metrics':
      if (event.replace === true) s.replaceSeries(event.runId, { points: event.points, evals: event.evals, accuracy: event.accuracy ?? [], samples: event.samples ?? [] });
      else s.appendMetrics(event.runId, event.points, event.evals);
      return;
    case 'runStatus':
      s.runStatusChanged(event.runId, event.status, event.step, event.totalSteps, event.reason);
      return;
    case 'tokenAccuracy':
      s.addAccuracy(event.runId, event.step, event.accuracy);
      return;
    case 'samples':
      s.addSamples(event.runId, event.generation);
      return;
    case 'log':
      s.pushLog(event.level, event.message);
      return;
    case 'error': {
      const error = { code: event.code, message: event.message, hint: event.hint };
      // An error nobody asked for while a run is live comes from the run (a lost device, out of memory).
      if (s.runStatus === 'running' || s.runStatus === 'paused') s.runFailed({ area: 'run', ...error });
      else s.pushError({ area: 'setup', ...error });
      return;
    }
    default:
      // A request's event arriving after its request ended (aborted): nothing to update.
      return;
  }
}
