/** engine/tokenizer: the model's own tokenizer and chat template, and a generated tiny one for test models. */
export type { ChatMessage, TextTokenizer } from './types';
export { loadTokenizer, tokenizerFromFiles } from './load-tokenizer';
export { readTokenizerFiles, type TokenizerFileSet } from './tokenizer-files';
export { buildTinyTokenizer, type TinyTokenizer, type TinyTokenizerOptions } from './tiny-tokenizer';
export { CHATML_TURN_END, CHATML_TURN_START } from './fallback-chat';
export type { JsonObject, JsonValue } from './json';
