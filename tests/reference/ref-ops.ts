/**
 * The few dense operations the reference forward is made of, as plain float64 loops over row-major matrices.
 * No tricks: each reads like its formula, so a reviewer can check it against the HF source line by line.
 */
import type { RefTensor } from './types';

/** A row-major float64 matrix: row t is data[t * cols .. (t + 1) * cols). */
export interface Rows {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function zeroRows(rows: number, cols: number): Rows {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/**
 * RMSNorm over the last dimension (LlamaRMSNorm / Qwen3RMSNorm): x / sqrt(mean(x^2) + eps) * weight, applied to every
 * `width`-long group of each row (width = cols for a hidden-state norm, head_dim for Qwen3's per-head q / k norm).
 */
export function rmsNorm(x: Rows, weight: RefTensor, eps: number, width = x.cols): Rows {
  const out = zeroRows(x.rows, x.cols);
  for (let start = 0; start < x.data.length; start += width) {
    let sumSquares = 0;
    for (let i = 0; i < width; i++) sumSquares += (x.data[start + i] as number) ** 2;
    const inverseRms = 1 / Math.sqrt(sumSquares / width + eps);
    for (let i = 0; i < width; i++) {
      out.data[start + i] = (x.data[start + i] as number) * inverseRms * (weight.data[i] as number);
    }
  }
  return out;
}

/** y = x W^T (+ b): x [T, in], W [out, in] (torch.nn.Linear layout), b [out]. */
export function matmulTransposed(x: Rows, weight: RefTensor, bias: RefTensor | null): Rows {
  const outFeatures = weight.shape[0] as number;
  const out = zeroRows(x.rows, outFeatures);
  for (let t = 0; t < x.rows; t++) {
    for (let o = 0; o < outFeatures; o++) {
      let sum = bias === null ? 0 : (bias.data[o] as number);
      for (let i = 0; i < x.cols; i++) sum += (x.data[t * x.cols + i] as number) * (weight.data[o * x.cols + i] as number);
      out.data[t * outFeatures + o] = sum;
    }
  }
  return out;
}

/** a += scale * b, elementwise; same shapes. */
export function addScaledInPlace(a: Rows, b: Rows, scale = 1): void {
  for (let i = 0; i < a.data.length; i++) a.data[i] = (a.data[i] as number) + scale * (b.data[i] as number);
}

/** silu(x) = x * sigmoid(x) = x / (1 + e^-x). */
export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** log softmax of one row of logits, shifted by the max so large logits cannot overflow. */
export function logSoftmaxRow(logits: Float64Array, offset: number, length: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, logits[offset + i] as number);
  let sumExp = 0;
  for (let i = 0; i < length; i++) sumExp += Math.exp((logits[offset + i] as number) - max);
  const logSumExp = max + Math.log(sumExp);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = (logits[offset + i] as number) - logSumExp;
  return out;
}
