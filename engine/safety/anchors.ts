import { SafeTuneError } from '../errors';
import { decodeDatasetText, readDatasetBytes, type DatasetBytes } from '../data/parsing/dataset-bytes';
import { parseJsonLines } from '../data/parsing/parse-jsonl';
import { describeRejections } from '../data/row-ref';
import { tokenizeExample } from '../data/labelling/tokenize-example';
import { trainedTokenCount } from '../data/labelling/truncate';
import type { TokenizedExample } from '../data/types';
import type { TextTokenizer } from '../tokenizer/types';
import type { SafetyPair } from './spf-options';

export type { SafetyPair } from './spf-options';

/**
 * A JSONL file of {"request", "refusal"} pairs (safety anchors or the probe set) → SafetyPair[]. Unlike a training
 * set, nothing is skipped: a safety set is small and hand-made, so every bad line is an error, named with its line.
 * Extra fields are allowed (and ignored), blank lines are skipped.
 */
export async function parseSafetyPairs(bytes: DatasetBytes, fileName: string): Promise<SafetyPair[]> {
  const parsed = parseJsonLines(decodeDatasetText(await readDatasetBytes(bytes), fileName), fileName);
  const problems = [...parsed.rejected];
  const pairs: SafetyPair[] = [];
  for (const row of parsed.rows) {
    const { request, refusal } = row.fields;
    const bad = [fieldProblem('request', request), fieldProblem('refusal', refusal)].filter((p) => p !== undefined);
    if (bad.length > 0) problems.push({ source: row.source, reason: bad.join('; ') });
    else pairs.push({ request: request as string, refusal: refusal as string });
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.source.line - b.source.line);
    throw new SafeTuneError(
      'bad-dataset',
      `${fileName} is not a list of safety pairs: ${describeRejections(problems)}.`,
      'Each line must be a JSON object like {"request": "<a harmful request>", "refusal": "<the refusal to keep>"}.',
    );
  }
  if (pairs.length === 0) {
    throw new SafeTuneError('bad-dataset', `${fileName} holds no safety pairs.`, 'Add at least one {"request", "refusal"} line.');
  }
  return pairs;
}

function fieldProblem(name: string, value: unknown): string | undefined {
  if (value === undefined) return `no "${name}" field`;
  if (typeof value !== 'string') return `"${name}" is not a string`;
  if (value.trim() === '') return `"${name}" is empty`;
  return undefined;
}

/**
 * Safety pairs as training-style examples: user = request, assistant = refusal, rendered with the model's chat
 * template; the loss is on the refusal and the end-of-turn token only (engine/data's chat labelling, so anchors and
 * probes are tokenized exactly like a `messages` training row). Throws naming the pair when one cannot be tokenized or
 * when `maxLength` leaves no refusal token to measure.
 */
export function tokenizeSafetyPairs(
  pairs: readonly SafetyPair[],
  tokenizer: TextTokenizer,
  maxLength: number,
  fileName = 'safety pairs',
): TokenizedExample[] {
  return pairs.map((pair, i) => {
    const example = tokenizeExample(
      {
        kind: 'chat',
        messages: [
          { role: 'user', content: pair.request },
          { role: 'assistant', content: pair.refusal },
        ],
        completionStart: 0,
        source: { file: fileName, line: i + 1, unit: 'row' },
      },
      tokenizer,
      { maxLength },
    );
    if (trainedTokenCount(example.labels) === 0) {
      throw new SafeTuneError(
        'bad-argument',
        `${fileName} pair ${i + 1}: no refusal token is left after truncation to ${maxLength} tokens.`,
        'Raise maxLength, or shorten the request of this pair.',
      );
    }
    return example;
  });
}
