import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendError } from '@lockstep/core';
import {
  classifyTransportError,
  classifyVaultResponse,
  classifyVaultStatus,
  VaultVersionGoneError,
} from './vault-error.ts';

const call = { method: 'GET', path: 'kv/data/app', address: 'http://127.0.0.1:8200' };

describe('Vault error classification', () => {
  it('maps statuses onto the classes reconcilers branch on', () => {
    assert.equal(classifyVaultStatus(400), 'InvalidInput');
    assert.equal(classifyVaultStatus(401), 'Forbidden');
    assert.equal(classifyVaultStatus(403), 'Forbidden');
    assert.equal(classifyVaultStatus(404), 'NotFound');
    assert.equal(classifyVaultStatus(412), 'Unavailable');
    assert.equal(classifyVaultStatus(429), 'Throttled');
    assert.equal(classifyVaultStatus(500), 'Unavailable');
    assert.equal(classifyVaultStatus(503), 'Unavailable');
    assert.equal(classifyVaultStatus(400, 'check-and-set parameter did not match the current version'), 'Conflict');
  });

  it('tells a deleted KV v2 version (404 with metadata) from a missing path (404 without)', () => {
    const deleted = classifyVaultResponse(
      404,
      { data: { data: null, metadata: { version: 3, deletion_time: '2026-01-01T00:00:00Z', destroyed: false } } },
      call,
    );
    assert.ok(deleted instanceof VaultVersionGoneError);
    assert.equal(deleted.errorClass, 'NotFound');
    assert.equal(deleted.version, 3);
    assert.match(deleted.message, /version 3 of secret "kv\/data\/app" was deleted/);

    const missing = classifyVaultResponse(404, { errors: [] }, call);
    assert.ok(!(missing instanceof VaultVersionGoneError));
    assert.equal(missing.errorClass, 'NotFound');
  });

  it('takes storage still read-only after a restart for transient, not for a refusal', () => {
    // OpenBao answers a renewal so for a moment while it becomes active again.
    assert.equal(classifyVaultStatus(405, 'cannot write to readonly storage'), 'Unavailable');
    const err = classifyVaultResponse(
      405,
      { errors: ['1 error occurred:\n\t* cannot write to readonly storage\n\n'] },
      { ...call, method: 'PUT', path: 'sys/leases/renew' },
    );
    assert.equal(err.errorClass, 'Unavailable');
    assert.equal(classifyVaultStatus(405), 'InvalidInput');
    assert.equal(classifyVaultStatus(400, 'lease not found'), 'InvalidInput');
  });

  it('takes a standby redirect for transient: an unsealed OpenBao answers 307 until it is active', () => {
    assert.equal(classifyVaultStatus(307), 'Unavailable');
    assert.equal(classifyVaultStatus(308), 'Unavailable');
    const err = classifyVaultResponse(307, undefined, { ...call, method: 'POST', path: 'sys/leases/renew' });
    assert.equal(err.errorClass, 'Unavailable');
    assert.match(err.message, /standby node and redirected POST sys\/leases\/renew .*HTTP 307/);
  });

  it('says a sealed Vault is sealed', () => {
    const err = classifyVaultResponse(503, { errors: ['Vault is sealed'] }, call);
    assert.equal(err.errorClass, 'Unavailable');
    assert.match(err.message, /is sealed/);
  });

  it('treats an untrusted certificate as a configuration error and a refused connection as transient', () => {
    const tls = classifyTransportError(
      Object.assign(new Error('x'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
      call,
    );
    assert.equal(tls.errorClass, 'InvalidInput');
    const refused = classifyTransportError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), call);
    assert.ok(refused instanceof BackendError);
    assert.equal(refused.errorClass, 'Unavailable');
  });

  it('says a call cancelled by the reconcile budget was cancelled, not that Vault is unreachable', () => {
    const cancelled = classifyTransportError(Object.assign(new Error('request aborted'), { code: 'ABORT_ERR' }), call);
    assert.equal(cancelled.errorClass, 'Unavailable');
    assert.match(cancelled.message, /did not answer in time.*--reconcile-timeout/);
  });
});
