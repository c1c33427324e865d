/**
 * `npx tsx scripts/demo/measure-card.ts [--model DIR]`
 *
 * The model card's evaluation of a model folder that `npm run build:demo` wrote, with today's evaluation code, printed
 * as JSON — without training it again (eval/measure-folder.ts). A model built before a card section existed — the
 * shipped one, before the held-out framings — is measured on it; the numbers its card already has come out the same.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { measureFolder } from './eval/measure-folder';
import { fullBuildOptions } from './options';
import { selectWasmBackend } from './train/wasm-backend';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const { values } = parseArgs({ options: { model: { type: 'string' } }, strict: true });
const modelDir = values.model ?? join(ROOT, 'public/models/safetune-demo');
tf.env().set('PROD', true);
await selectWasmBackend(); // the build's evaluation backend: the same greedy replies as its card
const { seed, metrics } = await measureFolder(modelDir, fullBuildOptions(ROOT).advbenchPath);
process.stdout.write(JSON.stringify({ model: modelDir, seed, metrics }, null, 2) + '\n');
