import { Template } from '@huggingface/jinja';
import { SafeTuneError } from '../errors';
import { DEFAULT_TEMPLATE_BUDGET, renderWithBudget, type TemplateBudget } from './budgeted-render';
import type { JsonValue } from './json';
import { SPECIAL_TOKEN_KEYS, type SpecialTokenNames } from './special-tokens';
import { CHAT_TEMPLATE_JINJA, TOKENIZER_CONFIG_JSON, type TokenizerFileSet } from './tokenizer-files';
import { TemplateBudgetExceeded } from './template-globals';
import type { ChatMessage } from './types';

/** A chat template's Jinja source and the file it came from. */
export interface ChatTemplateSource {
  template: string;
  source: string;
}

/**
 * The model's chat template, if it has one. chat_template.jinja wins over tokenizer_config.json's `chat_template`, as
 * in Python `transformers` (which writes the template to that file since v4.5x). A config may also hold a list of
 * named templates; we use the one named "default", as transformers does when no name is asked for.
 */
export function selectChatTemplate(files: TokenizerFileSet, description: string): ChatTemplateSource | undefined {
  if (files.chatTemplateJinja !== undefined && files.chatTemplateJinja.trim() !== '') {
    return { template: files.chatTemplateJinja, source: CHAT_TEMPLATE_JINJA };
  }
  const value: JsonValue | undefined = files.tokenizerConfig['chat_template'];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return { template: value, source: TOKENIZER_CONFIG_JSON };
  if (Array.isArray(value)) {
    const named = value.find(
      (entry) => typeof entry === 'object' && entry !== null && !Array.isArray(entry) && entry['name'] === 'default',
    );
    if (named !== undefined && typeof named === 'object' && named !== null && !Array.isArray(named)) {
      const template = named['template'];
      if (typeof template === 'string') return { template, source: TOKENIZER_CONFIG_JSON };
    }
    throw new SafeTuneError(
      'bad-tokenizer',
      `${TOKENIZER_CONFIG_JSON} in ${description} lists several chat templates but none named "default" with a "template" string.`,
      'Keep the list entry { "name": "default", "template": "..." } that the model uses for plain chat.',
    );
  }
  throw new SafeTuneError(
    'bad-tokenizer',
    `${TOKENIZER_CONFIG_JSON} in ${description}: "chat_template" must be a string or a list of named templates.`,
    `Re-download ${TOKENIZER_CONFIG_JSON} from the model's Hugging Face repository.`,
  );
}

/**
 * A chat template parsed once (at load, so a broken template fails there, naming its file) and rendered with the
 * variables Hugging Face templates expect: `messages`, `add_generation_prompt`, and the special tokens by name
 * (`bos_token`, `eos_token`, ...) — the same context transformers.js's `apply_chat_template` builds. A template is
 * untrusted code (any hub repo can ship one), so each render runs under a step / time / string-size budget.
 */
export class ChatTemplate {
  private readonly compiled: Template;
  private readonly specialTokens: Record<string, string>;

  constructor(
    private readonly source: ChatTemplateSource,
    names: SpecialTokenNames,
    private readonly description: string,
    private readonly budget: TemplateBudget = DEFAULT_TEMPLATE_BUDGET,
  ) {
    try {
      this.compiled = new Template(source.template);
    } catch (e) {
      throw new SafeTuneError(
        'bad-tokenizer',
        `The chat template in ${source.source} of ${description} does not parse: ${errorText(e)}.`,
        `Re-download ${source.source}; if it is the model's own template, its Jinja may use a feature the ` +
          'JavaScript renderer (@huggingface/jinja) lacks — report it with the model id.',
      );
    }
    this.specialTokens = {};
    for (const key of SPECIAL_TOKEN_KEYS) {
      const named = names[key];
      if (named !== undefined) this.specialTokens[key] = named.text;
    }
  }

  render(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
    try {
      const items = {
        // Plain copies: a template must not see (or mutate) the caller's objects.
        messages: messages.map(({ role, content }) => ({ role, content })),
        add_generation_prompt: addGenerationPrompt,
        tools: null,
        documents: null,
        ...this.specialTokens,
      };
      return renderWithBudget(this.compiled, items, this.budget);
    } catch (e) {
      if (e instanceof TemplateBudgetExceeded || e instanceof RangeError) {
        // RangeError: the call stack (deep macro recursion) or a string past V8's limit, both the template's doing.
        throw new SafeTuneError(
          'bad-tokenizer',
          `The chat template in ${this.source.source} of ${this.description} was stopped (${errorText(e)}) while ` +
            `rendering a conversation of ${messages.length} messages.`,
          'A chat template only formats messages; this one loops or grows without bound. Replace it with the ' +
            "model family's official template (chat_template.jinja or tokenizer_config.json's chat_template).",
        );
      }
      throw new SafeTuneError(
        'bad-dataset',
        `The chat template (${this.source.source} of ${this.description}) rejected a conversation of roles ` +
          `[${messages.map((m) => m.role).join(', ')}]: ${errorText(e)}.`,
        'Templates often require a fixed role order (an optional system message first, then user / assistant ' +
          'turns alternating). Fix the conversation, or drop roles this model does not support.',
      );
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
