import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextTurn, pacer } from './event-loop-turn.ts';

describe('nextTurn', () => {
  it('lets a due timer run between two waiters, which one shared setImmediate phase would not', async () => {
    const order: string[] = [];
    const waiter = async (name: string) => {
      await nextTurn();
      order.push(name);
      if (name === 'first') {
        setTimeout(() => order.push('timer'), 1);
        // Busy past the timer's due time, as a reconcile's synchronous part would be.
        const until = performance.now() + 5;
        while (performance.now() < until) {}
      }
    };
    await Promise.all([waiter('first'), waiter('second'), waiter('third')]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(order, ['first', 'timer', 'second', 'third']);
  });

  it('pacer waits for a turn only once the steps since the last turn took the slice', async () => {
    let ms = 0;
    const pace = pacer(10, () => ms);
    let turns = 0;
    const counting = async () => {
      let yielded = false;
      setImmediate(() => {
        yielded = true;
      });
      await pace();
      if (yielded) turns += 1;
    };
    ms = 9;
    await counting();
    assert.equal(turns, 0, 'a step under the slice goes on in the same turn');
    ms = 10;
    await counting();
    assert.equal(turns, 1, 'past the slice the next step waits for a turn');
    ms = 15;
    await counting();
    assert.equal(turns, 1, 'the slice starts again after the turn');
  });

  it('lets waiters go in the order they asked', async () => {
    const order: number[] = [];
    await Promise.all(Array.from({ length: 50 }, (_, i) => nextTurn().then(() => order.push(i))));
    assert.deepEqual(
      order,
      Array.from({ length: 50 }, (_, i) => i),
    );
  });
});
