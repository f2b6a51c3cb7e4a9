import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from './fake-clock.ts';

describe('FakeClock', () => {
  it('stands still until advanced', () => {
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    assert.equal(clock.now().toISOString(), '2026-01-01T00:00:00.000Z');
    clock.advance(1500);
    assert.equal(clock.now().toISOString(), '2026-01-01T00:00:01.500Z');
  });

  it('fires due timers in due-time order, each seeing its own due time', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.now().getTime()}`), 200);
    clock.setTimer(() => fired.push(`a@${clock.now().getTime()}`), 100);
    clock.setTimer(() => fired.push(`c@${clock.now().getTime()}`), 300);
    clock.advance(250);
    assert.deepEqual(fired, ['a@100', 'b@200']);
    clock.advance(50);
    assert.deepEqual(fired, ['a@100', 'b@200', 'c@300']);
  });

  it('fires timers due at the same time in scheduling order', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    for (const n of [1, 2, 3]) clock.setTimer(() => fired.push(n), 10);
    clock.advance(10);
    assert.deepEqual(fired, [1, 2, 3]);
  });

  it('fires timers scheduled by a callback when they fall inside the window', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimer(() => {
      fired.push(clock.now().getTime());
      clock.setTimer(() => fired.push(clock.now().getTime()), 30);
    }, 50);
    clock.advance(100);
    assert.deepEqual(fired, [50, 80]);
  });

  it('never fires a cancelled timer', () => {
    const clock = new FakeClock(0);
    let fired = false;
    const timer = clock.setTimer(() => {
      fired = true;
    }, 10);
    timer.cancel();
    clock.advance(100);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimers, 0);
  });

  it('resolves sleep when time reaches it and rejects it on abort', async () => {
    const clock = new FakeClock(0);
    let woke = false;
    const sleeping = clock.sleep(1000).then(() => {
      woke = true;
    });
    await clock.advanceAsync(999);
    assert.equal(woke, false);
    await clock.advanceAsync(1);
    await sleeping;
    assert.equal(woke, true);

    const controller = new AbortController();
    const aborted = clock.sleep(1000, controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(aborted, /stop/);
    assert.equal(clock.pendingTimers, 0);
  });
});
