// The informer cache lags behind our own status patches: a reconcile triggered by the
// Secret we just wrote can load the object before the patch that recorded the new ledger
// arrives, and would issue a second credential. This remembers the status each leased
// resource last recorded until the cache shows the same ledger (or a minute passes).

interface Remembered {
  status: Record<string, unknown>;
  ledger: string;
  atMs: number;
}

export class RecentStatus {
  readonly #entries = new Map<string, Remembered>();
  readonly #maxAgeMs: number;

  constructor(maxAgeMs = 60_000) {
    this.#maxAgeMs = maxAgeMs;
  }

  remember(key: string, status: Record<string, unknown>, now: Date): void {
    this.#entries.set(key, { status, ledger: ledgerOf(status), atMs: now.getTime() });
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }

  /** The status to decide from: the cached one, or ours while the cache has not caught up. */
  resolve<S extends object>(key: string, cached: S | undefined, now: Date): S | undefined {
    const mine = this.#entries.get(key);
    if (!mine) return cached;
    if (ledgerOf(cached) === mine.ledger || now.getTime() - mine.atMs > this.#maxAgeMs) {
      this.#entries.delete(key);
      return cached;
    }
    return { ...cached, ...mine.status } as S;
  }
}

function ledgerOf(status: object | undefined): string {
  return JSON.stringify((status as { lockstep?: unknown } | undefined)?.lockstep ?? null);
}
