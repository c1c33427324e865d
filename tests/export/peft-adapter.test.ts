import { describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { readPeftAdapter, writePeftAdapter, peftAdapterFiles } from '../../engine/export/peft-adapter';
import { tinyModelConfig } from '../../engine/model/tiny';
import { LORA_TARGETS, type HostLoraWeights } from '../../engine/model/lora';
import { bf16BitsToF32, f32ToBf16Bits } from '../../engine/weights/dtype';
import { byteSourceFromBytes } from '../../engine/weights/byte-sources';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { readSafetensorsHeader } from '../../engine/weights/safetensors';
import { adapterFolder, peftTensors, plainConfig, randomHost } from './fixtures';

const model = tinyModelConfig('qwen3', 64); // head_dim 24 ≠ hidden / heads: q / o shapes differ from k / v and from hidden
const BASE = 'HuggingFaceTB/SmolLM2-135M';

function roundTrip(host: HostLoraWeights): Promise<HostLoraWeights> {
  return readPeftAdapter(new MemoryFiles(peftAdapterFiles(writePeftAdapter(host, BASE))));
}

async function rejection(promise: Promise<unknown>): Promise<SafeTuneError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SafeTuneError);
  return error as SafeTuneError;
}

describe('writePeftAdapter', () => {
  it('writes adapter_config.json with exactly the fields PEFT writes, as json.dumps(indent=2, sort_keys=True)', () => {
    const host = randomHost(model, { r: 4, alpha: 8, dropout: 0.05, useRslora: true }, 1);
    const written = writePeftAdapter(host, BASE);
    expect(JSON.parse(written.adapterConfigJson)).toEqual(written.adapterConfig);
    expect(written.adapterConfig).toStrictEqual({
      alpha_pattern: {},
      base_model_name_or_path: BASE,
      bias: 'none',
      fan_in_fan_out: false,
      inference_mode: true,
      init_lora_weights: true,
      layers_to_transform: null,
      lora_alpha: 8,
      lora_dropout: 0.05,
      modules_to_save: null,
      peft_type: 'LORA',
      r: 4,
      rank_pattern: {},
      revision: null,
      target_modules: ['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj'],
      task_type: 'CAUSAL_LM',
      use_dora: false,
      use_rslora: true,
    });
    // Python's own output for this dict (json.dumps(d, indent=2, sort_keys=True)), pasted verbatim.
    const python = `{
  "alpha_pattern": {},
  "base_model_name_or_path": "HuggingFaceTB/SmolLM2-135M",
  "bias": "none",
  "fan_in_fan_out": false,
  "inference_mode": true,
  "init_lora_weights": true,
  "layers_to_transform": null,
  "lora_alpha": 8,
  "lora_dropout": 0.05,
  "modules_to_save": null,
  "peft_type": "LORA",
  "r": 4,
  "rank_pattern": {},
  "revision": null,
  "target_modules": [
    "down_proj",
    "gate_proj",
    "k_proj",
    "o_proj",
    "q_proj",
    "up_proj",
    "v_proj"
  ],
  "task_type": "CAUSAL_LM",
  "use_dora": false,
  "use_rslora": true
}`;
    expect(written.adapterConfigJson).toBe(python);
  });

  it('escapes non-ASCII like Python json.dumps', () => {
    const host = randomHost(model, { r: 2, targets: ['q_proj'] }, 1);
    expect(writePeftAdapter(host, 'modèle/ü').adapterConfigJson).toContain('"base_model_name_or_path": "mod\\u00e8le/\\u00fc"');
  });

  it('writes F32 base_model.model.<module>.lora_A [r, in] / lora_B [out, r] with format pt metadata', async () => {
    const host = randomHost(model, { r: 4, targets: ['q_proj', 'down_proj'] }, 2);
    const file = await readSafetensorsHeader(byteSourceFromBytes('adapter_model.safetensors', writePeftAdapter(host, BASE).safetensors));
    expect(file.metadata).toEqual({ format: 'pt' });
    const shapes = Object.fromEntries([...file.tensors].map(([name, info]) => [name, [info.dtype, ...info.shape]]));
    expect(shapes).toEqual({
      'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': ['F32', 4, 64],
      'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': ['F32', 96, 4],
      'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight': ['F32', 4, 128],
      'base_model.model.model.layers.0.mlp.down_proj.lora_B.weight': ['F32', 64, 4],
      'base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight': ['F32', 4, 64],
      'base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight': ['F32', 96, 4],
      'base_model.model.model.layers.1.mlp.down_proj.lora_A.weight': ['F32', 4, 128],
      'base_model.model.model.layers.1.mlp.down_proj.lora_B.weight': ['F32', 64, 4],
    });
    const b = await file.read('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight');
    expect(b.data).toEqual(host.modules.get('model.layers.1.mlp.down_proj')!.B);
  });

  it('refuses incomplete, inconsistent or diverged weights', () => {
    const host = randomHost(model, { r: 4, targets: ['q_proj', 'v_proj'] }, 3);
    const incomplete = { config: host.config, modules: new Map(host.modules) };
    incomplete.modules.delete('model.layers.0.self_attn.v_proj');
    expect(() => writePeftAdapter(incomplete, BASE)).toThrow(/lacks layer 0 v_proj/);

    const diverged = randomHost(model, { r: 4, targets: ['q_proj'] }, 3);
    diverged.modules.get('model.layers.1.self_attn.q_proj')!.B[5] = NaN;
    expect(() => writePeftAdapter(diverged, BASE)).toThrow(/model\.layers\.1\.self_attn\.q_proj: B\[5\] is NaN/);

    const wrongRank = randomHost(model, { r: 4, targets: ['q_proj'] }, 3);
    wrongRank.config.r = 2;
    expect(() => writePeftAdapter(wrongRank, BASE)).toThrow(/rank r = 2 needs A \[2, in\]/);

    expect(() => writePeftAdapter(host, ' ')).toThrow(SafeTuneError);
  });
});

