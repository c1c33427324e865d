import { MAX_K } from '../spf-types';
import type { WebGPUProgram } from '../webgpu-compat';
import { LINE_UNIFORMS } from './line-uniforms';
import { JACOBI_EIGEN_WGSL } from './jacobi-eigen-wgsl';
import { ORTHONORMALIZE_WGSL } from './orthonormalize-wgsl';
import { SEEDED_UNIFORM_WGSL, WGSL_CONSTANTS, WORKGROUP_INDEX_WGSL, workgroupReductionWgsl } from './snippets';

const WG = 32;

/** Rows of the packed output per block: L basis rows, S scratch rows (z = Mᵀq), then σ and the captured energy. */
export function packedRows(L: number, S: number): number {
  return L + S + 2;
}

/**
 * The whole subspace iteration of reference/power-iteration.ts in one dispatch: one workgroup per block runs the start,
 * every iteration (z = Mᵀq/‖G‖, q = Mz/‖G‖, CGS2 orthonormalisation with collapse replacement), Rayleigh-Ritz and the
 * rotation U = Q·W, meeting only at workgroup barriers. It replaces six programs (3·iters + 6 dispatches per shape
 * group). Measured on lavapipe at the bench's five groups: fused with tree reductions it was no faster (~56 ms either
 * way); with flat reductions (one barrier each) and 64 invocations a workgroup (not 128: fewer to switch through at
 * every barrier on a CPU) 37 ms, and SPF's whole refresh 73 → 41 ms. 32 invocations (one NVIDIA warp, half an AMD
 * wave) took the refresh from 47.9 / 43.1 / 42.2 ms to 38.7 / 39.1 / 35.4 ms (three alternating runs each); a block's
 * work is small enough that fewer lanes lose nothing on a GPU. On a GPU, one dispatch instead of ~15 per group.
 *
 * Output [nb, L + S + 2, k], per block: rows 0..L-1 U (orthonormal columns ordered by σ; zero where absent), rows
 * L..L+S-1 scratch (the last z), row L+S σ_i = √λ_i·‖G‖_F, row L+S+1 [Σλ_i (captured energy), 0, …]. The scratch lives
 * in the output rather than in workgroup memory because S·k reaches 64·16 floats at 4 anchors of rank 16.
 * Each invocation owns basis rows l ≡ t (mod WG) through every phase; z is shared through storage, after a
 * storageBarrier. k is a uniform (arrays sized MAX_K): one pipeline per start kind serves every block shape.
 */
export class SubspaceIterationProgram implements WebGPUProgram {
  readonly variableNames: string[]; // g [nb, rows, cols], normSq [nb], start [nb, L, k] when warm
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = `${LINE_UNIFORMS} k : i32, iters : i32, seed : u32,`;
  shaderKey: string;
  private readonly warm: boolean;

  constructor(nb: number, L: number, S: number, k: number, warm: boolean) {
    this.warm = warm;
    this.variableNames = warm ? ['g', 'normSq', 'start'] : ['g', 'normSq'];
    this.outputShape = [nb, packedRows(L, S), k];
    this.dispatch = [nb, 1, 1];
    this.shaderKey = `spfSubspaceIteration_${warm ? 'warm' : 'cold'}`;
  }

