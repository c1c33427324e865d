import { MAX_K } from '../spf-types';

/**
 * reference/symmetric-eigen.ts in WGSL, for one invocation: cyclic Jacobi on the symmetric K×K matrix in `h` (row stride
 * K, a private the program sets), eigenvectors accumulated into the columns of `w`; afterwards h's diagonal holds the
 * eigenvalues. Stops when the off-diagonal mass falls below JACOBI_STOP_SQ of the diagonal's, or after 32 sweeps.
 */
export const JACOBI_EIGEN_WGSL = `
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
`;
