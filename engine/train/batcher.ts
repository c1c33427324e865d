import { SafeTuneError } from '../errors';
import { IGNORE_INDEX, type TokenBatch } from '../model/loss';
import type { TokenizedExample } from '../data/types';
import { mulberry32 } from '../util/random';

/** Where the data stream stands: enough to continue the exact same order after a resume. */
export interface DataOrderState {
  seed: number;
  epoch: number; // 0-based epoch being drawn from
  cursor: number; // next position in this epoch's permutation
}

/** The permutation of example indices for one epoch: Fisher-Yates driven by (seed, epoch). */
export function epochPermutation(n: number, seed: number, epoch: number): Int32Array {
  const rand = mulberry32((seed * 2654435761 + epoch * 40503 + 1) >>> 0);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/**
 * Endless, seeded, resumable stream of micro-batches. Padding (default): each micro-batch holds `batchSize`
 * examples right-padded to the longest. Packing: examples are concatenated (each keeps its labels) and cut into
 * `batchSize` rows of exactly `maxLength` tokens; as in TRL's packing, attention is not reset at example
 * boundaries.
 */
export class Batcher {
  private readonly examples: readonly TokenizedExample[];
  private readonly batchSize: number;
  private readonly maxLength: number;
  private readonly pack: boolean;
  private readonly padId: number;
  private state: DataOrderState;
  private perm: Int32Array;

  constructor(
    examples: readonly TokenizedExample[],
    opts: { batchSize: number; maxLength: number; pack: boolean; padId: number; seed: number },
    state?: DataOrderState,
  ) {
    if (examples.length === 0) throw new SafeTuneError('bad-dataset', 'the training set is empty', 'add rows with at least one trained (assistant / completion) token');
    this.examples = examples;
    this.batchSize = opts.batchSize;
    this.maxLength = opts.maxLength;
    this.pack = opts.pack;
    this.padId = opts.padId;
    this.state = state ? { ...state } : { seed: opts.seed, epoch: 0, cursor: 0 };
    this.perm = epochPermutation(examples.length, this.state.seed, this.state.epoch);
  }

  /** Micro-batches per epoch in padding mode (packing: an estimate from the token count). */
  microBatchesPerEpoch(): number {
    if (!this.pack) return Math.ceil(this.examples.length / this.batchSize);
    const tokens = this.examples.reduce((n, e) => n + Math.min(e.ids.length, this.maxLength), 0);
    return Math.max(1, Math.ceil(tokens / (this.batchSize * this.maxLength)));
  }

  get orderState(): DataOrderState {
    return { ...this.state };
  }

  /** Fractional epochs consumed so far. */
  get epochProgress(): number {
    return this.state.epoch + this.state.cursor / this.examples.length;
  }

  private nextExample(): TokenizedExample {
    if (this.state.cursor >= this.perm.length) {
      this.state = { ...this.state, epoch: this.state.epoch + 1, cursor: 0 };
      this.perm = epochPermutation(this.examples.length, this.state.seed, this.state.epoch);
    }
    const e = this.examples[this.perm[this.state.cursor]!]!;
    this.state.cursor += 1;
    return e;
  }

  next(): TokenBatch {
    return this.pack ? this.nextPacked() : this.nextPadded();
  }

  private nextPadded(): TokenBatch {
    const rows: { ids: number[]; labels: number[] }[] = [];
    for (let i = 0; i < this.batchSize; i++) {
      const e = this.nextExample();
      rows.push({ ids: e.ids.slice(0, this.maxLength), labels: e.labels.slice(0, this.maxLength) });
      if (this.state.cursor >= this.perm.length) break; // an epoch's last batch may be short, as in a DataLoader
    }
    return toBatch(rows, Math.max(...rows.map((r) => r.ids.length)), this.padId);
  }

  private nextPacked(): TokenBatch {
    const need = this.batchSize * this.maxLength;
    const ids: number[] = [];
    const labels: number[] = [];
    while (ids.length < need) {
      const e = this.nextExample();
      ids.push(...e.ids.slice(0, this.maxLength));
      labels.push(...e.labels.slice(0, this.maxLength));
    }
    const rows = [];
    for (let i = 0; i < this.batchSize; i++) {
      rows.push({ ids: ids.slice(i * this.maxLength, (i + 1) * this.maxLength), labels: labels.slice(i * this.maxLength, (i + 1) * this.maxLength) });
    }
    return toBatch(rows, this.maxLength, this.padId);
  }
}

/** Right-pads rows to `length`: ids with `padId`, labels with IGNORE_INDEX. */
export function toBatch(rows: readonly { ids: readonly number[]; labels: readonly number[] }[], length: number, padId: number): TokenBatch {
  const b = rows.length;
  const ids = new Int32Array(b * length).fill(padId);
  const labels = new Int32Array(b * length).fill(IGNORE_INDEX);
  rows.forEach((r, i) => {
    ids.set(r.ids, i * length);
    labels.set(r.labels, i * length);
  });
  return { ids, labels, batchSize: b, seqLen: length };
}
