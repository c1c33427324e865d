import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from '../errors';
import { listNames } from '../weights/weight-shards';
import type { ModelConfig } from './config';
import { mulberry32 } from '../util/random';
import { LORA_TARGETS, loraScale, validateLoraConfig, type LoraConfig, type LoraTarget } from './lora-config';

export { LORA_TARGETS, DEFAULT_LORA_CONFIG, loraScale, validateLoraConfig, type LoraConfig, type LoraTarget } from './lora-config';

/** HF module path of a projection, e.g. "model.layers.3.self_attn.q_proj" / "model.layers.3.mlp.down_proj". */
export function modulePath(layer: number, target: LoraTarget): string {
  const group = target === 'gate_proj' || target === 'up_proj' || target === 'down_proj' ? 'mlp' : 'self_attn';
  return `model.layers.${layer}.${group}.${target}`;
}

/** [out, in] of a projection in this model. */
export function projectionShape(config: ModelConfig, target: LoraTarget): [number, number] {
  const h = config.hiddenSize;
  const q = config.numHeads * config.headDim;
  const kv = config.numKvHeads * config.headDim;
  switch (target) {
    case 'q_proj':
      return [q, h];
    case 'k_proj':
    case 'v_proj':
      return [kv, h];
    case 'o_proj':
      return [h, q];
    case 'gate_proj':
    case 'up_proj':
      return [config.intermediateSize, h];
    case 'down_proj':
      return [h, config.intermediateSize];
  }
}

/** One adapted projection: ΔW = scale · B · A. */
export interface LoraModule {
  path: string; // HF module path
  target: LoraTarget;
  layer: number;
  A: tf.Variable<tf.Rank.R2>; // [r, in]  (PEFT lora_A.weight)
  B: tf.Variable<tf.Rank.R2>; // [out, r] (PEFT lora_B.weight)
}

/** Host-side copy of an adapter's matrices, keyed by module path (what export and checkpoints hold). */
export interface HostLoraWeights {
  config: LoraConfig;
  modules: Map<string, { A: Float32Array; B: Float32Array; aShape: [number, number]; bShape: [number, number] }>;
}

/**
 * The trainable LoRA parameters of a model: one (A, B) pair per target module per layer. The base weights are plain
 * tensors; these are the only tf.Variables, so tf.variableGrads / optimizers see exactly them.
 */
export class LoraAdapter {
  readonly config: LoraConfig;
  readonly scale: number;
  private readonly byPath = new Map<string, LoraModule>();

  private constructor(config: LoraConfig) {
    this.config = validateLoraConfig({ ...config, targets: [...config.targets] });
    this.scale = loraScale(config);
  }

  /** Fresh adapter as PEFT initialises it: A ~ Kaiming-uniform(a=√5) = U(−1/√in, 1/√in), B = 0 (so ΔW = 0). */
  static init(model: ModelConfig, config: LoraConfig, seed = 0): LoraAdapter {
    const adapter = new LoraAdapter(config);
    const rand = mulberry32(seed);
    for (let layer = 0; layer < model.numLayers; layer++) {
      for (const target of adapter.config.targets) {
        const [out, inn] = projectionShape(model, target);
        const bound = 1 / Math.sqrt(inn);
        const a = new Float32Array(config.r * inn);
        for (let i = 0; i < a.length; i++) a[i] = (2 * rand() - 1) * bound;
        adapter.add(layer, target, a, new Float32Array(out * config.r), out, inn);
      }
    }
    return adapter;
  }

  /**
   * Adapter from host matrices (a loaded PEFT adapter or a checkpoint), checked against the model: every module the
   * model needs must be there with its shape, and no module may be left over (an adapter for a deeper model, applied
   * to its first layers only, would silently be another adapter).
   *
   * @param source where the weights came from ("adapter_model.safetensors in <folder>"), for messages.
   */
  static fromHost(model: ModelConfig, host: HostLoraWeights, source = 'the adapter'): LoraAdapter {
    rejectUnusedModules(model, host, source);
    const adapter = new LoraAdapter(host.config);
    try {
      adapter.addHostModules(model, host, source);
    } catch (e) {
      adapter.dispose(); // the layers added before the bad one
      throw e;
    }
    return adapter;
  }

