import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectProperty, valueBytes } from './property-path.ts';

const data = {
  'a.b': 'literal key',
  a: { b: 'nested', list: [{ c: 1 }, { c: 2 }] },
  'x.y': { z: 'dotted parent' },
  n: 42,
};

describe('remoteRef.property', () => {
  it('prefers an exact top-level key over a path', () => {
    assert.equal(selectProperty(data, 'a.b'), 'literal key');
  });

  it('walks dotted paths into objects and arrays', () => {
    assert.deepEqual(selectProperty(data, 'a.list.1'), { c: 2 });
    assert.equal(selectProperty(data, 'a.list.0.c'), 1);
  });

  it('reads an escaped dot as part of a key', () => {
    assert.equal(selectProperty(data, 'x\\.y.z'), 'dotted parent');
  });

  it('answers undefined for a path that is not there', () => {
    assert.equal(selectProperty(data, 'a.missing'), undefined);
    assert.equal(selectProperty(data, 'n.deeper'), undefined);
    assert.equal(selectProperty(data, 'a.list.x'), undefined);
  });

  it('turns values into Secret bytes as ESO does', () => {
    assert.equal(Buffer.from(valueBytes('s3cr3t')).toString(), 's3cr3t');
    assert.equal(Buffer.from(valueBytes(42)).toString(), '42');
    assert.equal(Buffer.from(valueBytes({ k: [1, true] })).toString(), '{"k":[1,true]}');
    assert.equal(valueBytes(null).length, 0);
  });
});
