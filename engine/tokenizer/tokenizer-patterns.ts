import { SafeTuneError } from '../errors';
import type { JsonValue } from './json';
import { unsafePatternReason } from './pattern-shape';
import { TOKENIZER_JSON } from './tokenizer-files';

/** Unbounded quantifiers allowed along one alternative of a tokenizer pattern: the real ones use at most two. */
const MAX_UNBOUNDED_IN_TOKENIZER_PATTERN = 2;

/**
 * Refuses tokenizer.json regexes (Split pre-tokenizers, Replace normalizers / decoders: every `{"Regex": "..."}`) whose
 * shape can backtrack catastrophically, before the tokenizer library compiles them: tokenizing with one hangs the
 * thread, and a JavaScript regex cannot be interrupted.
 */
export function checkTokenizerPatterns(tokenizerJson: JsonValue, description: string): void {
  visit(tokenizerJson, '', (path, pattern) => {
    const reason = unsafePatternReason(pattern, MAX_UNBOUNDED_IN_TOKENIZER_PATTERN);
    if (reason === undefined) return;
    const shown = pattern.length > 80 ? `${pattern.slice(0, 77)}...` : pattern;
    throw new SafeTuneError(
      'bad-tokenizer',
      `${TOKENIZER_JSON} in ${description}: the pattern at ${path} (${JSON.stringify(shown)}) can backtrack without end: ${reason}.`,
      `Re-download ${TOKENIZER_JSON} from the model's own repository; real tokenizers repeat only single characters ` +
        'or classes (e.g. \\p{L}+), never a group that itself repeats.',
    );
  });
}

function visit(value: JsonValue, path: string, onPattern: (path: string, pattern: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => visit(item, `${path}[${i}]`, onPattern));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (key === 'Regex' && typeof item === 'string') onPattern(at, item);
      // The vocabulary and merges are large and hold no patterns.
      else if (!(key === 'vocab' || key === 'merges')) visit(item, at, onPattern);
    }
  }
}
