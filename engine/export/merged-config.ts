import { SafeTuneError } from '../errors';
import type { FloatStDType } from '../weights/safetensors-dtypes';
import { decodeUtf8File } from '../weights/utf8';

/** torch's name of each safetensors float dtype, as config.json's torch_dtype holds it. */
export const TORCH_DTYPE_NAMES: Record<FloatStDType, string> = { F32: 'float32', BF16: 'bfloat16', F16: 'float16' };

/**
 * config.json for a merged model stored as `dtype`: the original bytes when they already say so, else the same object
 * with its dtype field set. transformers 4.x writes "torch_dtype", 5.x writes "dtype"; whichever the file has is
 * updated (both if both), and "torch_dtype" is added when it has neither. Key order is kept.
 *
 * @param where "config.json in <folder>", for messages.
 */
export function configForDType(original: Uint8Array, dtype: FloatStDType, where: string): Uint8Array {
  let raw: unknown;
  try {
    raw = JSON.parse(decodeUtf8File(original, where));
  } catch (e) {
    if (e instanceof SafeTuneError) throw e;
    throw new SafeTuneError('bad-config', `${where} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, 'Download config.json again.');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafeTuneError('bad-config', `${where} is not a JSON object`, 'Download config.json again.');
  }
  const config = raw as Record<string, unknown>;
  const name = TORCH_DTYPE_NAMES[dtype];
  const fields = ['torch_dtype', 'dtype'].filter((k) => Object.prototype.hasOwnProperty.call(config, k));
  if (fields.length > 0 && fields.every((k) => config[k] === name)) return original.slice();
  for (const k of fields.length > 0 ? fields : ['torch_dtype']) config[k] = name;
  // transformers writes config.json as indented JSON with a final newline.
  return new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`);
}
