// The request rate a well-behaved controller can reach against a failing backend, derived
// from its work queue's backoff: the figure the fault tests bound what the proxy counted by.
// A hot loop (a retry without backoff) grows with the window; this grows with its logarithm.

export interface QueueBackoff {
  /** Delay after the first failure; each later one doubles. */
  baseMs: number;
  /** Fraction a delay may be shortened by at random, in [0, 1]. */
  jitter: number;
}

/**
 * The most runs one key can make inside any `windowMs` while every run fails: the run due
 * when the window opens, one run per backoff delay that fits (each at its shortest), and one
 * run a watch event starts at once (the failure's own status change echoes back).
 */
export function failingRunsWithin(windowMs: number, backoff: QueueBackoff): number {
  let runs = 1;
  let elapsed = 0;
  let delay = backoff.baseMs * (1 - Math.min(1, Math.max(0, backoff.jitter)));
  while (delay > 0 && elapsed + delay <= windowMs) {
    elapsed += delay;
    runs++;
    delay *= 2;
  }
  return runs + 1;
}

export interface RateBound {
  /** Requests the window may hold at most. */
  requests: number;
  /** The same per second. */
  perSecond: number;
}

/** `callers` keys failing through one window, each run sending at most `requestsPerRun` requests. */
export function failingRequestBound(args: {
  windowMs: number;
  callers: number;
  requestsPerRun: number;
  backoff: QueueBackoff;
}): RateBound {
  const requests = args.callers * failingRunsWithin(args.windowMs, args.backoff) * args.requestsPerRun;
  return { requests, perSecond: requests / Math.max(0.001, args.windowMs / 1000) };
}
