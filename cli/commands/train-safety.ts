import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SafeTuneError } from '../../engine/errors';
import type { CausalLM } from '../../engine/model/causal-lm';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { parseSafetyPairs, tokenizeSafetyPairs } from '../../engine/safety/anchors';
import { SafetyProbe, type DriftPoint } from '../../engine/safety/drift';
import { SafetyProjector } from '../../engine/safety/safety-projector';
import { DEFAULT_SPF_OPTIONS, resolveSpfOptions, SPF_GATES, SPF_PROJECTS, type SpfGate, type SpfOptions, type SpfProject } from '../../engine/safety/spf-options';
import { oneOf, optionalNumber, type OptionSpec } from '../../node-host/args';

/** The `train` flags of SPF and the safety probe. Defaults are the engine's (engine/safety/spf-options.ts). */
export const SPF_FLAGS: OptionSpec = {
  spf: { type: 'boolean' },
  'spf-k': { type: 'string' },
  'spf-gate': { type: 'string' },
  'spf-project': { type: 'string' },
  'spf-iters': { type: 'string' },
  'spf-refresh': { type: 'string' },
  'spf-anchors': { type: 'string' },
  probe: { type: 'string' },
};

export const SPF_USAGE =
  '[--spf --spf-k K --spf-gate global|block|direction|always --spf-project update|gradient|both --spf-iters W[,C] --spf-refresh N --spf-anchors FILE --probe FILE]';

/** SPF options from the flags; --spf-iters is W or W,C (warm, cold power-iteration steps). */
export function spfFromFlags(v: Record<string, string | boolean | undefined>): SpfOptions {
  const itersText = v['spf-iters'];
  let iters = { ...DEFAULT_SPF_OPTIONS.iters };
  if (typeof itersText === 'string') {
    const parts = itersText.split(',').map((s) => Number(s.trim()));
    if (parts.length > 2 || parts.some((n) => !Number.isInteger(n))) {
      throw new SafeTuneError('bad-argument', `train: --spf-iters must be W or W,C (warm, cold iterations), got "${itersText}"`);
    }
    iters = { warm: parts[0]!, cold: parts[1] ?? Math.max(parts[0]!, DEFAULT_SPF_OPTIONS.iters.cold) };
  }
  return resolveSpfOptions({
    enabled: v['spf'] === true,
    k: optionalNumber('train', v, 'spf-k', true) ?? DEFAULT_SPF_OPTIONS.k,
    gate: oneOf<SpfGate>('train', v, 'spf-gate', SPF_GATES, DEFAULT_SPF_OPTIONS.gate),
    project: oneOf<SpfProject>('train', v, 'spf-project', SPF_PROJECTS, DEFAULT_SPF_OPTIONS.project),
    iters,
    refreshEvery: optionalNumber('train', v, 'spf-refresh', true) ?? DEFAULT_SPF_OPTIONS.refreshEvery,
  });
}

/** The bundled defaults: the app ships the same files. */
export const DEFAULT_ANCHORS = fileURLToPath(new URL('../../public/datasets/safety-anchor.jsonl', import.meta.url));
export const DEFAULT_PROBE = fileURLToPath(new URL('../../public/datasets/safety-probe.jsonl', import.meta.url));

export interface SafetySetup {
  projector: SafetyProjector;
  /** Probe-set safety loss and its drift from the first measurement (the first call sets the baseline). */
  measureDrift(): Promise<DriftPoint>;
  dispose(): void;
}

async function pairsFrom(path: string, what: string) {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new SafeTuneError('missing-file', `${what} file ${path} cannot be read`, 'pass a JSONL file of {"request", "refusal"} pairs');
  }
  return parseSafetyPairs(bytes, basename(path));
}

/** SPF for a CLI run: anchors (explicit, else in the options, else bundled), the projector hook, and the probe set. */
export async function setUpSafety(
  model: CausalLM,
  tokenizer: TextTokenizer,
  spf: SpfOptions,
  opts: { anchors: string | undefined; probe: string | undefined; maxLength: number; batchSize: number },
): Promise<SafetySetup> {
  const anchorPairs = opts.anchors !== undefined ? await pairsFrom(opts.anchors, 'anchor') : spf.anchors.length > 0 ? spf.anchors : await pairsFrom(DEFAULT_ANCHORS, 'anchor');
  const anchors = tokenizeSafetyPairs(anchorPairs, tokenizer, opts.maxLength, opts.anchors ?? 'bundled safety anchor');
  const probePath = opts.probe ?? DEFAULT_PROBE;
  const probeExamples = tokenizeSafetyPairs(await pairsFrom(probePath, 'probe'), tokenizer, opts.maxLength, basename(probePath));
  const projector = new SafetyProjector(model, anchors, spf, tokenizer.padTokenId);
  const probe = new SafetyProbe(probeExamples, { batchSize: opts.batchSize, maxLength: opts.maxLength, padId: tokenizer.padTokenId });
  let step = 0;
  return {
    projector,
    measureDrift: async () => (probe.initialLoss === undefined ? probe.start(model) : probe.measure(model, step++)),
    dispose: () => projector.dispose(),
  };
}
