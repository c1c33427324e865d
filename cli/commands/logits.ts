import { CLI_BACKENDS, DEFAULT_CLI_BACKEND } from '../../node-host/backend';
import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from '../../engine/errors';
import { oneOf, parseCommandArgs, requireString } from '../../node-host/args';
import { loadCliModel } from '../load';

/** Prints {"shape":[T,V],"logits":[...]} for one sequence of token ids, and nothing else, on stdout. */
export async function logitsCommand(argv: string[]): Promise<void> {
  const v = parseCommandArgs('logits', argv, { model: { type: 'string' }, adapter: { type: 'string' }, ids: { type: 'string' }, backend: { type: 'string' } });
  const idsText = requireString('logits', v, 'ids');
  const ids = idsText.split(',').map((s) => s.trim());
  if (ids.some((s) => !/^\d+$/.test(s))) throw new SafeTuneError('bad-argument', `logits: --ids must be comma-separated token ids, got "${idsText}"`);
  const backend = oneOf('logits', v, 'backend', CLI_BACKENDS, DEFAULT_CLI_BACKEND);
  const { model } = await loadCliModel(requireString('logits', v, 'model'), v['adapter'] as string | undefined, backend);
  const vocab = model.config.vocabSize;
  const numeric = ids.map(Number);
  const bad = numeric.find((id) => id >= vocab);
  if (bad !== undefined) throw new SafeTuneError('bad-argument', `logits: token id ${bad} is outside the vocabulary (size ${vocab})`);
  const input = tf.tensor2d(Int32Array.from(numeric), [1, numeric.length], 'int32');
  const logits = model.logits(input);
  input.dispose();
  const values = await logits.data(); // sync point
  logits.dispose();
  model.dispose();
  process.stdout.write(JSON.stringify({ shape: [numeric.length, vocab], logits: Array.from(values) }) + '\n');
}
