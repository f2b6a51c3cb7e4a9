/**
 * What a reconcile returns. Nothing (or `{}`) means "done until the next watch event";
 * `requeueAfter` asks for another run after that many milliseconds (periodic refresh,
 * lease renewal). Failures are thrown, not returned, so the queue can back off.
 */
export interface ReconcileResult {
  requeueAfter?: number;
}

export function done(): ReconcileResult {
  return {};
}

export function requeueAfter(ms: number): ReconcileResult {
  return { requeueAfter: Math.max(0, ms) };
}

/** A server-suggested wait (e.g. Retry-After on 429), honoured as a floor under the backoff. */
export function retryAfterHint(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const value = (err as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
