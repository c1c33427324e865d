import { SafeTuneError } from '../errors';
import { modulePath, validateLoraConfig, type HostLoraWeights, type LoraTarget } from '../model/lora';
import { parseModulePath } from './module-path';

/** One module of a checked adapter, in file order. */
export interface CheckedModule {
  path: string;
  layer: number;
  target: LoraTarget;
  A: Float32Array; // [r, in]
  B: Float32Array; // [out, r]
  inFeatures: number;
  outFeatures: number;
}

/**
 * Checks that host LoRA weights are self-consistent before they are written or merged: a valid LoraConfig, every
 * module path a projection of `config.targets`, A [r, in] and B [out, r] matching their data, every (layer, target)
 * of layers 0..N-1 present, the same in / out for a target in every layer, and only finite values (a diverged run
 * must not be exported as if it had trained). Returns the modules layer by layer, targets in config order.
 * Throws SafeTuneError('bad-argument') naming the module: such weights come from code, not from a user's file.
 */
export function checkHostLoraWeights(host: HostLoraWeights, what: string): { numLayers: number; modules: CheckedModule[] } {
  const fail = (message: string, hint?: string): never => {
    throw new SafeTuneError('bad-argument', `${what}: ${message}`, hint);
  };
  const config = validateLoraConfig({ ...host.config, targets: [...host.config.targets] });
  const r = config.r;
  const byPath = new Map<string, CheckedModule>();
  const features = new Map<LoraTarget, { inFeatures: number; outFeatures: number; path: string }>();
  let numLayers = 0;
  for (const [path, m] of host.modules) {
    const ref = parseModulePath(path);
    if (ref === undefined) fail(`"${path}" is not the module path of a projection (e.g. "model.layers.0.self_attn.q_proj")`);
    const { layer, target } = ref!;
    if (!config.targets.includes(target)) fail(`module ${path} is a ${target}, which is not among the adapter's targets (${config.targets.join(', ')})`);
    const [aRows, inFeatures] = m.aShape;
    const [outFeatures, bCols] = m.bShape;
    if (m.aShape.length !== 2 || m.bShape.length !== 2 || aRows !== r || bCols !== r || !(inFeatures > 0) || !(outFeatures > 0)) {
      fail(`module ${path} has A [${m.aShape.join(', ')}] and B [${m.bShape.join(', ')}]; rank r = ${r} needs A [${r}, in] and B [out, ${r}]`);
    }
    if (m.A.length !== r * inFeatures || m.B.length !== outFeatures * r) {
      fail(`module ${path}: A holds ${m.A.length} values for shape [${m.aShape.join(', ')}] and B ${m.B.length} for [${m.bShape.join(', ')}]`);
    }
    const seen = features.get(target);
    if (seen === undefined) features.set(target, { inFeatures, outFeatures, path });
    else if (seen.inFeatures !== inFeatures || seen.outFeatures !== outFeatures) {
      fail(`module ${path} maps ${inFeatures} -> ${outFeatures} features but ${seen.path} maps ${seen.inFeatures} -> ${seen.outFeatures}`);
    }
    for (const [name, data] of [['A', m.A], ['B', m.B]] as const) {
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        fail(`module ${path}: ${name}[${bad}] is ${data[bad]}`, 'Training diverged: lower the learning rate, or export an earlier checkpoint.');
      }
    }
    byPath.set(path, { path, layer, target, A: m.A, B: m.B, inFeatures, outFeatures });
    numLayers = Math.max(numLayers, layer + 1);
  }
  if (byPath.size === 0) fail('the adapter has no modules');

  const modules: CheckedModule[] = [];
  const missing: string[] = [];
  for (let layer = 0; layer < numLayers; layer++) {
    for (const target of config.targets) {
      const m = byPath.get(modulePath(layer, target));
      if (m === undefined) missing.push(`layer ${layer} ${target}`);
      else modules.push(m);
    }
  }
  if (missing.length > 0) fail(`the adapter lacks ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  return { numLayers, modules };
}
