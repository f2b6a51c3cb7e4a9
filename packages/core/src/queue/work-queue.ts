import PQueue from 'p-queue';
import { nextTurn } from '../async/event-loop-turn.ts';
import { type Clock, realClock, type Timer } from '../clock/clock.ts';
import { type Random, systemRandom } from '../clock/random.ts';
import { shouldRetry } from '../errors/describe-failure.ts';
import { type BackoffPolicy, defaultBackoff, KeyedBackoff } from './backoff.ts';
import { type ReconcileResult, retryAfterHint } from './reconcile-result.ts';
import { DEFAULT_RECONCILE_BUDGET_MS, ReconcileTimeoutError } from './reconcile-timeout.ts';

// biome-ignore lint/suspicious/noConfusingVoidType: reconcilers may simply return nothing
export type ReconcileFn = (key: string, signal: AbortSignal) => Promise<ReconcileResult | undefined | void>;

export interface ReconcileEvent {
  queue: string;
  key: string;
  /** `timeout`: the reconcile ran past its budget (error is a ReconcileTimeoutError). */
  result: 'success' | 'error' | 'timeout';
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
   * The budget of one reconcile (default 30 s; Infinity: none). Past it the queue frees the
   * concurrency slot, aborts the reconcile's signal, reports a `timeout` and backs the key
   * off. The reconcile itself may keep running; its key stays in flight until it really
   * settles, so the same key never runs twice at once. Timed on the injected clock.
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
  readonly #budgetMs: number;
  readonly #clock: Clock;
  readonly #backoff: KeyedBackoff;
  readonly #onReconciled: ((event: ReconcileEvent) => void) | undefined;
  /** Added and not started yet. */
  readonly #waiting = new Set<string>();
  /** Started and not settled, even when the run is past its budget and its slot was freed. */
  readonly #running = new Set<string>();
  /** Running past their budget: already reported and backed off; their late outcome is dropped. */
  readonly #overdue = new Set<string>();
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
    this.#budgetMs = options.timeoutMs ?? DEFAULT_RECONCILE_BUDGET_MS;
    if (!(this.#budgetMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${options.timeoutMs}`);
    this.#clock = options.clock ?? realClock;
    this.#backoff = new KeyedBackoff({ ...defaultBackoff, ...options.backoff }, options.random ?? systemRandom);
    this.#onReconciled = options.onReconciled;
  }

  /** Holds queued keys without running them until `resume` (the caches a reconcile reads are still listing). */
  pause(): void {
    this.#pq.pause();
  }

  resume(): void {
    this.#pq.start();
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
      .add(() => this.#process(key))
      // #process never throws; this only guards against p-queue itself (clear() on drain).
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

  /**
   * The keys queued and not started, in the order they will start (a peek for read-ahead:
   * sources may fetch what the next reconciles will read; nothing is dequeued).
   */
  waitingKeys(): IterableIterator<string> {
    return this.#waiting.values();
  }

  /** Reconciles started and not settled (can exceed concurrency after timeouts). */
  get inFlight(): number {
    return this.#running.size;
  }

  /** Reconciles still running past their budget (their slots were freed). */
  get overdue(): number {
    return this.#overdue.size;
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

  /** Holds a concurrency slot until the reconcile settles or its budget runs out, whichever comes first. */
  async #process(key: string): Promise<void> {
    // p-queue starts queued tasks from microtasks: without an event-loop turn of its own here
    // a burst of watch events would run every reconcile's synchronous part back to back and
    // hold the event loop for seconds (health probes, leader renewals and I/O wait behind it).
    await nextTurn();
    this.#waiting.delete(key);
    if (this.#stopping) return;
    this.#running.add(key);
    this.#cancelDelayed(key);
    const budget = new AbortController();
    const signal = AbortSignal.any([budget.signal, this.#stop.signal]);
    const startMs = this.#clock.now().getTime();
    const state = { settled: false };
    const run = this.#run(key, signal, startMs, state);
    if (!Number.isFinite(this.#budgetMs)) return run;
    let timer: Timer | undefined;
    const expired = new Promise<true>((resolve) => {
      timer = this.#clock.setTimer(() => resolve(true), this.#budgetMs);
    });
    const overdue = await Promise.race([run.then(() => false), expired]);
    timer?.cancel();
    // The run may have settled between the timer and this line: then it reported itself.
    if (overdue && !state.settled) this.#expire(key, budget, startMs);
  }

  /** Runs the reconcile and records its outcome; never throws, whatever the reconcile does. */
  async #run(key: string, signal: AbortSignal, startMs: number, state: { settled: boolean }): Promise<void> {
    let event: Omit<ReconcileEvent, 'durationMs'>;
    try {
      const result = await this.#reconcile(key, signal);
      event = { queue: this.name, key, result: 'success' };
      if (!this.#overdue.has(key)) {
        this.#backoff.reset(key);
        const after = result?.requeueAfter;
        if (after !== undefined) {
          this.addAfter(key, after);
          event.nextRunInMs = after;
        }
      }
    } catch (error) {
      event = { queue: this.name, key, result: 'error', error };
      if (this.#overdue.has(key)) {
        // Reported and backed off at the budget already.
      } else if (shouldRetry(error)) {
        const delay = Math.max(this.#backoff.next(key), retryAfterHint(error) ?? 0);
        this.addAfter(key, delay);
        event.nextRunInMs = delay;
      } else {
        // Permanent errors wait for the object to change; a later success starts afresh.
        this.#backoff.reset(key);
      }
    }
    state.settled = true;
    this.#running.delete(key);
    // A run past its budget was reported then; its late outcome only releases the key.
    if (!this.#overdue.delete(key)) this.#notify({ ...event, durationMs: this.#clock.now().getTime() - startMs });
    if (this.#dirty.delete(key)) this.add(key);
    this.#wakeIdleWaiters();
  }

  /**
   * The budget ran out: abort the reconcile, report it, and back the key off. Its slot goes
   * to the next key; the key itself stays in flight (a retry that falls due meanwhile waits
   * for the run to settle), so it never runs twice at once.
   */
  #expire(key: string, budget: AbortController, startMs: number): void {
    const error = new ReconcileTimeoutError(this.#budgetMs);
    this.#overdue.add(key);
    budget.abort(error);
    const delay = this.#backoff.next(key);
    this.addAfter(key, delay);
    this.#notify({
      queue: this.name,
      key,
      result: 'timeout',
      error,
      durationMs: this.#clock.now().getTime() - startMs,
      nextRunInMs: delay,
    });
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
