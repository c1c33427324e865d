import { describeRow } from '../engine/data/row-ref';
import type { TokenizedExample } from '../engine/data/types';
import { IGNORE_INDEX } from '../engine/model/loss';
import type { TextTokenizer } from '../engine/tokenizer/types';
import { clipText, cutMarker, safeEnd } from '../engine/util/clip-text';
import type { PreviewRow } from './protocol';

/** Rows shown in the dataset preview. */
export const PREVIEW_ROWS = 5;

/**
 * Characters of one previewed row, and of its "file line N" label. A row is up to maxLength tokens of untrusted text
 * (tens of thousands of characters): the preview shows how a row is labelled, which its start shows, and the page
 * stays responsive. A longer row ends with an untrained span saying how many characters were left out.
 */
export const PREVIEW_ROW_CHARS = 2_000;
export const PREVIEW_SOURCE_CHARS = 160;

/**
 * The first examples (in file order) as the model sees them — the chat template's text, special tokens included —
 * cut into spans by the token labels: `trained` spans are exactly the tokens the loss is taken on.
 * Each span's text is the difference between decoding the tokens up to its end and up to its start, so a character
 * split across tokens (byte-level BPE) is not garbled at a span edge.
 */
export function previewRows(examples: readonly TokenizedExample[], tokenizer: TextTokenizer, count = PREVIEW_ROWS): PreviewRow[] {
  const first = [...examples].sort((a, b) => a.source.file.localeCompare(b.source.file) || a.source.line - b.source.line).slice(0, count);
  return first.map((example) => ({ source: clipText(describeRow(example.source), PREVIEW_SOURCE_CHARS, { keepEnd: 40 }), spans: labelledSpans(example, tokenizer) }));
}

function labelledSpans(example: TokenizedExample, tokenizer: TextTokenizer): PreviewRow['spans'] {
  const spans: PreviewRow['spans'] = [];
  let start = 0;
  let decodedBefore = '';
  let shown = 0;
  for (let t = 1; t <= example.ids.length; t++) {
    const trained = example.labels[start] !== IGNORE_INDEX;
    const ends = t === example.ids.length || (example.labels[t] !== IGNORE_INDEX) !== trained;
    if (!ends) continue;
    const decoded = tokenizer.decode(example.ids.slice(0, t));
    // A prefix ending inside a multi-byte character decodes to U+FFFD; then the span is decoded on its own.
    const text = decoded.startsWith(decodedBefore) ? decoded.slice(decodedBefore.length) : tokenizer.decode(example.ids.slice(start, t));
    const room = PREVIEW_ROW_CHARS - shown;
    if (text.length > room) {
      // The rest of the row is left out: the span is cut at the room left (not across a surrogate pair), and the
      // marker counts every character not shown, this span's rest and all later spans.
      const keptChars = safeEnd(text, room);
      if (keptChars > 0) spans.push({ text: text.slice(0, keptChars), trained });
      const total = tokenizer.decode(example.ids).length;
      spans.push({ text: cutMarker(total - shown - keptChars), trained: false });
      return spans;
    }
    if (text !== '') spans.push({ text, trained });
    shown += text.length;
    decodedBefore = decoded;
    start = t;
  }
  return spans;
}
