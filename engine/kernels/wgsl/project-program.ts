import type { GateMode } from '../spf-types';
import type { ProgramUniform, WebGPUProgram } from '../webgpu-compat';
import { LINE_UNIFORMS } from './line-uniforms';
import { WORKGROUP_INDEX_WGSL, workgroupReductionWgsl } from './snippets';

const WG = 128;
/** Per-invocation line cache, in elements: lines up to WG·MAX_CACHE = 8192 long are read from memory once. */
const MAX_CACHE = 64;

/**
 * The fused, gated projection: for each line s of block b (a column of G_t on the rows side, a row on the cols side),
 * read the line once into registers, form its k coefficients a_i = Σ_l U[l,i] G_t(l,s) with one workgroup reduction,
 * keep those whose gate fires, and write out(l,s) = G_t(l,s) − Σ_i a_i U[l,i] once. One workgroup per line.
 *
 * The gate is read here, on the GPU (no read-back), as a flat vector; the uniform gateMode says which entry decides:
 * 0 'always' (none; any buffer is bound), 1 'global' gate[0] < 0 (the caller's Σ dots over all blocks), 2 'block'
 * gate[b] < 0, 3 'direction' gate[b·k + i] < 0. A uniform rather than baked: one pipeline serves all four modes (each
 * baked variant cost another second of shader compilation on lavapipe), and the branch runs k times per line.
 * Baked, and in shaderKey: k (register arrays) and the cache length (a power of two ≥ ⌈L / WG⌉; 0 = lines longer
 * than WG·MAX_CACHE, read twice instead).
 */
export class ProjectProgram implements WebGPUProgram {
  readonly variableNames = ['gt', 'u', 'gate']; // [nb, rows, cols], [nb, L, k], [gate length]
  readonly outputShape: number[];
  shaderKey: string;
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = `${LINE_UNIFORMS} gateMode : i32,`;
  private readonly k: number;
  private readonly cache: number;

  constructor(shape: [number, number, number], S: number, L: number, k: number) {
    this.k = k;
    this.cache = cacheLength(L);
    this.outputShape = shape;
    this.dispatch = [shape[0] * S, 1, 1];
    this.shaderKey = `spfProject_k${k}_c${this.cache}`;
  }

  getUserCode(): string {
    const K = this.k;
    return `
  ${WORKGROUP_INDEX_WGSL}
  ${workgroupReductionWgsl(WG, K)}

  fn fires(b : i32, i : i32) -> bool {
    switch (uniforms.gateMode) {
      case 0: { return true; }
      case 1: { return gate[0] < 0.0; }
      case 2: { return gate[b] < 0.0; }
      default: { return gate[b * ${K} + i] < 0.0; }
    }
  }

  fn main(index : i32) {
    let item = workgroupIndex();
    let valid = item < uniforms.numBlocks * uniforms.S;
    let b = item / uniforms.S;
    let s = item - b * uniforms.S;
    let t = i32(localId.x);
    let L = select(0, uniforms.L, valid);
    let gBase = b * uniforms.blockSize + s * uniforms.strideS;
    let uBase = b * uniforms.L * ${K};
    var acc = array<f32, ${K}>();
    ${this.cache > 0 ? cachedRead(K, this.cache) : streamedRead(K)}
    for (var i = 0; i < ${K}; i = i + 1) {
      red[i * ${WG} + t] = acc[i];
    }
    workgroupBarrier();
    reduceChannels(${K});
    var coef = array<f32, ${K}>();
    for (var i = 0; i < ${K}; i = i + 1) {
      coef[i] = select(0.0, red[i * ${WG}], valid && fires(b, i));
    }
    ${this.cache > 0 ? cachedWrite(K, this.cache) : streamedWrite(K)}
  }
`;
  }
}

/** The gateMode uniform of a mode. */
export function gateModeUniform(mode: GateMode): ProgramUniform {
  return { type: 'int32', data: [{ always: 0, global: 1, block: 2, direction: 3 }[mode]] };
}

function cacheLength(L: number): number {
  const perInvocation = Math.ceil(L / WG);
  if (perInvocation > MAX_CACHE) return 0;
  let c = 1;
  while (c < perInvocation) c *= 2;
  return c;
}

function accumulate(K: number): string {
  return `for (var i = 0; i < ${K}; i = i + 1) {
          acc[i] = acc[i] + u[uBase + l * ${K} + i] * v;
        }`;
}

function removeAndWrite(K: number): string {
  return `var removed = 0.0;
        for (var i = 0; i < ${K}; i = i + 1) {
          removed = removed + coef[i] * u[uBase + l * ${K} + i];
        }
        result[gBase + l * uniforms.strideL] = v - removed;`;
}

function cachedRead(K: number, cache: number): string {
  return `var line = array<f32, ${cache}>();
    for (var m = 0; m < ${cache}; m = m + 1) {
      let l = t + m * ${WG};
      if (l < L) {
        let v = gt[gBase + l * uniforms.strideL];
        line[m] = v;
        ${accumulate(K)}
      }
    }`;
}

function cachedWrite(K: number, cache: number): string {
  return `for (var m = 0; m < ${cache}; m = m + 1) {
      let l = t + m * ${WG};
      if (l < L) {
        let v = line[m];
        ${removeAndWrite(K)}
      }
    }`;
}

function streamedRead(K: number): string {
  return `for (var l = t; l < L; l = l + ${WG}) {
      let v = gt[gBase + l * uniforms.strideL];
      ${accumulate(K)}
    }`;
}

function streamedWrite(K: number): string {
  return `for (var l = t; l < L; l = l + ${WG}) {
      let v = gt[gBase + l * uniforms.strideL];
      ${removeAndWrite(K)}
    }`;
}
