import { MAX_K } from '../spf-types';
import type { WebGPUProgram } from '../webgpu-compat';
import { WGSL_CONSTANTS, WORKGROUP_INDEX_WGSL } from './snippets';

const WG = 64;

/**
 * Rayleigh-Ritz per block, exactly reference/rayleigh-ritz.ts: from z = Mᵀ Q / ‖G‖_F [nb, S, k] form H = zᵀz (k×k,
 * workgroup-parallel), then one invocation runs cyclic Jacobi on H, sorts the eigenpairs by λ descending, drops
 * λ ≤ RANK_RTOL² (and everything of a zero block), fixes signs. Output, packed because a program has one output [nb, k + 2, k]:
 *   rows 0..k-1: W (U = Q·W), row k: σ_i = √λ_i·‖G‖_F, row k+1: [Σλ_i (captured energy), 0, ...].
 * k is a uniform (arrays sized MAX_K): the work is a few thousand sequential flops, and unrolled k-loops only made the
 * Jacobi sweep take seconds to compile; one pipeline serves every k.
 */
export class RayleighRitzProgram implements WebGPUProgram {
  readonly variableNames = ['z', 'normSq']; // [nb, S, k], [nb]
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = 'S : i32, k : i32, numBlocks : i32,';
  shaderKey = 'spfRayleighRitz';

  constructor(nb: number, k: number) {
    this.outputShape = [nb, k + 2, k];
    this.dispatch = [nb, 1, 1];
  }

  getUserCode(): string {
    return `
  ${WGSL_CONSTANTS}
  ${WORKGROUP_INDEX_WGSL}

  var<private> K : i32; // = uniforms.k; h and w are k×k with row stride k
  var<workgroup> h : array<f32, ${MAX_K * MAX_K}>;
  var<workgroup> w : array<f32, ${MAX_K * MAX_K}>;

  // One Jacobi rotation zeroing h[p][q], accumulated into w's columns (reference/symmetric-eigen.ts rotate()).
  fn rotate(p : i32, q : i32) {
    let apq = h[p * K + q];
    if (apq == 0.0) {
      return;
    }
    let theta = (h[q * K + q] - h[p * K + p]) / (2.0 * apq);
    let t = select(-1.0, 1.0, theta >= 0.0) / (abs(theta) + sqrt(theta * theta + 1.0));
    let c = 1.0 / sqrt(t * t + 1.0);
    let s = t * c;
    for (var r = 0; r < K; r = r + 1) {
      let arp = h[r * K + p];
      let arq = h[r * K + q];
      h[r * K + p] = c * arp - s * arq;
      h[r * K + q] = s * arp + c * arq;
    }
    for (var r = 0; r < K; r = r + 1) {
      let apr = h[p * K + r];
      let aqr = h[q * K + r];
      h[p * K + r] = c * apr - s * aqr;
      h[q * K + r] = s * apr + c * aqr;
    }
    for (var r = 0; r < K; r = r + 1) {
      let vrp = w[r * K + p];
      let vrq = w[r * K + q];
      w[r * K + p] = c * vrp - s * vrq;
      w[r * K + q] = s * vrp + c * vrq;
    }
  }

  fn jacobiEigen() {
    for (var e = 0; e < (K * K); e = e + 1) {
      w[e] = select(0.0, 1.0, e / K == e % K);
    }
    for (var sweep = 0; sweep < 32; sweep = sweep + 1) {
      var off = 0.0;
      var diag = 0.0;
      for (var p = 0; p < K; p = p + 1) {
        diag = diag + h[p * K + p] * h[p * K + p];
        for (var q = p + 1; q < K; q = q + 1) {
          off = off + h[p * K + q] * h[p * K + q];
        }
      }
      if (off <= f32(K * K) * JACOBI_STOP_SQ * diag) {
        break;
      }
      for (var p = 0; p < (K - 1); p = p + 1) {
        for (var q = p + 1; q < K; q = q + 1) {
          rotate(p, q);
        }
      }
    }
  }

  fn main(index : i32) {
    K = uniforms.k;
    let b = workgroupIndex();
    let valid = b < uniforms.numBlocks;
    let t = i32(localId.x);
    let S = select(0, uniforms.S, valid);
    let zBase = b * uniforms.S * K;
    for (var e = t; e < (K * K); e = e + ${WG}) {
      let i = e / K;
      let j = e - i * K;
      var sum = 0.0;
      for (var s = 0; s < S; s = s + 1) {
        sum = sum + z[zBase + s * K + i] * z[zBase + s * K + j];
      }
      h[e] = sum;
    }
    workgroupBarrier();
    if (!valid || t != 0) {
      return;
    }
    jacobiEigen();
    // Sort eigenvalue indices by λ descending; ties keep index order (insertion sort, k ≤ 16).
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
    // A zero block (spf-types.ts ZERO_BLOCK_RTOL): relative to the largest block of this call, nb reads.
    var maxNormSq = 0.0;
    for (var i = 0; i < uniforms.numBlocks; i = i + 1) {
      maxNormSq = max(maxNormSq, normSq[i]);
    }
    let normSqB = normSq[b];
    let blockHasSubspace = normSqB > max(MIN_NORM_SQ, ZERO_BLOCK_RTOL_SQ * maxNormSq);
    let norm = sqrt(normSqB);
    let outBase = b * ((K + 2) * K);
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
        setOutputAtIndex(outBase + r * K + dst, select(0.0, sign * w[r * K + src], keep));
      }
      setOutputAtIndex(outBase + (K * K) + dst, select(0.0, sqrt(lambda) * norm, keep));
      captured = captured + select(0.0, lambda, keep);
      setOutputAtIndex(outBase + ((K + 1) * K) + dst, 0.0);
    }
    setOutputAtIndex(outBase + ((K + 1) * K), captured);
  }
`;
  }
}
