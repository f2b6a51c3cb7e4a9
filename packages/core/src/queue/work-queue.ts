import PQueue from 'p-queue';
import { type Clock, realClock, type Timer } from '../clock/clock.ts';
import { type Random, systemRandom } from '../clock/random.ts';
import { type BackoffPolicy, defaultBackoff, KeyedBackoff } from './backoff.ts';
import { type ReconcileResult, retryAfterHint, shouldRetry } from './reconcile-result.ts';

// biome-ignore lint/suspicious/noConfusingVoidType: reconcilers may simply return nothing
export type ReconcileFn = (key: string, signal: AbortSignal) => Promise<ReconcileResult | undefined | void>;

export interface ReconcileEvent {
  queue: string;
  key: string;
  result: 'success' | 'error';
  durationMs: number;
  error?: unknown;
  /** When the key runs again because of this outcome (requeueAfter or backoff), if it does. */
  nextRunInMs?: number;
}

export interface WorkQueueOptions {
  /** Usually the kind; used in events and metrics. */
  name: string;
  reconcile: ReconcileFn;
  /** Reconciles of different keys that may run at once. */
  concurrency?: number;
  /**
   * Frees the concurrency slot and aborts the reconcile's signal after this long. The
   * reconcile itself may keep running; its key stays in flight until it really settles.
   */
  timeoutMs?: number;
  backoff?: Partial<BackoffPolicy>;
  clock?: Clock;
  random?: Random;
  /** Called after every reconcile; wire metrics and logs here. Exceptions are swallowed. */
  onReconciled?: (event: ReconcileEvent) => void;
}

export interface DrainResult {
  /** True when every in-flight reconcile settled before the deadline. */
  drained: boolean;
  /** Keys still running at the deadline (their signals have been aborted). */
  inFlight: string[];
}

interface Delayed {
  dueMs: number;
  timer: Timer;
}

/**
 * A work queue for one kind, on p-queue: per-key de-duplication, at most one reconcile
 * per key at a time (a key added while it runs runs once more afterwards), per-key
 * exponential backoff with jitter, delayed requeue where the earliest request wins, and
 * a graceful drain.
 */
