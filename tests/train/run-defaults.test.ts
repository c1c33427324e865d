import { describe, expect, test } from 'vitest';
import { runConfigFromFlags } from '../../cli/commands/train-options';
import { DEFAULT_RUN_CONFIG } from '../../engine/run/run-config';
import { batchShapeForModel, configForModel } from '../../engine/run/size-defaults';

// Every default in one place (issue 12): a CLI run with no flags is configured as the app's defaults for a model of
// the same size (SPF aside: opt-in with --spf); checkpoints every 25 steps by default in both (issue 14).

describe('run defaults', () => {
  test('a CLI run with no options gets the app’s configuration for a model of its size', () => {
    for (const parameters of [4e6, 135e6, 494e6, 1.1e9]) {
      const cli = runConfigFromFlags({}, batchShapeForModel(parameters), { anchors: undefined, probe: undefined });
      // One difference on purpose: SPF is opt-in on the command line (--spf), on by default in the app.
      expect(cli.spf.enabled).toBe(false);
      expect({ ...cli, spf: { ...cli.spf, enabled: DEFAULT_RUN_CONFIG.spf.enabled } }).toEqual(configForModel(DEFAULT_RUN_CONFIG, { parameters }));
    }
    const cli = runConfigFromFlags({}, batchShapeForModel(135e6), { anchors: undefined, probe: undefined });
    expect(cli.train.checkpointEvery).toBe(25);
    expect(cli.evalEvery).toBe(10);
    expect(cli.guard).toEqual({ enabled: true, driftThreshold: 0.5 });
  });

  test('--guard-drift sets or turns off the safety guard; flags given win over the size defaults', () => {
    const shape = batchShapeForModel(4e6);
    const none = { anchors: undefined, probe: undefined };
    expect(runConfigFromFlags({ 'guard-drift': '0.3' }, shape, none).guard).toEqual({ enabled: true, driftThreshold: 0.3 });
    expect(runConfigFromFlags({ 'guard-drift': 'off' }, shape, none).guard.enabled).toBe(false);
    expect(() => runConfigFromFlags({ 'guard-drift': '-1' }, shape, none)).toThrow(/--guard-drift must be a positive number or "off", got "-1"/);
    expect(runConfigFromFlags({ 'max-length': '100', 'checkpoint-every': '5' }, shape, none).train).toMatchObject({ maxLength: 100, batchSize: shape.batchSize, checkpointEvery: 5 });
  });

  test("SPF's k is at most the LoRA rank, as in the app: the default follows the rank down, a larger --spf-k is an error", () => {
    const shape = batchShapeForModel(4e6);
    const none = { anchors: undefined, probe: undefined };
    expect(runConfigFromFlags({ spf: true, 'lora-r': '2' }, shape, none).spf.k).toBe(2);
    expect(runConfigFromFlags({ spf: true }, shape, none).spf.k).toBe(4);
    expect(runConfigFromFlags({ spf: true, 'lora-r': '2', 'spf-k': '1' }, shape, none).spf.k).toBe(1);
    expect(() => runConfigFromFlags({ spf: true, 'lora-r': '2', 'spf-k': '4' }, shape, none)).toThrow(/^train: --spf-k 4 is more than the LoRA rank 2$/);
  });
});
