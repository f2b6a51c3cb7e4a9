import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError, type LeaseLedger, type StatusPatcher } from '@lockstep/core';
import type { LeaseActResult } from '../lease/lease-engine.ts';
import type { LeasedObject } from './leased-sync.ts';
import { RecentStatus } from './recent-status.ts';
import { recordLeased } from './reconcile-steps.ts';
import type { SourceData } from './secret-data.ts';
import type { VaultNativeContext } from './vault-context.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const NEXT = new Date('2026-01-01T00:00:06Z');
const KEY = 'ns/creds';

const storedLedger: LeaseLedger = {
  leaseId: 'database/creds/app/1',
  issuedAt: '2025-12-31T23:59:48Z',
  ttlSeconds: 12,
  renewable: true,
  expiresAt: '2026-01-01T00:00:00Z',
};
const renewedLedger: LeaseLedger = {
  ...storedLedger,
  lastRenewedAt: NOW.toISOString(),
  expiresAt: '2026-01-01T00:00:12Z',
};

function vds(): LeasedObject {
  return {
    metadata: { name: 'creds', namespace: 'ns', uid: 'u1', generation: 1 },
    spec: { destination: { name: 'db-creds', create: true, overwrite: false } },
    status: { lastGeneration: 1, secretMAC: 'mac', lockstep: { ledger: storedLedger } },
  };
}

/** The parts of the context the record step uses; the API server is down: every status patch fails. */
function unreachableApiServer() {
  const wakeUps: Array<Date | undefined> = [];
  const unavailable = () => Promise.reject(new BackendError('Unavailable', 'kubernetes', 'connect ECONNREFUSED'));
  const status: StatusPatcher = { patchStatus: unavailable, patchMetadata: unavailable } as unknown as StatusPatcher;
  const ctx = {
    status,
    recent: new RecentStatus(),
    events: { normal() {}, warning() {} },
    schedule: (_kind: string, _key: string, at: Date | undefined) => wakeUps.push(at),
  } as unknown as VaultNativeContext;
  return { ctx, wakeUps };
}

function actResult(fields: Partial<LeaseActResult<SourceData>>): LeaseActResult<SourceData> {
  return { ledger: undefined, revoked: [], dropped: [], next: NEXT, ...fields };
}

function record(act: LeaseActResult<SourceData>, ctx: VaultNativeContext) {
  return recordLeased(
    {
      kind: 'VaultDynamicSecret',
      key: KEY,
      obj: vds(),
      now: NOW,
      result: { act, secretMAC: 'mac' },
      ready: { ok: true, reason: 'LeaseRenewed', message: 'renewed' },
      revoked: { reason: 'LeaseRevoked', noun: 'lease' },
      status: {},
    },
    ctx,
  );
}

describe('recording a leased sync while the API server is unreachable', () => {
  test('a renewal Vault granted is kept in memory and the lease keeps its own wake-up', async () => {
    const { ctx, wakeUps } = unreachableApiServer();
    const act = actResult({ ledger: renewedLedger, renewed: { ttlSeconds: 12, capped: false, lateSeconds: 0 } });
    await assert.rejects(record(act, ctx), (err: unknown) => err instanceof BackendError);
    // The next run decides from the renewed ledger (nothing due), not the stale cached one.
    const seen = ctx.recent.resolve(`VaultDynamicSecret/${KEY}`, vds().status, NOW) as LeasedObject['status'];
    assert.deepEqual(seen?.lockstep?.ledger, renewedLedger);
    // The next renewal runs at its time, whatever the queue's backoff has grown to.
    assert.deepEqual(wakeUps, [NEXT]);
  });

  test('a run that issued keeps nothing in memory: the work queue backs it off', async () => {
    const { ctx, wakeUps } = unreachableApiServer();
    const issued = {
      data: { fields: {}, raw: {} },
      reason: 'LeaseExpired',
      rotationId: 'r2',
      restartValue: 'r2',
    } as const;
    const act = actResult({ ledger: { ...renewedLedger, leaseId: 'database/creds/app/2' }, issued });
    await assert.rejects(record(act, ctx), (err: unknown) => err instanceof BackendError);
    const seen = ctx.recent.resolve(`VaultDynamicSecret/${KEY}`, vds().status, NOW) as LeasedObject['status'];
    assert.deepEqual(seen?.lockstep?.ledger, storedLedger);
    assert.deepEqual(wakeUps, []);
  });
});
