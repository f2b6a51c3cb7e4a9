import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeaseLedger } from '@lockstep/core';
import { expiredCredential, failureMessage } from './expired-credential.ts';

const ledger = (over: Partial<LeaseLedger>): LeaseLedger => ({
  issuedAt: '2026-01-01T00:00:00.000Z',
  ttlSeconds: 10,
  renewable: true,
  expiresAt: '2026-01-01T00:00:10.000Z',
  ...over,
});

describe('an expired live credential in the Ready message', () => {
  const unreachable = 'Vault at http://127.0.0.1:1 is unreachable (connect ECONNREFUSED)';

  it('names the lease and its expiry ahead of why it could not be replaced', () => {
    const expired = expiredCredential(ledger({ leaseId: 'db/creds/r/abc' }), new Date('2026-01-01T00:00:10.000Z'));
    assert.deepEqual(expired, { noun: 'lease', id: 'db/creds/r/abc', expiredAt: '2026-01-01T00:00:10.000Z' });
    assert.equal(
      failureMessage(unreachable, expired),
      `lease db/creds/r/abc expired at 2026-01-01T00:00:10.000Z and could not be replaced yet: ${unreachable}`,
    );
  });

  it('says nothing more while the credential still lives', () => {
    const expired = expiredCredential(ledger({ leaseId: 'db/creds/r/abc' }), new Date('2026-01-01T00:00:09.999Z'));
    assert.equal(expired, undefined);
    assert.equal(failureMessage(unreachable, expired), unreachable);
  });

  it('names a certificate by its serial, and nothing without a handle or an expiry', () => {
    const late = new Date('2026-01-02T00:00:00.000Z');
    assert.equal(expiredCredential(ledger({ serialNumber: '1a:2b' }), late)?.noun, 'certificate');
    assert.equal(expiredCredential(ledger({}), late), undefined);
    assert.equal(expiredCredential(ledger({ leaseId: 'x', expiresAt: undefined }), late), undefined);
    assert.equal(expiredCredential(undefined, late), undefined);
  });
});
