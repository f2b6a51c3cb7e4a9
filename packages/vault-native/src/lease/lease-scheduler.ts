// One scheduler for every lease of the process: a binary min-heap of due times with lazy
// deletion and ONE underlying timer, re-armed to the earliest due time. 100,000 leases cost
// 100,000 small heap entries, not 100,000 timers. When a key falls due the callback runs
// (the wiring enqueues the resource key into the work queue; the reconcile decides).

import type { Clock, Timer } from '@lockstep/core';

interface Entry {
  key: string;
  atMs: number;
  /** Tie-breaker: equal due times fire in scheduling order. */
  seq: number;
}

/** Node's timers overflow past 2^31-1 ms (~24.8 days): longer waits re-arm on the way. */
const MAX_TIMER_MS = 2_147_483_647;

export interface LeaseSchedulerOptions {
  clock: Clock;
  /** Called once per due key, in due order. Errors are reported to `onError`, never thrown. */
  onDue: (key: string, dueAt: Date) => void;
  onError?: (err: unknown, key: string) => void;
}

export class LeaseScheduler {
  readonly #clock: Clock;
  readonly #onDue: (key: string, dueAt: Date) => void;
  readonly #onError: (err: unknown, key: string) => void;
  /** The live entry of each key; heap entries not found here are stale (lazy deletion). */
  readonly #live = new Map<string, Entry>();
  #heap: Entry[] = [];
  #seq = 0;
  #timer: Timer | undefined;
  #armedAtMs: number | undefined;
  #firing = false;
  #stopped = false;

  constructor(options: LeaseSchedulerOptions) {
    this.#clock = options.clock;
    this.#onDue = options.onDue;
    this.#onError = options.onError ?? (() => {});
  }

  /** Asks for `key` to fire at `at`; an earlier pending time for the key wins. */
  schedule(key: string, at: Date): void {
    const current = this.#live.get(key);
    if (current && current.atMs <= at.getTime()) return;
    this.#put(key, at.getTime());
  }

  /** Sets the key's due time to exactly `at`, earlier or later than a pending one. */
  reschedule(key: string, at: Date): void {
    this.#put(key, at.getTime());
  }

  cancel(key: string): void {
    if (!this.#live.delete(key)) return;
    this.#compactIfSparse();
    if (this.#live.size === 0) this.#disarm();
  }

  /** Pending due time of `key`. */
  dueAt(key: string): Date | undefined {
    const entry = this.#live.get(key);
    return entry ? new Date(entry.atMs) : undefined;
  }

  /** The earliest pending due time. */
  nextDue(): Date | undefined {
    const top = this.#top();
    return top ? new Date(top.atMs) : undefined;
  }

  /** Keys pending. */
  get size(): number {
    return this.#live.size;
  }

  /** Heap entries including stale ones (for tests and metrics). */
  get heapSize(): number {
    return this.#heap.length;
  }

  /** Whether the one underlying timer is armed. */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  stop(): void {
    this.#stopped = true;
    this.#disarm();
  }

  #put(key: string, atMs: number): void {
    const entry: Entry = { key, atMs, seq: this.#seq++ };
    this.#live.set(key, entry);
    this.#push(entry);
    this.#compactIfSparse();
    if (!this.#firing) this.#arm();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAtMs = undefined;
    this.#firing = true;
    try {
      const nowMs = this.#clock.now().getTime();
      for (let top = this.#top(); top && top.atMs <= nowMs; top = this.#top()) {
        this.#pop();
        this.#live.delete(top.key);
        try {
          this.#onDue(top.key, new Date(top.atMs));
        } catch (err) {
          this.#onError(err, top.key);
        }
      }
    } finally {
      this.#firing = false;
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#stopped) return;
    const top = this.#top();
    if (!top) {
      this.#disarm();
      return;
    }
    if (this.#timer && this.#armedAtMs === top.atMs) return;
    this.#disarm();
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, top.atMs - this.#clock.now().getTime()));
    this.#armedAtMs = top.atMs;
    this.#timer = this.#clock.setTimer(() => this.#fire(), delay);
  }

  #disarm(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#armedAtMs = undefined;
  }

  /** The earliest live entry, discarding stale ones on the way. */
  #top(): Entry | undefined {
    for (let top = this.#heap[0]; top; top = this.#heap[0]) {
      if (this.#live.get(top.key) === top) return top;
      this.#pop();
    }
    return undefined;
  }

  /** Rebuilds the heap when stale entries outnumber live ones, bounding memory per lease. */
  #compactIfSparse(): void {
    if (this.#heap.length < 1024 || this.#heap.length < 2 * this.#live.size) return;
    this.#heap = [...this.#live.values()].sort(before);
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry;
      if (before(p, entry) <= 0) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right] as Entry, heap[left] as Entry) < 0) child = right;
      const c = heap[child] as Entry;
      if (before(last, c) <= 0) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Entry, b: Entry): number {
  return a.atMs - b.atMs || a.seq - b.seq;
}
