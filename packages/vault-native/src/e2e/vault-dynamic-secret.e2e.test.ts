import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectPostgres } from '@lockstep/sandbox';
import {
  applyDatabaseCreds,
  createDynamicDatabase,
  type DynamicDatabase,
  roleExists,
  tryLogin,
} from './database-fixture.ts';
import { type Harness, readyOf, startHarness, waitFor } from './harness.ts';

describe('VaultDynamicSecret against OpenBao and PostgreSQL', () => {
  let h: Harness;
  let db: DynamicDatabase;

  before(async () => {
    h = await startHarness();
    db = await createDynamicDatabase(h, { defaultTtl: '4s', maxTtl: '9s' });
  });
  after(async () => {
    await h?.stop();
  });

  test('credentials connect, are renewed, are re-issued when max_ttl caps them, and the old role goes only after the rollout', async () => {
    const ns = db.tenant.namespace;
    // The rollout stays open 4 s after the new Pod is Ready: long enough to see the old role alive.
    await h.createDeployment(ns, 'api', { minReadySeconds: 4 });
    await applyDatabaseCreds(h, db, { rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }] });
    const first = await waitFor('the credentials', () => h.secretData(ns, 'db-creds'));
    const c = await connectPostgres({ user: first.username, password: first.password });
    assert.equal((await c.query('SELECT current_user AS u')).rows[0].u, first.username);
    await c.end();
    const issued = await waitFor('Ready with a lease', async () => {
      const o = await h.getObject('VaultDynamicSecret', ns, 'creds');
      return readyOf(o)?.status === 'True' && o?.status?.secretLease?.id ? o : undefined;
    });
    assert.ok(issued.status.lockstep.ledger.leaseId, 'the ledger records the lease');

    await waitFor(
      'a renewal',
      async () => (await h.getObject('VaultDynamicSecret', ns, 'creds'))?.status?.lastRenewalTime,
    );

    const second = await waitFor(
      'new credentials after max_ttl capped the lease',
      async () => {
        const d = await h.secretData(ns, 'db-creds');
        return d && d.username !== first.username ? d : undefined;
      },
      15_000,
    );
    assert.ok(await roleExists(first.username as string), 'the old role lives until the rollout finished');
    await waitFor('the restart', async () => h.deploymentPatches(ns, 'api') >= 1);
    await waitFor('the old role revoked', async () => !(await roleExists(first.username as string)), 10_000);
    const d = await h.apps.readNamespacedDeployment({ namespace: ns, name: 'api' });
    assert.equal(d.status?.observedGeneration, d.metadata?.generation, 'revoked after the rollout finished');
    const c2 = await connectPostgres({ user: second.username, password: second.password });
    await c2.end();

    await h.deleteObject('VaultDynamicSecret', ns, 'creds');
    await waitFor('the resource to go', async () => !(await h.getObject('VaultDynamicSecret', ns, 'creds')));
    const live = second.username as string;
    await waitFor('the live role revoked on delete', async () => !(await roleExists(live)), 10_000);
  });

  test('a deleted destination Secret is re-issued at once as TargetDrifted; the old lease awaits revocation', async () => {
    // Ten-minute leases: nothing is due by time, so the re-issue is the deletion's doing.
    const longLived = await createDynamicDatabase(h, { defaultTtl: '10m', maxTtl: '20m' });
    const ns = longLived.tenant.namespace;
    await applyDatabaseCreds(h, longLived);
    const first = await waitFor('the credentials', () => h.secretData(ns, 'db-creds'));
    const issued = await waitFor('Ready with a lease', async () => {
      const o = await h.getObject('VaultDynamicSecret', ns, 'creds');
      return readyOf(o)?.status === 'True' && o?.status?.secretLease?.id ? o : undefined;
    });

    await h.core.deleteNamespacedSecret({ namespace: ns, name: 'db-creds' });
    const second = await waitFor('the Secret written again with new credentials', async () => {
      const d = await h.secretData(ns, 'db-creds');
      return d && d.username !== first.username ? d : undefined;
    });
    const rotated = await h.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'reason=SecretRotated' });
    assert.ok(
      rotated.items.some((e) => e.message?.includes('(TargetDrifted)')),
      `a SecretRotated event names TargetDrifted: ${rotated.items.map((e) => e.message).join(' | ')}`,
    );
    const after = await h.getObject('VaultDynamicSecret', ns, 'creds');
    assert.notEqual(after?.status?.lockstep?.ledger?.leaseId, issued.status.lockstep.ledger.leaseId, 'a new lease');
    assert.equal(await tryLogin(second.username as string, second.password as string), 'ok');
    // Without rollout targets the old credential lives out the grace period (apps may hold it).
    const previous = (after?.status?.lockstep?.ledger?.previous ?? []).map((p: { leaseId?: string }) => p.leaseId);
    assert.deepEqual(previous, [issued.status.lockstep.ledger.leaseId], 'the old lease awaits its revocation');
    assert.ok(await roleExists(first.username as string), 'the old role lives until the grace period ends');
  });
});
