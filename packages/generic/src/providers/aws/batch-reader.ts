// Reads of the current value of many remote keys become batch calls (Secrets Manager's
// BatchGetSecretValue, 20 ids; Parameter Store's GetParameters, 10 names): every read asked
// within `windowMs` joins one batch, a batch holds at most `maxBatch` ids (the API's limit)
// and is sent as soon as it is full, and concurrent reads of the same id share one entry.

import type { BackendError } from '@lockstep/core';

/** One answer per requested id: the value, or the error for that id alone. */
export type BatchFetch<V> = (ids: string[]) => Promise<Map<string, V | BackendError>>;

interface Waiter<V> {
  resolve(value: V): void;
  reject(err: unknown): void;
  promise: Promise<V>;
}

export class BatchReader<V> {
  private readonly windowMs: number;
  /** Ids one batch call takes. */
  readonly maxBatch: number;
  private readonly operation: string;
  private readonly fetch: BatchFetch<V>;
  private pending = new Map<string, Waiter<V>>();
  private timer: NodeJS.Timeout | undefined;

  /** `operation` names the batch call in the error for an id its answer left out. */
  constructor(opts: { windowMs: number; maxBatch: number; operation: string; fetch: BatchFetch<V> }) {
    this.windowMs = opts.windowMs;
    this.maxBatch = opts.maxBatch;
    this.operation = opts.operation;
    this.fetch = opts.fetch;
  }

  /** Ids waiting for the next batch call (read-ahead tops the batch up to maxBatch). */
  get pendingCount(): number {
    return this.pending.size;
  }

  read(id: string): Promise<V> {
    const existing = this.pending.get(id);
    if (existing) return existing.promise;
    const waiter = deferred<V>();
    this.pending.set(id, waiter);
    if (this.pending.size >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    return waiter.promise;
  }

  /** Sends what is pending now (also used on close so no read is left hanging). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.size === 0) return;
    this.pending = new Map();
    void this.send(batch);
  }

  private async send(batch: Map<string, Waiter<V>>): Promise<void> {
    try {
      const answers = await this.fetch([...batch.keys()]);
      for (const [id, waiter] of batch) {
        const answer = answers.get(id);
        if (answer === undefined) waiter.reject(new Error(`${this.operation} answered nothing for "${id}"`));
        else if (answer instanceof Error) waiter.reject(answer);
        else waiter.resolve(answer);
      }
    } catch (err) {
      for (const waiter of batch.values()) waiter.reject(err);
    }
  }
}

function deferred<V>(): Waiter<V> {
  let resolve!: (value: V) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<V>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller may drop its read (its reconcile was cancelled): never an unhandled rejection.
  promise.catch(() => {});
  return { resolve, reject, promise };
}
