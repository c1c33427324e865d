import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { probeWebGpu, type WebGpuReport } from './gpu/probeWebGpu';
import { Session } from './session';
import { SessionContext } from './session-context';
import { appStore } from './store/app-store';
import './styles.css';
import { WorkerClient } from './worker-client';

const container = document.getElementById('root');
if (container === null) {
  // index.html and this file ship together; if they disagree the build is broken, not the user's browser.
  throw new Error('SafeTune: #root is missing from index.html');
}

// One worker and one session for the page's lifetime, made here rather than in a component so that StrictMode's
// double-run effects cannot start a second engine.
const worker = new Worker(new URL('../workers/trainer.worker.ts', import.meta.url), { type: 'module', name: 'safetune-trainer' });
const session = new Session(new WorkerClient(worker), appStore);

createRoot(container).render(
  <StrictMode>
    <SessionContext.Provider value={session}>
      <App />
    </SessionContext.Provider>
  </StrictMode>,
);

// A tab being hidden or closed may never come back (a reload, a closed laptop, a killed tab): ask the live run for a
// checkpoint now, so the work since the last scheduled one survives. `pagehide` covers navigations; a hidden tab that
// is then discarded only ever sees `visibilitychange`.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') session.checkpointNow();
});
window.addEventListener('pagehide', () => session.checkpointNow());

// The capability check decides the backend: WebGPU when an adapter computes correctly, the CPU otherwise.
void probeWebGpu()
  .catch((e: unknown): WebGpuReport => ({ status: 'unavailable', reason: 'adapter-error', detail: `probe failed: ${String(e)}` }))
  .then((report) => {
    appStore.getState().setGpu(report);
    return session.start(report.status === 'available' && report.selfTest.ok ? 'webgpu' : 'cpu');
  });
