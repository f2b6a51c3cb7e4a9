import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentSyncs } from './recent-syncs.ts';

const written = { refreshTime: '2026-01-01T12:00:05Z', syncedResourceVersion: '2-abc', binding: { name: 'db' } };

test('answers our last write until the cache shows it, then the cache again', () => {
  const syncs = new RecentSyncs();
  syncs.remember('uid-1', written);
  assert.deepEqual(syncs.freshest('uid-1', undefined), written, 'never synced in the cache');
  const older = { refreshTime: '2026-01-01T11:00:05Z', syncedResourceVersion: '1-abc', binding: { name: 'db' } };
  assert.deepEqual(syncs.freshest('uid-1', older), written, 'an older sync in the cache');
  assert.deepEqual(syncs.freshest('uid-1', written), written);
  const later = { ...written, refreshTime: '2026-01-01T13:00:05Z' };
  assert.deepEqual(syncs.freshest('uid-1', older), older, 'forgotten once the cache caught up');
  assert.deepEqual(syncs.freshest('uid-1', later), later);
});

test('within one second of refreshTime the synced version tells two writes apart', () => {
  const syncs = new RecentSyncs();
  syncs.remember('uid-1', written);
  const sameSecondEarlierSpec = { ...written, syncedResourceVersion: '1-abc' };
  assert.deepEqual(syncs.freshest('uid-1', sameSecondEarlierSpec), written);
});

test('an object recreated under the same name (new uid) starts afresh', () => {
  const syncs = new RecentSyncs();
  syncs.remember('uid-1', written);
  assert.deepEqual(syncs.freshest('uid-2', undefined), {});
});
