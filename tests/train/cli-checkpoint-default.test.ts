import { expect, test } from 'vitest';
import { runConfigFromFlags } from '../../cli/commands/train-options';
import { DEFAULT_RUN_CONFIG } from '../../engine/run/run-config';

// Issue 14: the CLI's default --checkpoint-every was 0, so kill -9 at step 6 of a default run lost everything. The
// default is now the app's: a checkpoint every 25 steps (and one on Ctrl-C, tests/train/cli-train.test.ts).

test('train without --checkpoint-every saves a checkpoint every 25 steps, as the app does', () => {
  const config = runConfigFromFlags({}, { batchSize: 2, gradAccum: 1, maxLength: 64 }, { anchors: undefined, probe: undefined });
  expect(config.train.checkpointEvery).toBe(25);
  expect(DEFAULT_RUN_CONFIG.train.checkpointEvery).toBe(25);
});

test('--checkpoint-every still sets it', () => {
  const config = runConfigFromFlags({ 'checkpoint-every': '5' }, { batchSize: 2, gradAccum: 1, maxLength: 64 }, { anchors: undefined, probe: undefined });
  expect(config.train.checkpointEvery).toBe(5);
});
