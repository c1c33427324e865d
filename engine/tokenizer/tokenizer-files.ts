import { SafeTuneError } from '../errors';
import type { ModelFiles } from '../weights/model-files';
import { isJsonObject, type JsonObject } from './json';

/**
 * The parsed files a tokenizer is built from. Everything past `tokenizerJson` / `tokenizerConfig` is optional on the
 * hub, and each fills a gap the main two leave in some models.
 */
export interface TokenizerFileSet {
  /** tokenizer.json: the fast-tokenizer pipeline (normalizer, pre-tokenizer, model, post-processor, decoder). */
  tokenizerJson: JsonObject;
  /** tokenizer_config.json: special token names, chat template, decode clean-up flags. */
  tokenizerConfig: JsonObject;
  /** special_tokens_map.json: older models keep bos / eos / pad names here instead of tokenizer_config.json. */
  specialTokensMap?: JsonObject | undefined;
  /** generation_config.json: `eos_token_id` lists the extra ids generation stops at (e.g. Llama 3's <|eot_id|>). */
  generationConfig?: JsonObject | undefined;
  /** chat_template.jinja: where newer `transformers` save the chat template instead of tokenizer_config.json. */
  chatTemplateJinja?: string | undefined;
}

export const TOKENIZER_JSON = 'tokenizer.json';
export const TOKENIZER_CONFIG_JSON = 'tokenizer_config.json';
export const SPECIAL_TOKENS_MAP_JSON = 'special_tokens_map.json';
export const GENERATION_CONFIG_JSON = 'generation_config.json';
export const CHAT_TEMPLATE_JINJA = 'chat_template.jinja';

/** Reads and parses the tokenizer files of a model folder. Only tokenizer.json and tokenizer_config.json are required. */
export async function readTokenizerFiles(files: ModelFiles): Promise<TokenizerFileSet> {
  const [tokenizerJson, tokenizerConfig, specialTokensMap, generationConfig, chatTemplateJinja] = await Promise.all([
    readRequiredJson(files, TOKENIZER_JSON),
    readRequiredJson(files, TOKENIZER_CONFIG_JSON),
    readOptionalJson(files, SPECIAL_TOKENS_MAP_JSON, 'bad-tokenizer'),
    readOptionalJson(files, GENERATION_CONFIG_JSON, 'bad-config'),
    readOptionalText(files, CHAT_TEMPLATE_JINJA),
  ]);
  return { tokenizerJson, tokenizerConfig, specialTokensMap, generationConfig, chatTemplateJinja };
}

async function readRequiredJson(files: ModelFiles, name: string): Promise<JsonObject> {
  if (!(await files.has(name))) {
    throw new SafeTuneError(
      'bad-tokenizer',
      `${name} is missing from ${files.description}.`,
      name === TOKENIZER_JSON
        ? 'SafeTune needs the fast-tokenizer file tokenizer.json. If the model only ships tokenizer.model ' +
            '(sentencepiece), convert it once in Python: AutoTokenizer.from_pretrained(path).save_pretrained(path).'
        : 'Add the tokenizer_config.json from the model\'s Hugging Face repository (it names the special tokens and ' +
            'holds the chat template).',
    );
  }
  return parseJsonObject(await files.text(name), name, files.description, 'bad-tokenizer');
}

async function readOptionalJson(
  files: ModelFiles,
  name: string,
  code: 'bad-tokenizer' | 'bad-config',
): Promise<JsonObject | undefined> {
  if (!(await files.has(name))) return undefined;
  return parseJsonObject(await files.text(name), name, files.description, code);
}

async function readOptionalText(files: ModelFiles, name: string): Promise<string | undefined> {
  return (await files.has(name)) ? files.text(name) : undefined;
}

function parseJsonObject(
  text: string,
  name: string,
  description: string,
  code: 'bad-tokenizer' | 'bad-config',
): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SafeTuneError(
      code,
      `${name} in ${description} is not valid JSON: ${e instanceof Error ? e.message : String(e)}.`,
      `Re-download ${name}; a truncated download or a Git LFS pointer file often causes this.`,
    );
  }
  if (!isJsonObject(parsed)) {
    throw new SafeTuneError(
      code,
      `${name} in ${description} must hold a JSON object, found ${describeJsonKind(parsed)}.`,
      `Re-download ${name} from the model's Hugging Face repository.`,
    );
  }
  return parsed;
}

function describeJsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
