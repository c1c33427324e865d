/**
 * Where values start inside a JSON document that JSON.parse has already accepted, so rows of a JSON array can be
 * reported by line like JSON Lines rows. A minimal structural scan: strings are skipped (escapes included), brackets
 * counted; no validation, which JSON.parse has done.
 */

/** Offsets of the elements of the array whose `[` is at `open`. */
export function arrayElementOffsets(text: string, open: number): number[] {
  const offsets: number[] = [];
  let i = skipWhitespace(text, open + 1);
  while (i < text.length && text[i] !== ']') {
    offsets.push(i);
    i = skipWhitespace(text, skipValue(text, i));
    if (text[i] === ',') i = skipWhitespace(text, i + 1);
  }
  return offsets;
}

/** Offsets of the member values of the object whose `{` is at `open`, by key. */
export function objectValueOffsets(text: string, open: number): Map<string, number> {
  const offsets = new Map<string, number>();
  let i = skipWhitespace(text, open + 1);
  while (i < text.length && text[i] === '"') {
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWhitespace(text, keyEnd);
    i = skipWhitespace(text, i + 1); // past ':'
    offsets.set(key, i);
    i = skipWhitespace(text, skipValue(text, i));
    if (text[i] === ',') i = skipWhitespace(text, i + 1);
  }
  return offsets;
}

/** Index just past the value starting at `i`. */
function skipValue(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return skipString(text, i);
  if (first === '[' || first === '{') {
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i = skipString(text, i);
        continue;
      }
      if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < text.length && !',]} \t\r\n'.includes(text[i]!)) i++; // number, true, false, null
  return i;
}

/** Index just past the string whose opening quote is at `i`. */
function skipString(text: string, i: number): number {
  i++;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return i;
}

export function skipWhitespace(text: string, i: number): number {
  while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  return i;
}
