import * as tf from '@tensorflow/tfjs';
import { gatherRows, vocabChunks, vocabSize, type VocabMatrix } from './vocab-chunks';
import { matMulTransposedB } from './frozen-matmul';
import { isTrainable } from '../util/trainable';

/** Row blocks [start, size) of `n` rows so that a block's logits over the widest chunk stay within `tileBytes`. */
function rowBlocks(n: number, widestChunk: number, tileBytes: number): [number, number][] {
  const size = Math.max(1, Math.floor(tileBytes / (widestChunk * 4)));
  const blocks: [number, number][] = [];
  for (let start = 0; start < n; start += size) blocks.push([start, Math.min(size, n - start)]);
  return blocks;
}

/**
 * Σᵢ [logsumexp_v(hᵢ·W_v) − hᵢ·W_{tᵢ}]: the summed next-token NLL of rows h [N, hidden] with targets t [N], W the
 * lm_head [vocab, hidden] in vocabulary chunks. Forward and backward both walk tiles of (row block × vocab chunk) of at
 * most `tileBytes` logits each, so a 150k vocabulary never materialises [N, vocab]: the backward pass recomputes each
 * tile's logits instead of keeping them (plain autodiff would keep every tile's logits and softmax until backward).
 * When all of [N, vocab] fits `tileBytes` at once (a small vocabulary, or few labelled rows), the forward's logits are
 * kept for the backward instead: the recompute would cost a third of lm_head's FLOPs for memory the budget allows.
 * Gradients flow to h, and to W's chunks when they are trainable variables (the demo model trains its lm_head).
 */
export function chunkedNll(h: tf.Tensor2D, lmHead: VocabMatrix, targets: Int32Array, tileBytes: number): tf.Scalar {
  const chunks = vocabChunks(lmHead);
  const trainable = chunks.filter(isTrainable);
  const [n, d] = h.shape;
  const blocks = rowBlocks(n, Math.max(...chunks.map((c) => c.shape[0])), tileBytes);
  const keepLogits = n * vocabSize(chunks) * 4 <= tileBytes;

  const nll = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor2D;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const targetIds = tf.tensor1d(targets, 'int32');
    const targetLogits = tf.sum(tf.mul(x, gatherRows(lmHead, targetIds)), -1); // [N]
    const kept: tf.Tensor2D[] = []; // every tile's logits, block-major, when keepLogits
    const lse = tf.concat(
      blocks.map(([r0, rn]) =>
        tf.tidy(() => {
          const xb = x.slice([r0, 0], [rn, d]); // [rn, D]
          // One [rn] log-sum-exp per chunk, each chunk's logits freed before the next is computed unless kept.
          const perChunk = chunks.map((c) =>
            tf.tidy(() => {
              const logits = matMulTransposedB(xb, c);
              if (keepLogits) kept.push(tf.keep(logits));
              return tf.logSumExp(logits, -1);
            }),
          );
          return tf.logSumExp(tf.stack(perChunk, 0), 0); // [rn]
        }),
      ),
    ); // [N]
    save([x, lse, ...kept]); // saved as clones, and only while a gradient tape records
    tf.dispose(kept);
    const value = tf.sum(tf.sub(lse, targetLogits)) as tf.Scalar;

    const gradFunc = (dy: tf.Scalar, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, lses, ...keptLogits] = saved as [tf.Tensor2D, tf.Tensor1D, ...tf.Tensor2D[]];
      const dW = trainable.map((c) => tf.zerosLike(c) as tf.Tensor2D);
      const dxBlocks = blocks.map(([r0, rn], blockIndex) => {
        const xb = xs.slice([r0, 0], [rn, d]); // [rn, D]
        const lseb = lses.slice([r0], [rn]).expandDims(1); // [rn, 1]
        const tb = tf.tensor1d(targets.subarray(r0, r0 + rn), 'int32');
        let dxb = tf.neg(gatherRows(lmHead, tb)) as tf.Tensor2D; // −W_t: the target logit's gradient
        let start = 0;
        for (const [chunkIndex, c] of chunks.entries()) {
          const rows = c.shape[0];
          const logits = keptLogits[blockIndex * chunks.length + chunkIndex];
          const probs = tf.tidy(() => tf.exp(tf.sub(logits ?? matMulTransposedB(xb, c), lseb))); // softmax tile [rn, rows]
          const next = tf.add(dxb, tf.matMul(probs, c)) as tf.Tensor2D; // [rn, D]
          dxb.dispose();
          dxb = next;
          const k = trainable.indexOf(c);
          if (k >= 0) {
            const g = tf.tidy(() => {
              const y = tf.oneHot(tf.sub(tb, tf.scalar(start, 'int32')) as tf.Tensor1D, rows); // rows of other chunks' targets are all zero
              return tf.add(dW[k]!, tf.matMul(tf.sub(probs, y), xb, true, false)); // [rows, D]
            });
            dW[k]!.dispose();
            dW[k] = g as tf.Tensor2D;
          }
          probs.dispose();
          start += rows;
        }
        return dxb;
      });
      const dx = tf.mul(tf.concat(dxBlocks), dy);
      return [dx, ...dW.map((g) => tf.mul(g, dy))];
    };
    return { value, gradFunc };
  });
  return nll(h, ...trainable);
}
