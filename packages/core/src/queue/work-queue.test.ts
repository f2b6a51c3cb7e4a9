import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, settle } from '../clock/fake-clock.ts';
import { fixedRandom, seededRandom } from '../clock/random.ts';
import { BackendError } from '../errors/backend-error.ts';
import { type ReconcileResult, requeueAfter } from './reconcile-result.ts';
import { ReconcileTimeoutError } from './reconcile-timeout.ts';
import { type ReconcileEvent, WorkQueue, type WorkQueueOptions } from './work-queue.ts';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A reconciler whose runs block until the test releases them. */
class Reconciler {
  readonly started: string[] = [];
  readonly signals: AbortSignal[] = [];
  readonly #gates: Deferred[] = [];
  readonly #running = new Map<string, number>();
  maxConcurrentSameKey = 0;
  maxConcurrent = 0;
  results: Array<ReconcileResult | Error> = [];

  readonly fn = async (key: string, signal: AbortSignal): Promise<ReconcileResult | undefined> => {
    this.started.push(key);
    this.signals.push(signal);
    const same = (this.#running.get(key) ?? 0) + 1;
    this.#running.set(key, same);
    this.maxConcurrentSameKey = Math.max(this.maxConcurrentSameKey, same);
    this.maxConcurrent = Math.max(
      this.maxConcurrent,
      [...this.#running.values()].reduce((a, b) => a + b, 0),
    );
    const gate = deferred();
    this.#gates.push(gate);
    try {
      await gate.promise;
      const next = this.results.shift();
      if (next instanceof Error) throw next;
      return next;
    } finally {
      this.#running.set(key, (this.#running.get(key) ?? 1) - 1);
    }
  };

  /** Lets the oldest blocked run finish. */
  async release(): Promise<void> {
    const gate = this.#gates.shift();
    assert.ok(gate, 'no run is blocked');
    gate.resolve();
    await settle();
  }

  get blocked(): number {
    return this.#gates.length;
  }
}

/** A reconciler that finishes at once, recording each run. */
function instant(outcome: (key: string) => ReconcileResult | undefined = () => undefined) {
  const runs: string[] = [];
  return {
    runs,
    fn: async (key: string) => {
      runs.push(key);
      return outcome(key);
    },
  };
}

function queue(options: Partial<WorkQueueOptions> & Pick<WorkQueueOptions, 'reconcile'>): WorkQueue {
  return new WorkQueue({ name: 'Test', clock: new FakeClock(0), random: fixedRandom(0), ...options });
}

describe('WorkQueue', () => {
  it('runs a key queued several times before it starts only once', async () => {
    const r = new Reconciler();
    const q = queue({ reconcile: r.fn, concurrency: 1 });
    q.add('blocker');
    await settle();
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/a');
    assert.equal(q.depth, 1);
    await r.release();
    await r.release();
    await q.onIdle();
    assert.deepEqual(r.started, ['blocker', 'ns/a']);
  });

  it('never runs the same key twice at once and re-runs it once if it was added meanwhile', async () => {
    const r = new Reconciler();
    const q = queue({ reconcile: r.fn, concurrency: 4 });
    q.add('ns/a');
    await settle();
    q.add('ns/a');
    q.add('ns/a');
    await settle();
    assert.equal(r.blocked, 1, 'the second add must wait for the first run');
    assert.equal(q.inFlight, 1);
    await r.release();
    assert.equal(r.blocked, 1, 'the key runs again after the first run settles');
    await r.release();
    await q.onIdle();
    assert.deepEqual(r.started, ['ns/a', 'ns/a']);
    assert.equal(r.maxConcurrentSameKey, 1);
  });

  it('runs different keys side by side up to the concurrency', async () => {
    const r = new Reconciler();
    const q = queue({ reconcile: r.fn, concurrency: 2 });
    for (const key of ['a', 'b', 'c']) q.add(key);
    await settle();
    assert.equal(r.blocked, 2);
    assert.equal(q.inFlight, 2);
    assert.equal(q.depth, 1);
    await r.release();
    assert.deepEqual(r.started, ['a', 'b', 'c']);
    await r.release();
    await r.release();
    await q.onIdle();
    assert.equal(r.maxConcurrent, 2);
  });

  it('backs off a failing key exponentially with jitter inside its bounds', async () => {
    const clock = new FakeClock(0);
    const failures: number[] = [];
    const q = new WorkQueue({
      name: 'Test',
      clock,
      random: seededRandom(3),
      backoff: { baseMs: 1000, capMs: 8000, jitter: 0.5 },
      reconcile: async () => {
        throw new BackendError('Unavailable', 'vault', 'Vault is sealed');
      },
      onReconciled: (e) => failures.push(e.nextRunInMs ?? -1),
    });
    q.add('ns/a');
    await settle();
    for (let attempt = 1; attempt <= 6; attempt++) {
      const raw = Math.min(8000, 1000 * 2 ** (attempt - 1));
      const delay = failures[attempt - 1];
      assert.ok(
        delay !== undefined && delay >= raw / 2 && delay <= raw,
        `attempt ${attempt}: ${delay} not in [${raw / 2}, ${raw}]`,
      );
      assert.equal(q.nextRun('ns/a')?.getTime(), clock.now().getTime() + delay);
      assert.equal(q.failures('ns/a'), attempt);
      await clock.advanceAsync(delay - 1);
      assert.equal(failures.length, attempt, 'no retry before the backoff elapsed');
      await clock.advanceAsync(1);
    }
  });

  it('forgets the failures of a key once it succeeds', async () => {
    const clock = new FakeClock(0);
    let fail = true;
    const events: ReconcileEvent[] = [];
    const q = new WorkQueue({
      name: 'Test',
      clock,
      random: fixedRandom(0),
      backoff: { baseMs: 100, capMs: 10_000, jitter: 0 },
      reconcile: async () => {
        if (fail) throw new BackendError('Throttled', 'aws', 'rate exceeded');
        return undefined;
      },
      onReconciled: (e) => events.push(e),
    });
    q.add('k');
    await settle();
    await clock.advanceAsync(100);
    await clock.advanceAsync(200);
    assert.equal(q.failures('k'), 3);
    fail = false;
    await clock.advanceAsync(400);
    assert.equal(q.failures('k'), 0);
    assert.equal(q.delayed, 0, 'a success without requeueAfter schedules nothing');
    fail = true;
    q.add('k');
    await settle();
    assert.deepEqual(
      events.map((e) => [e.result, e.nextRunInMs]),
      [
        ['error', 100],
        ['error', 200],
        ['error', 400],
        ['success', undefined],
        ['error', 100],
      ],
    );
  });

  it('does not retry errors that wait for the spec to change, but retries unclassified ones', async () => {
    const clock = new FakeClock(0);
    const runs: string[] = [];
    const q = new WorkQueue({
      name: 'Test',
      clock,
      reconcile: async (key) => {
        runs.push(key);
        if (key === 'invalid') throw new BackendError('InvalidInput', 'vault', 'mount "kv" does not exist');
        throw new Error('socket hang up');
      },
    });
    q.add('invalid');
    q.add('unknown');
    await q.onIdle();
    assert.equal(q.nextRun('invalid'), undefined);
    assert.ok(q.nextRun('unknown'));
    await clock.advanceAsync(10_000);
    assert.equal(runs.filter((k) => k === 'invalid').length, 1);
    assert.ok(runs.filter((k) => k === 'unknown').length > 1);
  });

  it('waits at least as long as a throttled backend asked', async () => {
    const clock = new FakeClock(0);
    const q = new WorkQueue({
      name: 'Test',
      clock,
      backoff: { baseMs: 100, capMs: 1000, jitter: 0 },
      reconcile: async () => {
        throw Object.assign(new BackendError('Throttled', 'aws', 'slow down'), { retryAfterMs: 30_000 });
      },
    });
    q.add('k');
    await q.onIdle();
    assert.equal(q.nextRun('k')?.getTime(), 30_000);
  });

  it('runs delayed keys in due order', async () => {
    const clock = new FakeClock(0);
    const r = instant();
    const q = queue({ reconcile: r.fn, clock, concurrency: 1 });
    q.addAfter('late', 300);
    q.addAfter('early', 100);
    q.addAfter('middle', 200);
    await clock.advanceAsync(99);
    assert.deepEqual(r.runs, []);
    await clock.advanceAsync(1000);
    assert.deepEqual(r.runs, ['early', 'middle', 'late']);
  });

  it('keeps the earlier of two delayed requeues of a key and runs it once', async () => {
    const clock = new FakeClock(0);
    const r = instant();
    const q = queue({ reconcile: r.fn, clock });
    q.addAfter('a', 500);
    q.addAfter('a', 100);
    q.addAfter('b', 100);
    q.addAfter('b', 500);
    assert.equal(q.nextRun('a')?.getTime(), 100);
    assert.equal(q.nextRun('b')?.getTime(), 100);
    await clock.advanceAsync(100);
    assert.deepEqual(r.runs.sort(), ['a', 'b']);
    await clock.advanceAsync(1000);
    assert.deepEqual(r.runs.sort(), ['a', 'b']);
  });

  it('lets a run that starts early supersede a pending delayed requeue', async () => {
    const clock = new FakeClock(0);
    const r = instant(() => requeueAfter(1000));
    const q = queue({ reconcile: r.fn, clock });
    q.addAfter('a', 500);
    q.add('a');
    await q.onIdle();
    assert.equal(q.nextRun('a')?.getTime(), 1000, 'the run replaced the 500 ms request with its own requeueAfter');
    await clock.advanceAsync(999);
    assert.deepEqual(r.runs, ['a']);
    await clock.advanceAsync(1);
    assert.deepEqual(r.runs, ['a', 'a']);
  });

  it('runs again after requeueAfter', async () => {
    const clock = new FakeClock(0);
    const r = instant(() => ({ requeueAfter: 60_000 }));
    const q = queue({ reconcile: r.fn, clock });
    q.add('a');
    await settle();
    await clock.advanceAsync(3 * 60_000);
    assert.equal(r.runs.length, 4);
  });

  it('drains: stops taking work, drops queued keys and waits for the in-flight ones', async () => {
    const clock = new FakeClock(0);
    const r = new Reconciler();
    const q = queue({ reconcile: r.fn, clock, concurrency: 1 });
    q.add('running');
    q.add('queued');
    q.addAfter('delayed', 10);
    await settle();
    let result: unknown;
    const draining = q.drain(30_000).then((res) => {
      result = res;
    });
    await settle();
    assert.equal(result, undefined, 'drain waits for the in-flight reconcile');
    q.add('late');
    await r.release();
    await draining;
    assert.deepEqual(result, { drained: true, inFlight: [] });
    await clock.advanceAsync(1000);
    assert.deepEqual(r.started, ['running']);
    assert.equal(r.signals[0]?.aborted, false);
  });

  it('gives up on in-flight reconciles at the drain deadline and aborts their signal', async () => {
    const clock = new FakeClock(0);
    const r = new Reconciler();
    const q = queue({ reconcile: r.fn, clock });
    q.add('stuck');
    await settle();
    const draining = q.drain(5000);
    await clock.advanceAsync(5000);
    assert.deepEqual(await draining, { drained: false, inFlight: ['stuck'] });
    assert.equal(r.signals[0]?.aborted, true);
    await r.release();
  });

  it('gives a reconcile past its budget no more than its budget: the slot goes to the next key', async () => {
    const clock = new FakeClock(0);
    const r = new Reconciler();
    const events: ReconcileEvent[] = [];
    const q = queue({
      reconcile: r.fn,
      clock,
      concurrency: 1,
      timeoutMs: 1000,
      backoff: { baseMs: 500, capMs: 10_000, jitter: 0 },
      onReconciled: (e) => events.push(e),
    });
    q.add('hangs');
    q.add('other');
    await settle();
    assert.deepEqual(r.started, ['hangs']);
    await clock.advanceAsync(999);
    assert.deepEqual(r.started, ['hangs'], 'the slot is held while the budget lasts');
    assert.equal(r.signals[0]?.aborted, false);
    await clock.advanceAsync(1);
    assert.deepEqual(r.started, ['hangs', 'other'], 'the freed slot went to the next key');
    assert.equal(r.signals[0]?.aborted, true, 'the reconcile is told to stop');
    assert.ok(r.signals[0]?.reason instanceof ReconcileTimeoutError);
    assert.deepEqual(
      events.map((e) => [e.key, e.result, e.durationMs, e.nextRunInMs]),
      [['hangs', 'timeout', 1000, 500]],
    );
    assert.match(String(events[0]?.error), /did not finish within 1s/);
    assert.equal(q.failures('hangs'), 1);
    assert.equal(q.inFlight, 2, 'the overdue run still counts until it settles');
    assert.equal(q.overdue, 1);
    await r.release();
    await r.release();
    await q.onIdle();
    assert.equal(q.overdue, 0);
    assert.equal(events.length, 2, 'the late outcome of the overdue run is not reported a second time');
  });

  it('never runs an overdue key twice at once: its retry waits until the first run settles', async () => {
    const clock = new FakeClock(0);
    const r = new Reconciler();
    const q = queue({
      reconcile: r.fn,
      clock,
      concurrency: 2,
      timeoutMs: 1000,
      backoff: { baseMs: 100, capMs: 10_000, jitter: 0 },
    });
    q.add('slow');
    await settle();
    await clock.advanceAsync(1000);
    q.add('slow');
    await clock.advanceAsync(5000);
    assert.deepEqual(r.started, ['slow'], 'neither a watch event nor the backoff retry starts it again');
    await r.release();
    assert.deepEqual(r.started, ['slow', 'slow'], 'it runs again once the first run settled');
    assert.equal(r.maxConcurrentSameKey, 1);
    await r.release();
    await q.onIdle();
  });

  it('backs off an overdue key exponentially until a run finishes within its budget', async () => {
    const clock = new FakeClock(0);
    const events: ReconcileEvent[] = [];
    let hang = true;
    const q = queue({
      clock,
      timeoutMs: 1000,
      backoff: { baseMs: 100, capMs: 10_000, jitter: 0 },
      // Honours its signal, as a reconcile passing it to its HTTP calls does.
      reconcile: (_key, signal) =>
        hang
          ? new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))
          : Promise.resolve(undefined),
      onReconciled: (e) => events.push(e),
    });
    q.add('k');
    await clock.advanceAsync(1000);
    await clock.advanceAsync(100 + 1000);
    await clock.advanceAsync(200 + 1000);
    assert.deepEqual(
      events.map((e) => [e.result, e.nextRunInMs]),
      [
        ['timeout', 100],
        ['timeout', 200],
        ['timeout', 400],
      ],
    );
    hang = false;
    await clock.advanceAsync(400);
    assert.equal(events.at(-1)?.result, 'success');
    assert.equal(q.failures('k'), 0);
    assert.equal(q.inFlight, 0);
  });

  it('counts a run that settles in the same instant its budget runs out once, and keeps the key usable', async () => {
    const clock = new FakeClock(0);
    const events: ReconcileEvent[] = [];
    // The reconcile's own timer and the budget fall due together and fire in one sweep.
    const q = queue({
      clock,
      timeoutMs: 1000,
      reconcile: () => clock.sleep(1000),
      onReconciled: (e) => events.push(e),
    });
    q.add('k');
    await settle();
    clock.advance(1000);
    await settle();
    assert.equal(events.length, 1, `one outcome, got ${events.map((e) => e.result)}`);
    assert.equal(q.overdue, 0);
    assert.equal(q.inFlight, 0);
    q.add('k');
    await settle();
    clock.advance(1000);
    await settle();
    assert.equal(events.length, 2, 'the next run of the key is reported too');
  });

  it('has a 30 s budget unless told otherwise', async () => {
    const clock = new FakeClock(0);
    const r = new Reconciler();
    const q = queue({ reconcile: r.fn, clock });
    q.add('k');
    await settle();
    await clock.advanceAsync(29_999);
    assert.equal(r.signals[0]?.aborted, false);
    await clock.advanceAsync(1);
    assert.equal(r.signals[0]?.aborted, true);
    await r.release();
  });

  it('survives a reconcile that throws before its first await, and backs off only that key', async () => {
    const clock = new FakeClock(0);
    const runs: string[] = [];
    const events: ReconcileEvent[] = [];
    const q = queue({
      clock,
      backoff: { baseMs: 100, capMs: 10_000, jitter: 0 },
      reconcile: ((key: string) => {
        runs.push(key);
        if (key === 'broken') throw new TypeError("Cannot read properties of undefined (reading 'spec')");
        return Promise.resolve(undefined);
      }) as WorkQueueOptions['reconcile'],
      onReconciled: (e) => events.push(e),
    });
    q.add('broken');
    q.add('fine');
    await q.onIdle();
    assert.deepEqual(
      events.map((e) => [e.key, e.result, e.nextRunInMs]),
      [
        ['broken', 'error', 100],
        ['fine', 'success', undefined],
      ],
    );
    q.add('fine');
    await q.onIdle();
    await clock.advanceAsync(100);
    assert.deepEqual(runs, ['broken', 'fine', 'fine', 'broken']);
  });
});
