import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import type { BaseWeights, DecoderLayerWeights, Linear } from './base-weights';
import { disposeBaseWeights } from './base-weights';
import { LORA_TARGETS, modulePath } from './lora';
import type { LoraAdapter, LoraTarget } from './lora';
import { RopeTables } from './rope';
import { matMulFrozenT } from './frozen-matmul';
import { loraDelta } from './lora-delta';
import { swiglu } from '../kernels/swiglu';
import { mergedLoraLinear, mergePays } from './merged-lora';
import { rmsNorm } from '../kernels/rms-norm';
import { causalAttention } from './causal-attention';
import type { KvCache } from './kv-cache';
import { perGroupLoraDelta, type PerGroupLora } from './per-group-lora';
import { sharedGroupLoraLinear, type GroupRows } from './shared-group-lora';
import { foldedLoraLinear } from './folded-lora';
import { gatherRows, projectRows } from './vocab-chunks';
import { deviceBindingLimit, LOGITS_TILE_BYTES } from '../device/binding-limit';

function requireMask<T extends tf.Tensor>(mask: T | undefined): T {
  if (mask === undefined) throw new Error('per-group LoRA: this pass needs the groups\' row mask');
  return mask;
}

/** Options of one forward pass. */
export interface ForwardOptions {
  /** Apply LoRA dropout (training only). Needs `seed` so a resumed run draws the same masks. */
  training?: boolean;
  seed?: number;
  /** Generation: keys / values of earlier positions; updated in place with this call's. */
  cache?: KvCache;
  /** LoRA matrices per group of examples, used instead of the adapter's (per-group gradients; per-group-lora.ts). */
  perGroupLora?: PerGroupLora;
}

/**
 * A Llama / Qwen2 / Qwen3 decoder-only causal LM on tfjs, with LoRA adapters on its projections.
 * Reads top to bottom like HF's modeling code: embed → N × (norm → attention → residual → norm → MLP → residual) →
 * norm → lm_head.
 */
export class CausalLM {
  readonly config: ModelConfig;
  readonly weights: BaseWeights;
  adapter: LoraAdapter | undefined;
  private readonly rope: RopeTables;

  constructor(config: ModelConfig, weights: BaseWeights, adapter?: LoraAdapter) {
    this.config = config;
    this.weights = weights;
    this.adapter = adapter;
    this.rope = new RopeTables(config);
  }

