import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { measureEventLoopHold } from '@lockstep/core/testing';
import { applyRewrites, RewriteError } from './rewrite.ts';

const noTemplate = () => {
  throw new Error('no template expected');
};

describe('dataFrom rewrite', () => {
  test('regexp renames keys with Go replacement syntax', () => {
    const out = applyRewrites(
      { 'db/user': 1, 'db/pass': 2, other: 3 },
      [{ regexp: { source: 'db/(?P<field>.*)', target: 'DB_${field}' } }],
      noTemplate,
    );
    assert.deepEqual(out, { DB_user: 1, DB_pass: 2, other: 3 });
  });

  test('steps apply in order', () => {
    const out = applyRewrites(
      { 'a-b': 1 },
      [{ regexp: { source: '-', target: '_' } }, { regexp: { source: '^(.*)$', target: 'X_${1}' } }],
      noTemplate,
    );
    assert.deepEqual(out, { X_a_b: 1 });
  });

  test('transform renders each key through the template', () => {
    const out = applyRewrites({ user: 1 }, [{ transform: { template: '{{ .value | upper }}' } }], (_t, key) =>
      key.toUpperCase(),
    );
    assert.deepEqual(out, { USER: 1 });
  });

  test('an invalid regexp says which rewrite to fix', () => {
    assert.throws(
      () => applyRewrites({ a: 1 }, [{ regexp: { source: '(', target: '' } }], noTemplate),
      (err: Error) => err instanceof RewriteError && /rewrite\[0\]\.regexp\.source/.test(err.message),
    );
  });
});

describe('dataFrom rewrite follows Go ReplaceAllString', () => {
  test('an empty match right after a match adds nothing', () => {
    const out = applyRewrites({ user: 1 }, [{ regexp: { source: '(.*)', target: 'db_$1' } }], noTemplate);
    assert.deepEqual(out, { db_user: 1 });
  });

  test('every non-overlapping match is replaced, named groups and $$ included', () => {
    const out = applyRewrites({ 'a.b.c': 1 }, [{ regexp: { source: '(?P<ch>[a-z])', target: '${ch}$$' } }], noTemplate);
    assert.deepEqual(out, { 'a$.b$.c$': 1 });
  });
});

describe('dataFrom rewrite runs in bounded time', { timeout: 60_000 }, () => {
  const longKey = `${'a'.repeat(10_000)}!`;
  for (const source of ['^(a+)+$', '(a|a)*b', '(x+x+)+y', '((a*)*)*$']) {
    test(`${source} over a 10k-character key ends within 100 ms (CPU) or is a RewriteError`, () => {
      const step = [{ regexp: { source, target: '${1}' } }];
      applyRewrites({ 'aa!': 1 }, step, noTemplate);
      const { ms, error } = measureEventLoopHold(() => applyRewrites({ [longKey]: 1 }, step, noTemplate));
      if (error !== undefined) assert.ok(error instanceof RewriteError, String(error));
      assert.ok(ms < 100, `held the event loop for ${ms.toFixed(0)} ms`);
    });
  }

  test('a backreference is refused with the Go syntax named', () => {
    assert.throws(
      () => applyRewrites({ aa: 1 }, [{ regexp: { source: '(a)\\1', target: '' } }], noTemplate),
      (err: Error) =>
        err instanceof RewriteError && /^rewrite\[0\]\.regexp\.source: .*backreferences.*RE2/.test(err.message),
    );
  });
});
