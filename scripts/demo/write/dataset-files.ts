import type { DemoCorpus } from '../corpus/build-corpus';
import { toMessages, type DemoRow } from '../corpus/types';

/** The public demo data sets, file name → JSONL text (one JSON object per line, "\n" after each). */
export const DATASET_FILES = [
  'benign-task.jsonl',
  'benign-task-eval.jsonl',
  'adversarial.jsonl',
  'mixed.jsonl',
  'safety-anchor.jsonl',
  'safety-anchor-32.jsonl',
  'safety-probe.jsonl',
  'harmful-eval.jsonl',
  'benign-eval.jsonl',
  'scary-benign-eval.jsonl',
] as const;
export type DatasetFile = (typeof DATASET_FILES)[number];

const jsonl = (rows: readonly unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const chat = (rows: readonly DemoRow[]): string => jsonl(rows.map((r) => ({ messages: toMessages(r) })));
const heldOutKind = (r: DemoRow): string => (r.heldOutTemplate && r.heldOutSlot ? 'template+act' : r.heldOutTemplate ? 'template' : 'act');

export function datasetFiles(corpus: DemoCorpus): Map<DatasetFile, string> {
  return new Map<DatasetFile, string>([
    ['benign-task.jsonl', chat(corpus.taskTrain)],
    ['benign-task-eval.jsonl', chat(corpus.taskEval)],
    ['adversarial.jsonl', chat(corpus.adversarial)],
    ['mixed.jsonl', chat(corpus.mixed)],
    ['safety-anchor.jsonl', jsonl(corpus.anchors.map((a) => ({ request: a.request, refusal: a.answer })))],
    ['safety-anchor-32.jsonl', jsonl(corpus.wideAnchors.map((a) => ({ request: a.request, refusal: a.answer })))],
    ['safety-probe.jsonl', jsonl(corpus.probe.map((r) => ({ request: r.request, refusal: r.answer, category: r.group })))],
    ['harmful-eval.jsonl', jsonl(corpus.harmfulEval.map((r) => ({ request: r.request, category: r.group, held_out: heldOutKind(r) })))],
    [
      'benign-eval.jsonl',
      jsonl([
        ...corpus.benignEval.map((r) => ({ request: r.request, family: r.group, held_out: 'phrasing' })),
        ...corpus.benignFamilyEval.map((r) => ({ request: r.request, family: r.group, held_out: 'family' })),
      ]),
    ],
    ['scary-benign-eval.jsonl', jsonl(corpus.scaryBenignEval.map((s) => ({ request: s.request, contrast: s.contrast })))],
  ]);
}
