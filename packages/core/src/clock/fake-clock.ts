import type { Clock, Timer } from './clock.ts';

interface PendingTimer {
  dueMs: number;
  seq: number;
  callback: () => void;
}

/**
 * A clock for tests: time stands still until `advance` moves it, and due timers fire in
 * due-time order (ties in scheduling order), each seeing `now()` equal to its due time.
 */
export class FakeClock implements Clock {
  #nowMs: number;
  #seq = 0;
  readonly #timers = new Set<PendingTimer>();

  constructor(start: Date | number = Date.UTC(2026, 0, 1)) {
    this.#nowMs = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.#nowMs);
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const timer: PendingTimer = { dueMs: this.#nowMs + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#timers.add(timer);
    return { cancel: () => this.#timers.delete(timer) };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        timer.cancel();
        reject(signal?.reason);
      };
      const timer = this.setTimer(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, delayMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of timers that have not fired or been cancelled. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Due time of the earliest pending timer, if any. */
  nextDue(): Date | undefined {
    const next = this.#earliest();
    return next ? new Date(next.dueMs) : undefined;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, including timers
   * scheduled by the callbacks themselves within the window.
   */
  advance(ms: number): void {
    const target = this.#nowMs + Math.max(0, ms);
    for (let next = this.#earliest(); next && next.dueMs <= target; next = this.#earliest()) {
      this.#timers.delete(next);
      this.#nowMs = next.dueMs;
      next.callback();
    }
    this.#nowMs = target;
  }

  /**
   * Like `advance`, but lets promise chains and I/O callbacks run after each timer, so
   * async work started by one timer can schedule the next before time moves on.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#nowMs + Math.max(0, ms);
    await settle();
    for (let next = this.#earliest(); next && next.dueMs <= target; next = this.#earliest()) {
      this.#timers.delete(next);
      this.#nowMs = next.dueMs;
      next.callback();
      await settle();
    }
    this.#nowMs = target;
    await settle();
  }

  #earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (!best || timer.dueMs < best.dueMs || (timer.dueMs === best.dueMs && timer.seq < best.seq)) best = timer;
    }
    return best;
  }
}

/** Waits until queued microtasks and immediates have run (a few rounds, for chained awaits). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
