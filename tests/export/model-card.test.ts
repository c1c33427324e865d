import { expect, test } from 'vitest';
import { inlineCode } from '../../engine/export/model-card';

// The card quotes untrusted names (a dataset's file name, a stored run's id, a model id). A red team's file name
// "data`\n<img src=x onerror=alert(1)>\n---\nbase_model: evil/model\n---\n# Pwned [link](javascript:alert(1))"
// ended the code span and put raw HTML, a heading and a link into the exported README.md.

test('untrusted text becomes one code span: no line breaks, no way out of the fence, cut to a limit', () => {
  const hostile = 'data`\n<img src=x onerror=alert(1)>\n---\nbase_model: evil/model\n---\n# Pwned [link](javascript:alert(1))';
  const quoted = inlineCode(hostile);
  expect(quoted).not.toMatch(/[\n\r]/);
  expect(quoted).toBe('``data` <img src=x onerror=alert(1)> --- base_model: evil/model --- # Pwned [link](javascript:alert(1))``');
  expect(inlineCode('plain.jsonl')).toBe('`plain.jsonl`');
  expect(inlineCode('`edge`')).toBe('`` `edge` ``');
  expect(inlineCode('a\u202eb\u2066c')).toBe('`a b c`');
  const long = inlineCode('x'.repeat(5000));
  expect(long).toBe(`\`${'x'.repeat(200)}… [4800 characters cut]\``);
});
