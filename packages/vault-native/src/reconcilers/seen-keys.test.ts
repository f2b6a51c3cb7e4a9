import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeenKeys } from './seen-keys.ts';

test('remembers keys until it holds max of them, then forgets all at once', () => {
  const seen = new SeenKeys(2);
  seen.add('a');
  seen.add('b');
  assert.ok(seen.has('a') && seen.has('b'));
  seen.add('c');
  assert.ok(seen.has('c'));
  assert.ok(!seen.has('a') && !seen.has('b'), 'the older keys are forgotten');
});
