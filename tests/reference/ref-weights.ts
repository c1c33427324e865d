/**
 * Name-and-shape-checked access to an HF weight map (names exactly as in the safetensors). Every tensor the forward
 * reads is checked against the shape the config implies, and tensors the forward never reads are reported, so a
 * checkpoint that disagrees with its config.json is an error rather than a silently different model.
 */
import { SafeTuneError } from '../../engine/errors';
import type { RefTensor } from './types';

/** Tensors HF itself ignores when it loads these models. */
function ignoredByHf(name: string, tiedLmHead: boolean): boolean {
  return name.endsWith('.rotary_emb.inv_freq') || (tiedLmHead && name === 'lm_head.weight');
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}

export class RefWeights {
  private readonly read = new Set<string>();

  constructor(private readonly tensors: Map<string, RefTensor>) {}

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** The tensor `name`, which must exist with exactly `shape` and matching data length. */
  get(name: string, shape: readonly number[]): RefTensor {
    const tensor = this.tensors.get(name);
    if (tensor === undefined) {
      throw new SafeTuneError(
        'missing-tensor',
        `weights: tensor "${name}" [${shape.join(', ')}] is missing`,
        'check that the safetensors match config.json (architecture, attention_bias, mlp_bias, tie_word_embeddings)',
      );
    }
    checkTensor(`weights: tensor "${name}"`, tensor, shape);
    this.read.add(name);
    return tensor;
  }

  /** Throws when the map holds a tensor the forward did not read: config.json and the weights disagree. */
  assertAllRead(tiedLmHead: boolean): void {
    for (const name of this.tensors.keys()) {
      if (this.read.has(name) || ignoredByHf(name, tiedLmHead)) continue;
      throw new SafeTuneError(
        'bad-config',
        `weights: tensor "${name}" is not part of the model config.json describes`,
        'check attention_bias / mlp_bias / num_hidden_layers / model_type in config.json against the checkpoint',
      );
    }
  }
}

/** Shape and data-length check shared by model weights and LoRA factors; `what` names the tensor in the error. */
export function checkTensor(what: string, tensor: RefTensor, shape: readonly number[]): void {
  if (!sameShape(tensor.shape, shape)) {
    throw new SafeTuneError(
      'bad-shape',
      `${what} has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`,
      'check hidden_size, intermediate_size, num_attention_heads, num_key_value_heads, head_dim and vocab_size',
    );
  }
  const size = shape.reduce((product, dim) => product * dim, 1);
  if (tensor.data.length !== size) {
    throw new SafeTuneError(
      'bad-shape',
      `${what} holds ${tensor.data.length} values but its shape [${shape.join(', ')}] needs ${size}`,
      'the tensor data does not match its declared shape; re-read the file',
    );
  }
}
