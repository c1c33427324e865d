import { countLoraParameters, countParameters, projectionSizes, type LoraTargetName, type ModelShape } from './model-shape';

/**
 * A rough, deliberately pessimistic estimate of the GPU memory a training run needs, shown before the model loads so
 * the user learns "this will not fit" from a sentence instead of a lost device. tfjs keeps every tensor in float32,
 * and its autodiff keeps each op's inputs alive until the backward pass, so the activation term dominates for long
 * sequences and the logits term for large vocabularies. Without WebGPU the run trains on tfjs-wasm, whose heap also
 * holds its matrix kernels' copies of the weights and can never pass 4 GiB (wasmHeapBeyondTensors, WASM_HEAP_MAX_BYTES).
 */
export interface RunSize {
  batchSize: number;
  maxLength: number;
  loraRank: number;
  loraTargets: readonly LoraTargetName[];
  spf: SpfSize | undefined; // undefined: SPF off
  compareWithPlain: boolean; // a second adapter with its own optimizer state (it does not run SPF)
}

/** What SPF's memory depends on (engine/safety: safety-projector.ts, anchor-gradients.ts, spf-groups.ts). */
export interface SpfSize {
  k: number; // subspace directions per stacked gradient
  anchors: number;
  anchorsPerPass: number; // anchors that share one gradient (1: each anchor its own)
  /** Tokens of the longest anchor, or an upper bound (anchorTokenBound); ≤ maxLength, which truncates anchors. */
  anchorTokens: number;
}

/** What bounds memory on this device: the adapter's per-buffer limits and a total budget. */
export interface DeviceLimits {
  /** The backend that will train: what autodiff keeps differs (WebGPU's fused kernels keep fewer intermediates). */
  backend: 'webgpu' | 'wasm';
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** Total bytes we dare use; WebGPU does not report GPU memory, so the caller picks a conservative figure. */
  budgetBytes: number;
}

export interface MemoryEstimate {
  parameters: number;
  loraParameters: number;
  bytes: {
    weights: number; // frozen base weights, float32 on the GPU
    adapter: number; // LoRA A and B
    optimizer: number; // gradients + AdamW's two moments
    spf: number; // SPF's safety gradients, subspaces and per-group LoRA copies (0 when off)
    activations: number; // kept for the backward pass, per layer, plus attention scores: the training batch's (on WebGPU with SPF's anchors folded in) or SPF's anchor pass's, the larger
    logits: number; // one tile of logits with its softmax and gradient (the training batch's tile or the anchors', the larger)
    kernelCopies: number; // tfjs-wasm's heap beyond the tensors: its matrix kernels' weight copies and scratch, the heap's growth step (0 on WebGPU)
    total: number;
  };
  /** The largest single tensor, which must fit in one storage binding. */
  largestBuffer: { name: string; bytes: number };
  /** Row chunks the embedding (and lm_head) are split into so each fits one storage binding; 1 when it fits whole. */
  vocabChunks: number;
  fits: boolean;
  /** What to change when it does not fit (or comes close); empty when it comfortably fits. */
  advice: string[];
}

const F32 = 4;
/**
 * The engine's rule (engine/device/binding-limit.ts, engine/model/vocab-chunks.ts), repeated here because the page
 * does not import the engine: the loss computes logits in tiles of at most this many bytes (or the binding limit,
 * if smaller), and the embedding / lm_head are split by vocabulary rows into balanced chunks that each fit one binding.
 */
const LOGITS_TILE_BYTES = 32 * 1024 * 1024;
/** engine/model/frozen-matmul.ts's MAX_TRANSPOSED_COPY_BYTES: the largest weight the forward pass copies transposed. */
export const TRANSPOSED_COPY_BYTES = 32 * 1024 * 1024;

function vocabChunkCount(vocab: number, hidden: number, maxBinding: number): number {
  const rowsThatFit = Math.floor(maxBinding / (hidden * F32));
  return rowsThatFit >= vocab || !Number.isFinite(maxBinding) ? 1 : Math.ceil(vocab / Math.max(1, rowsThatFit));
}
/** engine/safety/anchor-gradients.ts's ANCHORS_PER_BATCH: the most anchors one batched safety pass holds. */
export const SPF_ANCHORS_PER_BATCH = 8;
/** engine/kernels/spf-types.ts's MAX_K: the most directions a block's subspace (and its power iteration) carries. */
export const SPF_MAX_K = 16;
/** Chat-template tokens around an anchor's request and refusal (Qwen2.5's default system prompt alone is ~30). */
const TEMPLATE_TOKENS = 64;

