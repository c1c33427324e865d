import type { ChatMessage } from '../../tokenizer/types';
import { describeKind, isPlainObject } from './parsed-file';
import { RowProblem } from '../row-problem';

/** Role names as datasets spell them (OpenAI / TRL, ShareGPT, Gemma's "model") → the chat template's roles. */
const ROLES: ReadonlyMap<string, ChatMessage['role']> = new Map([
  ['system', 'system'],
  ['user', 'user'],
  ['human', 'user'],
  ['assistant', 'assistant'],
  ['gpt', 'assistant'],
  ['model', 'assistant'],
]);

/**
 * A list of chat messages: OpenAI style {role, content} or ShareGPT style {from, value}, in either field (datasets mix
 * them). Content may also be a list of parts, of which only text parts ({"type": "text", "text": ...}) are accepted.
 * Throws RowProblem naming the message (e.g. `messages[2]`) and what is wrong with it.
 */
export function parseMessages(value: unknown, field: string): ChatMessage[] {
  if (!Array.isArray(value)) throw new RowProblem(`"${field}" is ${describeKind(value)}, not a list of messages`);
  if (value.length === 0) throw new RowProblem(`"${field}" is an empty list`);
  return value.map((item, i) => parseMessage(item, `${field}[${i}]`));
}

function parseMessage(item: unknown, where: string): ChatMessage {
  if (!isPlainObject(item)) throw new RowProblem(`${where} is ${describeKind(item)}, not a message object`);
  const roleName = ownField(item, 'role') ?? ownField(item, 'from');
  if (typeof roleName !== 'string') {
    throw new RowProblem(`${where} has no "role" (or ShareGPT "from") text`);
  }
  // A Map, not an object: a role named "constructor" or "__proto__" must not find Object.prototype's members.
  const role = ROLES.get(roleName.toLowerCase());
  if (role === undefined) {
    throw new RowProblem(
      `${where} has the role "${roleName.slice(0, 40)}"; SafeTune reads system, user (human) and assistant (gpt, model)`,
    );
  }
  const content = Object.hasOwn(item, 'content') ? item['content'] : ownField(item, 'value');
  return { role, content: contentText(content, where) };
}

function ownField(item: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(item, name) ? item[name] : undefined;
}

function contentText(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part, i) => {
        if (isPlainObject(part) && part['type'] === 'text' && typeof part['text'] === 'string') return part['text'];
        throw new RowProblem(`${where}.content[${i}] is not a text part ({"type": "text", "text": "..."})`);
      })
      .join('');
  }
  throw new RowProblem(`${where} has ${describeKind(content)} as content, not text`);
}

/**
 * Checks a conversation before it is rendered: there is an assistant turn to train at `completionStart` or later, and
 * none of the trained turns is empty (a turn with no text teaches only the end token).
 */
export function checkTrainedTurns(messages: readonly ChatMessage[], completionStart: number, field: string): void {
  let trained = 0;
  messages.forEach((message, i) => {
    if (i < completionStart || message.role !== 'assistant') return;
    if (message.content.trim() === '') throw new RowProblem(`the assistant message ${field}[${i}] is empty`);
    trained++;
  });
  if (trained === 0) throw new RowProblem(`"${field}" has no assistant message to learn from`);
}
