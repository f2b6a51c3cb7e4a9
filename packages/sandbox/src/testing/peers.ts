// Helpers for test files that use the shared sandbox started by the global setup.
import { KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import pg from 'pg';
import { type OpenBaoApi, openBaoApi } from '../peers/openbao-api.ts';
import type { PeerName } from '../sandbox.ts';
import type { MotoConnection } from '../seed/moto.ts';
import type { PostgresConnection } from '../seed/openbao-engines.ts';

/** The variables each peer publishes (see <sandbox dir>/env). */
export const PEER_ENV: Record<PeerName, readonly string[]> = {
  apiserver: ['KUBECONFIG', 'LOCKSTEP_SANDBOX_URL'],
  openbao: ['BAO_ADDR', 'BAO_TOKEN'],
  postgres: ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'],
  moto: ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
  webhook: ['LOCKSTEP_WEBHOOK_URL', 'LOCKSTEP_WEBHOOK_CA_FILE', 'LOCKSTEP_WEBHOOK_TOKEN'],
};

/**
 * Returns the named variables (a peer name stands for all of its variables). Missing ones
 * THROW: an integration test without its peer must fail, never skip quietly.
 */
/** `make test-unit` sets LOCKSTEP_TEST_TIER=unit: a test reaching for a peer there is misnamed. */
export function refuseInUnitTier(what: string): void {
  if (process.env.LOCKSTEP_TEST_TIER !== 'unit') return;
  throw new Error(
    `this test needs the sandbox (${what}): name its file *.e2e.test.ts so \`make test-unit\` leaves it to \`make test\``,
  );
}

export function requirePeerEnv(...names: (PeerName | (string & {}))[]): Record<string, string> {
  const wanted = names.flatMap((n) => (n in PEER_ENV ? PEER_ENV[n as PeerName] : [n]));
  const missing = wanted.filter((n) => !process.env[n]);
  if (missing.length > 0) refuseInUnitTier(missing.join(', '));
  if (missing.length > 0) {
    throw new Error(
      `missing sandbox environment: ${missing.join(', ')}. Run the tests with ` +
        '--test-global-setup=packages/sandbox/src/testing/global-setup.ts (as `make test` does), ' +
        'or start `make sandbox` and `source .sandbox/env` first.',
    );
  }
  return Object.fromEntries(wanted.map((n) => [n, process.env[n] as string]));
}

/** The sandbox's OpenBao, with the root token unless another token is given. */
export function openBaoFromEnv(token?: string): OpenBaoApi {
  const env = requirePeerEnv('openbao');
  return openBaoApi(env.BAO_ADDR as string, token ?? env.BAO_TOKEN);
}

export function postgresConfigFromEnv(): PostgresConnection {
  const env = requirePeerEnv('postgres');
  return {
    host: env.PGHOST as string,
    port: Number(env.PGPORT),
    user: env.PGUSER as string,
    password: env.PGPASSWORD as string,
    database: env.PGDATABASE as string,
  };
}

/** A connected client to the sandbox's PostgreSQL (the superuser unless overridden); end() it. */
export async function connectPostgres(overrides: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = new pg.Client({ ...postgresConfigFromEnv(), connectionTimeoutMillis: 5000, ...overrides });
  client.on('error', () => {}); // a revoked role's connection may drop; the test asserts on queries
  await client.connect();
  return client;
}

/** The PostgreSQL users OpenBao created for a dynamic role (named `v-…-<role>-…`), sorted. */
export async function usersOfDynamicRole(role: string): Promise<string[]> {
  const c = await connectPostgres();
  try {
    const rows = await c.query<{ rolname: string }>(
      'SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY rolname',
      [`v-%-${role}-%`],
    );
    return rows.rows.map((r) => r.rolname);
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * A one-replica Deployment whose pod template a rollout restart can change. kwok makes Pods
 * Ready at once; `minReadySeconds` holds the rollout open that long, for tests that observe
 * what happens before it finishes.
 */
export function appDeployment(name: string, opts: { minReadySeconds?: number } = {}): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      ...(opts.minReadySeconds ? { minReadySeconds: opts.minReadySeconds } : {}),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
    },
  };
}

export function kubeConfigFromEnv(): KubeConfig {
  const env = requirePeerEnv('apiserver');
  const kc = new KubeConfig();
  kc.loadFromFile(env.KUBECONFIG as string);
  return kc;
}

export function motoFromEnv(): MotoConnection {
  const env = requirePeerEnv('moto');
  return {
    endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER as string,
    region: 'us-east-1',
    accessKeyId: 'testing',
    secretAccessKey: 'testing',
  };
}