describe('readPeftAdapter', () => {
  it('reads back exactly what writePeftAdapter wrote', async () => {
    for (const lora of [{ r: 4, alpha: 8, dropout: 0.05, useRslora: true }, { r: 3, alpha: 5.5, dropout: 0, useRslora: false, targets: ['k_proj' as const, 'up_proj' as const] }]) {
      const host = randomHost(model, lora, 4);
      expect(await roundTrip(host)).toEqual(host);
    }
  });

  it('returns targets and modules in the canonical order whatever order they were given in', async () => {
    const host = randomHost(model, { r: 2, targets: ['down_proj', 'v_proj', 'q_proj'] }, 5);
    const read = await roundTrip(host);
    expect(read.config.targets).toEqual(['q_proj', 'v_proj', 'down_proj']);
    expect([...read.modules.keys()].slice(0, 3)).toEqual(['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', 'model.layers.0.mlp.down_proj']);
  });

  it('accepts BF16 and F16 tensors, widening them exactly', async () => {
    const host = randomHost(model, { r: 2, targets: ['o_proj'] }, 6);
    for (const dtype of ['BF16', 'F16'] as const) {
      const read = await readPeftAdapter(adapterFolder(plainConfig(host), peftTensors(host, { dtype })));
      const a = read.modules.get('model.layers.0.self_attn.o_proj')!.A;
      const want = host.modules.get('model.layers.0.self_attn.o_proj')!.A;
      if (dtype === 'BF16') expect(a).toEqual(want.map((v) => bf16BitsToF32(f32ToBf16Bits(v))));
      else for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - want[i]!)).toBeLessThanOrEqual(Math.abs(want[i]!) * 2 ** -11 + 2 ** -25);
      expect(a).not.toEqual(new Float32Array(a.length));
    }
  });

  it('accepts keys without the base_model.model. prefix and with the .default adapter name, as PEFT / transformers load them', async () => {
    const host = randomHost(model, { r: 2, targets: ['q_proj', 'gate_proj'] }, 7);
    const bare = await readPeftAdapter(adapterFolder(plainConfig(host), peftTensors(host, { rename: (k) => k.replace('base_model.model.', '') })));
    expect(bare).toEqual(host);
    const named = await readPeftAdapter(adapterFolder(plainConfig(host), peftTensors(host, { rename: (k) => k.replace('.weight', '.default.weight') })));
    expect(named).toEqual(host);
    const otherName = await rejection(readPeftAdapter(adapterFolder(plainConfig(host), peftTensors(host, { rename: (k) => k.replace('.weight', '.mine.weight') }))));
    expect(otherName.message).toMatch(/adapter_model\.safetensors in adapter folder test-adapter: holds 8 tensors that are not lora_A \/ lora_B/);
  });

  it('resolves target_modules by PEFT rules: list suffixes, full-match patterns, all-linear, exclude_modules, the default', async () => {
    const all = randomHost(model, { r: 2 }, 8);
    const qv = randomHost(model, { r: 2, targets: ['q_proj', 'v_proj'] }, 8);
    const cases: [unknown, unknown, HostLoraWeights][] = [
      ['all-linear', undefined, all],
      ['ALL-LINEAR', null, all],
      [['self_attn.q_proj', 'v_proj', 'c_attn'], undefined, qv], // c_attn matches nothing here and is ignored, as in PEFT
      ['.*\\.(q_proj|v_proj)', undefined, qv],
      ['model\\.layers\\.\\d+\\.self_attn\\.(q|v)_proj', undefined, qv],
      [[...LORA_TARGETS], ['k_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], qv],
      [null, undefined, qv], // PEFT's default for llama / qwen2 / qwen3
    ];
    for (const [targetModules, excludeModules, host] of cases) {
      const config = plainConfig(host, { target_modules: targetModules, exclude_modules: excludeModules });
      expect((await readPeftAdapter(adapterFolder(config, peftTensors(host)))).config.targets, JSON.stringify(targetModules)).toEqual(host.config.targets);
    }
  });

  it('checks layers and shapes against the base model when given', async () => {
    const host = randomHost(model, { r: 2, targets: ['k_proj'] }, 9);
    const files = new MemoryFiles(peftAdapterFiles(writePeftAdapter(host, BASE)));
    expect(await readPeftAdapter(files, model)).toEqual(host);
    const deeper = { ...model, numLayers: 3 };
    expect((await rejection(readPeftAdapter(files, deeper))).message).toMatch(/lacks 2 tensors "base_model\.model\.model\.layers\.2\.self_attn\.k_proj\.lora_A\.weight"/);
    const shallower = { ...model, numLayers: 1 };
    expect((await rejection(readPeftAdapter(files, shallower))).message).toMatch(/is for layer 1 but the base model has 1 layers/);
    const wider = { ...model, numKvHeads: 4 };
    const e = await rejection(readPeftAdapter(files, wider));
    expect(e.code).toBe('bad-adapter');
    expect(e.message).toMatch(/map 64 -> 48 features, but the base model maps 64 -> 96 for k_proj/);
  });
});

