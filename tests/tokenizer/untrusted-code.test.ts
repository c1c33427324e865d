import { Template } from '@huggingface/jinja';
import { describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { resolveTargetModules } from '../../engine/export/target-modules';
import { DEFAULT_TEMPLATE_BUDGET, renderWithBudget } from '../../engine/tokenizer/budgeted-render';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { unsafePatternReason } from '../../engine/tokenizer/pattern-shape';
import { buildTinyTokenizer } from '../../engine/tokenizer/tiny-tokenizer';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { MemoryModelFiles } from './memory-model-files';

// Chat templates and regexes come from any hub repo: hostile ones must fail fast with an error naming the file, not
// hang or kill the process (issue 14). Each hostile input here hangs or crashes the process without the budgets.

async function tinyWith(change: (json: Record<string, unknown>, config: Record<string, unknown>) => void): Promise<TextTokenizer> {
  const { tokenizerJson, tokenizerConfig } = buildTinyTokenizer();
  change(tokenizerJson, tokenizerConfig);
  return loadTokenizer(new MemoryModelFiles('folder ./hostile', { 'tokenizer.json': tokenizerJson, 'tokenizer_config.json': tokenizerConfig }));
}

function thrown(f: () => unknown): SafeTuneError {
  try {
    f();
  } catch (e) {
    if (e instanceof SafeTuneError) return e;
    throw e;
  }
  throw new Error('expected a SafeTuneError');
}

async function rejected(p: Promise<unknown>): Promise<SafeTuneError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SafeTuneError) return e;
    throw e;
  }
  throw new Error('expected a SafeTuneError');
}

const HOSTILE_TEMPLATES: [string, string, RegExp][] = [
  ['a 200-million-item range (a V8 fatal error without the bound)', '{% for i in range(200000000) %}x{% endfor %}', /range\(\) of 200000000 items/],
  ['a nested 1e5 x 1e5 loop (hours without the step budget)', '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}', /evaluation steps|ms\)/],
  ['a list doubled 40 times', '{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}', /a list of more than \d+ items/],
  ['a string doubled 60 times', '{% set ns = namespace(s="ab") %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}', /more than \d+ characters/],
];

describe('chat templates run under a budget', () => {
  it('charges range() for the items it builds: a loop building range(100000) each time stops on its steps, not the clock', () => {
    // A clock far away, so only the step budget can stop it (while a range cost one step, it ran on until the clock).
    const budget = { ...DEFAULT_TEMPLATE_BUDGET, maxMillis: 600_000 };
    const template = new Template('{% for i in range(100000) %}{{ range(100000)|join(",") }}{% endfor %}');
    expect(() => renderWithBudget(template, {}, budget)).toThrow(/more than 2000000 evaluation steps/);
  });

  for (const [what, template, reason] of HOSTILE_TEMPLATES) {
    it(`stops ${what}, naming the file`, async () => {
      const tokenizer = await tinyWith((_, config) => {
        config['chat_template'] = template;
      });
      const started = Date.now();
      const e = thrown(() => tokenizer.renderChat([{ role: 'user', content: 'hi' }]));
      expect(Date.now() - started).toBeLessThan(15_000); // far above the 2-s budget: a slow CI machine, not a measurement
      expect(e.code).toBe('bad-tokenizer');
      expect(e.message).toMatch(/chat template in tokenizer_config\.json of folder \.\/hostile was stopped/);
      expect(e.message).toMatch(reason);
      expect(e.hint).toMatch(/official template/);
    }, 30_000);
  }

  it('still renders ordinary templates, range, loops and strftime_now included', async () => {
    const tokenizer = await tinyWith((_, config) => {
      config['chat_template'] =
        '{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}{% for i in range(3) %}{{ i }}{% endfor %}' +
        '{{ strftime_now("%Y") | length }}{% if add_generation_prompt %}>{% endif %}';
    });
    const text = tokenizer.renderChat([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }], { addGenerationPrompt: true });
    expect(text).toBe('[user:hi][assistant:yo]0124>');
  });
});

describe('untrusted regexes only in shapes that cannot backtrack without end', () => {
  it('refuses a tokenizer.json Split pattern like ((.)*)*Z at load, naming the file and the pattern', async () => {
    const e = await rejected(
      tinyWith((json) => {
        json['pre_tokenizer'] = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '((.)*)*Z' }, behavior: 'Isolated', invert: false }, json['pre_tokenizer']] };
      }),
    );
    expect(e.code).toBe('bad-tokenizer');
    expect(e.message).toContain('tokenizer.json in folder ./hostile: the pattern at pre_tokenizer.pretokenizers[0].pattern.Regex ("((.)*)*Z")');
    expect(e.message).toMatch(/nested repetition/);
  });

  it('refuses a target_modules pattern like ((.)*)*Z, naming adapter_config.json', () => {
    const e = thrown(() => resolveTargetModules('((.)*)*Z', null, 2, 'adapter_config.json in folder ./adapter'));
    expect(e.code).toBe('bad-adapter');
    expect(e.message).toMatch(/^adapter_config\.json in folder \.\/adapter: target_modules is the pattern "\(\(\.\)\*\)\*Z", whose matching can take forever/);
    expect(resolveTargetModules('.*\\.(q_proj|v_proj)', null, 2, 'x')).toEqual(['q_proj', 'v_proj']);
    expect(resolveTargetModules('model\\.layers\\.\\d+\\.self_attn\\.(k|o)_proj', null, 2, 'x')).toEqual(['k_proj', 'o_proj']);
  });

  it('accepts the real pre-tokenizer patterns and refuses nested or piled-up repetition', () => {
    const real = [
      String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
      String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
      String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
      String.raw`\p{N}{1,3}|[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_\`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+`,
      '(?:ab)+',
      '(?:\\r?\\n)?x',
    ];
    for (const pattern of real) expect(unsafePatternReason(pattern, 2), pattern).toBeUndefined();
    const hostile = ['((.)*)*Z', '(a+)+b', '(a|a)*b', '(?:a|b){2,}', '[]((.)*)*Z]', 'a**', '\\s*\\s*\\s*!'];
    for (const pattern of hostile) expect(unsafePatternReason(pattern, 2), pattern).toBeDefined();
  });
});
