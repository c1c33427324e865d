import type { ParsedFile } from './parsed-file';

/**
 * A plain-text file (`.txt`): each non-blank line is one example of the `text` format (language modelling, loss on
 * every token), named by its own line number. Lines are kept as written (leading spaces too), without their LF or
 * CRLF. Read any other way, a text file would be a one-column CSV whose first line is taken for a header.
 */
export function parsePlainText(text: string, fileName: string, maxLineChars: number): ParsedFile {
  const parsed: ParsedFile = { fileName, fileType: 'text', rows: [], rejected: [] };
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const source = { file: fileName, line: index + 1 };
    if (line.trim() === '') continue;
    // The JSON Lines reader's limit, so a file of one huge line is rejected the same way whatever its type.
    if (line.length > maxLineChars) parsed.rejected.push({ source, reason: `is ${line.length} characters long; a row may have at most ${maxLineChars}` });
    else parsed.rows.push({ fields: { text: line }, source });
  }
  return parsed;
}
