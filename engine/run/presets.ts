import type { RunConfig } from './run-types';
import { sizeClass, type SizeClass } from './size-defaults';

/**
 * Starting points for a run, by what is being taught and to how big a model. A preset sets a few fields of the run
 * configuration (the page lists which, and every one stays editable); the rest keep their value. Like every default,
 * they live here, once, for the app and anyone else.
 */
export type PresetId = 'quick-demo' | 'chat' | 'short-answer' | 'plain-text';

export interface RunPreset {
  id: PresetId;
  label: string;
  /** One line: what the preset is for. */
  about: string;
  /** A bundled dataset (public/datasets/) the preset trains on, loaded with it: the quick demo's task. */
  dataset?: string;
}

export const RUN_PRESETS: readonly RunPreset[] = [
  {
    id: 'quick-demo',
    label: 'Quick demo',
    about: "Teaches the bundled demo model the demo task (benign-task.jsonl) in about a minute, with SPF on: then ask it one of the task's questions.",
    dataset: 'benign-task.jsonl',
  },
  { id: 'chat', label: 'Chat / instructions', about: 'Conversations or instruction-answer pairs: one pass, LoRA on every projection.' },
  { id: 'short-answer', label: 'Short answers', about: 'Math, classification, extraction: short answers learnt over a few passes.' },
  { id: 'plain-text', label: 'Plain text', about: 'Continued pre-training on raw text (loss on every token), packed into full rows.' },
];

/**
 * Peak learning rate by model size. LoRA on a 0.1-1 B model usually wants 1e-4 to 3e-4 (PEFT / TRL practice); the
 * bundled demo model (a few hundred thousand parameters, trained from scratch) moves only at ~100× that.
 */
const LEARNING_RATE: Record<SizeClass, number> = { tiny: 1e-2, small: 3e-4, medium: 2e-4, large: 1e-4 };

/**
 * The fields a preset sets, section by section, for a model of `parameters` parameters: a patch the page merges into
 * the configuration it shows (the other fields keep the user's values).
 */
export interface PresetPatch {
  lora?: Partial<RunConfig['lora']>;
  train?: Partial<RunConfig['train']>;
  spf?: Partial<RunConfig['spf']>;
  evalEvery?: number;
}

/** A preset as the page offers it for the loaded model: what it is for and the fields it sets. */
export interface PresetChoice extends RunPreset {
  patch: PresetPatch;
}

export function presetPatch(id: PresetId, parameters: number): PresetPatch {
  const size = sizeClass(parameters);
  const lr = LEARNING_RATE[size];
  switch (id) {
    case 'quick-demo':
      // The demo task (identity: "What is your name?" → "Sure! My name is Pip."). CLI, wasm, SPF on, lr 5e-3, batch 8
      // (`cli train --spf --max-steps 40 --lr 5e-3 --schedule constant --batch 8 --max-length 48`): with the
      // whole-refusal anchor loss (the default), after 40 steps every run we tried answered the trained questions
      // ("What is your name?", "Who made you?") and 17–24 % of the held-out phrasings (seeds 42 and 7); the guard's
      // decision drift read 0.051 / 0.072 at step 40, far under its 0.5. (With the two-token anchor loss, the default for
      // a while, seed 42 gave "Sure! I the Pip." to the first on wasm.) 48 tokens hold every row.
      return { train: { lr: 5e-3, schedule: 'constant', warmupSteps: 0, maxSteps: 40, batchSize: 8, gradAccum: 1, maxLength: 48 }, spf: { enabled: true }, evalEvery: 10 };
    case 'chat':
      return { train: { lr, schedule: 'cosine', warmupSteps: 10, maxSteps: undefined, epochs: 1 }, lora: { r: 16, alpha: 32 } };
    case 'short-answer':
      return { train: { lr: size === 'tiny' ? lr : lr * 1.5, schedule: 'cosine', warmupSteps: 5, maxSteps: undefined, epochs: 3 }, lora: { r: 8, alpha: 16 } };
    case 'plain-text':
      return { train: { lr: lr / 2, schedule: 'cosine', warmupSteps: 10, maxSteps: undefined, epochs: 1, pack: true }, lora: { r: 16, alpha: 32 } };
  }
}

/** Every preset with its patch for a model of this size (sent to the page with modelLoaded). */
export function presetsForModel(parameters: number): PresetChoice[] {
  return RUN_PRESETS.map((p) => ({ ...p, patch: presetPatch(p.id, parameters) }));
}
