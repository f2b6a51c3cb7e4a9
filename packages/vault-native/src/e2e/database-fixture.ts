// A database secrets engine of a test file's own over the sandbox's PostgreSQL: a dynamic role
// with the short TTLs the test needs, a tenant allowed to read its credentials and renew or
// revoke their leases, the VaultDynamicSecret that syncs them, and the PostgreSQL checks the
// tests assert on (does a login work, which roles exist).

import { connectPostgres, postgresConfigFromEnv, seedDatabase } from '@lockstep/sandbox';
import { type Harness, type Tenant, unique } from './harness.ts';

export interface DynamicDatabase {
  mount: string;
  /** Eight characters: OpenBao keeps the first eight of the role name in the PostgreSQL user name. */
  role: string;
  tenant: Tenant;
}

/** A database mount of the file's own over the sandbox's PostgreSQL (connection `pg`) with one dynamic role. */
export async function databaseMount(
  h: Harness,
  ttl: { defaultTtl: string; maxTtl: string },
): Promise<{ mount: string; role: string }> {
  const mount = await h.mount('db', 'database');
  const role = unique('r').slice(0, 8);
  await seedDatabase(h.bao, {
    postgres: postgresConfigFromEnv(),
    mount,
    connectionName: 'pg',
    dynamicRole: { name: role, ...ttl },
    staticRole: false,
  });
  return { mount, role };
}

export async function createDynamicDatabase(
  h: Harness,
  ttl: { defaultTtl: string; maxTtl: string },
): Promise<DynamicDatabase> {
  const { mount, role } = await databaseMount(h, ttl);
  const tenant = await h.createTenant(
    [
      `path "${mount}/creds/${role}" { capabilities = ["read"] }`,
      'path "sys/leases/renew" { capabilities = ["update"] }',
      'path "sys/leases/revoke" { capabilities = ["update"] }',
    ].join('\n'),
  );
  return { mount, role, tenant };
}

/** VaultDynamicSecret `creds` into Secret `db-creds`: renewed at half the lease, revoked on delete. */
export async function applyDatabaseCreds(h: Harness, db: DynamicDatabase, extra: object = {}): Promise<void> {
  await h.apply('VaultDynamicSecret', db.tenant.namespace, 'creds', {
    mount: db.mount,
    path: `creds/${db.role}`,
    renewalPercent: 50,
    revoke: true,
    destination: { name: 'db-creds', create: true },
    ...extra,
  });
}

/** `ok` when these credentials log in to PostgreSQL, else the error PostgreSQL answered. */
export async function tryLogin(user: string, password: string): Promise<'ok' | string> {
  try {
    const c = await connectPostgres({ user, password });
    await c.query('SELECT 1');
    await c.end();
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

export async function roleExists(name: string): Promise<boolean> {
  const c = await connectPostgres();
  try {
    return ((await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount ?? 0) > 0;
  } finally {
    await c.end().catch(() => {});
  }
}
