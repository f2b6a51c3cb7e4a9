import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failingRequestBound, failingRunsWithin } from './rate-bound.ts';

const backoff = { baseMs: 1_000, jitter: 0.2 };

test('a failing key runs about log2 of the window times, not once per retry delay', () => {
  // Shortest delays 0.8, 1.6, 3.2, 6.4 s: three fit in 6 s, four in 12 s; plus the run due at
  // the start and one watch-event echo.
  assert.equal(failingRunsWithin(6_000, backoff), 5);
  assert.equal(failingRunsWithin(12_000, backoff), 6);
  assert.equal(failingRunsWithin(500, backoff), 2);
});

test('the request bound multiplies runs by callers and requests per run', () => {
  const bound = failingRequestBound({ windowMs: 6_000, callers: 3, requestsPerRun: 4, backoff });
  assert.equal(bound.requests, 60);
  assert.equal(bound.perSecond, 10);
});
