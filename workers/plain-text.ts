/**
 * A `.txt` file as training data: each non-blank line is one plain-text example (language modelling, loss on every
 * token). The engine reads JSON Lines, JSON, CSV and Parquet; a text file would otherwise be parsed as a one-column CSV
 * whose first line is taken for a header. Each line becomes a {"text": ...} JSON line at the same line number, so the
 * report's line numbers are the text file's.
 */
export function isPlainTextFile(fileName: string): boolean {
  return /\.txt$/i.test(fileName);
}

export function plainTextAsJsonLines(bytes: Uint8Array): Uint8Array {
  // fatal: a binary file named .txt fails here with the decoder's error instead of becoming garbage rows.
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).map((line) => (line.trim() === '' ? '' : JSON.stringify({ text: line })));
  return new TextEncoder().encode(lines.join('\n'));
}
