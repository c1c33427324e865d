/**
 * GPT-2's byte-level alphabet: every byte 0..255 gets one printable Unicode character, so a byte-level BPE vocabulary
 * can spell any UTF-8 text without an unknown token. Printable Latin-1 bytes map to themselves; the others (control
 * characters, space, ...) are shifted to U+0100 upwards in byte order — which is why a space shows up as "Ġ" (U+0120)
 * and a newline as "Ċ" (U+010A) in tokenizer.json files. The ByteLevel pre-tokenizer and decoder of HF tokenizers use
 * exactly this table, so a vocabulary built with it round-trips through them.
 */
function isPrintableLatin1(byte: number): boolean {
  return (
    (byte >= 0x21 && byte <= 0x7e) || // '!' .. '~'
    (byte >= 0xa1 && byte <= 0xac) || // '¡' .. '¬'
    (byte >= 0xae && byte <= 0xff) //    '®' .. 'ÿ'
  );
}

/** The character standing for each byte, indexed by byte value (length 256). */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const chars: string[] = [];
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    chars.push(String.fromCharCode(isPrintableLatin1(byte) ? byte : 256 + shifted++));
  }
  return chars;
})();

/** `text` spelled in the byte-level alphabet: its UTF-8 bytes, one character each. */
export function toByteLevel(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) out += BYTE_TO_CHAR[byte];
  return out;
}
