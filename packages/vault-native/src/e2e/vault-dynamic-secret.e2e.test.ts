import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectPostgres, postgresConfigFromEnv } from '@lockstep/sandbox';
import {
  apply,
  createDeployment,
  createTenant,
  deleteObject,
  deploymentPatches,
  getObject,
  type Harness,
  readyOf,
  secretData,
  startHarness,
  type Tenant,
  unique,
  waitFor,
} from './harness.ts';

describe('VaultDynamicSecret against OpenBao and PostgreSQL', () => {
  let h: Harness;
  let tenant: Tenant;
  const db = unique('db');
  const pgc = postgresConfigFromEnv();

  const roleExists = async (name: string) => {
    const c = await connectPostgres();
    try {
      return ((await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount ?? 0) > 0;
    } finally {
      await c.end().catch(() => {});
    }
  };

  before(async () => {
    h = await startHarness();
    await h.bao.write(`sys/mounts/${db}`, { type: 'database' });
    await h.bao.write(`${db}/config/pg`, {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@${pgc.host}:${pgc.port}/${pgc.database}?sslmode=disable`,
      username: pgc.user,
      password: pgc.password,
      allowed_roles: ['*'],
    });
    const dbName = `"${pgc.database}"`;
    await h.bao.write(`${db}/roles/app`, {
      db_name: 'pg',
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
        `GRANT CONNECT ON DATABASE ${dbName} TO "{{name}}";`,
      ],
      revocation_statements: [
        `REVOKE ALL PRIVILEGES ON DATABASE ${dbName} FROM "{{name}}";`,
        `DROP ROLE IF EXISTS "{{name}}";`,
      ],
      default_ttl: '4s',
      max_ttl: '9s',
    });
    tenant = await createTenant(
      h,
      [
        `path "${db}/creds/app" { capabilities = ["read"] }`,
        'path "sys/leases/renew" { capabilities = ["update"] }',
        'path "sys/leases/revoke" { capabilities = ["update"] }',
      ].join('\n'),
    );
  });
  after(async () => {
    await h?.stop();
    await h?.bao.delete(`sys/mounts/${db}`).catch(() => {});
  });

  test('credentials connect, are renewed, are re-issued when max_ttl caps them, and the old role goes only after the rollout', async () => {
    const ns = tenant.namespace;
    await createDeployment(h, ns, 'api');
    await apply(h, 'VaultDynamicSecret', ns, 'creds', {
      mount: db,
      path: 'creds/app',
      renewalPercent: 50,
      revoke: true,
      destination: { name: 'db-creds', create: true },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }],
    });
    const first = await waitFor('the credentials', () => secretData(h, ns, 'db-creds'));
    const c = await connectPostgres({ user: first.username, password: first.password });
    assert.equal((await c.query('SELECT current_user AS u')).rows[0].u, first.username);
    await c.end();
    const issued = await waitFor('Ready with a lease', async () => {
      const o = await getObject(h, 'VaultDynamicSecret', ns, 'creds');
      return readyOf(o)?.status === 'True' && o?.status?.secretLease?.id ? o : undefined;
    });
    assert.ok(issued.status.lockstep.ledger.leaseId, 'the ledger records the lease');

    await waitFor(
      'a renewal',
      async () => (await getObject(h, 'VaultDynamicSecret', ns, 'creds'))?.status?.lastRenewalTime,
    );

    const second = await waitFor(
      'new credentials after max_ttl capped the lease',
      async () => {
        const d = await secretData(h, ns, 'db-creds');
        return d && d.username !== first.username ? d : undefined;
      },
      15_000,
    );
    assert.ok(await roleExists(first.username as string), 'the old role lives until the rollout finished');
    await waitFor('the restart', async () => deploymentPatches(h, ns, 'api') >= 1);
    await waitFor('the old role revoked', async () => !(await roleExists(first.username as string)), 10_000);
    const d = await h.apps.readNamespacedDeployment({ namespace: ns, name: 'api' });
    assert.equal(d.status?.observedGeneration, d.metadata?.generation, 'revoked after the rollout finished');
    const c2 = await connectPostgres({ user: second.username, password: second.password });
    await c2.end();

    await deleteObject(h, 'VaultDynamicSecret', ns, 'creds');
    await waitFor('the resource to go', async () => !(await getObject(h, 'VaultDynamicSecret', ns, 'creds')));
    const live = second.username as string;
    await waitFor('the live role revoked on delete', async () => !(await roleExists(live)), 10_000);
  });
});