/** The parts of a run's configuration the estimate reads (the engine's RunConfig has them). */
export interface EstimatedRunConfig {
  train: { batchSize: number; maxLength: number };
  lora: { r: number; targets: readonly LoraTargetName[] };
  spf: { enabled: boolean; k: number; anchorsPerPass: number; anchors: readonly { request: string; refusal: string }[] };
  compareWithPlain: boolean;
}

/**
 * The RunSize of a run configuration, as the app's view and the CLI estimate it. `bundledAnchors`: what an empty anchor
 * list in the configuration means (the engine's rule).
 */
export function runSizeOf(config: EstimatedRunConfig, bundledAnchors: readonly { request: string; refusal: string }[]): RunSize {
  const anchors = config.spf.anchors.length > 0 ? config.spf.anchors : bundledAnchors;
  return {
    batchSize: config.train.batchSize,
    maxLength: config.train.maxLength,
    loraRank: config.lora.r,
    loraTargets: config.lora.targets,
    spf: config.spf.enabled
      ? { k: config.spf.k, anchors: Math.max(1, anchors.length), anchorsPerPass: config.spf.anchorsPerPass, anchorTokens: anchorTokenBound(anchors, config.train.maxLength) }
      : undefined,
    compareWithPlain: config.compareWithPlain,
  };
}

/**
 * An upper bound on the tokens of the longest anchor, without a tokenizer: a byte-level BPE token is at least one UTF-8
 * byte, plus the chat template's own tokens; anchors are truncated to maxLength.
 */
export function anchorTokenBound(anchors: readonly { request: string; refusal: string }[], maxLength: number): number {
  const utf8 = new TextEncoder();
  const bytes = Math.max(0, ...anchors.map((a) => utf8.encode(a.request + a.refusal).length));
  return Math.min(maxLength, bytes + TEMPLATE_TOKENS);
}

/**
 * What autodiff really keeps per layer, over the named activations (see passBytes), by backend. tfjs-wasm's unique
 * tensor bytes at a step's peak were 5.1–5.7× the named term (see passBytes). On WebGPU, where RMSNorm, RoPE, SwiGLU,
 * the causal softmax and merged LoRA are fused kernels that keep fewer intermediates, the bytes tfjs-webgpu holds
 * (its pool keeps freed buffers: what the GPU really gives up) grew by 1.9× the named term per layer at SmolLM2-135M's
 * layer shape and 2.8× at Qwen2.5-0.5B's (4 × 256 tokens, 2 vs 4 layers on lavapipe, a `.tmp` script); a few layers'
 * total, pool and all, took up to 3.4×. 3.5 with the WebGPU terms below keeps the estimate at 1.1–1.9× the bytes
 * held at ten measured runs (tests/app/memory-estimate-webgpu.test.ts; README "On a real GPU"): a fit to those runs,
 * not a model of tfjs's allocator.
 */
export const AUTODIFF_KEPT_FACTOR: Readonly<Record<DeviceLimits['backend'], number>> = { webgpu: 3.5, wasm: 6 };
/**
 * On WebGPU the loss's logits leave more than their tile behind: beyond the weights and the per-layer growth, the bytes
 * held were ~2× the whole [labelled rows, vocab] logits plus ~30–60 MiB, with the vocabulary in 1 or 5 chunks (the
 * same script; and on an H200). Counted per token here (every token labelled, the worst case).
 */
export const WEBGPU_LOGITS_KEPT = 2.5;
/**
 * tfjs-wasm's heap can never grow past this (wasm32: getHeapMax() in @tensorflow/tfjs-backend-wasm's wasm-out/*.js).
 * Past it XNNPACK cannot allocate ("XNN status for xnn_create_fully_connected_nc_f32 is not successful. Got status 6")
 * and the module aborts, leaving the backend dead: a hard limit whatever memory the machine has.
 */
export const WASM_HEAP_MAX_BYTES = 4_294_901_760;
/**
 * Weight-sized blocks the step's peak must find room for, for the largest weight it multiplies by (see
 * wasmHeapBeyondTensors): the two that each x·Wᵀ allocates and frees, and one more, fitted, for the holes such large
 * transient blocks leave: after two steps the heap exceeded this estimate's tensor part, the kept copies and the two
 * blocks by 0.8–1.0 of the lm_head (89 MiB at SmolLM2-135M's full shape, 240 and 331 MiB at one TinyLlama-1.1B layer
 * with its 32k and with a 49k vocabulary; 1 × 16–64 tokens, `.tmp` runs).
 */
