/**
 * THE SPEC of attention's causal softmax (wgsl/causal-softmax-program.ts), float64 on host arrays. scores [rows, S]
 * row-major; row r is query t = r mod T at absolute position offset + t, which sees keys j ≤ offset + t.
 * Forward: p = softmax(scale · s) over the keys the query sees, 0 elsewhere.
 * Backward: dScores = scale · p ⊙ (dp − Σ_j dp_j p_j).
 */
export interface CausalSoftmaxShape {
  rows: number;
  S: number;
  T: number;
  offset: number;
  scale: number;
}

function lastKey(row: number, s: CausalSoftmaxShape): number {
  return Math.min(s.offset + (row % s.T), s.S - 1);
}

export function referenceCausalSoftmax(scores: ArrayLike<number>, shape: CausalSoftmaxShape): Float64Array {
  const { rows, S, scale } = shape;
  const out = new Float64Array(rows * S);
  for (let r = 0; r < rows; r++) {
    const base = r * S;
    const last = lastKey(r, shape);
    let peak = -Infinity;
    for (let j = 0; j <= last; j++) peak = Math.max(peak, scores[base + j]!);
    let total = 0;
    for (let j = 0; j <= last; j++) total += Math.exp((scores[base + j]! - peak) * scale);
    for (let j = 0; j <= last; j++) out[base + j] = Math.exp((scores[base + j]! - peak) * scale) / total;
  }
  return out;
}

export function referenceCausalSoftmaxGrad(probs: ArrayLike<number>, dprobs: ArrayLike<number>, shape: CausalSoftmaxShape): Float64Array {
  const { rows, S, scale } = shape;
  const out = new Float64Array(rows * S);
  for (let r = 0; r < rows; r++) {
    const base = r * S;
    const last = lastKey(r, shape);
    let dot = 0;
    for (let j = 0; j <= last; j++) dot += probs[base + j]! * dprobs[base + j]!;
    for (let j = 0; j <= last; j++) out[base + j] = scale * probs[base + j]! * (dprobs[base + j]! - dot);
  }
  return out;
}
