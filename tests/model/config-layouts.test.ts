import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { tinyHfConfig, type TinyArch } from '../../engine/model/tiny';
import { parseModelConfig } from '../../engine/model/config';
import { loadCausalLM } from '../../engine/model/load';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { openWeightShards } from '../../engine/weights/weight-shards';
import { referenceLogits, type RefTensor } from '../reference/llama-reference';

type Json = Record<string, unknown>;

/** The config transformers v5 writes for the same model: RoPE under `rope_parameters` (theta inside), `dtype`. */
function toV5(v4: Json): Json {
  const { rope_theta: theta, rope_scaling: scaling, torch_dtype: dtype, ...rest } = v4;
  const scalingFields = (scaling ?? { rope_type: 'default' }) as Json;
  return { ...rest, dtype, rope_parameters: { ...scalingFields, rope_theta: theta } };
}

function withConfig(files: Map<string, Uint8Array>, config: Json): MemoryFiles {
  const copy = new Map(files);
  copy.set('config.json', new TextEncoder().encode(JSON.stringify(config)));
  return new MemoryFiles(copy, 'v5 twin');
}

const IDS = [5, 117, 42, 300, 7, 256, 1, 99];

async function logitsOf(files: MemoryFiles): Promise<Float32Array> {
  const model = await loadCausalLM(files);
  const out = tf.tidy(() => model.logits(tf.tensor2d([IDS], [1, IDS.length], 'int32')));
  const values = (await out.data()) as Float32Array; // sync point
  out.dispose();
  model.dispose();
  return values;
}

describe.each(BACKENDS)('transformers v4 and v5 configs on %s', (backend) => {
  test.each(['llama3', 'qwen2'] as TinyArch[])('%s: the v5 layout gives the v4 twin\'s logits, and the reference\'s', async (arch) => {
    await setBackend(backend);
    const before = tf.memory().numTensors;
    const raw = tinyCheckpointFiles(arch, { seed: 3 });
    const v4 = JSON.parse(new TextDecoder().decode(raw.get('config.json'))) as Json;
    const v5 = toV5(v4);
    expect(v5['rope_theta']).toBeUndefined(); // the case that used to fall back to 10000 silently
    const a = await logitsOf(new MemoryFiles(raw, 'v4'));
    const b = await logitsOf(withConfig(raw, v5));
    expect(Array.from(b)).toEqual(Array.from(a));
    const all = await (await openWeightShards(new MemoryFiles(raw))).readAll();
    const weights = new Map<string, RefTensor>([...all].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
    const want = referenceLogits(v5, weights, IDS);
    let err = 0;
    let scale = 0;
    for (let i = 0; i < want.length; i++) {
      err = Math.max(err, Math.abs(b[i]! - want[i]!));
      scale = Math.max(scale, Math.abs(want[i]!));
    }
    expect(err).toBeLessThan(2e-4 * Math.max(1, scale));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('config keys that change the math are errors naming the key', () => {
  const base = tinyHfConfig('llama', 64);
  const message = (c: Json): string => {
    try {
      parseModelConfig(c);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  test.each(['linear', 'dynamic', 'yarn', 'longrope'])('rope type %s is rejected in both layouts', (type) => {
    const v4 = message({ ...base, rope_scaling: { rope_type: type, factor: 4 } });
    expect(v4).toContain('"rope_scaling.rope_type" is "' + type + '"');
    const legacy = message({ ...base, rope_scaling: { type, factor: 4 } });
    expect(legacy).toContain('"rope_scaling.type" is "' + type + '"');
    const v5 = message({ ...base, rope_theta: undefined, rope_parameters: { rope_type: type, rope_theta: 10000, factor: 4 } });
    expect(v5).toContain('"rope_parameters.rope_type" is "' + type + '"');
  });

  test('enabled sliding windows, other activations and disagreeing thetas are rejected', () => {
    expect(message({ ...base, use_sliding_window: true, sliding_window: 4096 })).toContain('"use_sliding_window" is true');
    expect(message({ ...base, layer_types: ['full_attention', 'sliding_attention'] })).toContain('"layer_types" [1] is "sliding_attention"');
    expect(message({ ...base, hidden_act: 'gelu' })).toContain('"hidden_act" is "gelu"');
    expect(message({ ...base, rope_theta: 500000, rope_parameters: { rope_type: 'default', rope_theta: 10000 } })).toContain('disagree');
    expect(message({ ...base, rope_scaling: { rope_type: 'llama3', factor: 8 } })).toContain('"rope_scaling.low_freq_factor"');
    expect(message({ ...base, partial_rotary_factor: 0.5 })).toContain('"partial_rotary_factor"');
    expect(message({ ...base, dtype: 'int8' })).toContain('"dtype" is "int8"');
  });

  test('rope_scaling and rope_parameters of one type must agree in every field both give', () => {
    const llama3 = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    const both = (v4: Json, v5: Json): string => message({ ...base, rope_theta: undefined, rope_scaling: v4, rope_parameters: { ...v5, rope_theta: 500000 } });
    expect(both(llama3, { ...llama3, factor: 32 })).toContain('"rope_scaling.factor" (8) and "rope_parameters.factor" (32) disagree');
    expect(both({ ...llama3, type: 'llama3', rope_type: undefined }, { ...llama3, original_max_position_embeddings: 4096 })).toContain(
      '"rope_scaling.original_max_position_embeddings" (8192) and "rope_parameters.original_max_position_embeddings" (4096) disagree',
    );
    expect(both(llama3, { ...llama3, rope_type: 'default' })).toContain('disagree');
    // The same values (v5 adds rope_theta inside rope_parameters; the legacy "type" key names the same type): accepted.
    expect(both(llama3, llama3)).toBe('no error');
    expect(both({ ...llama3, rope_type: undefined, type: 'llama3' }, llama3)).toBe('no error');
  });

  test('what the released configs carry is accepted', () => {
    // Qwen2.5 ships sliding_window with use_sliding_window false; v5 writes layer_types of full attention.
    expect(() => parseModelConfig({ ...base, use_sliding_window: false, sliding_window: 32768, max_window_layers: 21 })).not.toThrow();
    expect(() => parseModelConfig({ ...base, layer_types: ['full_attention', 'full_attention'], dtype: 'bfloat16' })).not.toThrow();
    expect(parseModelConfig({ ...base, rope_theta: undefined, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }).ropeTheta).toBe(1e6);
  });
});
