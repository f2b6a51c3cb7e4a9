import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SpecProblem } from '@lockstep/core';
import { measureEventLoopHold } from '@lockstep/core/testing';
import { pkiSecretFields } from './pki-backend.ts';
import { buildSecretData, durationSeconds } from './secret-data.ts';
import { withDeletions } from './status-record.ts';

const text = (d: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Buffer.from(v).toString()]));

describe('VSO secret data', () => {
  test('strings stay as they are, other values become JSON, and _raw holds the whole data', () => {
    const out = text(buildSecretData({ fields: { a: 'x', n: 5, o: { k: 1 } }, raw: { a: 'x' } }, undefined));
    assert.deepEqual(out, { a: 'x', n: '5', o: '{"k":1}', _raw: '{"a":"x"}' });
  });

  test('excludes drop source keys, includes keep matching ones, templates are never filtered', () => {
    const out = text(
      buildSecretData(
        { fields: { user: 'u', pass: 'p', other: 'o' }, raw: {} },
        {
          excludes: ['^pass$'],
          includes: ['^u'],
          excludeRaw: true,
          templates: { dsn: { text: '{{ get .Secrets "user" }}:{{ get .Secrets "pass" }}' } },
        },
      ),
    );
    assert.deepEqual(out, { user: 'u', dsn: 'u:p' });
  });

  test('an invalid duration names the field', () => {
    assert.throws(() => durationSeconds('soon', 'spec.ttl'), /spec\.ttl/);
    assert.equal(durationSeconds('90s', 'spec.ttl'), 90);
  });

  test('TLS Secrets get tls.crt with the chain, tls.key and ca.crt', () => {
    const f = pkiSecretFields(
      {
        certificate: 'LEAF',
        private_key: 'KEY',
        issuing_ca: 'CA',
        ca_chain: ['CA'],
        serial_number: 's',
        expiration: 7,
      },
      'kubernetes.io/tls',
    );
    assert.equal(f['tls.crt'], 'LEAF\nCA');
    assert.equal(f['tls.key'], 'KEY');
    assert.equal(f['ca.crt'], 'CA');
    assert.equal(f.expiration, '7');
  });

  test('a status merge patch deletes the ledger fields the new ledger leaves out', () => {
    assert.deepEqual(withDeletions({ ledger: { a: 1, lastRenewedAt: 't' } }, { ledger: { a: 2 } }), {
      ledger: { a: 2, lastRenewedAt: null },
    });
  });
});

describe('VSO includes and excludes', { timeout: 60_000 }, () => {
  const longKey = `${'a'.repeat(10_000)}!`;
  for (const pattern of ['^(a+)+$', '(a|a)*b', '(x+x+)+y', '((a*)*)*$']) {
    test(`${pattern} over a 10k-character key ends within 100 ms (CPU) or is an InvalidTransformation`, () => {
      const build = (key: string) =>
        buildSecretData({ fields: { [key]: 'v' }, raw: {} }, { excludes: [pattern], includes: [pattern] });
      build('aa!');
      const { ms, error } = measureEventLoopHold(() => build(longKey));
      if (error !== undefined) assert.ok(error instanceof SpecProblem && error.reason === 'InvalidTransformation');
      assert.ok(ms < 100, `held the event loop for ${ms.toFixed(0)} ms`);
    });
  }

  test('use Go syntax: (?i) and (?P<name>) work, a backreference is an InvalidTransformation that says why', () => {
    const out = buildSecretData(
      { fields: { DB_USER: 'u', other: 'o' }, raw: {} },
      { includes: ['(?i)^(?P<p>db)_'], excludeRaw: true },
    );
    assert.deepEqual(Object.keys(out), ['DB_USER']);
    assert.throws(
      () => buildSecretData({ fields: { a: 'v' }, raw: {} }, { excludes: ['(a)\\1'] }),
      (err: Error) =>
        err instanceof SpecProblem &&
        err.reason === 'InvalidTransformation' &&
        /destination\.transformation\.excludes: "\(a\)\\1": invalid regular expression.*backreferences/.test(
          err.message,
        ),
    );
  });
});
