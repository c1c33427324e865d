import { describe, expect, it } from 'vitest';
import { SafeTuneError, type SafeTuneErrorCode } from '../../engine/errors';
import type { JsonObject } from '../../engine/tokenizer/json';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { buildTinyTokenizer } from '../../engine/tokenizer/tiny-tokenizer';
import { MemoryModelFiles } from './memory-model-files';

// Bad or unusual tokenizer folders, built from the tiny tokenizer (fast to load) with one thing changed each.

function tinyFolder(change: (json: JsonObject, config: JsonObject) => void = () => {}): MemoryModelFiles {
  const { tokenizerJson, tokenizerConfig } = buildTinyTokenizer();
  change(tokenizerJson, tokenizerConfig);
  return new MemoryModelFiles('folder ./tiny', { 'tokenizer.json': tokenizerJson, 'tokenizer_config.json': tokenizerConfig });
}

/** The SafeTuneError `promise` rejects with; fails the test if it resolves or throws anything else. */
async function rejection(promise: Promise<unknown>): Promise<SafeTuneError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof SafeTuneError) return e;
    throw new Error(`expected a SafeTuneError, got ${String(e)}`);
  }
  throw new Error('expected a SafeTuneError, but it resolved');
}

async function expectLoadError(files: MemoryModelFiles, code: SafeTuneErrorCode, ...inMessage: (string | RegExp)[]) {
  const error = await rejection(loadTokenizer(files));
  expect(error.code).toBe(code);
  for (const part of inMessage) expect(error.message).toMatch(part);
  expect(error.hint).toBeTruthy();
}

describe('loadTokenizer on bad files', () => {
  it('names a missing tokenizer.json or tokenizer_config.json', async () => {
    await expectLoadError(tinyFolder().delete('tokenizer.json'), 'bad-tokenizer', 'tokenizer.json', 'folder ./tiny');
    await expectLoadError(tinyFolder().delete('tokenizer_config.json'), 'bad-tokenizer', 'tokenizer_config.json');
  });

  it('names a file that is not JSON, or not a JSON object', async () => {
    await expectLoadError(tinyFolder().set('tokenizer.json', '{"model": {'), 'bad-tokenizer', /tokenizer\.json .* not valid JSON/);
    await expectLoadError(tinyFolder().set('tokenizer_config.json', '[1, 2]'), 'bad-tokenizer', /tokenizer_config\.json .* an array/);
    await expectLoadError(tinyFolder().set('special_tokens_map.json', 'null'), 'bad-tokenizer', 'special_tokens_map.json');
    await expectLoadError(tinyFolder().set('generation_config.json', 'version https://git-lfs'), 'bad-config', 'generation_config.json');
  });

  it('rejects a tokenizer.json the tokenizer library cannot build', async () => {
    const files = tinyFolder((json) => {
      json['model'] = { type: 'NoSuchModel' };
    });
    await expectLoadError(files, 'bad-tokenizer', /tokenizer\.json .* NoSuchModel/);
  });

  it('rejects special tokens that are not in the vocabulary, naming the file that names them', async () => {
    await expectLoadError(
      tinyFolder((_, config) => {
        config['eos_token'] = '</s>';
      }),
      'bad-tokenizer',
      /tokenizer_config\.json .* eos_token "<\/s>"/,
    );
    await expectLoadError(
      tinyFolder().set('special_tokens_map.json', { pad_token: { content: '<pad>', lstrip: false } }),
      'bad-tokenizer',
      /special_tokens_map\.json .* pad_token "<pad>"/,
    );
    await expectLoadError(
      tinyFolder((_, config) => {
        config['bos_token'] = 42;
      }),
      'bad-tokenizer',
      /"bos_token" must be/,
    );
  });

  it('rejects a tokenizer with no EOS at all, and generation_config ids outside the vocabulary', async () => {
    await expectLoadError(
      tinyFolder((_, config) => {
        config['eos_token'] = null;
      }),
      'bad-tokenizer',
      'no end-of-sequence token',
    );
    await expectLoadError(tinyFolder().set('generation_config.json', { eos_token_id: [5, 100000] }), 'bad-config', /eos_token_id/);
    await expectLoadError(tinyFolder().set('generation_config.json', { eos_token_id: '2' }), 'bad-config', /eos_token_id/);
  });

  it('rejects a chat template that does not parse, naming its file', async () => {
    const files = tinyFolder((_, config) => {
      config['chat_template'] = '{% for message in messages %}{{ message.content }}';
    });
    await expectLoadError(files, 'bad-tokenizer', /chat template in tokenizer_config\.json/);
    await expectLoadError(tinyFolder().set('chat_template.jinja', '{{ oops'), 'bad-tokenizer', /chat_template\.jinja/);
  });
});

