import * as tf from '@tensorflow/tfjs';

/**
 * Ops a loop may issue between two read-backs. ~One memory mapping per dispatch stays unreleased until the WebGPU host
 * gets an event-loop turn after the GPU finished the dispatch (Dawn over Mesa: one descriptor pool per bind group
 * batch); 50,000 in one synchronous stretch exceeded Linux's 65,530 mappings and killed the process. A few thousand
 * keeps that far away while a small model's loop (a few hundred ops a pass) still runs several passes per sync.
 */
export const OPS_BETWEEN_READBACKS = 3000;

/**
 * Bounds the work a long loop queues without a read-back (the gradient-accumulation loop, for one): `pace(t)` reads `t`
 * back — a sync point and an event-loop turn — once more than `budget` ops were issued since the last one. Tensor ids
 * count the ops: every op's output takes a fresh one, so the difference is a cheap, backend-independent proxy for
 * dispatches.
 */
export class ReadbackPacer {
  private mark = currentTensorId();
  private readbacks = 0;

  constructor(private readonly budget = OPS_BETWEEN_READBACKS) {}

  async pace(t: tf.Tensor): Promise<void> {
    if (currentTensorId() - this.mark < this.budget) return;
    await t.data();
    this.readbacks++;
    this.mark = currentTensorId();
  }

  /** Read-backs made so far (tests, diagnostics). */
  get count(): number {
    return this.readbacks;
  }
}

function currentTensorId(): number {
  const probe = tf.scalar(0);
  const id = probe.id;
  probe.dispose();
  return id;
}
