// A renewal that keeps failing while Vault is down must not rewrite the status on every run:
// each status patch comes back as a watch event that runs the resource again at once, past
// the work queue's backoff. Only what the user must read (Ready) changes, once.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError, type LeaseLedger, type StatusPatcher } from '@lockstep/core';
import type { LeaseActResult } from '../lease/lease-engine.ts';
import type { LeasedObject } from './leased-sync.ts';
import { RecentStatus } from './recent-status.ts';
import { leasedReady, recordLeased } from './reconcile-steps.ts';
import type { SourceData } from './secret-data.ts';
import type { VaultNativeContext } from './vault-context.ts';

const KEY = 'ns/creds';
const RECORDED_NEXT = '2026-01-01T00:00:06Z';
/** A 60 s lease, renewable, issued at midnight. */
const ledger: LeaseLedger = {
  leaseId: 'database/creds/app/1',
  ttlSeconds: 60,
  renewable: true,
  issuedAt: '2026-01-01T00:00:00Z',
  expiresAt: '2026-01-01T00:01:00Z',
};
/** What every run records the same way: the kind, the key, its events' words, no kind-specific status. */
const DYNAMIC = {
  kind: 'VaultDynamicSecret',
  key: KEY,
  revoked: { reason: 'LeaseRevoked', noun: 'lease' },
  status: {},
} as const;
const down = new BackendError('Unavailable', 'vault', 'Vault at http://vault:8200 is unreachable (ECONNRESET)');

function context() {
  const patches: Array<Record<string, unknown>> = [];
  const status = {
    patchStatus: async (_target: unknown, body: Record<string, unknown>) => {
      patches.push(body);
    },
  } as unknown as StatusPatcher;
  const ctx = {
    status,
    recent: new RecentStatus(),
    events: { normal() {}, warning() {} },
    schedule() {},
  } as unknown as VaultNativeContext;
  return { ctx, patches };
}

/** One failed renewal run at `now`: the engine says the renewal is due now, as it does while failing. */
function failedRun(obj: LeasedObject, now: Date, ctx: VaultNativeContext) {
  const act: LeaseActResult<SourceData> = { ledger, revoked: [], dropped: [], next: now, error: down };
  const result = { act, secretMAC: 'mac', error: down };
  const ready = leasedReady(result, { ok: true, reason: 'LeaseRenewed', message: 'renewed' });
  return recordLeased({ ...DYNAMIC, obj, now, result, ready }, ctx);
}

describe('a renewal failing while Vault is down', () => {
  test('the first failure patches Ready only, and keeps the recorded next rotation', async () => {
    const { ctx, patches } = context();
    const obj: LeasedObject = {
      metadata: { name: 'creds', namespace: 'ns', uid: 'u1', generation: 1 },
      spec: { destination: { name: 'db-creds', create: true, overwrite: false } },
      status: { lastGeneration: 1, secretMAC: 'mac', lockstep: { ledger }, nextRotation: RECORDED_NEXT } as never,
    };
    await assert.rejects(failedRun(obj, new Date('2026-01-01T00:00:07Z'), ctx), (err: unknown) => {
      assert.ok(err instanceof BackendError && err.errorClass === 'Unavailable', 'thrown for the backoff');
      return true;
    });
    assert.equal(patches.length, 1);
    assert.deepEqual(Object.keys(patches[0] ?? {}), ['conditions']);
  });

  test('later failures, seconds apart, patch nothing: no watch event runs the resource past its backoff', async () => {
    const { ctx, patches } = context();
    const first = context();
    const obj: LeasedObject = {
      metadata: { name: 'creds', namespace: 'ns', uid: 'u1', generation: 1 },
      spec: { destination: { name: 'db-creds', create: true, overwrite: false } },
      status: { lastGeneration: 1, secretMAC: 'mac', lockstep: { ledger }, nextRotation: RECORDED_NEXT } as never,
    };
    // The status the first failure left behind, as the informer shows it afterwards.
    await failedRun(obj, new Date('2026-01-01T00:00:07Z'), first.ctx).catch(() => {});
    const afterFirst = { ...obj, status: { ...obj.status, ...first.patches[0] } } as LeasedObject;
    for (const at of ['2026-01-01T00:00:09Z', '2026-01-01T00:00:13Z', '2026-01-01T00:00:21Z']) {
      await failedRun(afterFirst, new Date(at), ctx).catch(() => {});
    }
    assert.deepEqual(patches, []);
  });
});
