import type { ChatMessage } from '../../tokenizer/types';
import { checkTrainedTurns, parseMessages } from './chat-messages';
import { describeKind, type RawRow } from './parsed-file';
import type { RejectedRow } from '../row-ref';
import { RowProblem } from '../row-problem';
import type { Example, RowFormat, RowRef } from '../types';

/**
 * The examples of rows already known to be of `format`, and the rows rejected on the way, each with its reason.
 * How each format becomes a conversation:
 * - messages / sharegpt: the conversation itself; every assistant turn is trained. ShareGPT's optional top-level
 *   "system" field becomes a system message first.
 * - prompt-completion: strings → plain text `prompt + completion` (no chat template, as TRL); message lists →
 *   the conversation prompt + completion, training only the completion's assistant turns.
 * - alpaca: user = instruction, then a blank line and the input when the input is not blank; assistant = output.
 * - question-answer: user = question; assistant = answer, verbatim (GSM8K's worked solution and "#### 42" included).
 * - question-context-answer: user = `${context}\n\n${question}` (the schema, a blank line, then the question);
 *   assistant = answer.
 * - text: plain text, every token trained.
 * alpaca and the question formats also take an optional "system" field, as LLaMA-Factory's datasets have.
 */
export function toExamples(rows: readonly RawRow[], format: RowFormat): { examples: Example[]; rejected: RejectedRow[] } {
  const examples: Example[] = [];
  const rejected: RejectedRow[] = [];
  for (const row of rows) {
    try {
      examples.push(toExample(row, format));
    } catch (e) {
      if (!(e instanceof RowProblem)) throw e;
      rejected.push({ source: row.source, reason: e.message });
    }
  }
  return { examples, rejected };
}

/** One row as an example. Throws RowProblem (missing field, wrong type, empty completion, unknown role, ...). */
export function toExample(row: RawRow, format: RowFormat): Example {
  const { fields, source } = row;
  switch (format) {
    case 'messages':
    case 'sharegpt': {
      const field = format === 'messages' ? 'messages' : 'conversations';
      const system = format === 'sharegpt' ? optionalText(fields, 'system') : undefined;
      const messages = withSystem(system, parseMessages(required(fields, field), field));
      checkTrainedTurns(messages, 0, field);
      return chat(messages, 0, source);
    }
    case 'prompt-completion':
      return promptCompletion(fields, source);
    case 'alpaca': {
      const instruction = text(fields, 'instruction');
      const input = optionalText(fields, 'input') ?? '';
      const prompt = input.trim() === '' ? instruction : `${instruction}\n\n${input}`;
      if (prompt.trim() === '') throw new RowProblem('"instruction" and "input" are both empty');
      return turn(fields, prompt, 'output', source);
    }
    case 'question-answer':
      return turn(fields, nonEmptyText(fields, 'question'), 'answer', source);
    case 'question-context-answer': {
      const context = text(fields, 'context');
      const question = nonEmptyText(fields, 'question');
      return turn(fields, context.trim() === '' ? question : `${context}\n\n${question}`, 'answer', source);
    }
    case 'text':
      return { kind: 'text', text: nonEmptyText(fields, 'text'), source };
  }
}

function promptCompletion(fields: Record<string, unknown>, source: RowRef): Example {
  const prompt = required(fields, 'prompt');
  const completion = required(fields, 'completion');
  if (typeof prompt === 'string' && typeof completion === 'string') {
    if (completion.trim() === '') throw new RowProblem('"completion" is empty: nothing to learn from');
    return { kind: 'completion', prompt, completion, source };
  }
  if (Array.isArray(prompt) && Array.isArray(completion)) {
    const promptMessages = parseMessages(prompt, 'prompt');
    const completionMessages = parseMessages(completion, 'completion');
    checkTrainedTurns(completionMessages, 0, 'completion');
    return chat([...promptMessages, ...completionMessages], promptMessages.length, source);
  }
  throw new RowProblem(
    `"prompt" is ${describeKind(prompt)} and "completion" is ${describeKind(completion)}: both must be text, or both ` +
      'lists of messages',
  );
}

/** A single exchange: optional system message, user `prompt`, assistant = the row's `answerField`. */
function turn(fields: Record<string, unknown>, prompt: string, answerField: string, source: RowRef): Example {
  const answer = text(fields, answerField);
  if (answer.trim() === '') throw new RowProblem(`"${answerField}" is empty: nothing to learn from`);
  const messages: ChatMessage[] = [
    { role: 'user', content: prompt },
    { role: 'assistant', content: answer },
  ];
  return chat(withSystem(optionalText(fields, 'system'), messages), 0, source);
}

function chat(messages: ChatMessage[], completionStart: number, source: RowRef): Example {
  return { kind: 'chat', messages, completionStart, source };
}

function withSystem(system: string | undefined, messages: ChatMessage[]): ChatMessage[] {
  return system === undefined || system.trim() === '' ? messages : [{ role: 'system', content: system }, ...messages];
}

function required(fields: Record<string, unknown>, name: string): unknown {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (value === undefined) throw new RowProblem(`has no "${name}" field (its fields: ${fieldList(fields)})`);
  if (value === null) throw new RowProblem(`"${name}" is null`);
  return value;
}

function text(fields: Record<string, unknown>, name: string): string {
  const value = required(fields, name);
  if (typeof value !== 'string') throw new RowProblem(`"${name}" is ${describeKind(value)}, not text`);
  return value;
}

function nonEmptyText(fields: Record<string, unknown>, name: string): string {
  const value = text(fields, name);
  if (value.trim() === '') throw new RowProblem(`"${name}" is empty`);
  return value;
}

/** An optional text field: absent or null reads as undefined; any other non-text value is a problem. */
function optionalText(fields: Record<string, unknown>, name: string): string | undefined {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new RowProblem(`"${name}" is ${describeKind(value)}, not text`);
  return value;
}

function fieldList(fields: Record<string, unknown>): string {
  const names = Object.keys(fields);
  return names.length === 0 ? 'none' : names.map((n) => `"${n}"`).join(', ');
}
