import pg from 'pg';
import type { OpenBaoApi } from '../peers/openbao-api.ts';
import { SEED_DEFAULTS } from './defaults.ts';
import { enableSecretsEngine } from './openbao-mounts.ts';

/** Example secrets written to both KV mounts, path -> data. */
export const EXAMPLE_KV_SECRETS: Record<string, Record<string, string>> = {
  'app/config': { username: 'app', password: 'correct-horse-battery-staple', url: 'https://app.example.com' },
  'app/api-key': { key: 'sk-sandbox-0123456789abcdef' },
};

export interface KvSeedOptions {
  v1Mount?: string;
  v2Mount?: string;
  secrets?: Record<string, Record<string, string>>;
}

export interface KvSeed {
  v1Mount: string;
  v2Mount: string;
  paths: string[];
}

export async function seedKv(bao: OpenBaoApi, opts: KvSeedOptions = {}): Promise<KvSeed> {
  const v1Mount = opts.v1Mount ?? SEED_DEFAULTS.kvV1Mount;
  const v2Mount = opts.v2Mount ?? SEED_DEFAULTS.kvV2Mount;
  const secrets = opts.secrets ?? EXAMPLE_KV_SECRETS;
  await enableSecretsEngine(bao, v1Mount, 'kv', { version: '1' });
  await enableSecretsEngine(bao, v2Mount, 'kv', { version: '2' });
  // A fresh KV v2 mount needs a moment before it accepts writes ("upgrading"); retry briefly.
  for (const [path, data] of Object.entries(secrets)) {
    await bao.write(`${v1Mount}/${path}`, data);
    await retrying(() => bao.write(`${v2Mount}/data/${path}`, { data }));
  }
  return { v1Mount, v2Mount, paths: Object.keys(secrets) };
}

export interface PostgresConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface DatabaseSeedOptions {
  postgres: PostgresConnection;
  mount?: string;
  connectionName?: string;
  dynamicRole?: { name?: string; defaultTtl?: string; maxTtl?: string };
  /** A pre-created PostgreSQL role whose password OpenBao rotates; `false` skips it. */
  staticRole?: { name?: string; username?: string; rotationPeriod?: string } | false;
}

export interface DatabaseSeed {
  mount: string;
  connectionName: string;
  dynamicRole: string;
  staticRole: string | undefined;
  staticUsername: string | undefined;
}

export async function seedDatabase(bao: OpenBaoApi, opts: DatabaseSeedOptions): Promise<DatabaseSeed> {
  const mount = opts.mount ?? SEED_DEFAULTS.databaseMount;
  const connectionName = opts.connectionName ?? SEED_DEFAULTS.databaseConnection;
  const pgc = opts.postgres;
  const db = quoteIdent(pgc.database);
  await enableSecretsEngine(bao, mount, 'database');
  await bao.write(`${mount}/config/${connectionName}`, {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@${pgc.host}:${pgc.port}/${pgc.database}?sslmode=disable`,
    username: pgc.user,
    password: pgc.password,
    allowed_roles: ['*'],
    verify_connection: true,
  });

  const dynamicRole = opts.dynamicRole?.name ?? SEED_DEFAULTS.dynamicRole;
  await bao.write(`${mount}/roles/${dynamicRole}`, {
    db_name: connectionName,
    creation_statements: [
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
      `GRANT CONNECT ON DATABASE ${db} TO "{{name}}";`,
    ],
    // The CONNECT grant is a dependency: revoke it first or DROP ROLE fails.
    revocation_statements: [
      `REVOKE ALL PRIVILEGES ON DATABASE ${db} FROM "{{name}}";`,
      `DROP ROLE IF EXISTS "{{name}}";`,
    ],
    default_ttl: opts.dynamicRole?.defaultTtl ?? '1h',
    max_ttl: opts.dynamicRole?.maxTtl ?? '24h',
  });

  let staticRole: string | undefined;
  let staticUsername: string | undefined;
  if (opts.staticRole !== false) {
    staticRole = opts.staticRole?.name ?? SEED_DEFAULTS.staticRole;
    staticUsername = opts.staticRole?.username ?? SEED_DEFAULTS.staticUsername;
    await createLoginRole(pgc, staticUsername);
    await bao.write(`${mount}/static-roles/${staticRole}`, {
      db_name: connectionName,
      username: staticUsername,
      rotation_period: opts.staticRole?.rotationPeriod ?? '60s',
    });
  }
  return { mount, connectionName, dynamicRole, staticRole, staticUsername };
}

async function createLoginRole(pgc: PostgresConnection, username: string): Promise<void> {
  const client = new pg.Client({ ...pgc, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
    if (exists.rowCount === 0) await client.query(`CREATE ROLE ${quoteIdent(username)} WITH LOGIN`);
    await client.query(`GRANT CONNECT ON DATABASE ${quoteIdent(pgc.database)} TO ${quoteIdent(username)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface PkiSeedOptions {
  mount?: string;
  commonName?: string;
  roleName?: string;
  allowedDomains?: string[];
  maxTtl?: string;
  /** EC keys keep seeding and issuing fast on small machines. */
  keyType?: 'ec' | 'rsa';
}

export interface PkiSeed {
  mount: string;
  roleName: string;
  caPem: string;
}

export async function seedPki(bao: OpenBaoApi, opts: PkiSeedOptions = {}): Promise<PkiSeed> {
  const mount = opts.mount ?? SEED_DEFAULTS.pkiMount;
  const roleName = opts.roleName ?? SEED_DEFAULTS.pkiRole;
  const keyType = opts.keyType ?? 'ec';
  const keyBits = keyType === 'ec' ? 256 : 2048;
  await enableSecretsEngine(bao, mount, 'pki');
  await bao.write(`sys/mounts/${mount}/tune`, { max_lease_ttl: '87600h' });
  const root = await bao.write(`${mount}/root/generate/internal`, {
    common_name: opts.commonName ?? 'Lockstep Sandbox Root CA',
    ttl: '87600h',
    key_type: keyType,
    key_bits: keyBits,
  });
  await bao.write(`${mount}/roles/${roleName}`, {
    allowed_domains: opts.allowedDomains ?? ['example.com'],
    allow_subdomains: true,
    allow_localhost: true,
    allow_ip_sans: true,
    max_ttl: opts.maxTtl ?? '72h',
    key_type: keyType,
    key_bits: keyBits,
  });
  return { mount, roleName, caPem: String(root.data?.certificate ?? '') };
}

export async function seedTransit(
  bao: OpenBaoApi,
  opts: { mount?: string; keyName?: string } = {},
): Promise<{ mount: string; keyName: string }> {
  const mount = opts.mount ?? SEED_DEFAULTS.transitMount;
  const keyName = opts.keyName ?? SEED_DEFAULTS.transitKey;
  await enableSecretsEngine(bao, mount, 'transit');
  await bao.write(`${mount}/keys/${keyName}`, {});
  return { mount, keyName };
}

async function retrying<T>(call: () => Promise<T>, attempts = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
