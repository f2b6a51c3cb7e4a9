import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectPostgres, usersOfDynamicRole } from '@lockstep/sandbox';
import { applyDatabaseCreds, createDynamicDatabase, type DynamicDatabase } from './database-fixture.ts';
import { type Harness, type Obj, startHarness, waitFor } from './harness.ts';
import { kubeconfigFile, type LockstepProcess, startLockstep } from './process-harness.ts';

// SPEC §2 lease engine 5: a restarted controller re-issues nothing, restarts nothing, and keeps
// renewing what it holds with the login token it persisted.
describe('a lockstep process killed mid-life and started again', () => {
  let h: Harness;
  let db: DynamicDatabase;
  let kubeconfig: string;
  const procs: LockstepProcess[] = [];

  const leaseExpiry = async (leaseId: string): Promise<number> => {
    const res = await h.bao.write('sys/leases/lookup', { lease_id: leaseId });
    return Date.parse(String(res.data?.expire_time));
  };
  /** Kubernetes-auth logins: OpenBao reviews the service-account token, which the controller requested. */
  const logins = () =>
    h.server
      .requests()
      .filter(
        (r) =>
          (r.resource === 'tokenreviews' && r.verb === 'create') ||
          (r.resource === 'serviceaccounts' && r.subresource === 'token'),
      ).length;

  before(async () => {
    h = await startHarness({ controllers: false });
    db = await createDynamicDatabase(h, { defaultTtl: '10s', maxTtl: '10m' });
    kubeconfig = await kubeconfigFile(h);
  });
  after(async () => {
    for (const p of procs) await p.kill();
    // The binary's logs sit beside the kubeconfig; LOCKSTEP_KEEP_SANDBOX keeps them for a look.
    if (kubeconfig && !process.env.LOCKSTEP_KEEP_SANDBOX)
      await rm(dirname(kubeconfig), { recursive: true, force: true });
    await h?.stop();
  });

  test('keeps the lease and the login token, rolls nothing out, and goes on renewing', async () => {
    const ns = db.tenant.namespace;
    await h.createDeployment(ns, 'api');
    await applyDatabaseCreds(h, db, { rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }] });
    const logDir = dirname(kubeconfig);
    const first = startLockstep(h, kubeconfig, join(logDir, 'lockstep-1.log'));
    procs.push(first);
    await first.ready();

    const creds = await waitFor('the credentials', () => h.secretData(ns, 'db-creds'));
    const renewed = await waitFor('a renewal by the first process', async () => {
      const o = await h.getObject('VaultDynamicSecret', ns, 'creds');
      return o?.status?.lastRenewalTime && o.status.secretLease?.id ? o : undefined;
    });
    const leaseId: string = renewed.status.secretLease.id;
    const accessor: string = renewed.status.lockstep.ledger.tokenAccessor;
    assert.ok(accessor, 'the ledger names the login token of the lease');
    const tokens = await h.core.readNamespacedSecret({
      namespace: h.controllerNamespace,
      name: 'lockstep-vault-tokens',
    });
    assert.ok(Object.keys(tokens.data ?? {}).length > 0, 'the login token was persisted before the restart');
    const rolesBefore = await usersOfDynamicRole(db.role);
    assert.deepEqual(rolesBefore, [creds.username], 'one database role was issued');
    const deployBefore = await h.apps.readNamespacedDeployment({ namespace: ns, name: 'api' });
    const annotationBefore = await h.restartedAt(ns, 'api');
    const loginsBefore = logins();
    assert.ok(loginsBefore > 0, 'the first process logged in through kubernetes auth');

    await first.kill();
    const expiryAtKill = await leaseExpiry(leaseId);
    const killedAt = Math.floor(Date.now() / 1000);

    const second = startLockstep(h, kubeconfig, join(logDir, 'lockstep-2.log'));
    procs.push(second);
    await second.ready();
    const resumed: Obj = await waitFor(
      'a renewal by the second process',
      async () => {
        const o = await h.getObject('VaultDynamicSecret', ns, 'creds');
        return (o?.status?.lastRenewalTime ?? 0) > killedAt ? o : undefined;
      },
      20_000,
    );

    assert.equal(resumed.status.secretLease.id, leaseId, 'the same lease is renewed, none is issued');
    assert.ok((await leaseExpiry(leaseId)) > expiryAtKill, 'OpenBao extended the lease');
    assert.deepEqual(await usersOfDynamicRole(db.role), rolesBefore, 'no new database role');
    assert.deepEqual(await h.secretData(ns, 'db-creds'), creds, 'the Secret still holds the same credentials');
    const deployAfter = await h.apps.readNamespacedDeployment({ namespace: ns, name: 'api' });
    assert.equal(await h.restartedAt(ns, 'api'), annotationBefore, 'no rollout');
    assert.equal(deployAfter.metadata?.generation, deployBefore.metadata?.generation, 'the Deployment was not touched');
    assert.equal(logins(), loginsBefore, 'the second process reused the persisted login token');
    assert.equal(resumed.status.lockstep.ledger.tokenAccessor, accessor);
    const token = await h.bao.write('auth/token/lookup-accessor', { accessor });
    assert.ok(Number(token.data?.ttl) > 0, 'the login token the lease hangs on is alive');

    const c = await connectPostgres({ user: creds.username, password: creds.password });
    await c.end();
  });
});
