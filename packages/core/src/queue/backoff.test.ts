import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedRandom, seededRandom } from '../clock/random.ts';
import { backoffDelay, KeyedBackoff } from './backoff.ts';

const policy = { baseMs: 1000, capMs: 60_000, jitter: 0.2 };

describe('backoffDelay', () => {
  it('doubles from the base on each failure until the cap', () => {
    const noJitter = fixedRandom(0);
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, policy, noJitter));
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('keeps jittered delays within [raw * (1 - jitter), raw], never above the cap', () => {
    const random = seededRandom(1);
    for (let failures = 1; failures <= 40; failures++) {
      const raw = Math.min(policy.capMs, policy.baseMs * 2 ** (failures - 1));
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(failures, policy, random);
        assert.ok(
          delay >= raw * 0.8 - 0.5 && delay <= raw,
          `failure ${failures}: ${delay} outside [${raw * 0.8}, ${raw}]`,
        );
      }
    }
  });

  it('spreads delays of keys failing together', () => {
    const random = seededRandom(2);
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(3, policy, random)));
    assert.ok(delays.size > 10);
  });

  it('survives absurd failure counts without overflowing the cap', () => {
    assert.equal(backoffDelay(5000, policy, fixedRandom(0)), 60_000);
  });
});

describe('KeyedBackoff', () => {
  it('counts failures per key and starts again from the base after a reset', () => {
    const backoff = new KeyedBackoff({ ...policy, jitter: 0 }, fixedRandom(0.5));
    assert.equal(backoff.next('a'), 1000);
    assert.equal(backoff.next('a'), 2000);
    assert.equal(backoff.next('b'), 1000);
    assert.equal(backoff.failures('a'), 2);
    backoff.reset('a');
    assert.equal(backoff.failures('a'), 0);
    assert.equal(backoff.next('a'), 1000);
  });
});
