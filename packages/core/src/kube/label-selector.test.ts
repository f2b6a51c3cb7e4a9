import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchesLabelSelector } from './label-selector.ts';

describe('label selectors', () => {
  const labels = { team: 'a', env: 'prod' };
  test('an empty selector matches everything', () => assert.equal(matchesLabelSelector({}, labels), true));
  test('matchLabels must all match', () => {
    assert.equal(matchesLabelSelector({ matchLabels: { team: 'a' } }, labels), true);
    assert.equal(matchesLabelSelector({ matchLabels: { team: 'b' } }, labels), false);
  });
  test('expressions In, NotIn, Exists, DoesNotExist', () => {
    assert.equal(
      matchesLabelSelector({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, labels),
      true,
    );
    assert.equal(
      matchesLabelSelector({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels),
      false,
    );
    assert.equal(matchesLabelSelector({ matchExpressions: [{ key: 'x', operator: 'Exists' }] }, labels), false);
    assert.equal(matchesLabelSelector({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, labels), true);
  });
  test('an unknown operator matches nothing', () => {
    const odd = { matchExpressions: [{ key: 'env', operator: 'Like' as 'In' }] };
    assert.equal(matchesLabelSelector(odd, labels), false);
  });
});
