import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '@lockstep/core';
import { type PendingBatch, ReadAhead } from './read-ahead.ts';

/** A batch reader that sends when full or when the test says its window closed; records each call. */
class RecordingBatch implements PendingBatch<string> {
  readonly maxBatch = 20;
  readonly calls: string[][] = [];
  failIds = new Set<string>();
  #pending = new Map<string, { resolve(v: string): void; reject(e: unknown): void; promise: Promise<string> }>();

  get pendingCount(): number {
    return this.#pending.size;
  }

  read(id: string): Promise<string> {
    const found = this.#pending.get(id);
    if (found) return found.promise;
    const waiter = Promise.withResolvers<string>();
    waiter.promise.catch(() => {});
    this.#pending.set(id, waiter);
    if (this.#pending.size >= this.maxBatch) this.windowCloses();
    return waiter.promise;
  }

  /** The batch window ends: what is pending goes out in one call. */
  windowCloses(): void {
    const batch = this.#pending;
    if (batch.size === 0) return;
    this.#pending = new Map();
    this.calls.push([...batch.keys()]);
    for (const [id, w] of batch) {
      if (this.failIds.has(id)) w.reject(new Error(`no ${id}`));
      else w.resolve(`value of ${id}`);
    }
  }
}

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `s${from + i}`);

/** A work queue of reads: each read takes its id off the front, as a reconcile starting would. */
function world(queued: string[], opts: { maxAgeMs?: number } = {}) {
  const batch = new RecordingBatch();
  const clock = new FakeClock(0);
  const queue = [...queued];
  const ahead = new ReadAhead({ batch, upcoming: () => queue, clock, maxAgeMs: opts.maxAgeMs ?? 10_000 });
  /** The next queued reconcile starts and reads its id. */
  const next = async () => {
    const id = queue.shift() as string;
    const pending = ahead.read(id);
    batch.windowCloses();
    return pending;
  };
  return { batch, clock, queue, ahead, next };
}

describe('AWS read-ahead: reads of queued ExternalSecrets join the batch of a read made now', () => {
  test('100 queued reads of distinct secrets take 5 calls of 20 ids, each answered with its own value', async () => {
    const w = world(ids(0, 100));
    for (let i = 0; i < 100; i++) assert.equal(await w.next(), `value of s${i}`);
    assert.equal(w.batch.calls.length, 5);
    assert.ok(w.batch.calls.every((c) => c.length === 20));
    assert.deepEqual(w.batch.calls.flat().sort(), ids(0, 100).sort());
  });

  test('a secret fetched ahead for two queued ExternalSecrets is fetched once', async () => {
    // (A second reader of a secret read for a running reconcile is the coalescing client's to serve.)
    const w = world(['a', 'b', 'c', 'b', 'c']);
    for (let i = 0; i < 5; i++) await w.next();
    assert.deepEqual(w.batch.calls, [['a', 'b', 'c']]);
  });

  test('a read is never held back for others: with nothing queued it goes out in the window as before', async () => {
    const w = world([]);
    const value = w.ahead.read('alone');
    w.batch.windowCloses();
    assert.equal(await value, 'value of alone');
    assert.deepEqual(w.batch.calls, [['alone']]);
  });

  test('an answer fetched ahead is not handed out after maxAgeMs: the late reader reads again', async () => {
    const w = world(['a', 'b'], { maxAgeMs: 1_000 });
    await w.next(); // a, with b fetched ahead
    await Promise.resolve();
    w.clock.advance(1_000);
    await w.next(); // b: too old
    assert.deepEqual(w.batch.calls, [['a', 'b'], ['b']]);
  });

  test('a failed fetch ahead is forgotten, so the reconcile that needs it reads it and gets its own error', async () => {
    const w = world(['a', 'b']);
    w.batch.failIds.add('b');
    await w.next();
    await new Promise((r) => setImmediate(r));
    w.batch.failIds.clear();
    assert.equal(await w.next(), 'value of b');
    assert.deepEqual(w.batch.calls, [['a', 'b'], ['b']]);
  });

  test('reads already pending leave room in the batch for fewer ids fetched ahead, never more than 20 a call', async () => {
    const w = world(ids(0, 40));
    // Reads that reached the batch reader directly (a find's values) are pending already.
    for (const id of ['x', 'y', 'z']) void w.batch.read(id);
    w.queue.shift();
    void w.ahead.read('s0');
    w.batch.windowCloses();
    assert.equal(w.batch.calls[0]?.length, 20);
    assert.deepEqual(w.batch.calls[0]?.slice(0, 4), ['x', 'y', 'z', 's0']);
  });
});
