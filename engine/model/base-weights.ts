import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from '../errors';
import type { ModelConfig } from './config';
import { deviceBindingLimit } from '../device/binding-limit';
import { uploadVocabMatrix, vocabChunkRows, vocabChunks, type VocabMatrix } from './vocab-chunks';

/** A frozen linear layer in HF layout: y = x Wᵀ + b. */
export interface Linear {
  weight: tf.Tensor2D; // [out, in]
  bias: tf.Tensor1D | undefined; // [out]
}

export interface DecoderLayerWeights {
  inputNorm: tf.Tensor1D; // [hidden]
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
  qNorm: tf.Tensor1D | undefined; // [headDim], Qwen3 only
  kNorm: tf.Tensor1D | undefined;
  postAttentionNorm: tf.Tensor1D; // [hidden]
  gate: Linear;
  up: Linear;
  down: Linear;
}

/** The frozen base model: plain tensors, never tf.Variables, so no gradient is ever computed for them. */
export interface BaseWeights {
  embedTokens: VocabMatrix; // [vocab, hidden], in row chunks when it exceeds one storage binding
  layers: DecoderLayerWeights[];
  norm: tf.Tensor1D; // [hidden]
  lmHead: VocabMatrix; // [vocab, hidden]; the same tensor(s) as embedTokens when tied
  /** The binding limit the weights were split for; absent: the current device's (deviceBindingLimit). */
  maxBindingBytes?: number;
}

/** One host tensor as the checkpoint reader hands it over. */
export interface NamedHostTensor {
  shape: number[];
  data: Float32Array;
}

/** Every HF tensor name this config needs, with its expected shape. */
export function expectedTensors(c: ModelConfig): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const h = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const linear = (name: string, out: number, inn: number, bias: boolean): void => {
    m.set(`${name}.weight`, [out, inn]);
    if (bias) m.set(`${name}.bias`, [out]);
  };
  m.set('model.embed_tokens.weight', [c.vocabSize, h]);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    m.set(`${p}.input_layernorm.weight`, [h]);
    linear(`${p}.self_attn.q_proj`, q, h, c.attentionBias);
    linear(`${p}.self_attn.k_proj`, kv, h, c.attentionBias);
    linear(`${p}.self_attn.v_proj`, kv, h, c.attentionBias);
    linear(`${p}.self_attn.o_proj`, h, q, c.attentionOutputBias);
    if (c.qkNorm) {
      m.set(`${p}.self_attn.q_norm.weight`, [c.headDim]);
      m.set(`${p}.self_attn.k_norm.weight`, [c.headDim]);
    }
    m.set(`${p}.post_attention_layernorm.weight`, [h]);
    linear(`${p}.mlp.gate_proj`, c.intermediateSize, h, c.mlpBias);
    linear(`${p}.mlp.up_proj`, c.intermediateSize, h, c.mlpBias);
    linear(`${p}.mlp.down_proj`, h, c.intermediateSize, c.mlpBias);
  }
  m.set('model.norm.weight', [h]);
  if (!c.tieWordEmbeddings) m.set('lm_head.weight', [c.vocabSize, h]);
  return m;
}

/**
 * Tensors a checkpoint may hold beyond expectedTensors() because HF itself skips them when loading: RoPE's inv_freq
 * buffers (older Llama checkpoints saved one per layer; SafeTune computes them from config.json) and, with tied
 * embeddings, a stored lm_head.weight (the embedding is used in its place).
 */
export function ignoredByHf(name: string, config: ModelConfig): boolean {
  return name.endsWith('.rotary_emb.inv_freq') || (config.tieWordEmbeddings && name === 'lm_head.weight');
}

const LAYER_TENSOR = /^model\.layers\.(\d+)\./;

/** The decoder layer a tensor belongs to ("model.layers.3.mlp.up_proj.weight": 3), or undefined for any other. */
export function layerOfTensor(name: string): number | undefined {
  const m = LAYER_TENSOR.exec(name);
  return m === null ? undefined : Number(m[1]); // an absurdly long index parses as a huge number or Infinity: still "too deep"
}

const VOCAB_MATRICES = new Set(['model.embed_tokens.weight', 'lm_head.weight']);