export class WorkQueue {
  readonly name: string;
  readonly #reconcile: ReconcileFn;
  readonly #pq: PQueue;
  readonly #timeoutMs: number | undefined;
  readonly #clock: Clock;
  readonly #backoff: KeyedBackoff;
  readonly #onReconciled: ((event: ReconcileEvent) => void) | undefined;
  /** Added and not started yet. */
  readonly #waiting = new Set<string>();
  /** Started and not settled, even if p-queue gave up on it after a timeout. */
  readonly #running = new Set<string>();
  /** Added again while running: runs once more when the current run settles. */
  readonly #dirty = new Set<string>();
  readonly #delayed = new Map<string, Delayed>();
  readonly #stop = new AbortController();
  #stopping = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: WorkQueueOptions) {
    const concurrency = options.concurrency ?? 2;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
    this.name = options.name;
    this.#reconcile = options.reconcile;
    this.#pq = new PQueue({ concurrency });
    this.#timeoutMs = options.timeoutMs;
    this.#clock = options.clock ?? realClock;
    this.#backoff = new KeyedBackoff({ ...defaultBackoff, ...options.backoff }, options.random ?? systemRandom);
    this.#onReconciled = options.onReconciled;
  }

  /** Queues `key` now. A key already waiting is not queued twice. */
  add(key: string): void {
    if (this.#stopping) return;
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#waiting.has(key)) return;
    this.#waiting.add(key);
    this.#pq
      .add(({ signal }) => this.#process(key, signal), { timeout: this.#timeoutMs })
      // Rejections are p-queue's timeout or clear(); #process itself never throws and
      // keeps the key in flight until the reconcile really settles.
      .catch(() => {});
  }

  /**
   * Queues `key` after `delayMs`. If a run of the key is already due earlier, that one
   * wins; a run that starts before the due time supersedes the request.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.#stopping) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    if (this.#waiting.has(key)) return;
    const dueMs = this.#clock.now().getTime() + delayMs;
    const existing = this.#delayed.get(key);
    if (existing && existing.dueMs <= dueMs) return;
    existing?.timer.cancel();
    const timer = this.#clock.setTimer(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, { dueMs, timer });
  }

  /** Drops pending delayed runs and the failure count of `key` (e.g. the object was deleted). */
  forget(key: string): void {
    this.#cancelDelayed(key);
    this.#backoff.reset(key);
  }

  /** Keys queued and not started: the queue depth. */
  get depth(): number {
    return this.#waiting.size;
  }

  /** Reconciles started and not settled (can exceed concurrency after timeouts). */
  get inFlight(): number {
    return this.#running.size;
  }

  /** Keys waiting for a delayed requeue or a backoff. */
  get delayed(): number {
    return this.#delayed.size;
  }

  /** Failures recorded for `key` since its last success. */
  failures(key: string): number {
    return this.#backoff.failures(key);
  }

  /** When `key` is next due from a delayed requeue, if one is pending. */
  nextRun(key: string): Date | undefined {
    const delayed = this.#delayed.get(key);
    return delayed ? new Date(delayed.dueMs) : undefined;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Resolves when no key is waiting or running (delayed requeues do not count). */
  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking work (queued and delayed keys are dropped: the next leader relists them)
   * and waits for in-flight reconciles until `deadlineMs` has passed on the clock. At the
   * deadline their signals are aborted and the keys still running are returned.
   */
  async drain(deadlineMs: number): Promise<DrainResult> {
    this.#stopping = true;
    this.#pq.clear();
    this.#waiting.clear();
    this.#dirty.clear();
    for (const key of [...this.#delayed.keys()]) this.#cancelDelayed(key);
    this.#wakeIdleWaiters();

    if (this.#running.size > 0) {
      let deadline: Timer | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        if (Number.isFinite(deadlineMs)) deadline = this.#clock.setTimer(() => resolve(true), deadlineMs);
      });
      const settled = this.onIdle().then(() => false);
      const expired = await Promise.race([settled, timedOut]);
      deadline?.cancel();
      if (expired) {
        this.#stop.abort(new Error(`work queue ${this.name} is shutting down`));
        return { drained: false, inFlight: [...this.#running] };
      }
    }
    return { drained: true, inFlight: [] };
  }

  /** Stops taking work and waits for every in-flight reconcile, however long it takes. */
  async shutdown(): Promise<void> {
    await this.drain(Number.POSITIVE_INFINITY);
  }

  async #process(key: string, timeoutSignal: AbortSignal | undefined): Promise<void> {
    this.#waiting.delete(key);
    if (this.#stopping) return;
    this.#running.add(key);
    this.#cancelDelayed(key);
    const signal = timeoutSignal ? AbortSignal.any([timeoutSignal, this.#stop.signal]) : this.#stop.signal;
    const startMs = this.#clock.now().getTime();
    let event: Omit<ReconcileEvent, 'durationMs'>;
    try {
      const result = await this.#reconcile(key, signal);
      this.#backoff.reset(key);
      event = { queue: this.name, key, result: 'success' };
      const after = result?.requeueAfter;
      if (after !== undefined) {
        this.addAfter(key, after);
        event.nextRunInMs = after;
      }
    } catch (error) {
      event = { queue: this.name, key, result: 'error', error };
      if (shouldRetry(error)) {
        const delay = Math.max(this.#backoff.next(key), retryAfterHint(error) ?? 0);
        this.addAfter(key, delay);
        event.nextRunInMs = delay;
      } else {
        // Permanent errors wait for the object to change; a later success starts afresh.
        this.#backoff.reset(key);
      }
    }
    this.#running.delete(key);
    this.#notify({ ...event, durationMs: this.#clock.now().getTime() - startMs });
    if (this.#dirty.delete(key)) this.add(key);
    this.#wakeIdleWaiters();
  }

  #wakeIdleWaiters(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #notify(event: ReconcileEvent): void {
    try {
      this.#onReconciled?.(event);
    } catch {
      // An observer (metrics, logs) must never break the queue.
    }
  }

  #cancelDelayed(key: string): void {
    this.#delayed.get(key)?.timer.cancel();
    this.#delayed.delete(key);
  }

  #isIdle(): boolean {
    return this.#waiting.size === 0 && this.#running.size === 0;
  }
}
