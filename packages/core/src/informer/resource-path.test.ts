import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectionPath } from './resource-path.ts';

describe('collectionPath', () => {
  it('builds core, grouped, cluster-wide and namespaced paths', () => {
    assert.equal(collectionPath({ apiVersion: 'v1', kind: 'Secret', plural: 'secrets' }), '/api/v1/secrets');
    assert.equal(
      collectionPath({ apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespace: 'team-a' }),
      '/api/v1/namespaces/team-a/secrets',
    );
    assert.equal(
      collectionPath({ apiVersion: 'external.lockstep.dev/v1', kind: 'ExternalSecret', plural: 'externalsecrets' }),
      '/apis/external.lockstep.dev/v1/externalsecrets',
    );
  });
});
