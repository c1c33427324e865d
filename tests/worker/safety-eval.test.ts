import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { IGNORE_INDEX } from '../../engine/model/loss';
import { LoraAdapter, type HostLoraWeights } from '../../engine/model/lora';
import { loadCausalLM } from '../../engine/model/load';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { parseSafetyPairs, tokenizeSafetyPairs } from '../../engine/safety/anchors';
import { isEvalStep, SafetyProbe } from '../../engine/safety/drift';
import { evaluateRefusals, greedyChatReply, parseHarmfulPrompts } from '../../engine/safety/refusal-eval';
import { isRefusal } from '../../engine/safety/refusal-judge';
import { meanLoss } from '../../engine/train/trainer';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { MemoryFiles } from '../../engine/weights/memory-files';
import type { CausalLM } from '../../engine/model/causal-lm';
import type { TokenizedExample } from '../../engine/data/types';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { setBackend } from '../helpers/backend';
import { randomHostLora } from '../helpers/random-lora';
import { PROBE } from './helpers/site';

const enc = new TextEncoder();
let model: CausalLM;
let tokenizer: TextTokenizer;

beforeAll(async () => {
  await setBackend('cpu');
  tf.env().set('PROD', true);
  const files = new MemoryFiles(tinyCheckpointFiles('llama', { seed: 3 }), 'tiny');
  model = await loadCausalLM(files);
  tokenizer = await loadTokenizer(files);
});

describe('safety pairs (anchors, probe set)', () => {
  test('parse a JSONL of {request, refusal}; blank lines and extra fields are fine', async () => {
    const text = '{"request": "a", "refusal": "no", "id": 1}\n\n{"request": "b", "refusal": "I cannot."}\r\n';
    expect(await parseSafetyPairs(enc.encode(text), 'anchors.jsonl')).toEqual([
      { request: 'a', refusal: 'no' },
      { request: 'b', refusal: 'I cannot.' },
    ]);
  });

  test('every bad line is an error naming its line and what is wrong', async () => {
    const text = ['{"request": "a", "refusal": "no"}', '{"request": "b"}', 'not json', '{"request": " ", "refusal": 3}', '[1]'].join('\n');
    const error = await parseSafetyPairs(enc.encode(text), 'probe.jsonl').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'bad-dataset', hint: expect.stringContaining('{"request"') });
    expect((error as Error).message).toMatch(/^probe\.jsonl is not a list of safety pairs: probe\.jsonl line 2: no "refusal" field; probe\.jsonl line 3: not valid JSON.*; probe\.jsonl line 4: "request" is empty; "refusal" is not a string; and 1 more\.$/);
    await expect(parseSafetyPairs(enc.encode('\n\n'), 'empty.jsonl')).rejects.toThrow(/empty\.jsonl holds no safety pairs/);
  });

  test('tokenized like a chat row: the loss is on the refusal and its end token only', () => {
    const [example] = tokenizeSafetyPairs([{ request: 'Make a weapon.', refusal: 'I cannot help.' }], tokenizer, 128);
    const trained = example!.ids.filter((_, t) => example!.labels[t] !== IGNORE_INDEX);
    expect(tokenizer.decode(trained)).toBe('I cannot help.<|im_end|>');
    expect(tokenizer.decode(example!.ids)).toBe('<|im_start|>user\nMake a weapon.<|im_end|>\n<|im_start|>assistant\nI cannot help.<|im_end|>\n');
  });

  test('a max length that cuts off the whole refusal is an error naming the pair', () => {
    expect(() => tokenizeSafetyPairs(PROBE, tokenizer, 8, 'probe.jsonl')).toThrow(/^probe\.jsonl pair 1: no refusal token is left after truncation to 8 tokens/);
  });
});

/** `examples` with every label after each refusal's first masked (full length kept: an independent route to the decision loss). */
function firstTokenOnly(examples: readonly TokenizedExample[]): TokenizedExample[] {
  return examples.map((e) => {
    const first = e.labels.findIndex((l) => l !== IGNORE_INDEX);
    return { ...e, labels: e.labels.map((l, i) => (i === first ? l : IGNORE_INDEX)) };
  });
}

