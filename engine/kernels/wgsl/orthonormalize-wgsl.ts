import { MAX_K } from '../spf-types';

/**
 * reference/orthonormalize.ts in WGSL, for a program that declares `K`, `b` and `base` (private: columns, block, first
 * element; element (l, j) of the basis is result[base + l·K + j]), `reduceChannels` / `red` (snippets.ts) and
 * seededUniform. CGS2 with collapse replacement; invocation t touches only rows l ≡ t (mod wg), so global memory needs
 * no barrier: the reductions (dots, norms) meet in workgroup memory. Loops that hold a barrier run to uniforms.k, not
 * K, so the uniformity analysis sees them uniform; the collapse branch reads the norm through workgroupUniformLoad.
 */
export function ORTHONORMALIZE_WGSL(wg: number): string {
  return `
  var<workgroup> columnNorm : f32;

  // Two classical Gram-Schmidt passes of column j against columns 0..j-1; returns the remaining norm, uniform across
  // the workgroup.
  fn orthogonalize(L : i32, j : i32) -> f32 {
    let t = i32(localId.x);
    for (var sweep = 0; sweep < 2; sweep = sweep + 1) {
      var dots = array<f32, ${MAX_K}>(); // zeroed explicitly each pass: with a bare declaration lavapipe kept the last pass's values
      for (var l = t; l < L; l = l + ${wg}) {
        let v = result[base + l * K + j];
        for (var i = 0; i < j; i = i + 1) {
          dots[i] = dots[i] + result[base + l * K + i] * v;
        }
      }
      for (var i = 0; i < j; i = i + 1) {
        red[i * ${wg} + t] = dots[i];
      }
      workgroupBarrier();
      reduceChannels(j);
      for (var i = 0; i < j; i = i + 1) {
        dots[i] = red[i * ${wg}];
      }
      workgroupBarrier(); // all have read the dots before red is written again
      for (var l = t; l < L; l = l + ${wg}) {
        var v = result[base + l * K + j];
        for (var i = 0; i < j; i = i + 1) {
          v = v - dots[i] * result[base + l * K + i];
        }
        result[base + l * K + j] = v;
      }
    }
    var sq = 0.0;
    for (var l = t; l < L; l = l + ${wg}) {
      let v = result[base + l * K + j];
      sq = sq + v * v;
    }
    red[t] = sq;
    workgroupBarrier();
    reduceChannels(1);
    if (t == 0) {
      columnNorm = sqrt(red[0]);
    }
    return workgroupUniformLoad(&columnNorm);
  }

  // Orthonormalises the basis in place; collapsed columns are replaced from the seeded stream \`round\`.
  fn orthonormalize(L : i32, round : u32) {
    let t = i32(localId.x);
    for (var j = 0; j < uniforms.k; j = j + 1) {
      var norm = orthogonalize(L, j);
      if (norm <= COLLAPSE_TOL) {
        for (var l = t; l < L; l = l + ${wg}) {
          result[base + l * K + j] = seededUniform(uniforms.seed, u32(b), round, u32(j), u32(l));
        }
        norm = orthogonalize(L, j);
      }
      let scale = select(0.0, 1.0 / norm, norm > COLLAPSE_TOL);
      for (var l = t; l < L; l = l + ${wg}) {
        result[base + l * K + j] = result[base + l * K + j] * scale;
      }
    }
  }
`;
}
