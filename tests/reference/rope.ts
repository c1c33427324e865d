/**
 * Rotary position embedding as transformers does it for Llama / Qwen2 / Qwen3: inverse frequencies from
 * modeling_rope_utils (default and "llama3"), and the rotate_half convention (the head is split into two halves,
 * pair (i, i + d/2) rotates by position * inv_freq[i]), not the interleaved (2i, 2i+1) one.
 */
import { configError, readNumber, readPositiveInt } from './config-fields';

export interface Llama3RopeScaling {
  factor: number; // e.g. 32: how much the low frequencies are stretched
  lowFreqFactor: number; // e.g. 1
  highFreqFactor: number; // e.g. 4
  originalMaxPositionEmbeddings: number; // e.g. 8192: the context the model was pretrained on
}

export interface RefRope {
  theta: number; // rope_theta, e.g. 10000 or 1000000
  scaling: Llama3RopeScaling | null; // null: plain RoPE
  invFreq: Float64Array; // [headDim / 2], after any scaling
}

/** inv_freq[i] = 1 / theta^(2i / dim) for i < dim / 2 (_compute_default_rope_parameters). */
export function defaultInverseFrequencies(theta: number, dim: number): Float64Array {
  const invFreq = new Float64Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) invFreq[i] = 1 / Math.pow(theta, (2 * i) / dim);
  return invFreq;
}

/**
 * _compute_llama3_parameters: wavelengths shorter than original_max / high_freq_factor are kept, those longer than
 * original_max / low_freq_factor are divided by factor, and the band between is blended linearly in
 * original_max / wavelen.
 */
export function llama3InverseFrequencies(base: Float64Array, scaling: Llama3RopeScaling): Float64Array {
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: oldContext } = scaling;
  const lowFreqWavelen = oldContext / lowFreqFactor;
  const highFreqWavelen = oldContext / highFreqFactor;
  return base.map((invFreq) => {
    const wavelen = (2 * Math.PI) / invFreq;
    if (wavelen < highFreqWavelen) return invFreq;
    if (wavelen > lowFreqWavelen) return invFreq / factor;
    const smooth = (oldContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * (invFreq / factor) + smooth * invFreq;
  });
}

function asRecord(value: unknown, key: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw configError(`"${key}" must be an object, got ${JSON.stringify(value)}`, `fix or remove "${key}"`);
  }
  return value as Record<string, unknown>;
}

/**
 * Reads transformers v5's `rope_parameters` (rope_theta inside) or the legacy `rope_scaling` + top-level `rope_theta`;
 * the rope type is `rope_type`, or the legacy `type`. Only "default" and "llama3" exist in this reference.
 */
export function parseRope(config: Record<string, unknown>, headDim: number): RefRope {
  const params = asRecord(config['rope_parameters'], 'rope_parameters') ?? asRecord(config['rope_scaling'], 'rope_scaling');
  const where = config['rope_parameters'] !== undefined && config['rope_parameters'] !== null ? 'rope_parameters' : 'rope_scaling';
  const theta = readNumber({ rope_theta: params?.['rope_theta'] ?? config['rope_theta'] }, 'rope_theta', 10000);
  if (theta <= 0) throw configError(`"rope_theta" must be positive, got ${theta}`, 'fix "rope_theta"');
  const partial = config['partial_rotary_factor'] ?? params?.['partial_rotary_factor'] ?? 1;
  if (partial !== 1) {
    throw configError(`partial_rotary_factor ${JSON.stringify(partial)} is not supported`, 'these models rotate the whole head');
  }
  if (headDim % 2 !== 0) {
    throw configError(`head_dim ${headDim} is odd`, 'rotate_half RoPE needs an even head_dim');
  }
  const base = defaultInverseFrequencies(theta, headDim);
  const ropeType = params?.['rope_type'] ?? params?.['type'] ?? 'default';
  if (ropeType === 'default') return { theta, scaling: null, invFreq: base };
  if (ropeType !== 'llama3' || params === null) {
    throw configError(`${where}.rope_type ${JSON.stringify(ropeType)} is not supported`, 'use "default" or "llama3"');
  }
  const scaling: Llama3RopeScaling = {
    factor: readNumber(params, 'factor'),
    lowFreqFactor: readNumber(params, 'low_freq_factor'),
    highFreqFactor: readNumber(params, 'high_freq_factor'),
    originalMaxPositionEmbeddings: readPositiveInt(params, 'original_max_position_embeddings'),
  };
  if (scaling.factor <= 0 || scaling.lowFreqFactor <= 0 || scaling.highFreqFactor <= scaling.lowFreqFactor) {
    // HF only warns here, but high <= low makes the blend divide by zero or by a negative band: a silently odd model.
    throw configError(
      `${where}: llama3 needs factor > 0 and high_freq_factor > low_freq_factor > 0, got ${JSON.stringify(params)}`,
      'copy rope_scaling from the original Llama 3.x config.json',
    );
  }
  return { theta, scaling, invFreq: llama3InverseFrequencies(base, scaling) };
}

/**
 * Rotates one head vector in place: x[offset .. offset + headDim) at `position`.
 * out[i] = x[i] cos - x[i + d/2] sin, out[i + d/2] = x[i + d/2] cos + x[i] sin   (x * cos + rotate_half(x) * sin)
 */
export function applyRope(x: Float64Array, offset: number, headDim: number, position: number, invFreq: Float64Array): void {
  const half = headDim / 2;
  for (let i = 0; i < half; i++) {
    const angle = position * (invFreq[i] as number);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const first = x[offset + i] as number;
    const second = x[offset + i + half] as number;
    x[offset + i] = first * cos - second * sin;
    x[offset + i + half] = second * cos + first * sin;
  }
}
