import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError, type KubeAccess, UserRegexError } from '@lockstep/core';
import { measureEventLoopHold } from '@lockstep/core/testing';
import { fakeProvider } from './fake/provider.ts';
import { nameMatcher } from './name-matcher.ts';

const longName = `${'a'.repeat(10_000)}!`;

describe('find.name.regexp', { timeout: 60_000 }, () => {
  for (const pattern of ['^(a+)+$', '(a|a)*b', '(x+x+)+y', '((a*)*)*$']) {
    test(`${pattern} over a 10k-character name ends within 100 ms (CPU) or is invalid input`, () => {
      const matches = nameMatcher('fake', pattern);
      matches('aaa!');
      const { ms, error } = measureEventLoopHold(() => matches(longName));
      if (error !== undefined) assert.ok(error instanceof BackendError && error.errorClass === 'InvalidInput');
      assert.ok(ms < 100, `held the event loop for ${ms.toFixed(0)} ms`);
    });
  }

  test('uses Go syntax: (?i) and (?P<name>) work, a lookahead is invalid input that says why', async () => {
    const client = await fakeProvider.newClient(
      {
        data: [
          { key: 'DB_user', value: 'u' },
          { key: 'other', value: 'o' },
        ],
      },
      { store: { kind: 'SecretStore', name: 'fake', namespace: 'ns' }, namespace: 'ns', kube: {} as KubeAccess },
    );
    assert.deepEqual(Object.keys(await client.getAllSecrets({ name: { regexp: '(?i)^(?P<p>db)_' } })), ['DB_user']);
    await assert.rejects(
      client.getAllSecrets({ name: { regexp: 'db(?!x)' } }),
      (err: Error) =>
        err instanceof BackendError &&
        err.errorClass === 'InvalidInput' &&
        err.cause instanceof UserRegexError &&
        /find\.name\.regexp "db\(\?!x\)": invalid regular expression.*lookahead/.test(err.message),
    );
  });
});
