import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awaitAll } from './await-all.ts';

describe('awaitAll', () => {
  it('answers every value in order', async () => {
    const [a, b] = await awaitAll([Promise.resolve(1), Promise.resolve('two')]);
    assert.equal(a, 1);
    assert.equal(b, 'two');
  });

  it('throws the first rejection in list order after every promise settled', async () => {
    let lateSettled = false;
    const late = new Promise<number>((resolve) =>
      setImmediate(() => {
        lateSettled = true;
        resolve(3);
      }),
    );
    const second = Promise.reject(new Error('second'));
    const first = new Promise<number>((_, reject) => setImmediate(() => reject(new Error('first'))));
    await assert.rejects(awaitAll([first, second, late]), /first/);
    assert.equal(lateSettled, true, 'a read still running is waited for');
  });

  it('leaves no rejection unhandled when several promises fail', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await assert.rejects(awaitAll([Promise.reject(new Error('a')), Promise.reject(new Error('b'))]), /a/);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
