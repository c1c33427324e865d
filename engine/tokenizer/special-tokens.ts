import { SafeTuneError } from '../errors';
import type { JsonObject, JsonValue } from './json';
import { GENERATION_CONFIG_JSON, SPECIAL_TOKENS_MAP_JSON, TOKENIZER_CONFIG_JSON, type TokenizerFileSet } from './tokenizer-files';

/** The special-token attributes HF tokenizers know by name; chat templates can read each as a variable. */
export const SPECIAL_TOKEN_KEYS = [
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
] as const;
export type SpecialTokenKey = (typeof SPECIAL_TOKEN_KEYS)[number];

/** A special token's text and the file that named it (for error messages). */
export interface NamedToken {
  text: string;
  source: string;
}

export type SpecialTokenNames = Partial<Record<SpecialTokenKey, NamedToken>>;

/**
 * The special tokens' texts, from tokenizer_config.json with special_tokens_map.json on top — the same precedence as
 * Python `transformers`, whose `from_pretrained` lets special_tokens_map.json override the config's values.
 */
export function specialTokenNames(files: TokenizerFileSet): SpecialTokenNames {
  const names: SpecialTokenNames = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const fromMap = files.specialTokensMap && tokenText(files.specialTokensMap, key, SPECIAL_TOKENS_MAP_JSON);
    const fromConfig = tokenText(files.tokenizerConfig, key, TOKENIZER_CONFIG_JSON);
    const named = fromMap ?? fromConfig;
    if (named !== undefined) names[key] = named;
  }
  return names;
}

/** A special token value is a string, an AddedToken object `{ content, ... }`, or null / absent. */
function tokenText(file: JsonObject, key: SpecialTokenKey, source: string): NamedToken | undefined {
  const value: JsonValue | undefined = file[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : { text: value, source };
  if (typeof value === 'object' && !Array.isArray(value) && typeof value['content'] === 'string') {
    return { text: value['content'], source };
  }
  throw new SafeTuneError(
    'bad-tokenizer',
    `${source}: "${key}" must be a token string or an object with a "content" string, found ${JSON.stringify(value)}.`,
    `Fix "${key}" in ${source} (e.g. "${key}": "<|endoftext|>").`,
  );
}

export interface SpecialTokenIds {
  /** Never empty: a tokenizer without EOS is rejected, since training and generation both need one. */
  eosTokenIds: [number, ...number[]];
  padTokenId: number;
  bosTokenId: number | undefined;
}

/**
 * The ids generation stops at, pads with and starts with. EOS: the config's eos_token first (training appends it),
 * then generation_config.json's `eos_token_id` (number or list) — chat models often list their end-of-turn token
 * there (Llama 3 Instruct: [128001, 128009]). Pad: pad_token, else the first EOS.
 */
export function resolveSpecialTokenIds(
  names: SpecialTokenNames,
  generationConfig: JsonObject | undefined,
  tokenToId: (token: string) => number | undefined,
  vocabSize: number,
  description: string,
): SpecialTokenIds {
  const idOf = (key: SpecialTokenKey): number | undefined => {
    const named = names[key];
    if (named === undefined) return undefined;
    const id = tokenToId(named.text);
    if (id === undefined) {
      throw new SafeTuneError(
        'bad-tokenizer',
        `${named.source} in ${description} names ${key} ${JSON.stringify(named.text)}, but tokenizer.json has no such token.`,
        `The tokenizer files do not belong together: take tokenizer.json and ${named.source} from the same model repository.`,
      );
    }
    return id;
  };

  const eosTokenIds: number[] = [];
  for (const id of [idOf('eos_token'), ...generationEosIds(generationConfig, vocabSize, description)]) {
    if (id !== undefined && !eosTokenIds.includes(id)) eosTokenIds.push(id);
  }
  const firstEos = eosTokenIds[0];
  if (firstEos === undefined) {
    throw new SafeTuneError(
      'bad-tokenizer',
      `${description} defines no end-of-sequence token (no "eos_token" in tokenizer_config.json, no "eos_token_id" in generation_config.json).`,
      'Set "eos_token" in tokenizer_config.json to the token that ends a reply (e.g. "<|im_end|>" or "</s>"): ' +
        'training appends it and generation stops at it.',
    );
  }
  return {
    eosTokenIds: [firstEos, ...eosTokenIds.slice(1)],
    padTokenId: idOf('pad_token') ?? firstEos,
    bosTokenId: idOf('bos_token'),
  };
}

function generationEosIds(config: JsonObject | undefined, vocabSize: number, description: string): number[] {
  const value = config?.['eos_token_id'];
  if (value === undefined || value === null) return [];
  const ids = Array.isArray(value) ? value : [value];
  return ids.map((id) => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new SafeTuneError(
        'bad-config',
        `${GENERATION_CONFIG_JSON} in ${description}: eos_token_id ${JSON.stringify(value)} must be a token id ` +
          `(an integer in [0, ${vocabSize})) or a list of them.`,
        `Fix or delete ${GENERATION_CONFIG_JSON}; it must come from the same model as tokenizer.json.`,
      );
    }
    return id;
  });
}