export const WASM_SCRATCH_WEIGHTS = 3;
/** emscripten grows a heap by 20 % of its size but at most 96 MiB past the request (emscripten_resize_heap in wasm-out). */
export const WASM_GROWTH = { share: 0.2, maxBytes: 96 * 1024 * 1024 };
/** Above this share of the budget the estimate says "tight": it is an estimate, not a measurement. */
const TIGHT = 0.8;

export function estimateTrainingMemory(shape: ModelShape, run: RunSize, limits: DeviceLimits): MemoryEstimate {
  const parameters = countParameters(shape);
  const adapters = run.compareWithPlain ? 2 : 1;
  const loraParameters = countLoraParameters(shape, run.loraRank, run.loraTargets);
  const weights = parameters * F32;
  const adapterBytes = loraParameters * F32;
  const adapter = adapters * adapterBytes;
  // Gradient + first and second moment per adapter.
  const optimizer = adapters * adapterBytes * 3;

  const maxBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const vocabChunks = vocabChunkCount(shape.vocab, shape.hidden, maxBinding);
  const embeddingChunk = Math.ceil(shape.vocab / vocabChunks) * shape.hidden * F32;
  // On WebGPU the forward pass multiplies by a transposed copy of a weight, and a merged LoRA projection by W + s·B·A
  // each way (one at a time, at most 32 MiB: engine/model/frozen-matmul.ts, merged-lora.ts); each lives only for its
  // product, but one can sit at the step's peak.
  // On WebGPU tfjs's pool keeps freed buffers for reuse, so the copies of each size the backward pass needs at once
  // (dx through gate and up, say) stay held: three counted there (fewer left the measurements below the bytes held).
  const copies = limits.backend === 'webgpu' ? 3 : 1;
  const transposedCopy = copies * Math.min(Math.max(shape.intermediate * shape.hidden * F32, embeddingChunk), TRANSPOSED_COPY_BYTES);
  const kept = AUTODIFF_KEPT_FACTOR[limits.backend];
  // On WebGPU SPF's anchors may ride in the step's first micro-batch (engine/safety/safety-projector.ts, shouldFold):
  // that pass then holds the batch's rows and the anchors', each at most maxLength, and a LoRA side path per anchor
  // group. The engine folds only on a GPU's adapter (counted here on any WebGPU one) and only anchors that fit one
  // batched pass and no more rows than the batch has.
  const foldedAnchors = limits.backend === 'webgpu' && run.spf !== undefined && run.spf.anchors <= SPF_ANCHORS_PER_BATCH && run.spf.anchors <= run.batchSize ? run.spf.anchors : 0;
  const foldedGroups = foldedAnchors === 0 ? 0 : Math.ceil(foldedAnchors / Math.max(1, run.spf!.anchorsPerPass));
  const task = passBytes(shape, { sequences: run.batchSize + foldedAnchors, length: run.maxLength, loraColumns: (1 + foldedGroups) * run.loraRank * run.loraTargets.length }, maxBinding, kept);
  const safety = run.spf === undefined ? undefined : spfBytes(shape, run, run.spf, adapterBytes, maxBinding, kept);
  const activations = Math.max(task.activations, safety?.pass.activations ?? 0) + transposedCopy;
  const logitsTile = Math.max(task.logitsTile, safety?.pass.logitsTile ?? 0);
  // The loss holds one tile of logits at a time: the logits, their softmax and its gradient in the backward pass (when
  // all the logits fit one tile, the forward's are kept for the backward: still one tile, engine/model/chunked-nll.ts).
  const tokens = Math.max(task.tokens, safety?.pass.tokens ?? 0);
  const logits = limits.backend === 'webgpu' ? Math.max(3 * logitsTile, WEBGPU_LOGITS_KEPT * tokens * shape.vocab * F32) : 3 * logitsTile;
  const spf = safety?.buffers ?? 0;
  const scores = Math.max(task.scores, safety?.pass.scores ?? 0); // one layer's attention matrix

  const tensors = weights + adapter + optimizer + spf + activations + logits;
  const kernelCopies = limits.backend === 'wasm' ? wasmHeapBeyondTensors(shape, adapter, tensors) : 0;
  const total = tensors + kernelCopies;

  const candidates: { name: string; bytes: number }[] = [
    { name: vocabChunks === 1 ? 'embedding matrix (vocab × hidden)' : `embedding chunk (1/${vocabChunks} of vocab × hidden)`, bytes: embeddingChunk },
    { name: 'logits tile (rows × vocab chunk)', bytes: logitsTile },
    { name: 'attention scores (batch × heads × length²)', bytes: scores * F32 },
    { name: 'MLP weight (intermediate × hidden)', bytes: shape.intermediate * shape.hidden * F32 },
  ];
  const largestBuffer = candidates.reduce((a, b) => (b.bytes > a.bytes ? b : a));

  const advice: string[] = [];
  const mlpWeight = shape.intermediate * shape.hidden * F32;
  if (mlpWeight > maxBinding) {
    advice.push(`One MLP weight (${formatMiB(mlpWeight)}) exceeds this GPU's largest buffer (${formatMiB(maxBinding)}): choose a smaller model.`);
  }
  if (scores * F32 > maxBinding) {
    advice.push(`The attention scores at length ${run.maxLength} exceed this GPU's largest buffer: lower the max length.`);
  }
  // Past the wasm heap's ceiling the run cannot train here at all, however much memory the machine has.
  const overHeap = limits.backend === 'wasm' && total > WASM_HEAP_MAX_BYTES;
  if (overHeap) {
    advice.push(
      `Without WebGPU this browser trains on the CPU in WebAssembly, whose memory is capped at 4 GiB: this run needs about ${formatMiB(total)} there ` +
        `(WebAssembly's matrix kernels keep a copy of every weight besides the weights themselves). Pick a smaller model, or use a browser and GPU with WebGPU.`,
    );
  }
  const overBudget = total > limits.budgetBytes;
  if (overBudget || total > TIGHT * limits.budgetBytes) {
    const lead = overBudget
      ? `About ${formatMiB(total)} needed, more than the ${formatMiB(limits.budgetBytes)} this device can safely give.`
      : `About ${formatMiB(total)} needed, close to the ${formatMiB(limits.budgetBytes)} this device can safely give.`;
    const biggest = activations + logits > weights + kernelCopies ? 'lower the batch size or the max length (activations dominate)' : 'choose a smaller model (the weights dominate)';
    advice.push(`${lead} To make room: ${biggest}${run.compareWithPlain ? ', or turn off the plain-LoRA comparison run' : ''}.`);
  }

  return {
    parameters,
    loraParameters,
    bytes: { weights, adapter, optimizer, spf, activations, logits, kernelCopies, total },
    largestBuffer,
    vocabChunks,
    fits: !overBudget && !overHeap && largestBuffer.bytes <= maxBinding,
    advice,
  };
}

