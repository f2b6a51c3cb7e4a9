import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '@lockstep/core';
import { FakeClock } from '@lockstep/core/testing';
import { LeaseScheduler } from './lease-scheduler.ts';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

describe('lease scheduler', () => {
  test('the scheduler fires 100,000 leases in due order with one timer', () => {
    const clock = new FakeClock(T0);
    const fired: Array<{ key: string; due: number; at: number }> = [];
    const scheduler = new LeaseScheduler({
      clock,
      onDue: (key, dueAt) => fired.push({ key, due: dueAt.getTime(), at: clock.now().getTime() }),
    });
    const random = seededRandom(42);
    const due = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      const at = T0 + Math.floor(random.random() * DAY);
      due.set(`ns-${i % 50}/vds-${i}`, at);
      scheduler.schedule(`ns-${i % 50}/vds-${i}`, new Date(at));
    }
    assert.equal(clock.pendingTimers, 1, 'one underlying timer, not one per lease');
    assert.equal(scheduler.size, 100_000);

    for (let hour = 0; hour < 25; hour++) {
      clock.advance(3_600_000);
      assert.ok(clock.pendingTimers <= 1);
    }
    assert.equal(fired.length, 100_000);
    assert.equal(new Set(fired.map((f) => f.key)).size, 100_000, 'each lease fires once');
    let wrongDue = 0;
    let late = 0;
    let outOfOrder = 0;
    for (let i = 0; i < fired.length; i++) {
      const f = fired[i]!;
      if (f.due !== due.get(f.key)) wrongDue++;
      if (f.at !== f.due) late++;
      if (i > 0 && fired[i - 1]!.due > f.due) outOfOrder++;
    }
    assert.equal(wrongDue, 0, 'each lease fires at the time it asked for');
    assert.equal(late, 0, 'fires exactly when due (no lateness on a fake clock)');
    assert.equal(outOfOrder, 0, 'due order');
    assert.equal(clock.pendingTimers, 0, 'nothing left armed');
    assert.equal(scheduler.armed, false);
  });

  test('the earliest time wins for a key, and a cancelled key never fires', () => {
    const clock = new FakeClock(T0);
    const fired: string[] = [];
    const scheduler = new LeaseScheduler({ clock, onDue: (key) => fired.push(`${key}@${clock.now().getTime() - T0}`) });
    scheduler.schedule('a', new Date(T0 + 5000));
    scheduler.schedule('a', new Date(T0 + 9000));
    scheduler.schedule('a', new Date(T0 + 2000));
    scheduler.schedule('b', new Date(T0 + 3000));
    scheduler.schedule('c', new Date(T0 + 1000));
    scheduler.cancel('c');
    assert.deepEqual(scheduler.dueAt('a'), new Date(T0 + 2000));
    assert.deepEqual(scheduler.nextDue(), new Date(T0 + 2000));
    clock.advance(10_000);
    assert.deepEqual(fired, ['a@2000', 'b@3000']);
  });

  test('reschedule moves a key later, and a callback can schedule the next run', () => {
    const clock = new FakeClock(T0);
    const fired: number[] = [];
    const scheduler = new LeaseScheduler({
      clock,
      onDue: (key) => {
        fired.push(clock.now().getTime() - T0);
        if (fired.length < 3) scheduler.schedule(key, new Date(clock.now().getTime() + 1000));
      },
    });
    scheduler.schedule('a', new Date(T0 + 1000));
    scheduler.reschedule('a', new Date(T0 + 4000));
    clock.advance(10_000);
    assert.deepEqual(fired, [4000, 5000, 6000]);
  });

  test('a due time in the past fires at once, and a throwing callback does not stop the others', () => {
    const clock = new FakeClock(T0);
    const fired: string[] = [];
    const errors: string[] = [];
    const scheduler = new LeaseScheduler({
      clock,
      onDue: (key) => {
        if (key === 'bad') throw new Error('boom');
        fired.push(key);
      },
      onError: (_err, key) => errors.push(key),
    });
    scheduler.schedule('bad', new Date(T0 - 5000));
    scheduler.schedule('good', new Date(T0 - 1000));
    clock.advance(0);
    assert.deepEqual(fired, ['good']);
    assert.deepEqual(errors, ['bad']);
  });

  test('due times beyond the timer limit are reached by re-arming', () => {
    const clock = new FakeClock(T0);
    const fired: number[] = [];
    const scheduler = new LeaseScheduler({ clock, onDue: () => fired.push(clock.now().getTime()) });
    scheduler.schedule('far', new Date(T0 + 60 * DAY));
    clock.advance(59 * DAY);
    assert.deepEqual(fired, []);
    clock.advance(DAY);
    assert.deepEqual(fired, [T0 + 60 * DAY]);
  });

  test('rescheduling many times keeps the heap bounded', () => {
    const clock = new FakeClock(T0);
    const scheduler = new LeaseScheduler({ clock, onDue: () => {} });
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 1000; i++) scheduler.reschedule(`k${i}`, new Date(T0 + 1000 + round * 10 + i));
    }
    assert.equal(scheduler.size, 1000);
    assert.ok(scheduler.heapSize <= 2 * 1000 + 1024, `heap holds ${scheduler.heapSize} entries`);
    scheduler.stop();
    assert.equal(clock.pendingTimers, 0);
  });
});