  getUserCode(): string {
    const start = this.warm ? 'start[(b * uniforms.L + l) * K + j]' : 'seededUniform(uniforms.seed, u32(b), 0u, u32(j), u32(l))';
    return `
  ${WGSL_CONSTANTS}
  ${WORKGROUP_INDEX_WGSL}
  ${SEEDED_UNIFORM_WGSL}
  ${workgroupReductionWgsl(WG, MAX_K, 'flat')}

  var<private> K : i32; // = uniforms.k
  var<private> b : i32; // this workgroup's block
  var<private> base : i32; // its first basis element in the output; row r of the block starts at base + r·K
  var<private> scale : f32; // 1 / ‖G_b‖_F, 0 for a zero block

  ${ORTHONORMALIZE_WGSL(WG)}
  ${JACOBI_EIGEN_WGSL}

  fn gAt(l : i32, s : i32) -> f32 {
    return g[b * uniforms.blockSize + l * uniforms.strideL + s * uniforms.strideS];
  }

  // z[s, j] = scale · Σ_l G(l, s) q[l, j] into the scratch rows. Few outputs (S·k < WG) split the l-range over
  // invocations and meet in workgroup memory; many loop over their outputs.
  fn coefficients(L : i32, S : i32) {
    let t = i32(localId.x);
    let outputs = uniforms.S * uniforms.k; // from uniforms: the branch below holds a barrier
    let parts = max(1, ${WG} / outputs);
    let zBase = base + uniforms.L * K;
    if (parts == 1) {
      for (var o = t; o < S * K; o = o + ${WG}) {
        let s = o / K;
        let j = o - s * K;
        var sum = 0.0;
        for (var l = 0; l < L; l = l + 1) {
          sum = sum + gAt(l, s) * result[base + l * K + j];
        }
        result[zBase + o] = sum * scale;
      }
    } else {
      let o = t % outputs;
      let p = t / outputs;
      var sum = 0.0;
      if (p < parts && o < S * K) {
        let s = o / K;
        let j = o - s * K;
        for (var l = p; l < L; l = l + parts) {
          sum = sum + gAt(l, s) * result[base + l * K + j];
        }
      }
      red[t] = sum;
      workgroupBarrier();
      if (t < S * K) {
        var total = 0.0;
        for (var q = 0; q < parts; q = q + 1) {
          total = total + red[q * outputs + t];
        }
        result[zBase + t] = total * scale;
      }
    }
    storageBarrier();
    workgroupBarrier();
  }

  // q[l, j] = scale · Σ_s G(l, s) z[s, j] on this invocation's rows.
  fn expand(L : i32, S : i32) {
    let t = i32(localId.x);
    let zBase = base + uniforms.L * K;
    for (var l = t; l < L; l = l + ${WG}) {
      var acc = array<f32, ${MAX_K}>();
      for (var s = 0; s < S; s = s + 1) {
        let v = gAt(l, s);
        for (var j = 0; j < K; j = j + 1) {
          acc[j] = acc[j] + v * result[zBase + s * K + j];
        }
      }
      for (var j = 0; j < K; j = j + 1) {
        result[base + l * K + j] = acc[j] * scale;
      }
    }
  }

  // Rayleigh-Ritz (reference/rayleigh-ritz.ts) from the scratch z: H = zᵀz, its eigenpairs sorted by λ descending,
  // λ ≤ RANK_RTOL² (and a zero block) absent, signs fixed; W into ritzW, σ and the captured energy into the output.
  var<workgroup> ritzW : array<f32, ${MAX_K * MAX_K}>;

  fn rayleighRitz(S : i32, valid : bool) {
    let t = i32(localId.x);
    let zBase = base + uniforms.L * K;
    for (var e = t; e < K * K; e = e + ${WG}) {
      let i = e / K;
      let j = e - i * K;
      var sum = 0.0;
      for (var s = 0; s < S; s = s + 1) {
        sum = sum + result[zBase + s * K + i] * result[zBase + s * K + j];
      }
      h[e] = sum;
    }
    workgroupBarrier();
    if (valid && t == 0) {
      jacobiEigen();
      var order = array<i32, ${MAX_K}>();
      for (var i = 0; i < K; i = i + 1) {
        var pos = i;
        let value = h[i * K + i];
        while (pos > 0 && h[order[pos - 1] * K + order[pos - 1]] < value) {
          order[pos] = order[pos - 1];
          pos = pos - 1;
        }
        order[pos] = i;
      }
      var maxNormSq = 0.0;
      for (var i = 0; i < uniforms.numBlocks; i = i + 1) {
        maxNormSq = max(maxNormSq, normSq[i]);
      }
      let normSqB = normSq[b];
      let blockHasSubspace = normSqB > max(MIN_NORM_SQ, ZERO_BLOCK_RTOL_SQ * maxNormSq);
      let norm = sqrt(normSqB);
      let sigmaRow = base + (uniforms.L + uniforms.S) * K;
      var captured = 0.0;
      for (var dst = 0; dst < K; dst = dst + 1) {
        let src = order[dst];
        let lambda = h[src * K + src];
        let keep = lambda > RANK_RTOL_SQ && blockHasSubspace;
        var pivot = 0;
        for (var r = 1; r < K; r = r + 1) {
          if (abs(w[r * K + src]) > abs(w[pivot * K + src])) {
            pivot = r;
          }
        }
        let sign = select(1.0, -1.0, w[pivot * K + src] < 0.0);
        for (var r = 0; r < K; r = r + 1) {
          ritzW[r * K + dst] = select(0.0, sign * w[r * K + src], keep);
        }
        result[sigmaRow + dst] = select(0.0, sqrt(lambda) * norm, keep);
        result[sigmaRow + K + dst] = 0.0;
        captured = captured + select(0.0, lambda, keep);
      }
      result[sigmaRow + K] = captured;
    }
    workgroupBarrier();
  }

  // U = Q·W on this invocation's rows.
  fn rotateBasis(L : i32) {
    let t = i32(localId.x);
    for (var l = t; l < L; l = l + ${WG}) {
      var row = array<f32, ${MAX_K}>();
      for (var j = 0; j < K; j = j + 1) {
        row[j] = result[base + l * K + j];
      }
      for (var i = 0; i < K; i = i + 1) {
        var sum = 0.0;
        for (var j = 0; j < K; j = j + 1) {
          sum = sum + row[j] * ritzW[j * K + i];
        }
        result[base + l * K + i] = sum;
      }
    }
  }

  fn main(index : i32) {
    K = uniforms.k;
    b = workgroupIndex();
    let valid = b < uniforms.numBlocks;
    let t = i32(localId.x);
    // A spare workgroup (a folded launch) touches nothing but still meets every barrier.
    let L = select(0, uniforms.L, valid);
    let S = select(0, uniforms.S, valid);
    base = b * (uniforms.L + uniforms.S + 2) * K;
    let n = normSq[min(b, uniforms.numBlocks - 1)];
    scale = select(0.0, inverseSqrt(n), valid && n > MIN_NORM_SQ);
    for (var l = t; l < L; l = l + ${WG}) {
      for (var j = 0; j < K; j = j + 1) {
        result[base + l * K + j] = ${start};
      }
    }
    orthonormalize(L, 1u); // orthonormalisation call c draws its replacements from round c + 1; the start is round 0
    for (var it = 1; it <= uniforms.iters; it = it + 1) {
      storageBarrier();
      workgroupBarrier();
      coefficients(L, S);
      expand(L, S);
      orthonormalize(L, u32(it + 1));
    }
    storageBarrier();
    workgroupBarrier();
    coefficients(L, S);
    rayleighRitz(S, valid);
    rotateBasis(L);
  }
`;
  }
}