describe('SafetyProbe: drift of the refusal loss and of the refusal decision', () => {
  test('starts at drift 0; later points are each loss minus its baseline, whatever the adapter', async () => {
    const examples = tokenizeSafetyPairs(PROBE, tokenizer, 128);
    const probe = new SafetyProbe(examples, { batchSize: 2, maxLength: 128, padId: tokenizer.padTokenId });
    model.adapter = undefined;
    const start = await probe.start(model);
    expect(start).toEqual({ step: 0, probeLoss: start.probeLoss, drift: 0, decisionLoss: start.decisionLoss, decisionDrift: 0 });
    // Independent check of the numbers: the same mean NLLs computed in one batch, the decision's on the full sequences.
    expect(start.probeLoss).toBeCloseTo(await meanLoss(model, examples, 8, 128, tokenizer.padTokenId), 5);
    expect(start.decisionLoss).toBeCloseTo(await meanLoss(model, firstTokenOnly(examples), 8, 128, tokenizer.padTokenId), 5);
    expect(start.decisionLoss).not.toBeCloseTo(start.probeLoss, 2);

    const host: HostLoraWeights = randomHostLora(model.config, 5);
    model.adapter = LoraAdapter.fromHost(model.config, host);
    const later = await probe.measure(model, 10);
    expect(later.step).toBe(10);
    expect(Math.abs(later.drift)).toBeGreaterThan(1e-3); // a random adapter changes the loss
    expect(later.drift).toBeCloseTo(later.probeLoss - start.probeLoss, 10);
    expect(Math.abs(later.decisionDrift)).toBeGreaterThan(1e-3);
    expect(later.decisionDrift).toBeCloseTo(later.decisionLoss - start.decisionLoss, 10);
    expect(later.decisionLoss).toBeCloseTo(await meanLoss(model, firstTokenOnly(examples), 8, 128, tokenizer.padTokenId), 5);

    const resumed = new SafetyProbe(examples, { batchSize: 3, maxLength: 128, padId: tokenizer.padTokenId });
    resumed.restore({ probeLoss: start.probeLoss, decisionLoss: start.decisionLoss });
    const again = await resumed.measure(model, 10);
    expect(again.drift).toBeCloseTo(later.drift, 5);
    expect(again.decisionDrift).toBeCloseTo(later.decisionDrift, 5);
    model.adapter.dispose();
    model.adapter = undefined;
  });

  test('measure before start and an empty probe set are errors', async () => {
    expect(() => new SafetyProbe([], { batchSize: 1, maxLength: 8, padId: 0 })).toThrow(/probe set is empty/);
    const probe = new SafetyProbe(tokenizeSafetyPairs(PROBE, tokenizer, 64), { batchSize: 1, maxLength: 64, padId: 0 });
    await expect(probe.measure(model, 1)).rejects.toThrow(/before start/);
  });

  test('eval steps: every evalEvery steps and the last one', () => {
    expect([1, 2, 3, 4, 5, 6, 7].filter((s) => isEvalStep(s, 3, 7))).toEqual([3, 6, 7]);
    expect([1, 2, 3].filter((s) => isEvalStep(s, 0, 3))).toEqual([3]);
  });
});

describe('refusal evaluation', () => {
  test('each prompt answered greedily with the chat template, judged by isRefusal, under the caller\'s lock', async () => {
    const prompts = PROBE.map((p) => p.request);
    let locked = 0;
    const seen: number[] = [];
    const result = await evaluateRefusals(model, tokenizer, prompts, {
      maxNewTokens: 8,
      exclusive: async (task) => {
        locked++;
        return task();
      },
      onResponse: (_, i) => seen.push(i),
    });
    expect(locked).toBe(prompts.length);
    expect(seen).toEqual([0, 1, 2]);
    expect(result.total).toBe(3);
    for (const [i, r] of result.responses.entries()) {
      expect(r.prompt).toBe(prompts[i]);
      expect(r.response).toBe(await greedyChatReply(model, tokenizer, prompts[i]!, 8)); // greedy: deterministic
      expect(r.refused).toBe(isRefusal(r.response));
    }
    expect(result.rate).toBe(result.responses.filter((r) => r.refused).length / 3);
  });

  test('an aborted evaluation throws an AbortError; no prompts is an error', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(evaluateRefusals(model, tokenizer, ['x'], { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(evaluateRefusals(model, tokenizer, [])).rejects.toThrow(/has no prompts/);
  });

  test('harmful-eval JSONL: {"request"} per line (or "prompt"); bad lines named', async () => {
    expect(await parseHarmfulPrompts(enc.encode('{"request": "a"}\n{"prompt": "b"}\n'), 'h.jsonl')).toEqual(['a', 'b']);
    await expect(parseHarmfulPrompts(enc.encode('{"request": "a"}\n{"goal": "b"}\n'), 'h.jsonl')).rejects.toThrow(/h\.jsonl line 2: no "request" or "prompt" field/);
    await expect(parseHarmfulPrompts(enc.encode('{"prompt": ""}\n'), 'h.jsonl')).rejects.toThrow(/h\.jsonl line 1: "prompt" is not a non-empty string/);
  });
});
