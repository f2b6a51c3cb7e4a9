import assert from 'node:assert/strict';
import { externalSecret, type Obj, secretStore } from '../testing/external-resources.ts';
import { readyOf } from '../testing/ready-condition.ts';
import { dynamicSecret, leaderArgs, type Ops, VAULT, waitFor, waitReady } from './ops-harness.ts';
import { opsTest } from './ops-test.ts';

const SHUTDOWN_TIMEOUT_MS = 3_000;
/** Past the deadline plus this margin the test SIGKILLs, and the exit assertion fails. */
const EXIT_MARGIN_MS = 5_000;
const EXTERNAL_SECRETS = 100;
// A release hands over at once, so no short lease is needed; a roomy renew deadline keeps the
// leader from losing the Lease while 100 creates load the API server this test process hosts.
const LEADER_ARGS = leaderArgs(10_000, 8_000, 1_000);

opsTest(
  { suite: 'graceful shutdown', file: 'shutdown' },
  'SIGTERM during a busy sync exits 0 by the deadline, revokes nothing, releases the Lease; the next leader finishes',
  async (ops) => {
    const { db, namespace: ns } = await ops.databaseTenant({ defaultTtl: '1m', maxTtl: '10m' });
    // revoke: true — a shutdown must still not revoke it: only deleting the resource does.
    await ops.create(dynamicSecret(ns, db));
    await ops.create(secretStore(ns, 'fake', { fake: { data: [{ key: 'k', value: 'shutdown-value' }] } }));

    const first = ops.lockstep('lockstep-a', [...LEADER_ARGS, '--shutdown-timeout', String(SHUTDOWN_TIMEOUT_MS)]);
    await first.ready();
    await waitFor('lockstep-a to lead', () => first.leading());
    const issued = await waitReady(ops, VAULT, 'VaultDynamicSecret', ns, 'creds');
    const leaseId: string = issued.status.secretLease.id;
    const roles = await ops.pgRoles(db.role);
    assert.equal(roles.length, 1);

    const names = Array.from({ length: EXTERNAL_SECRETS }, (_, i) => `es-${i}`);
    await Promise.all(
      names.map((name) =>
        ops.create(
          externalSecret(ns, name, {
            refreshInterval: '1h',
            secretStoreRef: { name: 'fake' },
            target: { name },
            data: [{ secretKey: 'value', remoteRef: { key: 'k' } }],
          }),
        ),
      ),
    );
    // Stop while the sync is under way: some targets written, most not yet.
    await waitFor('the first ExternalSecrets synced', async () => (await ready(ops, ns, names)) > 0);
    const exit = await first.terminate(SHUTDOWN_TIMEOUT_MS + EXIT_MARGIN_MS);
    assert.deepEqual(exit, { code: 0, signal: null }, 'exited by itself with status 0 within the deadline');

    assert.deepEqual(await ops.pgRoles(db.role), roles, 'the database role was not revoked');
    const lookup = await ops.bao.write('sys/leases/lookup', { lease_id: leaseId });
    assert.ok(Number(lookup.data?.ttl) > 0, 'the lease is still valid');
    const lease = await ops.lease();
    assert.ok(lease, 'the Lease exists');
    assert.ok(!lease.holderIdentity, `the Lease was released (holder: ${lease.holderIdentity})`);

    const second = ops.lockstep('lockstep-b', LEADER_ARGS);
    await second.ready();
    await waitFor('lockstep-b to lead', () => second.leading());
    await waitFor(
      `all ${EXTERNAL_SECRETS} ExternalSecrets Ready`,
      async () => (await ready(ops, ns, names)) === names.length,
      60_000,
    );
    const resumed: Obj = await waitReady(ops, VAULT, 'VaultDynamicSecret', ns, 'creds');
    assert.equal(resumed.status.secretLease.id, leaseId, 'the next leader keeps the lease');
    assert.deepEqual(await ops.pgRoles(db.role), roles);
  },
);

/** How many of the ExternalSecrets are Ready. */
async function ready(ops: Ops, namespace: string, names: string[]): Promise<number> {
  const list = (await ops.custom.listNamespacedCustomObject({
    group: 'external.lockstep.dev',
    version: 'v1',
    namespace,
    plural: 'externalsecrets',
  })) as { items: Obj[] };
  const wanted = new Set(names);
  return list.items.filter((es) => wanted.has(es.metadata?.name ?? '') && readyOf(es)?.status === 'True').length;
}
