import { SafeTuneError } from '../errors';

// fatal: a file with broken UTF-8 must fail loudly rather than turn into U+FFFD and, say, a wrong vocabulary entry.
// A leading BOM (some Windows editors add one to config.json) is dropped, as the decoder does by default.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a text file of the model folder (config.json, tokenizer.json, ...), naming it when it is not UTF-8. */
export function decodeUtf8File(bytes: Uint8Array, fileLabel: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new SafeTuneError(
      'bad-config',
      `${fileLabel} is not valid UTF-8 text`,
      'The file is damaged or is not the text file its name says: download it again.',
    );
  }
}
