import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DurationError, formatDuration, parseGoDuration } from './go-duration.ts';

describe('Go durations', () => {
  test('parses the forms ESO and VSO users write', () => {
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('30s'), 30_000);
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('500ms'), 500);
    assert.equal(parseGoDuration('1.5h'), 5_400_000);
    assert.equal(parseGoDuration('7d'), 604_800_000);
  });

  test('refuses garbage with a message that says how to write a duration', () => {
    for (const bad of ['', '10', 'abc', '1x', '1h 30m']) {
      assert.throws(
        () => parseGoDuration(bad, 'refreshInterval'),
        (err: Error) => err instanceof DurationError && /refreshInterval .* write it like 30s/.test(err.message),
      );
    }
  });

  test("refuses durations longer than Go's int64 nanoseconds, as ESO and VSO do", () => {
    assert.equal(parseGoDuration('2562047h'), 2_562_047 * 3_600_000);
    for (const huge of ['2562048h', '9999999999999h', `${'9'.repeat(400)}s`]) {
      assert.throws(
        () => parseGoDuration(huge, 'refreshInterval'),
        (err: Error) => err instanceof DurationError && /longer than the longest Go duration/.test(err.message),
      );
    }
  });

  test('formats milliseconds back', () => {
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(0), '0s');
  });
});
