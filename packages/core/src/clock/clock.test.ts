import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIMER_MS, realClock, timerDelay } from './clock.ts';

describe('timerDelay', () => {
  it("keeps delays inside Node's setTimeout range, where NaN and overflow would mean 1 ms", () => {
    assert.equal(timerDelay(250), 250);
    assert.equal(timerDelay(-5), 0);
    assert.equal(timerDelay(Number.NaN), MAX_TIMER_MS);
    assert.equal(timerDelay(30 * 24 * 3600_000), MAX_TIMER_MS);
    assert.equal(timerDelay(Number.POSITIVE_INFINITY), MAX_TIMER_MS);
  });
});

describe('realClock', () => {
  it('runs a timer callback and does not run a cancelled one', async () => {
    const fired: string[] = [];
    realClock.setTimer(() => fired.push('kept'), 1);
    realClock.setTimer(() => fired.push('cancelled'), 1).cancel();
    await realClock.sleep(20);
    assert.deepEqual(fired, ['kept']);
  });

  it('rejects a sleep whose signal aborts', async () => {
    const controller = new AbortController();
    const sleeping = realClock.sleep(60_000, controller.signal);
    controller.abort(new Error('shutting down'));
    await assert.rejects(sleeping, /shutting down/);
  });

  it('turns a throw in a timer callback into a rejection the process-level handler sees', async () => {
    // The test runner counts unhandled rejections as failures: set its listeners aside meanwhile.
    const runners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    try {
      const seen = new Promise<unknown>((resolve) => process.once('unhandledRejection', resolve));
      realClock.setTimer(() => {
        throw new TypeError('a bug in a background timer');
      }, 1);
      assert.match(String(await seen), /a bug in a background timer/);
    } finally {
      for (const listener of runners) process.on('unhandledRejection', listener);
    }
  });
});
