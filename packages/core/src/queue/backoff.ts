import type { Random } from '../clock/random.ts';

export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** Upper bound of any delay, jitter included. */
  capMs: number;
  /**
   * Fraction of the delay taken off at random, in [0, 1]: the delay lies in
   * [raw * (1 - jitter), raw]. Jitter below the cap keeps many failing keys from retrying
   * in the same instant; taking it off (rather than adding) keeps the cap a real cap.
   */
  jitter: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, capMs: 300_000, jitter: 0.2 };

/** Delay before retry number `failures` (1 = first failure): base * 2^(failures-1), capped, jittered. */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: Random): number {
  const exponent = Math.max(0, failures - 1);
  // 2^exponent overflows to Infinity long after it passed any sane cap, so min() holds.
  const raw = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(raw * (1 - jitter * random.random()));
}

/** Failure counts per key: grows on each failure, forgotten on success. */
export class KeyedBackoff {
  readonly #failures = new Map<string, number>();
  readonly #policy: BackoffPolicy;
  readonly #random: Random;

  constructor(policy: BackoffPolicy, random: Random) {
    this.#policy = policy;
    this.#random = random;
  }

  /** Records a failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    return backoffDelay(failures, this.#policy, this.#random);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  reset(key: string): void {
    this.#failures.delete(key);
  }

  /** Keys currently backing off, for metrics. */
  get size(): number {
    return this.#failures.size;
  }
}
