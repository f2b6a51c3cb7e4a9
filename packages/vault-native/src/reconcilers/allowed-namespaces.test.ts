import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { globMatches, namespaceMatches } from './allowed-namespaces.ts';

describe('allowedNamespaces patterns', () => {
  test('exact names and a lone `*` behave as in VSO', () => {
    assert.ok(namespaceMatches(['a', 'b'], 'b'));
    assert.ok(!namespaceMatches(['a', 'b'], 'c'));
    assert.ok(namespaceMatches(['*'], 'anything'));
    assert.ok(!namespaceMatches(undefined, 'a'), 'unset allows no other namespace');
    assert.ok(!namespaceMatches([], 'a'), 'an empty list allows no other namespace');
  });

  test('globs match whole names: `*` any run, `?` one character', () => {
    assert.ok(namespaceMatches(['team-*'], 'team-blue'));
    assert.ok(namespaceMatches(['team-*'], 'team-'));
    assert.ok(!namespaceMatches(['team-*'], 'other-team-blue'), 'anchored at the start');
    assert.ok(!namespaceMatches(['*-prod'], 'payments-prod-old'), 'anchored at the end');
    assert.ok(namespaceMatches(['app-?'], 'app-1'));
    assert.ok(!namespaceMatches(['app-?'], 'app-12'));
    assert.ok(globMatches('a*b*c', 'axxbyyc'));
    assert.ok(!globMatches('a*b*c', 'axxbyy'));
  });

  test('a hostile pattern is answered in linear time', () => {
    const name = 'a'.repeat(63);
    const pattern = `${'*a'.repeat(40)}b`;
    assert.ok(!globMatches(pattern, name));
  });
});