  private addHostModules(model: ModelConfig, host: HostLoraWeights, source: string): void {
    for (let layer = 0; layer < model.numLayers; layer++) {
      for (const target of this.config.targets) {
        const path = modulePath(layer, target);
        const m = host.modules.get(path);
        const [out, inn] = projectionShape(model, target);
        if (m === undefined) {
          throw new SafeTuneError(
            'bad-adapter',
            `${source} has no weights for ${path} although its target_modules include ${target}`,
            `the adapter is incomplete, or was trained for a base model with fewer layers than this one's ${model.numLayers}: load the model it was trained on`,
          );
        }
        const want = `A [${host.config.r}, ${inn}] and B [${out}, ${host.config.r}]`;
        if (m.aShape[0] !== host.config.r || m.aShape[1] !== inn || m.bShape[0] !== out || m.bShape[1] !== host.config.r) {
          throw new SafeTuneError(
            'bad-adapter',
            `${source}: tensor shapes for ${path} are A [${m.aShape.join(', ')}] and B [${m.bShape.join(', ')}]; this model needs ${want}`,
            'the adapter was trained for a different base model or rank',
          );
        }
        this.add(layer, target, m.A, m.B, out, inn);
      }
    }
  }

  private add(layer: number, target: LoraTarget, a: Float32Array, b: Float32Array, out: number, inn: number): void {
    const path = modulePath(layer, target);
    const r = this.config.r;
    this.byPath.set(path, {
      path,
      target,
      layer,
      A: trainable(tf.tensor2d(a, [r, inn])),
      B: trainable(tf.tensor2d(b, [out, r])),
    });
  }

  get(layer: number, target: LoraTarget): LoraModule | undefined {
    return this.byPath.get(modulePath(layer, target));
  }

  modules(): LoraModule[] {
    return [...this.byPath.values()];
  }

  /** All trainable variables in a fixed order (module order, A before B): optimizers and checkpoints rely on it. */
  variables(): tf.Variable[] {
    return this.modules().flatMap((m) => [m.A, m.B]);
  }

  parameterCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  /** Copies the matrices to the host. Sync point: reads every LoRA tensor back from the GPU. */
  async toHost(): Promise<HostLoraWeights> {
    const modules: HostLoraWeights['modules'] = new Map();
    for (const m of this.modules()) {
      const [A, B] = await Promise.all([m.A.data(), m.B.data()]);
      modules.set(m.path, {
        A: A as Float32Array,
        B: B as Float32Array,
        aShape: [m.A.shape[0], m.A.shape[1]],
        bShape: [m.B.shape[0], m.B.shape[1]],
      });
    }
    return { config: { ...this.config, targets: [...this.config.targets] }, modules };
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
    this.byPath.clear();
  }
}

/** Modules of `host` that this model and the adapter's targets do not account for: an error naming the first ones. */
function rejectUnusedModules(model: ModelConfig, host: HostLoraWeights, source: string): void {
  const used = new Set<string>();
  for (let layer = 0; layer < model.numLayers; layer++) for (const target of host.config.targets) used.add(modulePath(layer, target));
  const unused = [...host.modules.keys()].filter((path) => !used.has(path));
  if (unused.length === 0) return;
  throw new SafeTuneError(
    'bad-adapter',
    `${source} holds weights for ${listNames(unused, 3, '')}, which this model (${model.numLayers} layers, targets ${host.config.targets.join(', ')}) does not have`,
    'the adapter was trained for a different base model: load the model it was trained on',
  );
}

/** A trainable variable holding `init`'s values; `init` itself is released (tf.variable keeps its own reference). */
// Unnamed: tfjs variable names are process-global, and a base and a fine-tuned adapter may coexist.
function trainable(init: tf.Tensor2D): tf.Variable<tf.Rank.R2> {
  const v = tf.variable(init, true);
  init.dispose();
  return v;
}