describe('readPeftAdapter bounds every per-layer loop by the model or by the file', () => {
  const host = randomHost(model, { r: 2, targets: ['q_proj'] }, 12);
  const lone = (layer: string) => [{ name: `base_model.model.model.layers.${layer}.self_attn.q_proj.lora_A.weight`, shape: [2, 64], data: new Float32Array(128), dtype: 'F32' as const }];

  for (const layer of ['3000000', '9007199254740990']) {
    it(`one tensor for layer ${layer} is an error naming it, at once (it used to build lists for every layer up to it)`, async () => {
      const e = await rejection(readPeftAdapter(adapterFolder(plainConfig(host), lone(layer))));
      expect(e.code).toBe('bad-adapter');
      expect(e.message).toBe(
        `adapter_model.safetensors in adapter folder test-adapter: tensor "base_model.model.model.layers.${layer}.self_attn.q_proj.lora_A.weight" is for layer ${layer}, but the file holds only 1 LoRA tensors, too few for layers 0 to ${layer}`,
      );
      const against = await rejection(readPeftAdapter(adapterFolder(plainConfig(host), lone(layer)), model));
      expect(against.message).toMatch(/is for layer \d+ but the base model has 2 layers/);
    });
  }

  it('a complete adapter whose deepest layer is past its tensor count: the same error', async () => {
    const tensors = peftTensors(host).map((t) => ({ ...t, name: t.name.replace('layers.1.', 'layers.4.') }));
    expect((await rejection(readPeftAdapter(adapterFolder(plainConfig(host), tensors)))).message).toMatch(/is for layer 4, but the file holds only 4 LoRA tensors/);
  });

  it('a model with more layers than the file has tensors fails before any per-layer list', async () => {
    const e = await rejection(readPeftAdapter(adapterFolder(plainConfig(host), peftTensors(host)), { ...model, numLayers: 1e9 }));
    expect(e.message).toMatch(/: holds 4 LoRA tensors \(layers 0 to 1 at most\), too few for the base model's 1000000000 layers/);
  });

  it('a missing layer in the middle is still listed by name', async () => {
    const three = randomHost({ ...model, numLayers: 3 }, { r: 2, targets: ['q_proj'] }, 13);
    const tensors = peftTensors(three).filter((t) => !t.name.includes('layers.1.'));
    expect((await rejection(readPeftAdapter(adapterFolder(plainConfig(three), tensors)))).message).toMatch(/lacks 2 tensors "base_model\.model\.model\.layers\.1\.self_attn\.q_proj\.lora_A\.weight"/);
  });
});

describe('readPeftAdapter rejects what it cannot apply faithfully', () => {
  const host = randomHost(model, { r: 2, targets: ['q_proj', 'v_proj'] }, 10);
  const tensors = peftTensors(host);

  const options: [string, Record<string, unknown>, RegExp][] = [
    ['another PEFT method', { peft_type: 'IA3' }, /peft_type "IA3", not "LORA"/],
    ['no peft_type', { peft_type: undefined }, /has no "peft_type"/],
    ['another task', { task_type: 'SEQ_CLS' }, /task_type "SEQ_CLS"/],
    ['DoRA', { use_dora: true }, /use_dora is true: DoRA/],
    ['rank_pattern', { rank_pattern: { q_proj: 4 } }, /rank_pattern is \{"q_proj":4\}/],
    ['alpha_pattern', { alpha_pattern: { 'model.layers.0.self_attn.q_proj': 32 } }, /alpha_pattern is/],
    ['fan_in_fan_out', { fan_in_fan_out: true }, /fan_in_fan_out is true/],
    ['trained biases', { bias: 'lora_only' }, /bias is "lora_only"/],
    ['lora_bias', { lora_bias: true }, /lora_bias is true/],
    ['layers_to_transform', { layers_to_transform: [0] }, /layers_to_transform is \[0\]/],
    ['modules_to_save', { modules_to_save: ['lm_head'] }, /modules_to_save is \["lm_head"\]/],
    ['a base-rewriting init', { init_lora_weights: 'pissa' }, /init_lora_weights is "pissa"/],
    ['embed_tokens target', { target_modules: ['q_proj', 'v_proj', 'embed_tokens'] }, /selects model\.embed_tokens, which SafeTune cannot adapt/],
    ['lm_head target', { target_modules: ['q_proj', 'v_proj', 'lm_head'] }, /selects lm_head, which SafeTune cannot adapt/],
    ['a pattern matching norms too', { target_modules: '.*' }, /target_modules ".\*" selects model, model\.embed_tokens, model\.layers and \d+ more/],
    ['a Python-only pattern', { target_modules: '(?P<m>q_proj)' }, /target_modules is the pattern "\(\?P<m>q_proj\)", which SafeTune cannot read/],
    ['a \\Z anchor', { target_modules: '.*q_proj\\Z' }, /cannot read/],
    ['a pattern for some layers', { target_modules: 'model\\.layers\\.0\\.self_attn\\.(q|v)_proj' }, /selects q_proj in layer 0 but not in 1/],
    ['a bare name as a pattern (PEFT full-matches it against module paths: nothing)', { target_modules: 'q_proj' }, /selects none of the projections/],
    ['targets of another architecture', { target_modules: ['c_attn', 'c_proj'] }, /selects none of the projections/],
    ['a non-integer rank', { r: 2.5 }, /r is 2\.5, not a positive integer/],
    ['dropout of 1', { lora_dropout: 1 }, /lora_dropout is 1/],
  ];
  for (const [what, overrides, message] of options) {
    it(`${what}, naming the option and adapter_config.json`, async () => {
      const e = await rejection(readPeftAdapter(adapterFolder(plainConfig(host, overrides), tensors)));
      expect(e.code).toBe('bad-adapter');
      expect(e.message).toMatch(/^adapter_config\.json in adapter folder test-adapter: /);
      expect(e.message).toMatch(message);
      expect(e.hint).toBeTruthy();
    });
  }

  it('invalid JSON', async () => {
    const files = new MemoryFiles({ 'adapter_config.json': new TextEncoder().encode('{"peft_type": "LORA",'), 'adapter_model.safetensors': new Uint8Array() });
    expect((await rejection(readPeftAdapter(files))).message).toMatch(/adapter_config\.json in files in memory: is not valid JSON/);
  });

  const tensorCases: [string, () => ReturnType<typeof peftTensors>, RegExp][] = [
    ['a missing tensor', () => tensors.filter((t) => !t.name.includes('layers.1.self_attn.v_proj.lora_B')), /lacks tensor "base_model\.model\.model\.layers\.1\.self_attn\.v_proj\.lora_B\.weight"/],
    [
      'an extra DoRA magnitude',
      () => [...tensors, { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector', shape: [96], data: new Float32Array(96), dtype: 'F32' }],
      /not lora_A \/ lora_B of a projection: "base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_magnitude_vector"/,
    ],
    [
      'an embedding adapter',
      () => [...tensors, { name: 'base_model.model.model.embed_tokens.lora_embedding_A', shape: [2, 64], data: new Float32Array(128), dtype: 'F32' }],
      /"base_model\.model\.model\.embed_tokens\.lora_embedding_A"/,
    ],
    [
      'a tensor for a projection target_modules leaves out',
      () => [...tensors, ...peftTensors(randomHost(model, { r: 2, targets: ['o_proj'] }, 11))],
      /holds "base_model\.model\.model\.layers\.0\.self_attn\.o_proj\.lora_A\.weight", .*"base_model\.model\.model\.layers\.1\.self_attn\.o_proj\.lora_B\.weight" for projections that its target_modules \(q_proj, v_proj\) do not include/,
    ],
    [
      'the same factor twice',
      () => [...tensors, { ...tensors[0]!, name: tensors[0]!.name.replace('base_model.model.', '') }],
      /tensors "base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight" and "model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight" are both lora_A/,
    ],
    [
      'a lora_A of another rank',
      () => tensors.map((t) => (t.name.endsWith('layers.1.self_attn.q_proj.lora_A.weight') ? { ...t, shape: [1, 128] } : t)),
      /tensor "base_model\.model\.model\.layers\.1\.self_attn\.q_proj\.lora_A\.weight" has shape \[1, 128\]; lora_A must be \[r, in\] with r = 2/,
    ],
    [
      'a lora_B of another rank',
      () => tensors.map((t) => (t.name.endsWith('layers.1.self_attn.v_proj.lora_B.weight') ? { ...t, shape: [24, 4] } : t)),
      /tensor "base_model\.model\.model\.layers\.1\.self_attn\.v_proj\.lora_B\.weight" has shape \[24, 4\]; lora_B must be \[out, r\] with r = 2/,
    ],
    [
      'a projection whose size differs between layers',
      () => tensors.map((t) => (t.name.includes('layers.1.self_attn.v_proj.lora_A') ? { ...t, shape: [2, 32], data: t.data.slice(0, 64) } : t)),
      /"base_model\.model\.model\.layers\.1\.self_attn\.v_proj\.lora_A\.weight" \[2, 32\] and .* map 32 -> 48 features, but "base_model\.model\.model\.layers\.0\.self_attn\.v_proj\.lora_A\.weight" \/ .* maps 64 -> 48 for v_proj/,
    ],
    [
      'NaN values',
      () => tensors.map((t, i) => (i === 3 ? { ...t, data: t.data.map((v, j) => (j === 7 ? NaN : v)) } : t)),
      /holds NaN at index 7/,
    ],
  ];
  for (const [what, make, message] of tensorCases) {
    it(`${what}, naming the tensor and adapter_model.safetensors`, async () => {
      const e = await rejection(readPeftAdapter(adapterFolder(plainConfig(host), make())));
      expect(e.code).toBe('bad-adapter');
      expect(e.message).toMatch(/^adapter_model\.safetensors in adapter folder test-adapter: /);
      expect(e.message).toMatch(message);
    });
  }

  it('a consistent shape change across layers is caught against the model', async () => {
    const wide = tensors.map((t) => (t.name.includes('v_proj.lora_B') ? { ...t, shape: [24, 2], data: t.data.slice(0, 48) } : t));
    expect(await readPeftAdapter(adapterFolder(plainConfig(host), wide))).toBeDefined(); // self-consistent on its own
    const e = await rejection(readPeftAdapter(adapterFolder(plainConfig(host), wide), model));
    expect(e.message).toMatch(/map 64 -> 24 features, but the base model maps 64 -> 48 for v_proj/);
  });

  it('missing files, and a pickle-only adapter', async () => {
    const written = peftAdapterFiles(writePeftAdapter(host, BASE));
    const noConfig = await rejection(readPeftAdapter(new MemoryFiles({ 'adapter_model.safetensors': written.get('adapter_model.safetensors')! })));
    expect(noConfig.code).toBe('missing-file');
    expect(noConfig.message).toMatch(/has no adapter_config\.json/);
    const pickle = await rejection(readPeftAdapter(new MemoryFiles({ 'adapter_config.json': written.get('adapter_config.json')!, 'adapter_model.bin': new Uint8Array(8) })));
    expect(pickle.message).toMatch(/only adapter_model\.bin, a PyTorch pickle/);
    expect(pickle.hint).toMatch(/safe_serialization=True/);
  });
});
