import { expect, test } from 'vitest';
import { REAL_SHAPES } from '../../cli/real-shapes';
import { parseModelConfig } from '../../engine/model/config';
import { expectedTensors } from '../../engine/model/base-weights';
import { expectShapeMatchesReference } from '../helpers/real-shape';

/**
 * Qwen3-0.6B at its exact widths with one layer instead of 28: head_dim 128 with hidden 1024 and 16 heads (so q_proj
 * is [2048, 1024], not square, and o_proj [1024, 2048]), q_norm / k_norm over each 128-wide head, and a tied
 * 151,936 × 1024 embedding — 622 MB in float32, split into vocabulary chunks under lavapipe's 128 MiB binding.
 */
const QWEN3_06B_ONE_LAYER = { ...REAL_SHAPES['qwen3-0.6b'], num_hidden_layers: 1 };

const IDS = [151643, 9707, 11, 1879, 0, 151935];

test('Qwen3-0.6B shape on WebGPU: head_dim 128 ≠ hidden / heads, q/k norms, chunked embedding; logits and loss match the reference', async () => {
  const config = parseModelConfig(QWEN3_06B_ONE_LAYER);
  expect([config.headDim, config.hiddenSize / config.numHeads, config.qkNorm]).toEqual([128, 64, true]);
  const tensors = expectedTensors(config);
  expect(tensors.get('model.layers.0.self_attn.q_proj.weight')).toEqual([2048, 1024]);
  expect(tensors.get('model.layers.0.self_attn.o_proj.weight')).toEqual([1024, 2048]);
  expect(tensors.get('model.layers.0.self_attn.q_norm.weight')).toEqual([128]);
  console.log(await expectShapeMatchesReference('qwen3-0.6b', QWEN3_06B_ONE_LAYER, IDS));
}, 300_000); // ~2 GFLOP of lm_head on a software GPU, and a 622 MB upload
