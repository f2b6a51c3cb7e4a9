// An ExternalSecret whose dataFrom names a leased generator (VaultDynamicSecret) on the lease
// engine, against an in-memory generator that issues `user-N` credentials with a 90 s lease:
// what it issues, when it writes, what it records, what it restarts and revokes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeasedGenerator, LeasedSourceRun, LeaseLedger } from '@lockstep/core';
import { LEASE_FINALIZER } from './leased-source.ts';
import { ExternalSecretWorld, externalSecret, NAMESPACE } from './testing/external-secret-world.ts';

const TTL_S = 90;

/** Issues when there is no ledger, when asked to, or once the lease reached 2/3 of its life. */
class FakeLeasedGenerator implements LeasedGenerator {
  readonly kind = 'VaultDynamicSecret';
  readonly runs: LeasedSourceRun[] = [];
  readonly released: string[] = [];
  issued = 0;

  validateSpec(spec: unknown): string[] {
    return (spec as { path?: string }).path ? [] : ['spec.path is required'];
  }

  async sync(run: LeasedSourceRun) {
    this.runs.push(run);
    const now = run.now();
    const due = run.ledger ? Date.parse(run.ledger.issuedAt) + (TTL_S * 1000 * 2) / 3 : 0;
    if (run.ledger && !run.reissue && now.getTime() < due) {
      return { ledger: run.ledger, revoked: [], next: new Date(due) };
    }
    this.issued++;
    const ledger: LeaseLedger = {
      leaseId: `lease-${this.issued}`,
      issuedAt: now.toISOString(),
      ttlSeconds: TTL_S,
      renewable: true,
      rotationId: `rotation-${this.issued}`,
      ...(run.ledger
        ? { previous: [{ ...prev(run.ledger), supersededAt: now.toISOString(), state: 'AwaitingRollout' as const }] }
        : {}),
    };
    return {
      ledger,
      issued: {
        data: { username: Buffer.from(`user-${this.issued}`) },
        reason: run.reissue ?? (run.ledger ? 'LeaseCapped' : 'InitialSync'),
        restartValue: `restart-${this.issued}`,
      },
      revoked: [],
      next: new Date(now.getTime() + (TTL_S * 1000 * 2) / 3),
    };
  }

  async release(run: { ledger: LeaseLedger | undefined }) {
    const ids = run.ledger?.leaseId ? [run.ledger.leaseId] : [];
    this.released.push(...ids);
    return ids;
  }
}

function prev(l: LeaseLedger) {
  const { previous: _p, rotationId: _r, ...rest } = l;
  return rest;
}

const dynamicRef = { sourceRef: { generatorRef: { kind: 'VaultDynamicSecret', name: 'db' } } };

function world(spec: Record<string, unknown> = {}) {
  const w = new ExternalSecretWorld();
  const generator = new FakeLeasedGenerator();
  const specs: Record<string, unknown> = { db: { path: 'database/creds/app' }, broken: {} };
  w.ctx.leases = {
    generator: (kind) => (kind === generator.kind ? generator : undefined),
    read: async (_ns, ref) => specs[ref.name],
    kube: undefined as never,
  };
  w.apply(externalSecret('db', { secretStoreRef: undefined, dataFrom: [dynamicRef], ...spec }));
  return { w, generator };
}

const statusOf = (w: ExternalSecretWorld) =>
  w.status.statusOf({ plural: 'externalsecrets', namespace: NAMESPACE, name: 'db' }) as {
    lockstep?: { ledgers?: Array<{ source: string; leaseId?: string }>; secretMAC?: string };
  };

