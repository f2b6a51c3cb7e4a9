import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from './random.ts';

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const seqA = Array.from({ length: 5 }, () => a.random());
    const seqB = Array.from({ length: 5 }, () => b.random());
    assert.deepEqual(seqA, seqB);
    assert.notDeepEqual(
      seqA,
      Array.from({ length: 5 }, () => seededRandom(43).random()),
    );
  });

  it('stays within [0, 1) and spreads over the range', () => {
    const random = seededRandom(7);
    const values = Array.from({ length: 1000 }, () => random.random());
    assert.ok(values.every((v) => v >= 0 && v < 1));
    assert.ok(values.some((v) => v < 0.1));
    assert.ok(values.some((v) => v > 0.9));
  });
});
