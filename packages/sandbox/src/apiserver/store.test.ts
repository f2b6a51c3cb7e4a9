import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Store } from './store.ts';

const obj = (namespace: string | undefined, name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

describe('Store namespace counts', () => {
  it('counts the objects of each namespace across types, updates included once', () => {
    const store = new Store(100);
    store.put('configmaps', obj('a', 'one'));
    store.put('configmaps', obj('a', 'one'));
    store.put('secrets', obj('a', 'two'));
    store.put('secrets', obj('b', 'three'));
    store.put('namespaces', obj(undefined, 'a'));
    assert.equal(store.countIn('a'), 2);
    assert.equal(store.countIn('b'), 1);
    store.remove('configmaps', 'a', 'one');
    assert.equal(store.countIn('a'), 1);
    store.dropBucket('secrets');
    assert.equal(store.countIn('a'), 0);
    assert.equal(store.countIn('b'), 0);
  });
});
