import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyOf, objectKey, parseObjectKey } from './object-key.ts';

describe('object keys', () => {
  it('round-trips namespaced and cluster-scoped objects', () => {
    assert.equal(objectKey({ metadata: { namespace: 'team-a', name: 'db' } }), 'team-a/db');
    assert.equal(objectKey({ metadata: { name: 'shared-store' } }), 'shared-store');
    assert.deepEqual(parseObjectKey('team-a/db'), { namespace: 'team-a', name: 'db' });
    assert.deepEqual(parseObjectKey('shared-store'), { name: 'shared-store' });
    assert.equal(keyOf(parseObjectKey('team-a/db')), 'team-a/db');
  });

  it('refuses an object without a name', () => {
    assert.throws(() => objectKey({ metadata: {} }), /metadata.name/);
  });
});