/**
 * Uploads the base weights. `read(name)` returns the host tensor (the checkpoint reader, which names the file in its
 * own errors); every tensor is shape-checked here against the config, naming the tensor on mismatch. The embedding
 * and lm_head are split into vocabulary chunks of at most `maxBindingBytes` each (default: the device's storage-binding
 * limit); any other tensor over that limit is an error naming it, before the GPU would reject it.
 */
export async function uploadBaseWeights(
  config: ModelConfig,
  read: (name: string) => Promise<NamedHostTensor>,
  onTensor?: (name: string, index: number, total: number) => void,
  maxBindingBytes: number = deviceBindingLimit(),
): Promise<BaseWeights> {
  const expected = expectedTensors(config);
  const uploaded = new Map<string, tf.Tensor | VocabMatrix>();
  const chunkRows = vocabChunkRows(config.vocabSize, config.hiddenSize, maxBindingBytes);
  let index = 0;
  try {
    for (const [name, shape] of expected) {
      const host = await read(name);
      if (host.shape.length !== shape.length || host.shape.some((d, i) => d !== shape[i])) {
        throw new SafeTuneError(
          'bad-shape',
          `tensor ${name} has shape [${host.shape.join(', ')}] but config.json implies [${shape.join(', ')}]`,
          'config.json and the safetensors files must come from the same model',
        );
      }
      if (VOCAB_MATRICES.has(name)) {
        uploaded.set(name, uploadVocabMatrix(host.data, config.vocabSize, config.hiddenSize, chunkRows));
      } else {
        const bytes = host.data.length * 4;
        if (bytes > maxBindingBytes) {
          throw new SafeTuneError(
            'gpu',
            `tensor ${name} (${bytes} bytes in float32) exceeds this device's ${maxBindingBytes}-byte storage binding`,
            'choose a smaller model or a GPU with larger buffer limits',
          );
        }
        uploaded.set(name, tf.tensor(host.data, shape, 'float32'));
      }
      onTensor?.(name, index++, expected.size);
    }
  } catch (e) {
    for (const t of uploaded.values()) for (const c of vocabChunks(t as VocabMatrix)) c.dispose();
    throw e;
  }
  const get = <T extends tf.Tensor>(name: string): T => uploaded.get(name) as T;
  const linear = (name: string, bias: boolean): Linear => ({
    weight: get(`${name}.weight`),
    bias: bias ? get<tf.Tensor1D>(`${name}.bias`) : undefined,
  });
  const layers: DecoderLayerWeights[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    layers.push({
      inputNorm: get(`${p}.input_layernorm.weight`),
      q: linear(`${p}.self_attn.q_proj`, config.attentionBias),
      k: linear(`${p}.self_attn.k_proj`, config.attentionBias),
      v: linear(`${p}.self_attn.v_proj`, config.attentionBias),
      o: linear(`${p}.self_attn.o_proj`, config.attentionOutputBias),
      qNorm: config.qkNorm ? get<tf.Tensor1D>(`${p}.self_attn.q_norm.weight`) : undefined,
      kNorm: config.qkNorm ? get<tf.Tensor1D>(`${p}.self_attn.k_norm.weight`) : undefined,
      postAttentionNorm: get(`${p}.post_attention_layernorm.weight`),
      gate: linear(`${p}.mlp.gate_proj`, config.mlpBias),
      up: linear(`${p}.mlp.up_proj`, config.mlpBias),
      down: linear(`${p}.mlp.down_proj`, config.mlpBias),
    });
  }
  const embedTokens = uploaded.get('model.embed_tokens.weight') as VocabMatrix;
  return {
    embedTokens,
    layers,
    norm: get('model.norm.weight'),
    lmHead: config.tieWordEmbeddings ? embedTokens : (uploaded.get('lm_head.weight') as VocabMatrix),
    maxBindingBytes,
  };
}

export function disposeBaseWeights(w: BaseWeights): void {
  const all = new Set<tf.Tensor>([...vocabChunks(w.embedTokens), w.norm, ...vocabChunks(w.lmHead)]);
  for (const l of w.layers) {
    for (const t of [l.inputNorm, l.postAttentionNorm, l.qNorm, l.kNorm]) if (t) all.add(t);
    for (const lin of [l.q, l.k, l.v, l.o, l.gate, l.up, l.down]) {
      all.add(lin.weight);
      if (lin.bias) all.add(lin.bias);
    }
  }
  for (const t of all) t.dispose();
}
