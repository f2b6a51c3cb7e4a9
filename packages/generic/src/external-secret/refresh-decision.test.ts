import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideRefresh, type RefreshInput, refreshJitterMs, specVersion } from './refresh-decision.ts';

const t0 = new Date('2026-11-28T10:00:00Z');
const base: RefreshInput = {
  now: t0,
  specVersion: '1-a',
  syncedVersion: '1-a',
  refreshTime: t0,
  refreshPolicy: 'Periodic',
  refreshIntervalMs: 3_600_000,
  jitterMs: 0,
  target: 'InSync',
};
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('ExternalSecret refresh decision', () => {
  test('a new ExternalSecret syncs at once', () => {
    assert.deepEqual(decideRefresh({ ...base, refreshTime: undefined, syncedVersion: undefined }), {
      sync: true,
      reason: 'InitialSync',
    });
  });

  test('a changed spec syncs at once', () => {
    assert.deepEqual(decideRefresh({ ...base, specVersion: '2-a' }), { sync: true, reason: 'SpecChanged' });
  });

  test('a periodic refresh waits for the interval plus jitter', () => {
    assert.deepEqual(decideRefresh({ ...base, now: at(1000), jitterMs: 500 }), {
      sync: false,
      requeueAfterMs: 3_600_000 + 500 - 1000,
    });
    assert.deepEqual(decideRefresh({ ...base, now: at(3_600_500), jitterMs: 500 }), {
      sync: true,
      reason: 'RefreshDue',
    });
  });

  test('refreshInterval 0 syncs once', () => {
    assert.deepEqual(decideRefresh({ ...base, refreshIntervalMs: 0, now: at(10 ** 9) }), { sync: false });
  });

  test('OnChange never refreshes on a timer', () => {
    assert.deepEqual(decideRefresh({ ...base, refreshPolicy: 'OnChange', now: at(10 ** 9) }), { sync: false });
  });

  test('a deleted or edited target Secret is repaired', () => {
    assert.deepEqual(decideRefresh({ ...base, target: 'Missing' }), { sync: true, reason: 'TargetMissing' });
    assert.deepEqual(decideRefresh({ ...base, target: 'Drifted' }), { sync: true, reason: 'TargetDrifted' });
  });

  test('CreatedOnce does not recreate a Secret deleted by hand', () => {
    assert.deepEqual(decideRefresh({ ...base, refreshPolicy: 'CreatedOnce', target: 'Missing' }), { sync: false });
  });

  test('a force-sync annotation changes the spec version', () => {
    const before = specVersion({ generation: 3, annotations: { a: '1' } });
    assert.notEqual(before, specVersion({ generation: 3, annotations: { a: '1', 'force-sync': '1700000000' } }));
    assert.equal(before, specVersion({ generation: 3, annotations: { a: '1' } }));
  });

  test('jitter stays within 10% of the interval', () => {
    assert.equal(refreshJitterMs(3_600_000, 0.999) < 300_000, true);
    assert.equal(refreshJitterMs(60_000, 1), 6_000);
  });
});