/**
 * What tfjs-wasm's heap holds beyond the tensors (`tensors`: the estimate's other terms), measured with a `.tmp` probe
 * that sums the heap's free blocks. Its BatchMatMul runs an unbatched product with both operands untransposed on an
 * XNNPACK operator that it builds on the right operand's first such product and caches, with a packed copy of that
 * operand, until the operand is disposed: dy·W, the backward pass's dx through every frozen projection and the loss's
 * through the lm_head, packs W (a 64 MiB W: 64.1 MiB more held after the first dy·W, nothing more after the second).
 * Frozen weights are never disposed, so from the first backward pass on, every projection and the lm_head (the
 * embedding when tied) has a copy of its own size, and LoRA's A and B each have one until the optimizer replaces them:
 * after a step at SmolLM2-135M's full shape the heap held the tensors plus 513.4 MiB, its matrices' 513.1 (layer 0's
 * q/k/v, which no gradient passes through, have none; counted anyway). x·Wᵀ, the forward pass, keeps nothing but
 * allocates and frees two W-sized blocks each time (128.5 MiB for that W): the engine's BatchMatMul on wasm
 * (engine/device/wasm-kernels.ts) transposes W into a temporary, which XNNPACK packs and which is disposed with its
 * pack after the product (the engine's own transposed copies are WebGPU-only). Hence WASM_SCRATCH_WEIGHTS of the
 * largest weight. On top of it all, the heap's growth step: what the heap takes beyond the bytes it was asked for.
 */
function wasmHeapBeyondTensors(shape: ModelShape, adapter: number, tensors: number): number {
  const matrices = Object.values(projectionSizes(shape)).map(([inp, out]) => inp * out);
  const lmHead = shape.vocab * shape.hidden;
  const copies = (shape.layers * matrices.reduce((a, b) => a + b, 0) + lmHead) * F32 + adapter;
  const scratch = WASM_SCRATCH_WEIGHTS * Math.max(lmHead, ...matrices) * F32;
  const growth = Math.min(WASM_GROWTH.maxBytes, WASM_GROWTH.share * (tensors + copies + scratch));
  return copies + scratch + growth;
}

