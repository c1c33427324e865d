/** Exponential moving average: recent steps count most, one slow step (a checkpoint, an eval) does not dominate. */
export class MovingAverage {
  private value: number | undefined;

  constructor(private readonly weight = 0.3) {}

  observe(x: number): number {
    this.value = this.value === undefined ? x : this.value + this.weight * (x - this.value);
    return this.value;
  }

  get current(): number | undefined {
    return this.value;
  }
}

/** Tokens per second of one variant's training steps (non-padding input tokens over the step's wall time). */
export class TokenRate {
  private readonly average = new MovingAverage();

  observe(inputTokens: number, stepMs: number): number {
    return this.average.observe(stepMs > 0 ? (inputTokens * 1000) / stepMs : 0);
  }
}

/**
 * Time left in a run: the remaining steps times the average wall time of one loop iteration — every variant's step
 * plus the evaluations and checkpoints the iteration did, so the estimate includes all the work still to come.
 */
export class EtaClock {
  private readonly iteration = new MovingAverage();

  observeIteration(seconds: number): void {
    this.iteration.observe(seconds);
  }

  /** Seconds to finish `remainingSteps`; `inFlightSeconds` stands in until one iteration has been timed. */
  eta(remainingSteps: number, inFlightSeconds: number): number {
    return Math.max(0, remainingSteps) * (this.iteration.current ?? inFlightSeconds);
  }
}
