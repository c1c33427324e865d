/**
 * THE SPEC of the SwiGLU kernel (wgsl/swiglu-program.ts), float64 on host arrays of equal length:
 * y = silu(g) · u with silu(g) = g · σ(g); dg = dy · u · σ(g) · (1 + g · (1 − σ(g))); du = dy · silu(g).
 */
export function referenceSwiglu(g: ArrayLike<number>, u: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: g.length }, (_, i) => g[i]! * sigmoid(g[i]!) * u[i]!);
}

export function referenceSwigluGrad(g: ArrayLike<number>, u: ArrayLike<number>, dy: ArrayLike<number>): { gate: Float64Array; up: Float64Array } {
  const gate = new Float64Array(g.length);
  const up = new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) {
    const s = sigmoid(g[i]!);
    gate[i] = dy[i]! * u[i]! * s * (1 + g[i]! * (1 - s));
    up[i] = dy[i]! * g[i]! * s;
  }
  return { gate, up };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