describe('loadTokenizer on unusual but valid files', () => {
  it('takes the EOS from special_tokens_map.json over tokenizer_config.json, as transformers does', async () => {
    // The config says <|im_end|>; the map says <|endoftext|> and wins.
    const files = tinyFolder((_, config) => {
      delete config['pad_token'];
    }).set('special_tokens_map.json', { eos_token: { content: '<|endoftext|>', normalized: false } });
    const tokenizer = await loadTokenizer(files);
    const endoftext = tokenizer.vocabSize - 3;
    expect(tokenizer.eosTokenIds).toEqual([endoftext]);
    expect(tokenizer.padTokenId).toBe(endoftext); // no pad token: the first EOS
  });

  it('accepts a single generation_config eos id and AddedToken objects in the config', async () => {
    const files = tinyFolder((_, config) => {
      config['eos_token'] = { __type: 'AddedToken', content: '<|im_end|>', special: true };
      config['bos_token'] = '<|endoftext|>';
    }).set('generation_config.json', { eos_token_id: 33 });
    const tokenizer = await loadTokenizer(files);
    expect(tokenizer.eosTokenIds).toEqual([tokenizer.vocabSize - 1, 33]);
    expect(tokenizer.bosTokenId).toBe(tokenizer.vocabSize - 3);
  });

  it('prefers chat_template.jinja, and picks "default" from a list of named templates', async () => {
    const jinja = await loadTokenizer(tinyFolder().set('chat_template.jinja', '{% for m in messages %}[{{ m.role }}]{% endfor %}'));
    expect(jinja.renderChat([{ role: 'user', content: 'x' }])).toBe('[user]');

    const listed = await loadTokenizer(
      tinyFolder((_, config) => {
        config['chat_template'] = [
          { name: 'tool_use', template: 'TOOLS' },
          { name: 'default', template: '{{ eos_token }}{{ messages | length }}{% if add_generation_prompt %}!{% endif %}' },
        ];
      }),
    );
    expect(listed.renderChat([{ role: 'user', content: 'a' }], { addGenerationPrompt: true })).toBe('<|im_end|>1!');
    await expectLoadError(
      tinyFolder((_, config) => {
        config['chat_template'] = [{ name: 'tool_use', template: 'TOOLS' }];
      }),
      'bad-tokenizer',
      /none named "default"/,
    );
  });

  it('uses the ChatML fallback when there is no chat template', async () => {
    const tokenizer = await loadTokenizer(
      tinyFolder((_, config) => {
        delete config['chat_template'];
      }),
    );
    expect(tokenizer.hasChatTemplate).toBe(false);
    expect(
      tokenizer.renderChat(
        [
          { role: 'system', content: 'S' },
          { role: 'user', content: 'U' },
          { role: 'assistant', content: 'A' },
        ],
        { addGenerationPrompt: false },
      ),
    ).toBe('<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n');
    expect(tokenizer.renderChat([{ role: 'user', content: 'U' }], { addGenerationPrompt: true })).toBe(
      '<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it("ends fallback turns with the EOS token's text when the vocabulary has no <|im_end|>", async () => {
    const tokenizer = await loadTokenizer(
      tinyFolder((json, config) => {
        delete config['chat_template'];
        config['eos_token'] = '</s>';
        const added = json['added_tokens'] as JsonObject[];
        for (const token of added) if (token['content'] === '<|im_end|>') token['content'] = '</s>';
      }),
    );
    expect(tokenizer.renderChat([{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }])).toBe(
      '<|im_start|>user\nU</s>\n<|im_start|>assistant\nA</s>\n',
    );
    expect(tokenizer.eosTokenIds).toEqual([tokenizer.vocabSize - 1]);
  });
});

describe('rendering and decoding errors', () => {
  it("turns a template's raise_exception into a SafeTuneError naming the roles", async () => {
    const tokenizer = await loadTokenizer(
      tinyFolder((_, config) => {
        config['chat_template'] =
          "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation must start with a user turn') }}{% endif %}ok";
      }),
    );
    expect(tokenizer.renderChat([{ role: 'user', content: 'hi' }])).toBe('ok');
    let error: unknown;
    try {
      tokenizer.renderChat([{ role: 'assistant', content: 'hi' }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SafeTuneError);
    expect((error as SafeTuneError).code).toBe('bad-dataset');
    expect((error as SafeTuneError).message).toMatch(/roles \[assistant\]: .*must start with a user turn/);
  });

  it('rejects negative or fractional ids, and decodes ids past the vocabulary to nothing', async () => {
    const tokenizer = await loadTokenizer(tinyFolder());
    expect(() => tokenizer.decode([72, -1])).toThrow(/token id -1/);
    expect(() => tokenizer.decode([1.5])).toThrow(SafeTuneError);
    // A model's embedding is often padded past the tokenizer: those rows have no text.
    expect(tokenizer.decode([72, tokenizer.vocabSize + 5, 105])).toBe('Hi');
  });
});
