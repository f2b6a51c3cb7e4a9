// Read-ahead for a batching source. A batch call (BatchGetSecretValue takes 20 ids) only holds
// the reads that happen to be asked within its window, and with 10 reconciles at a time that
// was about 3 ids a call. So when a read must go to the backend, the batch is topped up with the
// ids that queued reconciles will read next through this client (UpcomingReads, a peek at the
// work queue), and their answers are held for those reconciles. The delay stays the batch
// window's: a read is never held back to wait for others.
//
// Freshness: an answer fetched ahead is handed out for at most `maxAgeMs` after it arrived
// (default the coalescing window, 10 s), and only to reads that follow it; a failed fetch
// ahead is forgotten, so the reconcile that needs the id reads it again and reports its own error.

import type { Clock } from '@lockstep/core';

/** The batch reader underneath (BatchReader): reads join the pending batch, sent when full or at its window. */
export interface PendingBatch<V> {
  read(id: string): Promise<V>;
  /** Ids waiting for the next batch call. */
  readonly pendingCount: number;
  /** Ids one batch call takes. */
  readonly maxBatch: number;
}

interface Held<V> {
  promise: Promise<V>;
  settledAt?: number;
  /** Fetched ahead for a queued reconcile (handed out), or read for a reconcile (only remembered). */
  ahead: boolean;
}

export class ReadAhead<V> {
  readonly #batch: PendingBatch<V>;
  readonly #upcoming: () => Iterable<string>;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #maxAgeMs: number;
  readonly #held = new Map<string, Held<V>>();
  #lastSweep = 0;
  /** Ids fetched ahead, and how many of them a read used (for tests and logs). */
  readonly stats = { fetchedAhead: 0, used: 0 };

  constructor(opts: {
    batch: PendingBatch<V>;
    /** Ids queued reconciles will read through this client, in the order they will run. */
    upcoming: () => Iterable<string>;
    clock: Pick<Clock, 'now'>;
    maxAgeMs: number;
  }) {
    this.#batch = opts.batch;
    this.#upcoming = opts.upcoming;
    this.#clock = opts.clock;
    this.#maxAgeMs = opts.maxAgeMs;
  }

  read(id: string): Promise<V> {
    const now = this.#clock.now().getTime();
    const held = this.#held.get(id);
    if (held?.ahead && this.#fresh(held, now)) {
      this.stats.used++;
      return held.promise;
    }
    const promise = this.#batch.read(id);
    this.#hold(id, promise, false);
    this.#topUp(now);
    return promise;
  }

  /** Fills the pending batch with ids of upcoming reads that are neither held nor in flight. */
  #topUp(now: number): void {
    this.#sweep(now);
    let room = this.#batch.maxBatch - this.#batch.pendingCount;
    if (room <= 0) return;
    for (const id of this.#upcoming()) {
      const held = this.#held.get(id);
      if (held && this.#fresh(held, now)) continue;
      this.#hold(id, this.#batch.read(id), true);
      this.stats.fetchedAhead++;
      if (--room <= 0) return;
    }
  }

  #hold(id: string, promise: Promise<V>, ahead: boolean): void {
    const entry: Held<V> = { promise, ahead };
    this.#held.set(id, entry);
    promise.then(
      () => {
        entry.settledAt = this.#clock.now().getTime();
      },
      () => {
        if (this.#held.get(id) === entry) this.#held.delete(id);
      },
    );
  }

  /** In flight, or settled less than maxAgeMs ago. */
  #fresh(held: Held<V>, now: number): boolean {
    return held.settledAt === undefined || now - held.settledAt < this.#maxAgeMs;
  }

  /** Drops stale answers, at most twice per maxAgeMs. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#maxAgeMs / 2) return;
    this.#lastSweep = now;
    for (const [id, held] of this.#held) if (!this.#fresh(held, now)) this.#held.delete(id);
  }
}