/**
 * What one forward + backward pass keeps: `sequences` × `length` tokens, with `loraColumns` LoRA side-path columns per
 * token and layer (summed over the adapted projections).
 */
function passBytes(shape: ModelShape, pass: { sequences: number; length: number; loraColumns: number }, maxBinding: number, kept: number): { activations: number; logitsTile: number; scores: number; tokens: number } {
  const tokens = pass.sequences * pass.length;
  const q = shape.heads * shape.headDim;
  const kv = shape.kvHeads * shape.headDim;
  // Per token per layer: norms and residuals (~6 × hidden), q/k/v before and after RoPE, attention output, the MLP's
  // gate / up / activation / product (4 × intermediate), and the LoRA side paths.
  const perTokenPerLayer = 6 * shape.hidden + 2 * (q + 2 * kv) + q + 4 * shape.intermediate + pass.loraColumns;
  const scores = pass.sequences * shape.heads * pass.length * pass.length; // one layer's attention matrix
  // Scores and probabilities are kept per layer. The tensors named above are only part of what autodiff keeps: every
  // op's inputs are saved (RMSNorm's squares and means, RoPE's halves, GQA's repeated keys and values, SiLU's sigmoid,
  // dtype casts, the LoRA side paths) and the backward pass adds their gradients. The unique tensor bytes a step holds
  // at its peak, on tfjs-wasm, were 5.1–5.7× this per-layer term (SmolLM2-135M's layer shape at 2–8 layers and 64–1,024
  // tokens, and a narrower model): the factor keeps the estimate above the measurement, which
  // tests/app/memory-estimate-measured.test.ts checks on small shapes.
  const activations = kept * shape.layers * (tokens * perTokenPerLayer + 2 * scores) * F32;
  const logitsTile = Math.min(tokens * shape.vocab * F32, maxBinding, LOGITS_TILE_BYTES);
  return { activations, logitsTile, scores, tokens };
}

/**
 * SPF's own buffers and its anchor pass (engine/safety). Kept between steps: G_s (the mean of the stacked gradients,
 * one adapter's size) and per block the power iteration's kIter-column basis with the k-column subspace U, on the
 * block's longer side (kIter / r and k / r of the adapter). At each refresh: the G stacked anchor gradients (twice
 * while several passes' gradients are concatenated), their stack per shape group (counted as if every group's were
 * alive at once), and in a batched pass a LoRA copy per group with its gradient. A pass runs up to SPF_ANCHORS_PER_BATCH anchors as one batch, no more tokens than the
 * training batch (anchor-gradients.ts), each group's copy making the LoRA side paths wider along the rank.
 */
function spfBytes(shape: ModelShape, run: RunSize, spf: SpfSize, adapterBytes: number, maxBinding: number, keptFactor: number): { buffers: number; pass: ReturnType<typeof passBytes> } {
  const perGroup = Math.max(1, spf.anchorsPerPass);
  const gradients = Math.ceil(spf.anchors / perGroup);
  const anchorLength = Math.max(1, Math.min(spf.anchorTokens, run.maxLength));
  const anchorsThatFit = Math.min(SPF_ANCHORS_PER_BATCH, Math.floor((run.batchSize * run.maxLength) / anchorLength));
  const groupsPerPass = Math.max(1, Math.min(gradients, Math.floor(anchorsThatFit / perGroup)));
  const passes = Math.ceil(gradients / groupsPerPass);
  const rankBound = gradients * run.loraRank;
  const k = Math.min(spf.k * gradients, SPF_MAX_K, rankBound);
  const kIter = Math.min(2 * k, SPF_MAX_K, rankBound);
  const kept = adapterBytes * (1 + (kIter + k) / run.loraRank);
  const copies = groupsPerPass === 1 ? 0 : 2 * groupsPerPass * adapterBytes;
  const stacked = (passes > 1 ? 2 : 1) * gradients * adapterBytes + gradients * adapterBytes;
  const sequences = Math.min(spf.anchors, groupsPerPass * perGroup);
  const pass = passBytes(shape, { sequences, length: anchorLength, loraColumns: groupsPerPass * run.loraRank * run.loraTargets.length }, maxBinding, keptFactor);
  return { buffers: kept + copies + stacked, pass };
}

function formatMiB(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.ceil(bytes / 1024 ** 2)} MiB`;
}
