import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideRefresh, nextRefreshAt, type RefreshInput, refreshPhaseMs, specVersion } from './refresh-decision.ts';

const t0 = new Date('2026-11-28T10:00:00Z');
const base: RefreshInput = {
  now: t0,
  specVersion: '1-a',
  syncedVersion: '1-a',
  refreshTime: t0,
  refreshPolicy: 'Periodic',
  refreshIntervalMs: 3_600_000,
  phaseMs: 0,
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

  test('a periodic refresh waits for the next slot of its phase', () => {
    // t0 is on the hour: with a 500 ms phase the next slot is one interval and 500 ms later.
    assert.deepEqual(decideRefresh({ ...base, now: at(1000), phaseMs: 500 }), {
      sync: false,
      requeueAfterMs: 3_600_000 + 500 - 1000,
    });
    assert.deepEqual(decideRefresh({ ...base, now: at(3_600_500), phaseMs: 500 }), {
      sync: true,
      reason: 'RefreshDue',
    });
  });

  test('objects sharing a phase refresh in the same slot wherever their last sync fell', () => {
    const interval = 10_000;
    const a = nextRefreshAt(at(200), interval, 3_000);
    const b = nextRefreshAt(at(4_900), interval, 3_000);
    assert.equal(a.getTime(), b.getTime());
    assert.equal((a.getTime() - 3_000) % interval, 0);
  });

  test('a refresh never happens twice in one slot and comes about once per interval', () => {
    const interval = 2_000;
    let last = at(0);
    for (let i = 0; i < 20; i++) {
      const next = nextRefreshAt(last, interval, 700);
      assert.ok(next.getTime() - last.getTime() >= 1_000);
      assert.ok(next.getTime() - last.getTime() <= 1.5 * interval);
      // the sync runs a little after the slot; status keeps whole seconds
      last = new Date(Math.floor((next.getTime() + 37) / 1000) * 1000);
    }
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

  test('the phase lies within the interval', () => {
    assert.equal(refreshPhaseMs(3_600_000, 0.999_999_9) < 3_600_000, true);
    assert.equal(refreshPhaseMs(60_000, 0.5), 30_000);
  });
});
