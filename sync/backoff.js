// @ts-check
// How long to wait before trying again after a failure: exponential, capped, with jitter so that
// many devices that lost the server at once do not all come back at the same instant.

/**
 * `base · 2^attempt`, at most `maximum`, then scaled by a random factor in [1 − jitter, 1]
 * ("equal jitter" for 0.5). `random` is injected so tests pin it.
 */
export class Backoff {
  /** @param {{base?: number, maximum?: number, jitter?: number, random?: () => number}} [options] */
  constructor({ base = 500, maximum = 30_000, jitter = 0.5, random = Math.random } = {}) {
    this.base = base;
    this.maximum = maximum;
    this.jitter = jitter;
    this.random = random;
    /** Failures since the last success. */
    this.attempt = 0;
  }

  /** The delay before attempt `attempt` (0 for the first retry), in milliseconds. @param {number} attempt */
  delay(attempt) {
    const ceiling = Math.min(this.maximum, this.base * 2 ** Math.min(attempt, 30));
    return Math.round(ceiling * (1 - this.jitter * this.random()));
  }

  /** The delay before the next try, counting this failure. */
  next() {
    return this.delay(this.attempt++);
  }

  /** A success: the next failure waits the shortest time again. */
  reset() {
    this.attempt = 0;
  }
}
