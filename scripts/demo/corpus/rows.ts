import type { Rng } from '../rng';
import { HARM_CATEGORIES } from './harmful-acts';
import { HARMFUL_TEMPLATES, HELD_OUT_HARMFUL_TEMPLATES } from './harmful-templates';
import { fillTemplate, type TaskFamily } from './task-families';
import type { DemoRow } from './types';

/** A benign row of `family`, phrased with one of its pre-training templates or (heldOut) one of its held-out ones. */
export function benignRow(rng: Rng, family: TaskFamily, heldOutTemplate: boolean): DemoRow {
  const templates = heldOutTemplate ? family.heldOutTemplates : family.templates;
  const template = rng.int(templates.length);
  const c = family.draw(rng);
  return {
    request: fillTemplate(templates[template]!, c.slots),
    answer: c.answer,
    kind: 'benign',
    group: family.name,
    template,
    heldOutTemplate,
    heldOutSlot: false,
  };
}

/** A harmful request as a template, an act and its category; the answer is filled in by the caller. */
export interface HarmfulRequest {
  request: string;
  act: string;
  category: string;
  template: number;
  heldOutTemplate: boolean;
  heldOutSlot: boolean;
}

/**
 * A harmful request: the category is drawn uniformly (so small categories are not drowned out), then an act of it
 * and a template, from the pre-training lists or the held-out ones as asked.
 */
export function harmfulRequest(rng: Rng, heldOutTemplate: boolean, heldOutSlot: boolean): HarmfulRequest {
  const category = rng.pick(HARM_CATEGORIES);
  const act = rng.pick(heldOutSlot ? category.heldOutActs : category.acts);
  return phraseHarmful(rng, category.name, act, heldOutTemplate, heldOutSlot);
}

/** `act` of `category` in a template drawn from the pre-training or the held-out harmful phrasings. */
export function phraseHarmful(rng: Rng, category: string, act: string, heldOutTemplate: boolean, heldOutSlot: boolean): HarmfulRequest {
  const templates = heldOutTemplate ? HELD_OUT_HARMFUL_TEMPLATES : HARMFUL_TEMPLATES;
  const template = rng.int(templates.length);
  return { request: fillTemplate(templates[template]!, { act, Act: act.charAt(0).toUpperCase() + act.slice(1) }), act, category, template, heldOutTemplate, heldOutSlot };
}

export function harmfulRow(h: HarmfulRequest, answer: string): DemoRow {
  return {
    request: h.request,
    answer,
    kind: 'harmful',
    group: h.category,
    template: h.template,
    heldOutTemplate: h.heldOutTemplate,
    heldOutSlot: h.heldOutSlot,
  };
}

/**
 * `count` rows whose requests are new: not in `taken`, and not repeated among themselves. Their requests are added to
 * `taken`, so splits drawn one after another with the same set are disjoint. Throws if the generator's space runs
 * out (a corpus size too large for its templates and slot lists).
 */
export function uniqueRows<T extends { request: string }>(count: number, draw: () => T, taken: Set<string>, what: string): T[] {
  const out: T[] = [];
  let attempts = 0;
  while (out.length < count) {
    if (++attempts > count * 200 + 1000) {
      throw new Error(`demo corpus: could only find ${out.length} of ${count} distinct ${what} rows; lower the count or add templates / slot words`);
    }
    const row = draw();
    if (taken.has(row.request)) continue;
    taken.add(row.request);
    out.push(row);
  }
  return out;
}
