import { workgroupLineStartWgsl } from './line-uniforms';
import { WORKGROUP_INDEX_WGSL, workgroupReductionWgsl } from './snippets';

/** Invocations per workgroup in the workgroup-per-line projection. */
export const PROJECT_WIDE_WG = 64;

/**
 * ProjectProgram's main() with a workgroup per line instead of one invocation: the workgroup's invocations stride
 * along the line, reduce the k coefficients together (one tree), and write their elements. For a real GPU. One
 * invocation per line leaves a LoRA group's nb·r lines (hundreds) as that many threads, each walking L elements twice
 * in sequence — too few to fill a GPU's dozens of multiprocessors, so it runs at one load's latency per element (on an
 * H200, 1.2 ms per 32 × 16 × 2048 group: 0.44× the composed tfjs ops, README "On a real GPU"). On a software adapter
 * the reverse holds (its cores are few and each barrier is a pass over all invocations: 17 vs 8.5–15 ms a group on
 * lavapipe), so there the kernel keeps one invocation per line. `fires` is ProjectProgram's.
 */
export function projectWideWgsl(K: number): string {
  const WG = PROJECT_WIDE_WG;
  return `
  ${WORKGROUP_INDEX_WGSL}
  ${workgroupReductionWgsl(WG, K)}

  fn main(index : i32) {
    ${workgroupLineStartWgsl(K)}
    var coef = array<f32, ${K}>();
    for (var l = t; l < L; l = l + ${WG}) {
      let v = gt[gBase + l * uniforms.strideL];
      for (var i = 0; i < ${K}; i = i + 1) {
        coef[i] = coef[i] + u[uBase + l * ${K} + i] * v;
      }
    }
    for (var i = 0; i < ${K}; i = i + 1) {
      red[i * ${WG} + t] = coef[i];
    }
    workgroupBarrier();
    reduceChannels(${K});
    for (var i = 0; i < ${K}; i = i + 1) {
      coef[i] = select(0.0, red[i * ${WG}], valid && fires(b, i));
    }
    for (var l = t; l < L; l = l + ${WG}) {
      let e = gBase + l * uniforms.strideL;
      var removed = 0.0;
      for (var i = 0; i < ${K}; i = i + 1) {
        removed = removed + coef[i] * u[uBase + l * ${K} + i];
      }
      result[e] = gt[e] - removed;
    }
  }
`;
}
