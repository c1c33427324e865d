import { test } from 'vitest';
import { REAL_SHAPES } from '../../cli/real-shapes';
import { expectShapeMatchesReference } from '../helpers/real-shape';

/**
 * Qwen2.5-0.5B's exact embedding (151,936 × 896, tied, 544 MB in float32 — over lavapipe's 128 MiB storage binding)
 * and attention / MLP widths, with one layer instead of 24 so the test stays fast. On WebGPU through Dawn the
 * embedding must be split by vocabulary and the logits and loss still match the float64 reference.
 */
const QWEN25_05B_ONE_LAYER = { ...REAL_SHAPES['qwen2.5-0.5b'], num_hidden_layers: 1 };

const IDS = [151643, 9707, 11, 1879, 0, 151935];

test('Qwen2.5-0.5B embedding shape on WebGPU: split within the binding limit, logits and loss match the reference', async () => {
  console.log(await expectShapeMatchesReference('qwen2.5-0.5b', QWEN25_05B_ONE_LAYER, IDS));
}, 300_000); // ~2 GFLOP of lm_head on a software GPU, and a 544 MB upload
