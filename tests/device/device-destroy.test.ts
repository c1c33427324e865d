import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, test } from 'vitest';
import { clearGpuFault, destroyGpuDevice, gpuFault, GpuFault, watchGpuDevice } from '../../engine/device/gpu-faults';
import { loadTrainState } from '../../engine/train/train-state';
import { uninstallNodeWebGPU } from '../../node-host/node-webgpu';
import { setBackend } from '../helpers/backend';
import { tinyRunSetup } from './helpers/tiny-run';

// Real WebGPU devices (Dawn over lavapipe) destroyed under a training run: a destroy SafeTune did not ask for is a
// device-lost fault, the run pauses at its last good checkpoint, nothing is written after a faulted step, and the run
// resumes from that checkpoint. Destroying tfjs's device ends WebGPU for this file: the tests run in this order.

function tfjsDevice(): GPUDevice {
  return (tf.backend() as unknown as { device: GPUDevice }).device;
}

/** Lets Dawn deliver what it has queued (device.lost, uncaptured errors): they arrive as tasks, not at once. */
function deliverDeviceEvents(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}

afterAll(() => uninstallNodeWebGPU());

describe('a WebGPU device destroyed or failing under a run', () => {
  test('a fault the device reports while a checkpoint reads the adapter back stops the save before any file is written', async () => {
    await setBackend('webgpu');
    clearGpuFault();
    const device = tfjsDevice();
    // Step 4 (a checkpoint step) has run and its loss was read; the next task on the model is its checkpoint's
    // read-back of adapter and moments. The device reports an uncaptured validation error just as that read-back
    // finishes: the numbers came back, but the save must stop before writing anything.
    let armed = false;
    const t = await tinyRunSetup(
      { maxSteps: 6, checkpointEvery: 2 },
      (steps) => (armed ||= steps.includes(4)),
      () => {
        if (!armed) return;
        armed = false;
        device.createBuffer({ size: 16, usage: 0 }); // invalid (usage 0): Dawn reports it as an uncaptured error
      },
    );
    const run = await t.start();
    const error = await run.train().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuFault);
    expect((error as GpuFault).kind).toBe('validation');
    expect(t.record).toMatchObject({ status: 'paused', checkpointStep: 2 });
    expect((await loadTrainState(t.folder.trainStates('plain')))?.position.step).toBe(2);
    await run.dispose();
    t.model.dispose();
    clearGpuFault();
  });

  test('device.destroy() by someone else mid-run is a device-lost fault: the run pauses at its last checkpoint, which resumes', async () => {
    await setBackend('webgpu');
    clearGpuFault();
    const device = tfjsDevice();
    // Destroyed right after step 3 (checkpointEvery 2: the last checkpoint is step 2); step 4 runs on a dead device.
    const t = await tinyRunSetup({ maxSteps: 6, checkpointEvery: 2 }, (steps) => {
      if (steps.includes(3)) device.destroy();
    });
    const run = await t.start();
    const error = await run.train().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuFault);
    expect((error as GpuFault).kind).toBe('device-lost');
    expect((error as GpuFault).message).toMatch(/^WebGPU device lost: .*destroyed by a call SafeTune did not make/);
    expect(gpuFault()).toBe(error);
    expect(t.record).toMatchObject({ status: 'paused', checkpointStep: 2 });
    expect(t.record.reason).toMatch(/resume continues from step 2$/);
    const saved = await loadTrainState(t.folder.trainStates('plain')); // sizes and SHA-256 verified
    expect(saved?.position.step).toBe(2);
    expect([...saved!.adapter.modules.values()].every((m) => m.A.every(Number.isFinite) && m.B.every(Number.isFinite))).toBe(true);
    await run.dispose();

    // Resume on a fresh backend (tfjs-cpu: the destroyed device is gone for this process) from the same folder.
    await setBackend('cpu');
    clearGpuFault();
    const resumed = await t.resume();
    expect(resumed.record.checkpointStep).toBe(2);
    await expect(resumed.train()).resolves.toBe('done');
    expect(resumed.record).toMatchObject({ status: 'done', checkpointStep: 6 });
    expect(resumed.record.series.metrics.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(resumed.record.series.metrics.every((p) => Number.isFinite(p.loss))).toBe(true);
    await resumed.dispose();
    t.model.dispose();
  });

  test('a read-back rejected by the lost device before its loss is reported still pauses the run, not fails it', async () => {
    // Chromium's order: destroy() first rejects the pending mapAsync ("Buffer was unmapped before mapping was
    // resolved", an AbortError), and resolves device.lost a moment later. The run must wait for that report.
    await setBackend('cpu');
    clearGpuFault();
    const device = await (await navigator.gpu.requestAdapter())!.requestDevice();
    watchGpuDevice(device);
    let armed = false;
    const t = await tinyRunSetup(
      { maxSteps: 6, checkpointEvery: 2 },
      (steps) => (armed ||= steps.includes(3)),
      () => {
        if (!armed) return;
        armed = false;
        // Dawn resolves `lost` within destroy(); Chromium reports it in a later task: destroyed 30 ms after the throw.
        setTimeout(() => device.destroy(), 30);
        throw new DOMException("Failed to execute 'mapAsync' on 'GPUBuffer': Buffer was unmapped before mapping was resolved.", 'AbortError');
      },
    );
    const run = await t.start();
    const error = await run.train().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuFault);
    expect((error as GpuFault).kind).toBe('device-lost');
    expect(t.record).toMatchObject({ status: 'paused', checkpointStep: 2 });
    await run.dispose();
    t.model.dispose();
    clearGpuFault();
  });

  test('only a device SafeTune destroys itself (destroyGpuDevice) is lost without a fault', async () => {
    const newDevice = async (): Promise<GPUDevice> => (await navigator.gpu.requestAdapter())!.requestDevice(); // an adapter gives one device
    clearGpuFault();
    const ours = await newDevice();
    watchGpuDevice(ours);
    destroyGpuDevice(ours);
    expect((await ours.lost).reason).toBe('destroyed');
    await deliverDeviceEvents();
    expect(gpuFault()).toBeUndefined();

    const theirs = await newDevice();
    watchGpuDevice(theirs);
    theirs.destroy();
    await theirs.lost;
    await deliverDeviceEvents();
    expect(gpuFault()?.kind).toBe('device-lost');
    clearGpuFault();
  });
});
