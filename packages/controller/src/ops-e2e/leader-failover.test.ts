import assert from 'node:assert/strict';
import { EXTERNAL, externalSecret, type Obj, secretStore } from '../testing/external-resources.ts';
import { dynamicSecret, leaderAndStandby, TAKEOVER_BOUND_MS, VAULT, waitFor, waitReady } from './ops-harness.ts';
import { opsTest } from './ops-test.ts';
import { creates, secretWrites } from './secret-writes.ts';

opsTest(
  { suite: 'leader failover', file: 'failover' },
  'a killed leader is replaced by the standby, which re-issues, rewrites and restarts nothing',
  async (ops) => {
    // The lease must outlive the takeover (lease duration + process start), or re-issuing is right.
    const { db, namespace: ns } = await ops.databaseTenant({ defaultTtl: '20s', maxTtl: '10m' });
    await ops.deployment(ns, 'api');
    await ops.create(
      dynamicSecret(ns, db, { renewalPercent: 40, rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }] }),
    );
    await ops.create(secretStore(ns, 'fake', { fake: { data: [{ key: 'k', value: 'failover-v1' }] } }));
    await ops.create(
      externalSecret(ns, 'app', {
        refreshInterval: '1s',
        secretStoreRef: { name: 'fake' },
        target: { name: 'app' },
        data: [{ secretKey: 'value', remoteRef: { key: 'k' } }],
      }),
    );

    const [a, b] = await leaderAndStandby(ops, 'lockstep-a', 'lockstep-b');

    await waitReady(ops, EXTERNAL, 'ExternalSecret', ns, 'app');
    const renewed = await waitFor('a renewal by the leader', async () => {
      const o = await ops.get(VAULT, 'VaultDynamicSecret', ns, 'creds');
      return o?.status?.lastRenewalTime && o.status.secretLease?.id ? o : undefined;
    });
    const leaseId: string = renewed.status.secretLease.id;
    const creds = await ops.secret(ns, 'db-creds');
    const roles = await ops.pgRoles(db.role);
    assert.equal(roles.length, 1, 'one database role was issued');
    const restartedAt = await ops.restartedAt(ns, 'api');
    const generation = (await ops.apps.readNamespacedDeployment({ namespace: ns, name: 'api' })).metadata?.generation;
    const writesBefore = secretWrites(ops, ns);
    assert.deepEqual(
      creates(writesBefore),
      { 'create app': 1, 'create db-creds': 1 },
      'each target Secret was created once (successful creates: the audit log also records refused ones)',
    );
    assert.equal((await ops.lease())?.holderIdentity, 'lockstep-a');

    await a.kill();
    const killedAt = Math.floor(Date.now() / 1000);
    await waitFor(
      'lockstep-b to take the Lease',
      async () => (await ops.lease())?.holderIdentity === 'lockstep-b',
      TAKEOVER_BOUND_MS,
    );
    await waitFor('lockstep-b to lead', () => b.leading());

    const resumed: Obj = await waitFor('a renewal by the new leader', async () => {
      const o = await ops.get(VAULT, 'VaultDynamicSecret', ns, 'creds');
      return (o?.status?.lastRenewalTime ?? 0) > killedAt ? o : undefined;
    });
    assert.equal(resumed.status.secretLease.id, leaseId, 'the same lease is renewed: none was issued');
    assert.deepEqual(await ops.pgRoles(db.role), roles, 'no new database role');
    assert.deepEqual(await ops.secret(ns, 'db-creds'), creds, 'the credentials Secret is unchanged');
    assert.equal(await ops.restartedAt(ns, 'api'), restartedAt, 'no rollout restart because of the failover');
    const deployment = await ops.apps.readNamespacedDeployment({ namespace: ns, name: 'api' });
    assert.equal(deployment.metadata?.generation, generation, 'the Deployment was not touched');
    // The new leader's first refresh of the ExternalSecret found nothing changed.
    await waitFor('the new leader to refresh the ExternalSecret', async () => {
      const es = await ops.get(EXTERNAL, 'ExternalSecret', ns, 'app');
      return Date.parse(es?.status?.refreshTime ?? '') / 1000 > killedAt;
    });
    assert.deepEqual(secretWrites(ops, ns), writesBefore, 'no Secret was written again after the failover');

    // One remote change after the failover: one write.
    await ops.replaceFakeData(ns, 'fake', [{ key: 'k', value: 'failover-v2' }]);
    await waitFor('the change synced', async () => (await ops.secret(ns, 'app'))?.value === 'failover-v2');
    const syncedAt = Math.floor(Date.now() / 1000);
    await waitFor('a refresh after the change was written', async () => {
      const es = await ops.get(EXTERNAL, 'ExternalSecret', ns, 'app');
      return Date.parse(es?.status?.refreshTime ?? '') / 1000 > syncedAt;
    });
    assert.equal(
      (secretWrites(ops, ns).get('update app') ?? 0) - (writesBefore.get('update app') ?? 0),
      1,
      'the change was written exactly once',
    );
    assert.equal(b.exit(), undefined, 'the new leader keeps running');
  },
);