describe('ExternalSecret with a leased generator', () => {
  test('issues once, writes the Secret, records the ledger under its source and holds the finalizer', async () => {
    const { w, generator } = world();
    const result = await w.reconcile('db');
    assert.deepEqual(w.secretData('db'), { username: 'user-1' });
    assert.equal(generator.issued, 1);
    const lockstep = statusOf(w).lockstep;
    assert.deepEqual(
      lockstep?.ledgers?.map((l) => [l.source, l.leaseId]),
      [['dataFrom[0]', 'lease-1']],
    );
    assert.ok(lockstep?.secretMAC && lockstep.secretMAC !== 'undelivered', 'the MAC of what was written');
    assert.deepEqual(
      w.status.metadataPatches.map((p) => p.body),
      [{ finalizers: [LEASE_FINALIZER] }],
    );
    assert.equal(w.ready('db')?.reason, 'SecretSynced');
    assert.equal(result.requeueAfter, (TTL_S * 1000 * 2) / 3, 'wakes when the lease is due, not at refreshInterval');
  });

  test('a run before the lease is due issues nothing and writes nothing, even with a lagging cache', async () => {
    const { w, generator } = world();
    await w.reconcile('db', { lagging: true });
    // The watch of the new Secret re-runs it before the cache shows the ledger.
    await w.reconcile('db', { lagging: true });
    w.clock.advance(10_000);
    await w.reconcile('db');
    assert.equal(generator.issued, 1, 'no second credential');
    assert.equal(w.secretApi.writes.length, 1);
    assert.equal(generator.runs.at(-1)?.ledger?.leaseId, 'lease-1', 'the engine saw the recorded ledger');
  });

  test('a re-issue writes the new credential and restarts the targets with its rotation value', async () => {
    const { w, generator } = world({ rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }] });
    const first = await w.reconcile('db');
    w.clock.advance(first.requeueAfter ?? 0);
    await w.reconcile('db');
    assert.equal(generator.issued, 2);
    assert.deepEqual(w.secretData('db'), { username: 'user-2' });
    assert.deepEqual(
      w.rollout.restarts.map((r) => r.value),
      ['restart-2'],
    );
    assert.equal(generator.runs.at(-1)?.hasTargets, true);
  });

  test('a refresh of refreshInterval does not hand out a new credential (ESO would)', async () => {
    const { w, generator } = world({ refreshInterval: '10s' });
    await w.reconcile('db');
    w.clock.advance(30_000);
    await w.reconcile('db');
    assert.equal(generator.issued, 1);
    assert.equal(w.secretApi.writes.length, 1);
  });

  test('a Secret deleted by hand gets a new credential as TargetDrifted', async () => {
    const { w, generator } = world();
    await w.reconcile('db');
    await w.secretApi.delete(NAMESPACE, 'db');
    w.catchUp();
    await w.reconcile('db');
    assert.equal(generator.runs.at(-1)?.reissue, 'TargetDrifted');
    assert.deepEqual(w.secretData('db'), { username: 'user-2' });
  });

  test('a credential whose Secret write failed is recorded as undelivered and delivered by the next run', async () => {
    const { w, generator } = world();
    w.secretApi.failNext('create', new Error('the API server went away'));
    await assert.rejects(w.reconcile('db'));
    assert.equal(statusOf(w).lockstep?.ledgers?.[0]?.leaseId, 'lease-1', 'the issued lease is on record');
    assert.equal(statusOf(w).lockstep?.secretMAC, 'undelivered');
    await w.reconcile('db');
    assert.equal(generator.runs.at(-1)?.reissue, 'TargetDrifted');
    assert.deepEqual(w.secretData('db'), { username: 'user-2' });
  });

  test('two leased generators in one ExternalSecret are refused with what to do', async () => {
    const { w, generator } = world({ dataFrom: [dynamicRef, dynamicRef] });
    await w.reconcile('db');
    assert.equal(w.ready('db')?.status, 'False');
    assert.match(w.ready('db')?.message ?? '', /at most one lease/);
    assert.equal(generator.issued, 0);
  });

  test('a bad generator spec is Ready=False naming the field, and nothing is issued', async () => {
    const { w, generator } = world({
      dataFrom: [{ sourceRef: { generatorRef: { kind: 'VaultDynamicSecret', name: 'broken' } } }],
    });
    await w.reconcile('db');
    assert.equal(w.ready('db')?.status, 'False');
    assert.match(w.ready('db')?.message ?? '', /VaultDynamicSecret "broken": spec.path is required/);
    assert.equal(generator.issued, 0);
  });

  test('deleting the ExternalSecret revokes its lease, then drops the finalizer', async () => {
    const { w, generator } = world();
    await w.reconcile('db');
    const es = structuredClone(w.externalSecretCache.get(NAMESPACE, 'db'));
    assert.ok(es?.metadata);
    es.metadata.deletionTimestamp = new Date(w.clock.now()).toISOString() as never;
    es.metadata.finalizers = [LEASE_FINALIZER];
    w.externalSecretCache.set(es);
    await reconcileDeleted(w);
    assert.deepEqual(generator.released, ['lease-1']);
    assert.deepEqual(w.status.metadataPatches.at(-1)?.body, { finalizers: [] });
    assert.match(w.events.events.map((e) => e.message).join('|'), /revoked lease-1/);
  });
});

async function reconcileDeleted(w: ExternalSecretWorld) {
  const { reconcileExternalSecret } = await import('./reconcile-external-secret.ts');
  await reconcileExternalSecret(`${NAMESPACE}/db`, w.ctx);
}
