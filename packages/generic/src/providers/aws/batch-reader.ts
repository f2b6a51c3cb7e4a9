// Reads of the current value of many secrets become BatchGetSecretValue calls: every read
// asked within `windowMs` joins one batch, a batch holds at most 20 ids (the API's limit)
// and is sent as soon as it is full, and concurrent reads of the same id share one entry.

import type { BackendError } from '@lockstep/core';

export interface SecretValue {
  name: string;
  arn?: string;
  versionId?: string;
  secretString?: string;
  secretBinary?: Uint8Array;
}

/** One answer per requested id: the value, or the error for that id alone. */
export type BatchFetch = (ids: string[]) => Promise<Map<string, SecretValue | BackendError>>;

/** AWS accepts at most 20 entries in `SecretIdList`. */
export const MAX_BATCH = 20;

interface Waiter {
  resolve(value: SecretValue): void;
  reject(err: unknown): void;
  promise: Promise<SecretValue>;
}

export class BatchReader {
  private readonly windowMs: number;
  private readonly fetch: BatchFetch;
  private pending = new Map<string, Waiter>();
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: { windowMs: number; fetch: BatchFetch }) {
    this.windowMs = opts.windowMs;
    this.fetch = opts.fetch;
  }

  read(id: string): Promise<SecretValue> {
    const existing = this.pending.get(id);
    if (existing) return existing.promise;
    const waiter = deferred();
    this.pending.set(id, waiter);
    if (this.pending.size >= MAX_BATCH) this.flush();
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

  private async send(batch: Map<string, Waiter>): Promise<void> {
    try {
      const answers = await this.fetch([...batch.keys()]);
      for (const [id, waiter] of batch) {
        const answer = answers.get(id);
        if (answer === undefined) waiter.reject(new Error(`BatchGetSecretValue answered nothing for "${id}"`));
        else if (answer instanceof Error) waiter.reject(answer);
        else waiter.resolve(answer);
      }
    } catch (err) {
      for (const waiter of batch.values()) waiter.reject(err);
    }
  }
}

function deferred(): Waiter {
  let resolve!: (value: SecretValue) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<SecretValue>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller may drop its read (its reconcile was cancelled): never an unhandled rejection.
  promise.catch(() => {});
  return { resolve, reject, promise };
}
