// Test support: the real OpenBao started by the sandbox's global setup (BAO_ADDR, BAO_TOKEN),
// and helpers that seed isolated mounts and roles with unique names so test files can run in
// parallel against one server. Missing peers fail the test run; nothing here skips.

import { randomBytes } from 'node:crypto';
import { requirePeerEnv } from '@lockstep/sandbox';
import { VaultClient } from '../vault-client.ts';

export interface BaoPeer {
  addr: string;
  rootToken: string;
}

export function baoPeer(): BaoPeer {
  const env = requirePeerEnv('openbao');
  return { addr: env.BAO_ADDR as string, rootToken: env.BAO_TOKEN as string };
}

/** A name no other test file uses: `prefix-1a2b3c4d`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A client on the shared OpenBao plus its root token, for seeding. */
export function rootClient(): { client: VaultClient; root: string; peer: BaoPeer } {
  const peer = baoPeer();
  return { client: new VaultClient({ address: peer.addr }), root: peer.rootToken, peer };
}

/** Enables a KV mount with a unique path; answers the path. */
export async function mountKv(client: VaultClient, root: string, version: 1 | 2, prefix = 'kv'): Promise<string> {
  const mount = uniqueName(`${prefix}${version}`);
  await client.write(`sys/mounts/${mount}`, { type: 'kv', options: { version: String(version) } }, { token: root });
  return mount;
}

/** Enables an auth method at a unique mount; answers the mount. */
export async function enableAuth(client: VaultClient, root: string, type: string): Promise<string> {
  const mount = uniqueName(type);
  await client.write(`sys/auth/${mount}`, { type }, { token: root });
  return mount;
}

/** Writes a policy with a unique name; answers the name. */
export async function writePolicy(client: VaultClient, root: string, hcl: string): Promise<string> {
  const name = uniqueName('policy');
  await client.write(`sys/policies/acl/${name}`, { policy: hcl }, { token: root });
  return name;
}

/** The sandbox PostgreSQL (for a dynamic secrets engine with renewable leases). */
export function postgresEnv(): { host: string; port: number; user: string; password: string; database: string } {
  const missing = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'].filter((n) => !process.env[n]);
  if (missing.length > 0) {
    throw new Error(`${missing.join(', ')} not set: run the tests with the sandbox global setup`);
  }
  const env = process.env as Record<string, string>;
  return {
    host: env.PGHOST as string,
    port: Number(env.PGPORT),
    user: env.PGUSER as string,
    password: env.PGPASSWORD as string,
    database: env.PGDATABASE as string,
  };
}
