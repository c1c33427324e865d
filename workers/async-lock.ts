/**
 * A first-come, first-served mutex for async tasks. The worker's single model is used by several commands at once (a
 * training step, a chat reply, an export); each runs its whole GPU section under the lock, so no step ever sees the
 * adapter another task swapped in, and a chat reply waits at most for the step in flight.
 */
export class AsyncLock {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `task` when every task queued before it has settled; its result (or error) is returned. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
