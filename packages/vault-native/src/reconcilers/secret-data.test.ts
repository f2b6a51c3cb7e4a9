import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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
