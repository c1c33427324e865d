import { SafeTuneError } from '../../engine/errors';
import { DEFAULT_SPF_OPTIONS, resolveSpfOptions, SPF_GATES, SPF_PROJECTS, type SpfGate, type SpfOptions, type SpfProject } from '../../engine/safety/spf-options';
import type { AnchorTokens } from '../../engine/safety/anchor-scope';
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
  'spf-anchor-tokens': { type: 'string' },
  'spf-anchors-per-pass': { type: 'string' },
  probe: { type: 'string' },
};

export const SPF_USAGE =
  '[--spf --spf-k K --spf-gate global|block|direction|always --spf-project update|gradient|both --spf-iters W[,C] --spf-refresh N --spf-anchors FILE --spf-anchor-tokens N|all --spf-anchors-per-pass N --probe FILE]';

/** The flags that set up SPF: without --spf nothing reads them (--probe is not one: the guard uses it either way). */
const SPF_SETTINGS = Object.keys(SPF_FLAGS).filter((flag) => flag.startsWith('spf-'));

/** An SPF setting without --spf would be dropped and the run train plain LoRA, which the user did not ask for. */
function refuseSpfSettingsWithoutSpf(v: Record<string, string | boolean | undefined>): void {
  if (v['spf'] === true) return;
  const given = SPF_SETTINGS.filter((flag) => v[flag] !== undefined).map((flag) => `--${flag}`);
  if (given.length > 0) {
    const flags = given.join(', ');
    throw new SafeTuneError('bad-argument', `train: ${flags} ${given.length === 1 ? 'needs' : 'need'} --spf`, `add --spf to train with SPF, or drop ${flags} to train plain LoRA`);
  }
}

/**
 * SPF options from the flags; --spf-iters is W or W,C (warm, cold power-iteration steps). An SPF setting without
 * --spf is an error naming it.
 */
export function spfFromFlags(v: Record<string, string | boolean | undefined>): SpfOptions {
  refuseSpfSettingsWithoutSpf(v);
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
    anchorTokens: anchorTokensFlag(v),
    anchorsPerPass: optionalNumber('train', v, 'spf-anchors-per-pass', true) ?? DEFAULT_SPF_OPTIONS.anchorsPerPass,
  });
}

/**
 * --spf-anchor-tokens: "all", or how many refusal tokens of each anchor the safety loss counts (1 = the decision); an
 * integer is parsed like every numeric flag, and its range is checked by resolveSpfOptions like --spf-k's.
 */
function anchorTokensFlag(v: Record<string, string | boolean | undefined>): AnchorTokens {
  if (v['spf-anchor-tokens'] === 'all') return 'all';
  return optionalNumber('train', v, 'spf-anchor-tokens', true) ?? DEFAULT_SPF_OPTIONS.anchorTokens;
}