  /** Final hidden states [B, T, hidden] for token ids [B, T] (right padding only: causal masking makes it safe). */
  hidden(ids: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t] = ids.shape;
      const offset = opts.cache?.length ?? 0;
      // Embedding rows, gathered chunk by chunk when the table exceeds one storage binding.
      let x = gatherRows(this.weights.embedTokens, ids.reshape([-1])).reshape([b, t, this.config.hiddenSize]) as tf.Tensor3D;
      for (let i = 0; i < this.config.numLayers; i++) {
        x = this.decoderLayer(i, x, offset, opts);
      }
      return this.rmsNorm(x, this.weights.norm);
    });
  }

  /** Logits [B, T, vocab]. */
  logits(ids: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const h = this.hidden(ids, opts);
      const [b, t, d] = h.shape;
      return this.project(h.reshape([b * t, d])).reshape([b, t, this.config.vocabSize]);
    });
  }

  /** lm_head on rows of hidden states: [N, hidden] → [N, vocab]; the result must fit one binding (few rows). */
  project(h: tf.Tensor2D): tf.Tensor2D {
    return projectRows(h, this.weights.lmHead, this.bindingLimitBytes());
  }

  /** The largest tensor a kernel may bind: what the weights were split for, else the device's limit. */
  bindingLimitBytes(): number {
    return this.weights.maxBindingBytes ?? deviceBindingLimit();
  }

  /** The most logits the loss materialises at once: one tile within the fixed budget and the binding limit. */
  logitsTileBytes(): number {
    return Math.min(this.bindingLimitBytes(), LOGITS_TILE_BYTES);
  }

  private decoderLayer(i: number, x: tf.Tensor3D, offset: number, opts: ForwardOptions): tf.Tensor3D {
    const w = this.weights.layers[i]!;
    const attn = this.attention(i, w, this.rmsNorm(x, w.inputNorm), offset, opts);
    const h: tf.Tensor3D = tf.add(x, attn);
    return tf.add(h, this.mlp(i, w, this.rmsNorm(h, w.postAttentionNorm), opts));
  }

  private attention(
    i: number,
    w: DecoderLayerWeights,
    x: tf.Tensor3D,
    offset: number,
    opts: ForwardOptions,
  ): tf.Tensor3D {
    const c = this.config;
    const [b, t, hidden] = x.shape;
    const d = c.headDim;
    const x2: tf.Tensor2D = x.reshape([b * t, hidden]);
    const heads = (y: tf.Tensor2D, n: number): tf.Tensor4D => y.reshape([b, t, n, d]).transpose([0, 2, 1, 3]); // [B, n, T, D]
    let q = heads(this.linear(i, 'q_proj', w.q, x2, opts), c.numHeads);
    let k = heads(this.linear(i, 'k_proj', w.k, x2, opts), c.numKvHeads);
    let v = heads(this.linear(i, 'v_proj', w.v, x2, opts), c.numKvHeads);
    if (w.qNorm && w.kNorm) {
      q = this.rmsNorm(q, w.qNorm); // Qwen3: per-head RMSNorm before RoPE
      k = this.rmsNorm(k, w.kNorm);
    }
    q = this.rope.apply(q, offset);
    k = this.rope.apply(k, offset);
    if (opts.cache) [k, v] = opts.cache.append(i, k, v); // [B, KV, offset + T, D]
    const out = causalAttention(q, k, v, offset) // [B, H, T, D]
      .transpose([0, 2, 1, 3]) // [B, T, H, D]
      .reshape([b * t, c.numHeads * d]);
    return this.linear(i, 'o_proj', w.o, out as tf.Tensor2D, opts).reshape([b, t, hidden]);
  }

  private mlp(i: number, w: DecoderLayerWeights, x: tf.Tensor3D, opts: ForwardOptions): tf.Tensor3D {
    const [b, t, hidden] = x.shape;
    const x2 = x.reshape([b * t, hidden]) as tf.Tensor2D;
    const gate = this.linear(i, 'gate_proj', w.gate, x2, opts);
    const up = this.linear(i, 'up_proj', w.up, x2, opts);
    const act = swiglu(gate, up); // silu(gate) * up
    return this.linear(i, 'down_proj', w.down, act, opts).reshape([b, t, hidden]);
  }

  /** x Wᵀ + b, plus the adapter's scale · (dropout(x) Aᵀ) Bᵀ when this projection has one. x: [N, in] → [N, out]. */
  private linear(layer: number, target: LoraTarget, lin: Linear, x: tf.Tensor2D, opts: ForwardOptions): tf.Tensor2D {
    if (opts.perGroupLora !== undefined) return this.perGroupLinear(layer, target, lin, x, opts.perGroupLora);
    const m = this.adapter?.get(layer, target);
    const p = this.adapter?.config.dropout ?? 0;
    const dropout = opts.training === true && p > 0;
    if (m !== undefined && !dropout && mergePays(x.shape[0], lin.weight)) {
      const y = mergedLoraLinear(x, lin.weight, m.A, m.B, this.adapter!.scale);
      return lin.bias ? tf.add(y, lin.bias) : y;
    }
    let y: tf.Tensor2D = matMulFrozenT(x, lin.weight);
    if (lin.bias) y = tf.add(y, lin.bias);
    if (m === undefined) return y;
    let xin = x;
    if (dropout) {
      // One seed per (step, module) so masks are reproducible across resume and backends that honour seeds.
      const seed = ((opts.seed ?? 0) * 1000003 + layer * LORA_TARGETS.length + LORA_TARGETS.indexOf(target)) >>> 0;
      xin = tf.dropout(x, p, undefined, seed) as tf.Tensor2D;
    }
    return tf.add(y, loraDelta(xin, m.A, m.B, this.adapter!.scale)); // [N, out]
  }

  /**
   * x Wᵀ + b plus each row's group's own LoRA update (no dropout: per-group passes measure, and a folded training batch
   * is only folded without dropout).
   */
  private perGroupLinear(layer: number, target: LoraTarget, lin: Linear, x: tf.Tensor2D, lora: PerGroupLora): tf.Tensor2D {
    const path = modulePath(layer, target);
    const m = lora.modules.get(path);
    const shared = lora.shared?.modules.get(path);
    if (m !== undefined && shared !== undefined) {
      const r = shared.A.shape[0];
      const count = m.A.shape[0] / r; // slot A is [G·r, in]
      const start = lora.trainRows ?? 0; // the groups' rows follow a folded batch's training rows
      // Groups of one size (or a lone group) are row blocks; others need the mask.
      const groups: GroupRows = lora.groupRows !== undefined || count === 1
        ? { count, rows: lora.groupRows ?? x.shape[0] - start }
        : { count, mask3: tf.reshape(requireMask(lora.mask), [x.shape[0], count, r]) as tf.Tensor3D };
      const merge = mergePays(x.shape[0], lin.weight);
      const z = lora.trainRows !== undefined
        ? foldedLoraLinear(x, lin.weight, shared.A, shared.B, m, lora.trainRows, groups, lora.shared!.scale, merge)
        : sharedGroupLoraLinear(x, lin.weight, shared.A, shared.B, m, groups, lora.shared!.scale, merge);
      return lin.bias ? tf.add(z, lin.bias) : z;
    }
    let y: tf.Tensor2D = matMulFrozenT(x, lin.weight);
    if (lin.bias) y = tf.add(y, lin.bias);
    return m === undefined ? y : tf.add(y, perGroupLoraDelta(x, m.A, m.B, requireMask(lora.mask)));
  }

  /** RMSNorm over the last axis, in float32: x / √(mean(x²) + ε) · w. */
  private rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D): T {
    return rmsNorm(x, weight, this.config.rmsNormEps);
  }

  dispose(): void {
    this.rope.dispose();
    this.adapter?.dispose();
    disposeBaseWeights(this.weights);
  }
}
