import { afterEach, expect, test } from 'vitest';
import { clearGpuFault, gpuFault, GpuFault } from '../../engine/device/gpu-faults';
import { tinyRun } from '../train/helpers/tiny-run';

afterEach(() => clearGpuFault()); // the fault is the process's; later tests start without one

// tfjs-wasm with its 4 GiB full aborts ("Aborted()"): the run must pause at its last checkpoint, as on a lost GPU,
// with a message that names the memory, not end as failed with emscripten's bare text.
test('a WebAssembly abort in a step pauses the run at its last checkpoint with a message naming the memory', async () => {
  const r = await tinyRun({ maxSteps: 6, checkpointEvery: 2 });
  const run = await r.start();
  let aborted = false;
  r.setOnMetrics((steps) => {
    // Once, inside the step's reporting, as the dead module's first call would; the pause's own flush then passes.
    if (aborted || !steps.includes(3)) return;
    aborted = true;
    throw new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
  });
  const thrown = await run.train().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(thrown).toBeInstanceOf(GpuFault);
  const fault = thrown as GpuFault;
  expect(fault.kind).toBe('wasm-abort');
  expect(fault.message).toBe('WebAssembly backend aborted: tfjs-wasm stopped (Aborted())'); // tfjs-cpu here: no heap to report
  expect(fault.hint).toMatch(/capped at 4 GiB.*--backend webgpu.*resumes from its last checkpoint/);
  expect(gpuFault()).toBe(fault); // recorded: every later command sees it
  const record = await r.folder.readRecord();
  expect(record).toMatchObject({ status: 'paused', checkpointStep: 2 });
  expect(record?.reason).toMatch(/^WebAssembly backend aborted: .*; resume continues from step 2$/);
  await run.dispose();
});
