import type { SafetyPair, SpfOptions } from '../../workers/protocol';

/**
 * The SPF anchor sets the form offers: the bundled four (the default), the bundled 32 with the settings they were
 * measured with, or the user's own pairs. The 32 keep more refusals and less of the task (README, "Wider safety
 * subspaces": 70.4 % of the harmful requests refused after adversarial fine-tuning against the four's 57.8 %, base
 * 72.2 %; 48.4 % task utility after benign fine-tuning against 53.6 %), and only at k = 1 with the decision-token
 * loss: at the default k = 4 the 32 anchors' 128 directions would be cut to the kernels' 16 anyway, and the loss is
 * part of what was measured.
 */
export type AnchorSet = 'bundled' | 'wide' | 'custom';

export type AnchorSetFields = Pick<SpfOptions, 'anchors' | 'k' | 'anchorTokens'>;

/** Which set a configuration uses; 'wide' only with exactly the bundled 32 pairs, in order. */
export function anchorSetOf(spf: Pick<SpfOptions, 'anchors'>, wide: readonly SafetyPair[]): AnchorSet {
  if (spf.anchors.length === 0) return 'bundled';
  const same = wide.length === spf.anchors.length && wide.every((p, i) => p.request === spf.anchors[i]!.request && p.refusal === spf.anchors[i]!.refusal);
  return same ? 'wide' : 'custom';
}

/**
 * The SPF fields a choice sets: 'bundled' restores the engine's defaults (empty anchors = the bundled four), 'wide'
 * the 32 pairs at k = 1 with the decision-token loss. 'custom' sets nothing: the user's own pairs come from the editor.
 */
export function anchorSetPatch(set: AnchorSet, defaults: AnchorSetFields, wide: readonly SafetyPair[]): Partial<AnchorSetFields> {
  switch (set) {
    case 'bundled':
      return { anchors: [], k: defaults.k, anchorTokens: defaults.anchorTokens };
    case 'wide':
      return { anchors: wide.map((p) => ({ ...p })), k: 1, anchorTokens: 1 };
    case 'custom':
      return {};
  }
}
