import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { isWebGPUActive } from '../kernels/webgpu-compat';
import { ropeWebGPU } from '../kernels/rope';

/**
 * RoPE inverse frequencies inv_freq[i] = 1 / θ^(2i/d), i < d/2, with Llama 3's `rope_scaling` applied when present:
 * wavelengths longer than original_max / low_freq_factor are divided by `factor`, shorter than original_max /
 * high_freq_factor are kept, and the band between is interpolated smoothly.
 */
export function ropeInverseFrequencies(config: ModelConfig): Float64Array {
  const d = config.headDim;
  const inv = new Float64Array(d / 2);
  for (let i = 0; i < d / 2; i++) inv[i] = 1 / Math.pow(config.ropeTheta, (2 * i) / d);
  const s = config.ropeScaling;
  if (s === undefined) return inv;
  const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  for (let i = 0; i < inv.length; i++) {
    const f = inv[i]!;
    const wavelen = (2 * Math.PI) / f;
    if (wavelen > lowFreqWavelen) {
      inv[i] = f / s.factor;
    } else if (wavelen >= highFreqWavelen) {
      const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      inv[i] = (1 - smooth) * (f / s.factor) + smooth * f;
    }
  }
  return inv;
}

/**
 * cos / sin tables for positions [0, maxLen), computed on the host in float64 and uploaded once (WebGPU's sin/cos
 * are not precise enough at large angles). Layout as HF: emb = concat(freqs, freqs) over the head dimension.
 */
export class RopeTables {
  private cos: tf.Tensor2D; // [maxLen, headDim]
  private sin: tf.Tensor2D; // [maxLen, headDim]
  private length: number;
  private readonly inv: Float64Array;
  private readonly headDim: number;

  constructor(config: ModelConfig, initialLength = 256) {
    this.inv = ropeInverseFrequencies(config);
    this.headDim = config.headDim;
    this.length = 0;
    this.cos = tf.zeros([0, this.headDim]);
    this.sin = tf.zeros([0, this.headDim]);
    this.ensure(initialLength);
  }

  private ensure(length: number): void {
    if (length <= this.length) return;
    const n = Math.max(length, this.length * 2);
    const d = this.headDim;
    const half = d / 2;
    const c = new Float32Array(n * d);
    const s = new Float32Array(n * d);
    for (let p = 0; p < n; p++) {
      for (let i = 0; i < half; i++) {
        const angle = p * this.inv[i]!;
        c[p * d + i] = c[p * d + i + half] = Math.cos(angle);
        s[p * d + i] = s[p * d + i + half] = Math.sin(angle);
      }
    }
    this.cos.dispose();
    this.sin.dispose();
    this.cos = tf.keep(tf.tensor2d(c, [n, d]));
    this.sin = tf.keep(tf.tensor2d(s, [n, d]));
    this.length = n;
  }

  /** Rotates x [B, heads, T, headDim] whose first position is `offset`. */
  apply(x: tf.Tensor4D, offset: number): tf.Tensor4D {
    const t = x.shape[2];
    this.ensure(offset + t);
    if (isWebGPUActive()) return ropeWebGPU(x, this.cos, this.sin, offset);
    return tf.tidy(() => {
      const cos = this.cos.slice([offset, 0], [t, this.headDim]); // [T, D], broadcast over B, heads
      const sin = this.sin.slice([offset, 0], [t, this.headDim]);
      const half = this.headDim / 2;
      const [x1, x2] = tf.split(x, [half, half], 3);
      const rotated = tf.concat([tf.neg(x2!), x1!], 3); // rotate_half
      return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
    });
  }

  dispose(): void {
    this.cos.dispose();
    this.sin.dispose();
  }
}
