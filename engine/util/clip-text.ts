/**
 * Untrusted text (a dataset row, a field name, a config value) cut to a length a message or a preview can show, saying
 * how much was cut: one hostile value must not make an error megabytes long or a page unresponsive.
 */

/** The marker that replaces what was cut: "… [12,345 characters cut]". */
export function cutMarker(cut: number): string {
  return `… [${cut.toLocaleString('en-US')} character${cut === 1 ? '' : 's'} cut]`;
}

export interface ClipOptions {
  /** Characters kept from the end too (for messages whose end says what to do): "start… [N characters cut] …end". */
  keepEnd?: number;
}

/**
 * `text` itself when it has at most `max` characters; otherwise its start (and, with `keepEnd`, its end) around the
 * cut marker, in at most `max` characters (unless `max` is shorter than the marker). Never splits a surrogate pair.
 */
export function clipText(text: string, max: number, options: ClipOptions = {}): string {
  if (text.length <= max) return text;
  const keepEnd = Math.max(0, options.keepEnd ?? 0);
  // The marker's length depends on the count it states: size it for the largest count it could state.
  const room = Math.max(0, max - cutMarker(text.length).length - (keepEnd > 0 ? 1 : 0));
  const endChars = Math.min(keepEnd, Math.floor(room / 2));
  const head = safeEnd(text, room - endChars);
  const tailStart = safeStart(text, text.length - endChars);
  const cut = tailStart - head;
  return `${text.slice(0, head)}${cutMarker(cut)}${endChars > 0 ? ` ${text.slice(tailStart)}` : ''}`;
}

/** `i`, or one less when text[i - 1] is the first half of a surrogate pair (a cut at `i` would split the character). */
export function safeEnd(text: string, i: number): number {
  const code = text.charCodeAt(i - 1);
  return i > 0 && code >= 0xd800 && code <= 0xdbff ? i - 1 : i;
}

/** `i`, or one more when text[i] is the second half of a surrogate pair. */
function safeStart(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return i < text.length && code >= 0xdc00 && code <= 0xdfff ? i + 1 : i;
}
