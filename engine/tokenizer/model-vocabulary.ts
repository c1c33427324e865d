import { SafeTuneError } from '../errors';
import type { ModelConfig } from '../model/config';
import type { ModelFiles } from '../weights/model-files';
import { loadTokenizer } from './load-tokenizer';
import { TOKENIZER_JSON } from './tokenizer-files';
import type { TextTokenizer } from './types';

/**
 * A model and its tokenizer must agree on the vocabulary: every id the tokenizer can produce (its vocabulary and added
 * tokens; the special ids are among them) needs a row in the embedding and lm_head, whose size is config.json's
 * vocab_size. A larger vocab_size is normal (Qwen2.5: 151,665 tokens, 151,936 rows; padded rows go unused); a smaller
 * one means the files come from different models, and would otherwise surface mid-run as a gather out of range.
 * Checked when a model and its tokenizer are loaded together, before the weights.
 *
 * @param description the model folder, for messages.
 */
export function checkTokenizerFitsModel(tokenizer: Pick<TextTokenizer, 'vocabSize'>, model: Pick<ModelConfig, 'vocabSize'>, description: string): void {
  const highestId = tokenizer.vocabSize - 1;
  if (highestId < model.vocabSize) return;
  const beyond = tokenizer.vocabSize - model.vocabSize;
  throw new SafeTuneError(
    'bad-tokenizer',
    `${TOKENIZER_JSON} in ${description} has token ids up to ${highestId}, but config.json's vocab_size is ${model.vocabSize}: ` +
      `${beyond === 1 ? 'id' : `${beyond} ids`} from ${model.vocabSize} on would have no embedding row`,
    `${TOKENIZER_JSON} and config.json come from different models: download both (and the weights) again from the model's repository.`,
  );
}

/** A model folder's tokenizer, checked against its config.json (checkTokenizerFitsModel) before anything else loads. */
export async function loadTokenizerFor(files: ModelFiles, model: Pick<ModelConfig, 'vocabSize'>): Promise<TextTokenizer> {
  const tokenizer = await loadTokenizer(files);
  checkTokenizerFitsModel(tokenizer, model, files.description);
  return tokenizer;
}
