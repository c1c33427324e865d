import type { Example } from '../types';

/**
 * `example` with its text cut to `maxChars` characters in reading order (system, user, assistant, ...; prompt then
 * completion), so a giant row costs no more to tokenize than `maxChars` of text. `cut` tells whether anything was.
 */
export function cutExample(example: Example, maxChars: number): { example: Example; cut: boolean } {
  let left = maxChars;
  let cut = false;
  const take = (text: string): string => {
    const kept = text.length <= left ? text : text.slice(0, left);
    if (kept.length < text.length) cut = true;
    left -= kept.length;
    return kept;
  };
  switch (example.kind) {
    case 'chat': {
      const messages = example.messages.map((m) => ({ role: m.role, content: take(m.content) }));
      return { example: cut ? { ...example, messages } : example, cut };
    }
    case 'completion': {
      const prompt = take(example.prompt);
      const completion = take(example.completion);
      return { example: cut ? { ...example, prompt, completion } : example, cut };
    }
    case 'text': {
      const text = take(example.text);
      return { example: cut ? { ...example, text } : example, cut };
    }
  }
}
