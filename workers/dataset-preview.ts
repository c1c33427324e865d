import { describeRow } from '../engine/data/row-ref';
import type { TokenizedExample } from '../engine/data/types';
import { IGNORE_INDEX } from '../engine/model/loss';
import type { TextTokenizer } from '../engine/tokenizer/types';
import type { PreviewRow } from './protocol';

/** Rows shown in the dataset preview. */
export const PREVIEW_ROWS = 5;

/**
 * The first examples (in file order) as the model sees them — the chat template's text, special tokens included —
 * cut into spans by the token labels: `trained` spans are exactly the tokens the loss is taken on.
 * Each span's text is the difference between decoding the tokens up to its end and up to its start, so a character
 * split across tokens (byte-level BPE) is not garbled at a span edge.
 */
export function previewRows(examples: readonly TokenizedExample[], tokenizer: TextTokenizer, count = PREVIEW_ROWS): PreviewRow[] {
  const first = [...examples].sort((a, b) => a.source.file.localeCompare(b.source.file) || a.source.line - b.source.line).slice(0, count);
  return first.map((example) => ({ source: describeRow(example.source), spans: labelledSpans(example, tokenizer) }));
}

function labelledSpans(example: TokenizedExample, tokenizer: TextTokenizer): PreviewRow['spans'] {
  const spans: PreviewRow['spans'] = [];
  let start = 0;
  let decodedBefore = '';
  for (let t = 1; t <= example.ids.length; t++) {
    const trained = example.labels[start] !== IGNORE_INDEX;
    const ends = t === example.ids.length || (example.labels[t] !== IGNORE_INDEX) !== trained;
    if (!ends) continue;
    const decoded = tokenizer.decode(example.ids.slice(0, t));
    // A prefix ending inside a multi-byte character decodes to U+FFFD; then the span is decoded on its own.
    const text = decoded.startsWith(decodedBefore) ? decoded.slice(decodedBefore.length) : tokenizer.decode(example.ids.slice(start, t));
    if (text !== '') spans.push({ text, trained });
    decodedBefore = decoded;
    start = t;
  }
  return spans;
}
